// Every visible string comes from the message files; Bahasa Indonesia first, English by a switch.
import { translator } from "./language.js";
import id from "./messages/id.json";
import en from "./messages/en.json";

export { formatDate, formatNumber, lang, pick, setLang } from "./language.js";
const catalogues = { id, en };
export const t = translator(catalogues);

/** Messages a lazily loaded chunk brings along (the map pages'), added to the catalogues. */
export function addMessages(more) {
  for (const language of Object.keys(catalogues)) Object.assign(catalogues[language], more[language]);
}
