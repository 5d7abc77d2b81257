// `npx vite build examples/digits` (or `vite examples/digits` to develop): the page, with
// relative URLs so it can be served from any path, into build/digits/. public/ (the weights)
// is copied as is. The dev and preview servers send the cross-origin isolation headers, so the
// page gets SharedArrayBuffer and runs on worker threads; a site serving build/digits needs them too.
import { fileURLToPath } from "node:url";

const headers = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default {
  base: "./",
  server: { headers },
  preview: { headers },
  build: {
    outDir: fileURLToPath(new URL("../../build/digits", import.meta.url)),
    emptyOutDir: true,
  },
};
