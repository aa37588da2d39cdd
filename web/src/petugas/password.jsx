// First sign-in with a one-time password: the account chooses its own before anything else works.
import { useState } from "preact/hooks";
import { gql } from "./api.js";
import { message, t } from "./i18n.js";

const CHANGE = `mutation Change($current: String!, $next: String!) {
  changePassword(currentPassword: $current, newPassword: $next) {
    __typename
    ... on PasswordChanged { me { email role mustChangePassword agency { slug name shortName } } }
    ... on ValidationError { code message messageEn }
    ... on NotAllowed { code message messageEn }
    ... on RateLimited { code message messageEn retryAfterSeconds }
  }
}`;

export function ChangePassword({ onChanged }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const { changePassword: result } = await gql(CHANGE, { current: form.get("current"), next: form.get("next") });
      if (result.__typename === "PasswordChanged") onChanged(result.me);
      else if (result.__typename === "RateLimited") setError(t("password.rateLimited", { minutes: Math.max(1, Math.ceil(result.retryAfterSeconds / 60)) }));
      else setError(message(result));
    } catch (caught) {
      setError(t("common.networkError"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="signin">
      <h1>{t("password.title")}</h1>
      <p>{t("password.intro")}</p>
      <form onSubmit={submit}>
        <div class={"field" + (error ? " has-error" : "")}>
          <label for="current">{t("password.current")}</label>
          <input id="current" name="current" type="password" autocomplete="current-password" required />
        </div>
        <div class={"field" + (error ? " has-error" : "")}>
          <label for="next">{t("password.new")}</label>
          <input id="next" name="next" type="password" autocomplete="new-password" required minLength={12} aria-describedby="next-hint password-error" />
          <p id="next-hint" class="hint">{t("password.newHint")}</p>
        </div>
        <p id="password-error" class="error" role="alert">{error || ""}</p>
        <button type="submit" class="primary" disabled={busy}>{busy ? t("common.wait") : t("password.submit")}</button>
      </form>
    </section>
  );
}
