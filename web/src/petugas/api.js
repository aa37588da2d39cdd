// The workspace reaches the server only through /graphql, with the session cookie and its CSRF token.
const CSRF_KEY = "suara-petugas-csrf";

export class SignInRequired extends Error {}
export class NetworkError extends Error {}

export function setCsrf(token) {
  if (token) localStorage.setItem(CSRF_KEY, token);
  else localStorage.removeItem(CSRF_KEY);
}

let onSignInRequired = () => {};
export function whenSignInRequired(fn) { onSignInRequired = fn; }
export function signInRequired() { onSignInRequired(); }

const SIGN_IN_CODES = new Set(["sign_in_required", "csrf_failed", "session_expired"]);

/** A result union member that means the session is gone: sign in again and come back. */
export function needsSignIn(result) {
  return result && result.__typename === "NotAllowed" && SIGN_IN_CODES.has(result.code);
}

export async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": localStorage.getItem(CSRF_KEY) || "" },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new NetworkError(String(error));
  }
  const body = await response.json();
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join("; "));
  for (const value of Object.values(body.data || {})) {
    if (needsSignIn(value)) {
      onSignInRequired();
      throw new SignInRequired(value.code);
    }
  }
  return body.data;
}
