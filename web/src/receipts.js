// Receipts (tracking code and citizen secret) are kept only in this browser.
const KEY = "suara-receipts";

export function saveReceipt(code, secret) {
  const all = JSON.parse(localStorage.getItem(KEY) || "{}");
  all[code.replace(/-/g, "")] = secret;
  localStorage.setItem(KEY, JSON.stringify(all));
}

export function secretFor(code) {
  const all = JSON.parse(localStorage.getItem(KEY) || "{}");
  return all[(code || "").toUpperCase().replace(/[^0-9A-Z]/g, "")] || "";
}
