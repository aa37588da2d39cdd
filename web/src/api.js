// The only way the pages reach the server: the public GraphQL endpoint (and open-data links).

export class NetworkError extends Error {}

export async function gql(query, variables = {}, { retries = 2 } = {}) {
  let lastError;
  for (let attempt = 0; attempt <= retries; attempt++) {
    try {
      const response = await fetch("/graphql", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
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
