// Builds the officers' workspace (petugas/index.html, served at /petugas/) into web/dist after the
// public pages, as a separate build so that the public pages' bundle and first load stay as they are.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist", emptyOutDir: false, target: "es2019", reportCompressedSize: true,
    rollupOptions: { input: fileURLToPath(new URL("petugas/index.html", import.meta.url)) },
  },
});
