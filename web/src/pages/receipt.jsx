import { useState } from "preact/hooks";
import { t } from "../i18n.js";
import { secretFor } from "../receipts.js";

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
      <div class="panel">
        <h2>{t("receipt.sms.title")}</h2>
        <p>{t("receipt.sms.text")}</p>
        <p class="sms">CEK {plain}</p>
      </div>
      <p><a class="button primary" href={`#/lacak/${code}`}>{t("receipt.track")}</a></p>
    </section>
  );
}
