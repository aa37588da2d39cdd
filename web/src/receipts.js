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

// Codes of this browser's receipts whose phone still waits for its owner's confirmation (no SMS until then).
const TO_VERIFY = "suara-phones-to-verify";

export function markPhoneToVerify(code, waiting = true) {
  const plain = (code || "").replace(/-/g, "");
  const codes = new Set(JSON.parse(localStorage.getItem(TO_VERIFY) || "[]"));
  if (waiting) codes.add(plain); else codes.delete(plain);
  localStorage.setItem(TO_VERIFY, JSON.stringify([...codes]));
}

export function phoneToVerify(code) {
  return JSON.parse(localStorage.getItem(TO_VERIFY) || "[]").includes((code || "").replace(/-/g, ""));
}
