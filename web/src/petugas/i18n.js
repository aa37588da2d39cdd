// The workspace's own strings (kept out of the public bundle); the language choice is shared with
// the public pages. Bahasa Indonesia first, English by a switch.
import { signal } from "../signal.js";
import id from "../messages/petugas.id.json";
import en from "../messages/petugas.en.json";

const catalogues = { id, en };
const saved = typeof localStorage !== "undefined" ? localStorage.getItem("suara-lang") : null;
export const lang = signal(saved === "en" ? "en" : "id");

export function setLang(value) {
  lang.value = value;
  localStorage.setItem("suara-lang", value);
  document.documentElement.lang = value;
}

export function t(key, params = {}) {
  const text = catalogues[lang.value][key] ?? catalogues.id[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? `{${name}}`));
}

/** The server's Indonesian or English message of a result. */
export function message(result) {
  return lang.value === "en" && result.messageEn ? result.messageEn : result.message;
}

export function pick(idText, enText) {
  return lang.value === "en" && enText ? enText : idText;
}

export function formatDate(iso, withTime = true) {
  if (!iso) return "—";
  const options = withTime ? { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Jakarta" }
    : { dateStyle: "medium", timeZone: "Asia/Jakarta" };
  return new Intl.DateTimeFormat(lang.value === "en" ? "en-GB" : "id-ID", options).format(new Date(iso));
}

/** Calendar days left until a deadline (negative when passed): working days come from the API later. */
export function daysLeft(iso) {
  if (!iso) return null;
  return Math.ceil((new Date(iso).getTime() - Date.now()) / 86400000);
}
