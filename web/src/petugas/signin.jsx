// Sign in with e-mail and password; the session is an HTTP-only cookie, the CSRF token is kept here.
import { useState } from "preact/hooks";
import { gql, setCsrf } from "./api.js";
import { message, t } from "./i18n.js";

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on SignedIn { csrfToken mustChangePassword me { email role mustChangePassword agency { slug name shortName } } }
    ... on NotAllowed { code message messageEn }
    ... on RateLimited { code message messageEn retryAfterSeconds }
  }
}`;

export function SignIn({ back, onSignedIn }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const { login } = await gql(LOGIN, { email: form.get("email"), password: form.get("password") });
      if (login.__typename === "SignedIn") {
        setCsrf(login.csrfToken);
        onSignedIn(login.me, back && !back.startsWith("/masuk") ? back : null);
        return;
      }
      if (login.__typename === "RateLimited") {
        setError(t("signin.rateLimited", { minutes: Math.max(1, Math.ceil(login.retryAfterSeconds / 60)) }));
      } else if (login.code === "wrong_credentials") setError(t("signin.wrong"));
      else setError(message(login));
    } catch (caught) {
      setError(t("common.networkError"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="signin">
      <h1>{t("signin.title")}</h1>
      {back && <p class="hint" role="status">{t("signin.expired")}</p>}
      <form onSubmit={submit} noValidate={false}>
        <div class={"field" + (error ? " has-error" : "")}>
          <label for="email">{t("signin.email")}</label>
          <input id="email" name="email" type="email" autocomplete="username" required
            aria-describedby={error ? "signin-error" : undefined} />
        </div>
        <div class={"field" + (error ? " has-error" : "")}>
          <label for="password">{t("signin.password")}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required
            aria-describedby={error ? "signin-error" : undefined} />
        </div>
        <p id="signin-error" class="error" role="alert">{error || ""}</p>
        <button type="submit" class="primary" disabled={busy}>{busy ? t("common.wait") : t("signin.submit")}</button>
      </form>
    </section>
  );
}
