// projekt-client/inline: the web build with its .wasm inside this module
// (base64), for pages that would rather not fetch a second file. Everything
// index.js exports, with an init() that fetches nothing: it instantiates the
// embedded bytes synchronously (the .wasm compiles lazily, ~3 ms), where
// index.js's init() first fetches the .wasm (a round trip, or an HTTP-cache
// read). The cost: the bytes travel as base64 inside the JS, 8.5 KB more
// gzip than index.js plus the .wasm file. scripts/build-package writes the
// base64 in place of the placeholder below; the bundler build ships this
// web build whole under inline/, so its users need no wasm plugin either.
import { initSync as instantiate } from "./projekt_client.js";

export * from "./index.js";

const WASM = "__PROJEKT_WASM_BASE64__";

function bytes() {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(WASM);
  const s = atob(WASM);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Instantiates the embedded `.wasm`, once (later calls return the same
 * exports). Takes no argument: there is nothing to fetch.
 */
let exports;
export function initSync() {
  return (exports ??= instantiate({ module: bytes() }));
}

/** `initSync()` as a promise, so code written for index.js's `init()` runs unchanged. */
export default function init() {
  try {
    return Promise.resolve(initSync());
  } catch (e) {
    return Promise.reject(e);
  }
}
