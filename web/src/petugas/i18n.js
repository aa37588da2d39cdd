// The workspace's own strings (kept out of the public bundle); the language choice is shared with
// the public pages. Bahasa Indonesia first, English by a switch.
import { formatDate as formatDay, pick, translator } from "../language.js";
import id from "../messages/petugas.id.json";
import en from "../messages/petugas.en.json";

export { lang, pick, setLang } from "../language.js";
export const t = translator({ id, en });

/** The server's Indonesian or English message of a result. */
export function message(result) {
  return pick(result.message, result.messageEn);
}

/** Workspace dates carry the time unless told otherwise. */
export function formatDate(iso, withTime = true) {
  return formatDay(iso, withTime);
}

/** Calendar days left until a deadline (negative when passed): working days come from the API later. */
export function daysLeft(iso) {
  if (!iso) return null;
  return Math.ceil((new Date(iso).getTime() - Date.now()) / 86400000);
}
