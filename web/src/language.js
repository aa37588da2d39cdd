// The reader's language and the formats that follow it, shared by the public pages and the workspace;
// each entry brings only its own message catalogues (see i18n.js and petugas/i18n.js).
import { signal } from "./signal.js";

const saved = typeof localStorage !== "undefined" ? localStorage.getItem("suara-lang") : null;
export const lang = signal(saved === "en" ? "en" : "id");

export function setLang(value) {
  lang.value = value;
  localStorage.setItem("suara-lang", value);
  document.documentElement.lang = value;
}

/** `t(key, params)` over these catalogues: the current language, else Indonesian, else the key;
 * `t.add(more)` adds a chunk's own messages. */
export function translator(catalogues) {
  const t = (key, params = {}) => {
    const text = catalogues[lang.value][key] ?? catalogues.id[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? `{${name}}`));
  };
  /** Messages a lazily loaded chunk brings along (a map page's), added to these catalogues. */
  t.add = (more) => { for (const language of Object.keys(catalogues)) Object.assign(catalogues[language], more[language]); };
  return t;
}

/** Pick the server's Indonesian or English field for the current language. */
export function pick(idText, enText) {
  return lang.value === "en" && enText ? enText : idText;
}

export function formatDate(iso, withTime = false) {
  if (!iso) return "—";
  const options = withTime
    ? { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Jakarta" }
    : { dateStyle: "medium", timeZone: "Asia/Jakarta" };
  return new Intl.DateTimeFormat(lang.value === "en" ? "en-GB" : "id-ID", options).format(new Date(iso));
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(lang.value === "en" ? "en-GB" : "id-ID", {
    maximumFractionDigits: digits, minimumFractionDigits: digits,
  }).format(value);
}
