import { defineConfig } from "vite";
import wasm from "vite-plugin-wasm";

// The bundler build of projekt-client imports its .wasm as an ES module
// (`import * as wasm from "./projekt_client_bg.wasm"`); vite-plugin-wasm
// provides that ESM integration. The top-level await it emits needs no extra
// plugin: Vite 8's default target (baseline-widely-available) supports it.
export default defineConfig({
  base: "./",
  plugins: [wasm()],
  build: {
    target: "es2022",
    // On a loaded machine Rolldown prints a plugin-timing table; it is noise here.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  // `npm run dev`: the API is proxied so the default `/s/demo` base works.
  server: {
    proxy: { "/s/": process.env.PROJEKT_API_ORIGIN || "http://127.0.0.1:8080" },
  },
  optimizeDeps: { exclude: ["projekt-client"] },
});
