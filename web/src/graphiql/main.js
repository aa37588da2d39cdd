// GraphiQL for /graphql, built from the graphiql npm package into our own assets, so it works offline
// and under the strict CSP (no CDN, no inline script). Plain JS: the rest of web/ compiles JSX for Preact.
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import "./graphiql.css";

const DEFAULT_QUERY = `# Suara's public GraphQL API. Kirim kueri dengan Ctrl+Enter. / Run a query with Ctrl+Enter.
{
  agencies {
    shortName
    name
  }
}
`;

async function fetcher(params) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(params),
    credentials: "same-origin",
  });
  return response.json();
}

createRoot(document.getElementById("graphiql")).render(
  createElement(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY }),
);
