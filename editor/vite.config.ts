import { fileURLToPath } from "node:url";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

// The editor is served by the API server at `/` from editor/dist (see api/src/editor-static.ts).
// `vite --config editor/vite.config.ts` serves it for development, sending API calls to a local server.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [svelte()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Monaco is one large lazily loaded chunk by nature.
    chunkSizeWarningLimit: 5000,
  },
  worker: { format: "es" },
  server: {
    proxy: {
      "/v1": process.env.API_URL ?? "http://localhost:3000",
      "/openapi.json": process.env.API_URL ?? "http://localhost:3000",
    },
  },
});
