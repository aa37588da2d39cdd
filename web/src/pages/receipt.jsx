import { useState } from "preact/hooks";
import { gql } from "../api.js";
import { pick, t } from "../i18n.js";
import { markPhoneToVerify, phoneToVerify, secretFor } from "../receipts.js";

const REQUEST_CODE = `mutation($code: String!, $secret: String!, $l: String!) {
  requestReporterPhoneCode(trackingCode: $code, secret: $secret, language: $l) { __typename
  ... on RateLimited { message messageEn } ... on NotAllowed { message messageEn }
  ... on NotFound { message messageEn } ... on ValidationError { message messageEn } } }`;
const VERIFY = `mutation($code: String!, $secret: String!, $sms: String!) {
  verifyReporterPhone(trackingCode: $code, secret: $secret, code: $sms) { __typename
  ... on NotVerified { message messageEn } ... on NotAllowed { message messageEn }
  ... on NotFound { message messageEn } ... on ValidationError { message messageEn } } }`;

// Status SMS go only to a number its owner confirmed, so a form cannot be used to message someone else.
function VerifyPhone({ code, secret }) {
  const [step, setStep] = useState("start");
  const [sms, setSms] = useState("");
  const [error, setError] = useState("");
  async function request(e) {
    e.preventDefault();
    setError("");
    const { requestReporterPhoneCode: r } = await gql(REQUEST_CODE, { code, secret, l: document.documentElement.lang });
    if (r.__typename === "VerificationCodeSent") setStep("sent"); else setError(pick(r.message, r.messageEn));
  }
  async function verify(e) {
    e.preventDefault();
    setError("");
    const { verifyReporterPhone: r } = await gql(VERIFY, { code, secret, sms });
    if (r.__typename !== "ReporterPhoneVerified") { setError(pick(r.message, r.messageEn)); return; }
    markPhoneToVerify(code, false);
    setStep("done");
  }
  return (
    <div class="panel verify">
      <h2>{t("receipt.phone.title")}</h2>
      {step === "done" ? <p role="status">{t("receipt.phone.done")}</p> : <p>{t("receipt.phone.lead")}</p>}
      {step === "start" && (
        <form class="inline" onSubmit={request}>
          <button type="submit" class="primary">{t("receipt.phone.send")}</button>
        </form>
      )}
      {step === "sent" && (
        <form class="inline" onSubmit={verify}>
          <label for="f-receipt-sms-code">{t("verify.code")}</label>
          <input id="f-receipt-sms-code" inputMode="numeric" autoComplete="one-time-code" value={sms} onInput={(e) => setSms(e.currentTarget.value)} />
          <button type="submit" class="primary">{t("verify.check")}</button>
        </form>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}

export function Receipt({ code }) {
  const [copied, setCopied] = useState(false);
  const secret = secretFor(code);
  const plain = (code || "").replace(/-/g, "");
  async function copy() {
    try { await navigator.clipboard.writeText(code); setCopied(true); } catch { setCopied(false); }
  }
  return (
    <section>
      <h1>{t("receipt.title")}</h1>
      <p>{t("receipt.lead")}</p>
      <p class="code" data-testid="tracking-code">{code}</p>
      <button type="button" class="secondary" onClick={copy}>{copied ? t("receipt.copied") : t("receipt.copy")}</button>
      {secret && (
        <div class="panel">
          <h2>{t("receipt.secret.title")}</h2>
          <p class="secret" data-testid="citizen-secret">{secret}</p>
          <p>{t("receipt.secret.explain")}</p>
        </div>
      )}
      {secret && phoneToVerify(code) && <VerifyPhone code={code} secret={secret} />}
      <div class="panel">
        <h2>{t("receipt.sms.title")}</h2>
        <p>{t("receipt.sms.text")}</p>
        <p class="sms">CEK {plain}</p>
      </div>
      <p><a class="button primary" href={`#/lacak/${code}`}>{t("receipt.track")}</a></p>
    </section>
  );
}
