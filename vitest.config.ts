import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          include: ["engine/**/*.test.ts", "api/**/*.test.ts", "policies/**/*.test.ts", "bench/**/*.test.ts"],
          globalSetup: ["api/test/global-setup.ts"],
        },
      },
      {
        // The editor's state classes and components, in jsdom with Svelte's browser build: no browser needed.
        extends: true,
        plugins: [svelte({ configFile: false }), svelteTesting()],
        test: {
          name: "editor",
          include: ["editor/src/**/*.test.ts"],
          environment: "jsdom",
        },
      },
      {
        // The editor in Chromium against the real server; skipped where no Chromium is installed.
        extends: true,
        test: {
          name: "browser",
          include: ["editor/e2e/**/*.test.ts"],
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
