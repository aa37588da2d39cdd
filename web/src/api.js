// The only way the pages reach the server: the public GraphQL endpoint (and open-data links).

export class NetworkError extends Error {}

async function post(makeRequest, retries) {
  let lastError;
  for (let attempt = 0; attempt <= retries; attempt++) {
    try {
      const response = await fetch("/graphql", { method: "POST", ...makeRequest() });
      const body = await response.json();
      if (body.errors) throw new Error(body.errors.map((e) => e.message).join("; "));
      return body.data;
    } catch (error) {
      lastError = error;
      if (!(error instanceof TypeError)) throw error; // only network failures are retried
      await new Promise((r) => setTimeout(r, 400 * (attempt + 1)));
    }
  }
  throw new NetworkError(String(lastError));
}

export function gql(query, variables = {}, { retries = 2 } = {}) {
  return post(() => ({ headers: { "Content-Type": "application/json" }, body: JSON.stringify({ query, variables }) }), retries);
}

/** A GraphQL multipart request (files at the given variable paths, e.g. "variables.input.photos.0"). The
 * Apollo-Require-Preflight header tells the server this is not another website's form post. */
export function gqlUpload(query, variables, files, { retries = 2 } = {}) {
  return post(() => {
    const body = new FormData();
    const paths = Object.keys(files);
    body.append("operations", JSON.stringify({ query, variables }));
    body.append("map", JSON.stringify(Object.fromEntries(paths.map((path, i) => [String(i), [path]]))));
    paths.forEach((path, i) => body.append(String(i), files[path], `foto-${i + 1}.jpg`));
    return { headers: { "Apollo-Require-Preflight": "true" }, body };
  }, retries);
}

export function newKey() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
