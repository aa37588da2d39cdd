// A citizen's rights under UU PDP on the tracking page: download everything held about them in the report,
// correct their contact, erase their personal data for good (after a clear confirmation). Proven by the
// receipt's secret, or by a code sent to the phone the report came from (reports filed by SMS have no secret).
import { useState } from "preact/hooks";
import { gql } from "../api.js";
import { formatDate, pick, t } from "../i18n.js";

const REFUSALS = `... on NotAllowed { code message messageEn } ... on RateLimited { message messageEn }`;
const EXPORT = `mutation($proof: CitizenProofInput!) { r: exportMyData(proof: $proof) { __typename
  ... on PersonalDataExport { fileName data } ${REFUSALS} } }`;
const CORRECT = `mutation($proof: CitizenProofInput!, $contact: ContactInput!) { r: correctMyContact(proof: $proof, contact: $contact) {
  __typename ... on ContactCorrected { changedFields } ... on ValidationError { message messageEn problems { message messageEn } } ${REFUSALS} } }`;
const ERASE = `mutation($proof: CitizenProofInput!) { r: eraseMyData(proof: $proof) { __typename
  ... on PersonalDataErased { erasedAt alreadyErased } ${REFUSALS} } }`;
const REQUEST_CODE = `mutation($phone: String!, $language: String!) { r: requestVerificationCode(phone: $phone, language: $language) {
  __typename ... on RateLimited { message messageEn } ... on ValidationError { message messageEn } } }`;
const VERIFY = `mutation($phone: String!, $code: String!) { r: verifyPhoneForMyData(phone: $phone, code: $code) {
  __typename ... on PhoneDataAccess { phoneToken trackingCodes } ... on NotVerified { message messageEn }
  ... on ValidationError { message messageEn } ... on RateLimited { message messageEn } } }`;
const FIELDS = ["name", "phone", "email", "nik"];

