// Builds GraphiQL (graphiql.html + its assets) into web/dist after the public pages, as a separate
// build so that the pages' own bundle and first load stay exactly as they are. Served at GET /graphql.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  build: {
    outDir: "dist", emptyOutDir: false, target: "es2020", reportCompressedSize: false,
    chunkSizeWarningLimit: 1500,  // GraphiQL with React and CodeMirror, loaded only by developers
    rollupOptions: {
      input: fileURLToPath(new URL("graphiql.html", import.meta.url)),
      onwarn(warning, warn) {  // framer-motion's "use client" lines mean nothing outside React servers
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
});
