// `npx vite build examples/digits` (or `vite examples/digits` to develop): the page, with
// relative URLs so it can be served from any path, into build/digits/. public/ (the weights)
// is copied as is.
import { fileURLToPath } from "node:url";

export default {
  base: "./",
  build: {
    outDir: fileURLToPath(new URL("../../build/digits", import.meta.url)),
    emptyOutDir: true,
  },
};
