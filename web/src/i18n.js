// Every visible string comes from the message files; Bahasa Indonesia first, English by a switch.
import { translator } from "./language.js";
import id from "./messages/id.json";
import en from "./messages/en.json";

export { formatDate, formatNumber, lang, pick, setLang } from "./language.js";
export const t = translator({ id, en });
