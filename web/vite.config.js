// Builds the public pages into web/dist, which Starlette serves at "/".
import { defineConfig } from "vite";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", target: "es2019", cssCodeSplit: true, reportCompressedSize: true },
  server: { proxy: { "/graphql": "http://127.0.0.1:8000", "/open-data": "http://127.0.0.1:8000" } },
});
