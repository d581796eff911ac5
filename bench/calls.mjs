// Calls from JavaScript into the .wasm, per request (driven by bench/run.mjs,
// in a browser context of its own, imported by the page before anything else
// loads the package).
//
//   countCalls({ api, url }) → { init, fill, scenarios: { key: { ..., byExport } } }
//       url: the package's entry (/dist/web/index.js by default).
//
// WebAssembly.instantiate and instantiateStreaming are wrapped so that the
// instance the wasm-bindgen glue receives has an `exports` object whose
// functions count their calls, per export name, then call the real ones
// (`memory`, tables and globals are passed through as they are). The glue
// (__wbg_load / __wbg_finalize_init) only reads `instance.exports`, and checks
// `instanceof WebAssembly.Instance` on one path: the fake instance is made
// from WebAssembly.Instance.prototype with an own `exports`.

import { FIELD_MAP } from "./page.mjs";

const counts = Object.create(null);
let wrapped = 0;

function countingInstance(instance) {
  const exports = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    exports[name] = typeof value === "function"
      ? (...args) => {
          counts[name] = (counts[name] || 0) + 1;
          return value(...args);
        }
      : value;
  }
  wrapped++;
  const fake = Object.create(WebAssembly.Instance.prototype);
  Object.defineProperty(fake, "exports", { value: Object.freeze(exports), enumerable: true });
  return fake;
}

// instantiate(bytes | Module, imports): { module, instance } for bytes, an Instance for a Module.
const realInstantiate = WebAssembly.instantiate;
const realStreaming = WebAssembly.instantiateStreaming;
const wrapResult = (r) =>
  r instanceof WebAssembly.Instance ? countingInstance(r) : { module: r.module, instance: countingInstance(r.instance) };
WebAssembly.instantiate = (...a) => realInstantiate.apply(WebAssembly, a).then(wrapResult);
WebAssembly.instantiateStreaming = (...a) => realStreaming.apply(WebAssembly, a).then(wrapResult);

function reset() {
  for (const k of Object.keys(counts)) delete counts[k];
}

const MALLOCS = ["__wbindgen_malloc", "__wbindgen_realloc"];
function snapshot() {
  const byExport = Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
  const total = Object.values(byExport).reduce((a, b) => a + b, 0);
  const mallocs = MALLOCS.reduce((n, k) => n + (byExport[k] || 0), 0);
  return { total, exports: total - mallocs, mallocs, byExport };
}

const macrotask = () => new Promise((r) => setTimeout(r, 0));

/** Counts one request: reset, run it, read at settle; `late` is what came in over the next 50 ms. */
async function counted(run) {
  await macrotask();
  reset();
  let value;
  let error;
  try {
    value = await run();
  } catch (e) {
    error = e;
  }
  const atSettle = snapshot();
  await new Promise((r) => setTimeout(r, 50));
  const late = snapshot().total - atSettle.total;
  return { ...atSettle, ...(late ? { late } : {}), value, error };
}

window.countCalls = async ({ api, url = "/dist/web/index.js" }) => {
  reset();
  const { default: init, Client } = await import(url);
  await init();
  const client = new Client({ baseUrl: api, retry: false });
  const initCalls = snapshot();
  if (wrapped !== 1 || initCalls.total === 0) {
    throw new Error(`the counting wrapper was not used (${wrapped} instances wrapped, ${initCalls.total} calls in init)`);
  }
  const errors = encodeURIComponent(JSON.stringify(FIELD_MAP));
  const problems = [];
  const expect = (ok, what) => {
    if (!ok) problems.push(what);
  };

  const fill = await counted(() => client.get("/items/1"));
  expect(!fill.error && fill.value && fill.value.id === 1, `fill GET /items/1: ${fill.error || JSON.stringify(fill.value)}`);

  const s = {};
  s.r304 = await counted(() => client.get("/items/1"));
  expect(!s.r304.error && s.r304.value && s.r304.value.id === 1, `304: ${s.r304.error || JSON.stringify(s.r304.value)}`);
  s.v422 = await counted(() => client.post(`/status/422?errors=${errors}`, { a: 1 }));
  expect(s.v422.error && s.v422.error.status === 422 && Object.keys(s.v422.error.fieldErrors || {}).length === 10,
    `422: ${s.v422.error || "resolved"}`);
  s.n404 = await counted(() => client.get("/status/404"));
  expect(s.n404.error && s.n404.error.status === 404, `404: ${s.n404.error || "resolved"}`);
  // The same two again: the path's URL is known now (its first use crosses once more to intern it).
  s.v422again = await counted(() => client.post(`/status/422?errors=${errors}`, { a: 1 }));
  expect(s.v422again.error && s.v422again.error.status === 422, `422 again: ${s.v422again.error || "resolved"}`);
  s.n404again = await counted(() => client.get("/status/404"));
  expect(s.n404again.error && s.n404again.error.status === 404, `404 again: ${s.n404again.error || "resolved"}`);
  s.first = await counted(() => client.get("/items/2"));
  expect(!s.first.error && s.first.value && s.first.value.id === 2, `GET /items/2: ${s.first.error || JSON.stringify(s.first.value)}`);
  s.small = await counted(() => client.get("/json"));
  expect(!s.small.error && s.small.value && s.small.value.id === 1, `GET /json: ${s.small.error || JSON.stringify(s.small.value)}`);

  // (uncounted) the second GET /items/1 above must have been a 304 served from the cache
  const probe = await client.request({ path: "/items/1" });
  expect(probe.status === 304 && probe.fromCache, `GET /items/1 again: ${probe.status} fromCache=${probe.fromCache}`);

  const clean = ({ value, error, ...rest }) => rest;
  return {
    init: initCalls,
    fill: clean(fill),
    scenarios: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, clean(v)])),
    problems,
  };
};