function download(fileName, data) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function MyData({ code, secret, setSecret }) {
  const [phone, setPhone] = useState("");
  const [smsCode, setSmsCode] = useState("");
  const [codeSent, setCodeSent] = useState(false);
  const [phoneToken, setPhoneToken] = useState(null);
  const [byPhone, setByPhone] = useState(false);
  const [contact, setContact] = useState(null); // the correction form's values while it is open
  const [confirming, setConfirming] = useState(false);
  const [understood, setUnderstood] = useState(false);
  const [feedback, setFeedback] = useState(null); // { ok, text }
  const [busy, setBusy] = useState(false);

  const proof = () => (phoneToken ? { trackingCode: code, phone, phoneToken } : { trackingCode: code, secret });
  const failed = (result) => setFeedback({ ok: false, text: pick(result.message, result.messageEn) || t("track.failed") });

  async function run(query, variables, done) {
    setBusy(true);
    setFeedback(null);
    try {
      const { r } = await gql(query, variables);
      if (["NotAllowed", "RateLimited", "ValidationError", "NotVerified"].includes(r.__typename)) failed(r);
      else await done(r);
    } catch (error) {
      setFeedback({ ok: false, text: t("common.error") });
    } finally {
      setBusy(false);
    }
  }

  const exportData = () => run(EXPORT, { proof: proof() }, (r) => {
    download(r.fileName, r.data);
    setFeedback({ ok: true, text: t("rights.downloaded") });
  });
  const openCorrection = () => run(EXPORT, { proof: proof() }, (r) => {
    const stored = r.data.contact || {};
    setContact(Object.fromEntries(FIELDS.map((f) => [f, stored[f] || ""])));
  });
  const saveCorrection = (e) => {
    e.preventDefault();
    run(CORRECT, { proof: proof(), contact }, (r) => {
      setContact(null);
      setFeedback({ ok: true, text: t(r.changedFields.length ? "rights.corrected" : "rights.unchanged") });
    });
  };
  const erase = () => run(ERASE, { proof: proof() }, (r) => {
    setConfirming(false);
    setFeedback({ ok: true, text: t(r.alreadyErased ? "rights.alreadyErased" : "rights.erased", { date: formatDate(r.erasedAt, true) }) });
  });
  const requestCode = () => run(REQUEST_CODE, { phone, language: document.documentElement.lang || "id" }, () => {
    setCodeSent(true);
    setFeedback({ ok: true, text: t("rights.codeSent") });
  });
  const verify = () => run(VERIFY, { phone, code: smsCode }, (r) => {
    if (!r.trackingCodes.includes(code)) { setFeedback({ ok: false, text: t("rights.phoneNotLinked") }); return; }
    setPhoneToken(r.phoneToken);
    setFeedback({ ok: true, text: t("rights.phoneVerified") });
  });

  const proven = Boolean(phoneToken || secret);
  return (
    <section class="panel" aria-labelledby="rights-title" data-testid="my-data">
      <h3 id="rights-title">{t("rights.title")}</h3>
      <p class="hint">{t("rights.intro")}</p>
      {!byPhone && (
        <div class="field">
          <label for="f-rights-secret">{t("rights.secret")}</label>
          <input id="f-rights-secret" value={secret} autoComplete="off" onInput={(e) => setSecret(e.currentTarget.value)} />
          <button type="button" class="secondary" onClick={() => setByPhone(true)}>{t("rights.usePhone")}</button>
        </div>
      )}
      {byPhone && !phoneToken && (
        <div class="field">
          <label for="f-rights-phone">{t("rights.phone")}</label>
          <input id="f-rights-phone" type="tel" value={phone} autoComplete="tel" onInput={(e) => setPhone(e.currentTarget.value)} />
          <button type="button" class="secondary" disabled={busy || !phone} onClick={requestCode}>{t("rights.sendCode")}</button>
          {codeSent && (
            <>
              <label for="f-rights-code">{t("rights.code")}</label>
              <input id="f-rights-code" inputMode="numeric" value={smsCode} autoComplete="one-time-code" onInput={(e) => setSmsCode(e.currentTarget.value)} />
              <button type="button" class="primary" disabled={busy || !smsCode} onClick={verify}>{t("rights.verify")}</button>
            </>
          )}
          <button type="button" class="secondary" onClick={() => setByPhone(false)}>{t("rights.useSecret")}</button>
        </div>
      )}
      {proven && !contact && !confirming && (
        <div class="row">
          <button type="button" class="primary" disabled={busy} onClick={exportData}>{t("rights.download")}</button>
          <button type="button" class="secondary" disabled={busy} onClick={openCorrection}>{t("rights.correct")}</button>
          <button type="button" class="secondary danger" disabled={busy} onClick={() => { setUnderstood(false); setConfirming(true); }}>{t("rights.erase")}</button>
        </div>
      )}
      {contact && (
        <form onSubmit={saveCorrection}>
          <h4>{t("rights.correctTitle")}</h4>
          <p class="hint">{t("rights.correctHint")}</p>
          {FIELDS.map((field) => (
            <div class="field" key={field}>
              <label for={"f-contact-" + field}>{t("rights.field." + field)}</label>
              <input id={"f-contact-" + field} value={contact[field]} autoComplete="off"
                onInput={(e) => setContact({ ...contact, [field]: e.currentTarget.value })} />
            </div>
          ))}
          <button type="submit" class="primary" disabled={busy}>{t("rights.save")}</button>
          <button type="button" class="secondary" onClick={() => setContact(null)}>{t("rights.cancel")}</button>
        </form>
      )}
      {confirming && (
        <div class="confirm" role="group" aria-labelledby="erase-title">
          <h4 id="erase-title">{t("rights.eraseTitle")}</h4>
          <ul>
            <li>{t("rights.erase.contact")}</li>
            <li>{t("rights.erase.texts")}</li>
            <li>{t("rights.erase.stays")}</li>
            <li>{t("rights.erase.final")}</li>
          </ul>
          <label class="choice"><input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.currentTarget.checked)} />
            {t("rights.erase.understood")}</label>
          <button type="button" class="primary danger" disabled={busy || !understood} onClick={erase}>{t("rights.erase.confirm")}</button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>{t("rights.cancel")}</button>
        </div>
      )}
      <p aria-live="polite" class={feedback && !feedback.ok ? "error" : "live"} data-testid="rights-feedback">{feedback ? feedback.text : ""}</p>
    </section>
  );
}
