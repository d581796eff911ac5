// The JavaScript face of projekt-client, tested in a real browser against the
// real test server (another origin: real CORS). Each test asserts behaviour
// from the public contract (shared/spec/client-contract.md) and uses its own
// server scope, so the server's log and counters are the test's alone.
//
// Loaded by suite.html?api=<API origin>[&filter=substr]; results end up in
// window.__results = { passed, failed, tests: [{ name, ok, message }] }.

window.__suiteStarted = true;

const params = new URLSearchParams(location.search);
const API = (params.get("api") || "").replace(/\/+$/, "");
// A second test server on another loopback address (run.mjs starts it on
// 127.0.0.2): scope.mjs checks that nothing ever reaches it.
const DECOY = (params.get("decoy") || "").replace(/\/+$/, "");
const FILTER = params.get("filter") || "";
const TEST_TIMEOUT_MS = 20_000;
const RUN_ID = (Date.now().toString(36) + Math.random().toString(36).slice(2, 8)).slice(-12);

// ------------------------------------------------------------------ harness

const tests = [];
/** Registers a test; `timeoutMs` for one that moves hundreds of MB. */
function test(name, fn, { timeoutMs = TEST_TIMEOUT_MS } = {}) {
  tests.push({ name, fn, timeoutMs });
}

const globalProblems = [];
addEventListener("unhandledrejection", (e) => {
  globalProblems.push(`unhandled rejection${window.__current ? ` during "${window.__current}"` : ""}: ${show(e.reason)}`);
});
addEventListener("error", (e) => {
  globalProblems.push(`uncaught error${window.__current ? ` during "${window.__current}"` : ""}: ${e.message}${e.filename ? ` at ${e.filename}:${e.lineno}` : ""}`);
});

class AssertionError extends Error {}

function show(v) {
  try {
    if (v === undefined) return "undefined";
    if (typeof v === "string") return JSON.stringify(v.length > 300 ? v.slice(0, 300) + "…" : v);
    if (typeof v === "function") return `[function ${v.name || "anonymous"}]`;
    if (typeof v === "bigint") return `${v}n`;
    if (typeof v === "symbol") return v.toString();
    if (v instanceof Error || (v && typeof v === "object" && "stack" in v && "message" in v)) {
      return `${v.name}: ${JSON.stringify(v.message)}${v.kind !== undefined ? ` (kind ${JSON.stringify(v.kind)}, status ${v.status})` : ""}`;
    }
    if (typeof Headers !== "undefined" && v instanceof Headers) return `Headers ${JSON.stringify([...v])}`;
    if (typeof Element !== "undefined" && v instanceof Element) return `<${v.localName}${v.getAttribute("name") ? ` name=${v.getAttribute("name")}` : ""}>`;
    const s = JSON.stringify(v);
    if (s === undefined) return String(v);
    return s.length > 400 ? s.slice(0, 400) + "…" : s;
  } catch {
    try { return String(v); } catch { return "[unprintable]"; }
  }
}

function fail(msg) {
  throw new AssertionError(msg);
}
function ok(cond, msg) {
  if (!cond) fail(msg);
}
function eq(actual, expected, label) {
  if (!Object.is(actual, expected)) fail(`${label}: expected ${show(expected)}, got ${show(actual)}`);
}
function deepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}
function deepEq(actual, expected, label) {
  if (!deepEqual(actual, expected)) fail(`${label}: expected ${show(expected)}, got ${show(actual)}`);
}
/** Awaits a promise that must reject; returns the rejection. */
async function rejects(promise, label = "call") {
  let value;
  try {
    value = await promise;
  } catch (e) {
    return e;
  }
  fail(`${label}: expected a rejection, but it resolved with ${show(value)}`);
}
/** Calls fn, which must throw; returns what it threw. */
function throws(fn, label = "call") {
  let value;
  try {
    value = fn();
  } catch (e) {
    return e;
  }
  fail(`${label}: expected it to throw, but it returned ${show(value)}`);
}
/** Collects several mismatches and reports them together. */
function checker(label) {
  const problems = [];
  return {
    eq(actual, expected, what) {
      if (!Object.is(actual, expected)) problems.push(`${what}: expected ${show(expected)}, got ${show(actual)}`);
    },
    deepEq(actual, expected, what) {
      if (!deepEqual(actual, expected)) problems.push(`${what}: expected ${show(expected)}, got ${show(actual)}`);
    },
    ok(cond, what) {
      if (!cond) problems.push(what);
    },
    done() {
      if (problems.length) fail(`${label ? label + ": " : ""}${problems.join("; ")}`);
    },
  };
}
/** Runs `fn(window)` in a fresh iframe (another realm); the iframe is removed afterwards. */
async function inIframe(title, fn) {
  const iframe = document.createElement("iframe");
  iframe.srcdoc = `<!doctype html><title>${title}</title>`;
  const loaded = new Promise((r) => iframe.addEventListener("load", r, { once: true }));
  document.body.append(iframe);
  try {
    await loaded;
    return await fn(iframe.contentWindow);
  } finally {
    iframe.remove();
  }
}
/** `import(path)` in the realm `w` (a path on this page's origin). */
const importIn = (w, path) => w.eval(`import(${JSON.stringify(new URL(path, location.href).href)})`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

async function runAll() {
  const results = [];
  const selected = tests.filter((t) => !FILTER || t.name.includes(FILTER));
  window.__progress = results;
  const out = document.getElementById("out");
  for (const t of selected) {
    window.__current = t.name;
    let ok = true;
    let message = "";
    let timer;
    try {
      const run = Promise.resolve().then(() => t.fn());
      run.catch(() => {}); // a timed-out test may still reject later
      await Promise.race([
        run,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new AssertionError(`timed out after ${t.timeoutMs / 1000} s`)), t.timeoutMs);
        }),
      ]);
    } catch (e) {
      ok = false;
      message = e instanceof AssertionError ? e.message : `threw ${show(e)}${e && e.stack ? `\n${String(e.stack).split("\n").slice(0, 4).join("\n")}` : ""}`;
    } finally {
      clearTimeout(timer);
    }
    results.push({ name: t.name, ok, message });
    if (out) out.textContent += `\n${ok ? "ok" : "FAIL"} ${t.name}${ok ? "" : ": " + message}`;
  }
  window.__current = null;
  // Let late rejections surface before reporting.
  await sleep(50);
  if (globalProblems.length) {
    results.push({ name: "no unhandled rejections or uncaught errors", ok: false, message: globalProblems.join("\n") });
  }
  const passed = results.filter((r) => r.ok).length;
  window.__results = { passed, failed: results.length - passed, tests: results };
  if (out) out.textContent += `\n${passed} passed, ${results.length - passed} failed`;
}

// ------------------------------------------------------------- the package

let P;
try {
  if (!API) throw new Error("suite.html needs ?api=<origin of the API test server>");
  P = await import("/dist/web/index.js");
  await P.default();
} catch (e) {
  window.__results = {
    passed: 0,
    failed: 1,
    tests: [{ name: "load /dist/web/index.js and init()", ok: false, message: `${show(e)}${e && e.stack ? "\n" + e.stack : ""}` }],
  };
  throw e;
}

// ------------------------------------------------------------------ helpers

let seq = 0;
/** A fresh server scope for one test. */
function fresh() {
  const scope = `${RUN_ID}-${++seq}`;
  const baseUrl = `${API}/s/${scope}`;
  return {
    scope,
    baseUrl,
    client(opts = {}) {
      return new P.Client({ baseUrl, ...opts });
    },
    async log() {
      const r = await fetch(`${API}/s/${scope}/__log`, { cache: "no-store" });
      return r.json();
    },
    async counts() {
      const r = await fetch(`${API}/s/${scope}/__counts`, { cache: "no-store" });
      return r.json();
    },
    /** Log entries for one method and path (path relative to the scope, no query). */
    async requests(method, path) {
      return (await this.log()).filter((e) => e.method === method && e.path === path);
    },
  };
}

const TOKEN = "pjk_live_SECRET123";
const TOKEN_B = "pjk_live_OTHER456";
const ORG = "6f1c1c3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f";
const ORG_B = "0b8a7d8e-1111-4c5d-8e9f-abcdefabcdef";
const FAST = { limit: 3, baseDelayMs: 10, maxDelayMs: 1000 };

const LEAF_CLASSES = [
  "BadRequestError", "UnauthorizedError", "ForbiddenError", "NotFoundError", "MethodNotAllowedError",
  "ConflictError", "ValidationError", "RateLimitError", "ServerError", "UnavailableError",
  "NetworkError", "TimeoutError", "AbortError", "DecodeError",
];
const HTTP_CLASSES = new Set([
  "HttpError", "BadRequestError", "UnauthorizedError", "ForbiddenError", "NotFoundError", "MethodNotAllowedError",
  "ConflictError", "ValidationError", "RateLimitError", "ServerError", "UnavailableError",
]);
const KIND_OF = {
  HttpError: "http", BadRequestError: "bad_request", UnauthorizedError: "unauthorized", ForbiddenError: "forbidden",
  NotFoundError: "not_found", MethodNotAllowedError: "method_not_allowed", ConflictError: "conflict",
  ValidationError: "validation", RateLimitError: "rate_limited", ServerError: "server", UnavailableError: "unavailable",
  NetworkError: "network", TimeoutError: "timeout", AbortError: "aborted", DecodeError: "decode",
};
const ALL_GUARDS = ["isProjektError", "isHttpError", ...LEAF_CLASSES.map((c) => `is${c}`)];

/**
 * Checks everything the contract promises of a rejection: Error, the class
 * chain, literal name, kind, status, message, method, url, attempts, stack
 * and every guard (its own true, the others false).
 */
function checkError(e, spec) {
  const cls = spec.cls;
  if (!(e instanceof Error)) fail(`expected a ${cls} (an Error), got ${show(e)}`);
  const c = checker(`${cls}`);
  const http = HTTP_CLASSES.has(cls);
  c.ok(e instanceof P.ProjektError, `instanceof ProjektError is false (name ${show(e.name)})`);
  c.eq(e instanceof P.HttpError, http, "instanceof HttpError");
  c.ok(e instanceof P[cls], `instanceof ${cls} is false (name ${show(e.name)}, kind ${show(e.kind)})`);
  for (const other of LEAF_CLASSES) {
    if (other !== cls && e instanceof P[other]) c.ok(false, `unexpectedly instanceof ${other}`);
  }
  c.eq(e.name, cls, "name");
  c.eq(e.kind, KIND_OF[cls], "kind");
  c.eq(e.status, spec.status, "status");
  if ("message" in spec) c.eq(e.message, spec.message, "message");
  if (spec.messageIncludes) {
    for (const part of [].concat(spec.messageIncludes)) {
      c.ok(typeof e.message === "string" && e.message.includes(part), `message ${show(e.message)} should contain ${show(part)}`);
    }
  }
  if (spec.messageExcludes) {
    for (const part of [].concat(spec.messageExcludes)) {
      c.ok(typeof e.message === "string" && !e.message.includes(part), `message ${show(e.message)} should not contain ${show(part)}`);
    }
  }
  c.ok(typeof e.message === "string" && e.message.length > 0, `message should be a non-empty string, got ${show(e.message)}`);
  c.eq(e.method, spec.method || "GET", "method");
  if ("url" in spec) c.eq(e.url, spec.url, "url");
  if ("attempts" in spec) c.eq(e.attempts, spec.attempts, "attempts");
  c.ok(typeof e.stack === "string" && e.stack.length > 0, `stack should be a non-empty string, got ${show(e.stack)}`);
  for (const g of ALL_GUARDS) {
    const expected = g === "isProjektError" || (g === "isHttpError" && http) || g === `is${cls}`;
    if (typeof P[g] !== "function") c.ok(false, `${g} is not exported`);
    else c.eq(P[g](e), expected, `${g}(e)`);
  }
  c.done();
  return e;
}

function header(entry, name) {
  const h = entry && entry.headers;
  if (!h) return undefined;
  const key = Object.keys(h).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : h[key];
}

/** Strings reachable from v (own properties, symbols and hidden ones included). */
function reachableStrings(v, out = [], seen = new Set(), depth = 0) {
  if (depth > 6) return out;
  if (typeof v === "string") {
    out.push(v);
    return out;
  }
  if (v === null || v === undefined || typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return out;
  if (typeof v === "symbol") {
    out.push(v.toString());
    return out;
  }
  if (typeof v === "function") return out;
  if (seen.has(v)) return out;
  seen.add(v);
  if (typeof Headers !== "undefined" && v instanceof Headers) {
    for (const [k, val] of v) out.push(`${k}: ${val}`);
    return out;
  }
  try {
    const j = JSON.stringify(v);
    if (j) out.push(j);
  } catch { /* cyclic or throwing toJSON */ }
  try { out.push(String(v)); } catch { /* ignore */ }
  for (const key of Reflect.ownKeys(v)) {
    let val;
    try {
      val = v[key];
    } catch {
      continue;
    }
    reachableStrings(val, out, seen, depth + 1);
  }
  return out;
}

/** Records console output while fn runs. */
async function withConsoleCapture(fn) {
  const methods = ["log", "info", "warn", "error", "debug", "trace", "dir", "dirxml", "table", "group", "groupCollapsed", "assert"];
  const saved = {};
  const captured = [];
  for (const m of methods) {
    saved[m] = console[m];
    console[m] = (...args) => {
      captured.push({ method: m, args });
    };
  }
  try {
    await fn();
  } finally {
    for (const m of methods) console[m] = saved[m];
  }
  return captured;
}

/** A plain round trip to the API now (the machine may be loaded). */
async function roundTripMs(f) {
  const c = f.client({ retry: false, cache: false });
  const t0 = now();
  await c.get("/echo?rtt=1");
  return now() - t0;
}

async function validationErrorFrom(client, body) {
  const e = await rejects(client.post("/validate", body), "POST /validate");
  if (!P.isValidationError(e)) fail(`POST /validate should reject with a ValidationError, got ${show(e)}`);
  return e;
}

// ============================================================ construction

test("construct: new Client({baseUrl}) works and exposes baseUrl", () => {
  const f = fresh();
  const c = new P.Client({ baseUrl: f.baseUrl });
  ok(c instanceof P.Client, "not a Client");
  eq(c.baseUrl, f.baseUrl, "client.baseUrl");
});

test("construct: new Client({baseUrl, token, orgId, timeoutMs, retry, cache, onRetry}) with valid options works", () => {
  const f = fresh();
  new P.Client({ baseUrl: f.baseUrl, token: TOKEN, orgId: ORG, timeoutMs: 5000, retry: { limit: 1, baseDelayMs: 5, maxDelayMs: 50 }, cache: { maxEntries: 5, maxBytes: 1000 }, onRetry: () => {} });
  new P.Client({ baseUrl: f.baseUrl, retry: false, cache: false });
});

const badOptions = [
  ["missing baseUrl", () => ({}), null],
  ["relative baseUrl", () => ({ baseUrl: "/api/v1" }), null],
  ["ftp:// baseUrl", () => ({ baseUrl: "ftp://127.0.0.1/v1" }), null],
  ["empty token", (b) => ({ baseUrl: b, token: "" }), null],
  ["token without pjk_", (b) => ({ baseUrl: b, token: "xyz_SECRET987" }), "xyz_SECRET987"],
  ["Bearer-prefixed token", (b) => ({ baseUrl: b, token: "Bearer pjk_live_SECRET987" }), "SECRET987"],
  ["non-UUID orgId", (b) => ({ baseUrl: b, orgId: "acme-corp" }), null],
];
for (const [what, make, secret] of badOptions) {
  test(`construct: ${what} throws a TypeError${secret ? " that does not echo the token" : ""}`, () => {
    const f = fresh();
    const e = throws(() => new P.Client(make(f.baseUrl)), `new Client with ${what}`);
    ok(e instanceof TypeError, `expected a TypeError, got ${show(e)}`);
    ok(typeof e.message === "string" && e.message.length > 0, "the TypeError should say what is wrong");
    if (secret) {
      ok(!e.message.includes(secret), `the TypeError message echoes the token: ${show(e.message)}`);
      ok(!String(e.stack).includes(secret), "the TypeError stack echoes the token");
    }
  });
}

test("construct: new Client() without options throws a TypeError", () => {
  const e = throws(() => new P.Client(), "new Client()");
  ok(e instanceof TypeError, `expected a TypeError, got ${show(e)}`);
});

test("setToken: a bad token throws a TypeError (without echoing it) and the previous token is still sent", async () => {
  const f = fresh();
  const c = f.client({ token: TOKEN, retry: false });
  for (const bad of ["xyz_SECRET777", "Bearer pjk_live_SECRET777", ""]) {
    const e = throws(() => c.setToken(bad), `setToken(${show(bad)})`);
    ok(e instanceof TypeError, `setToken(${show(bad)}): expected a TypeError, got ${show(e)}`);
    if (bad) ok(!e.message.includes(bad) && !e.message.includes("SECRET777"), `setToken TypeError echoes the token: ${show(e.message)}`);
  }
  const echo = await c.get("/echo");
  eq(header(echo, "authorization"), `Bearer ${TOKEN}`, "Authorization after refused setToken calls");
});

test("setToken: a valid token replaces the old one; null removes Authorization", async () => {
  const f = fresh();
  const c = f.client({ token: TOKEN, retry: false, cache: false });
  c.setToken(TOKEN_B);
  eq(header(await c.get("/echo"), "authorization"), `Bearer ${TOKEN_B}`, "Authorization after setToken(B)");
  c.setToken(null);
  eq(header(await c.get("/echo"), "authorization"), undefined, "Authorization after setToken(null)");
});

test("free: free() releases the client; later calls throw or reject with a TypeError, never a wasm trap", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  eq((await c.get("/json")) !== undefined, true, "a GET before free()");
  c.free();
  c.free(); // twice is harmless
  const e = await rejects(c.get("/json"), "get after free");
  ok(e instanceof TypeError, `get after free: expected a TypeError, got ${show(e)}`);
  ok(/freed/.test(e.message), `message says the client was freed: ${show(e.message)}`);
  ok(throws(() => c.setToken(TOKEN), "setToken after free") instanceof TypeError, "setToken after free");
  ok(throws(() => c.cacheStats(), "cacheStats after free") instanceof TypeError, "cacheStats after free");
  // The module is still alive: a new client works.
  eq((await f.client({ retry: false }).get("/json")) !== undefined, true, "a new client after free()");
});

test("orgId: a valid UUID is sent as X-Org-Id", async () => {
  const f = fresh();
  const c = f.client({ orgId: ORG, retry: false });
  eq(header(await c.get("/echo"), "x-org-id"), ORG, "X-Org-Id");
});

test("setOrgId: '' and non-UUIDs throw a TypeError; null clears X-Org-Id; a UUID is sent", async () => {
  const f = fresh();
  const c = f.client({ orgId: ORG, retry: false, cache: false });
  const e1 = throws(() => c.setOrgId(""), "setOrgId('')");
  ok(e1 instanceof TypeError, `setOrgId(''): expected a TypeError, got ${show(e1)}`);
  const e2 = throws(() => c.setOrgId("not-a-uuid"), "setOrgId('not-a-uuid')");
  ok(e2 instanceof TypeError, `setOrgId('not-a-uuid'): expected a TypeError, got ${show(e2)}`);
  c.setOrgId(null);
  eq(header(await c.get("/echo"), "x-org-id"), undefined, "X-Org-Id after setOrgId(null)");
  c.setOrgId(ORG_B);
  eq(header(await c.get("/echo"), "x-org-id"), ORG_B, "X-Org-Id after setOrgId(B)");
});

// ======================================================== request building

test("request: the token is sent as Authorization: Bearer <token>", async () => {
  const f = fresh();
  const echo = await f.client({ token: TOKEN }).get("/echo");
  eq(header(echo, "authorization"), `Bearer ${TOKEN}`, "Authorization");
});

test("request: no Authorization header without a token", async () => {
  const f = fresh();
  const echo = await f.client().get("/echo");
  eq(header(echo, "authorization"), undefined, "Authorization");
});

for (const method of ["post", "put", "patch"]) {
  test(`request: ${method} sends Content-Type: application/json and the JSON body`, async () => {
    const f = fresh();
    const body = { title: "Hello", n: 1, nested: { a: [1, "ü"] } };
    const echo = await f.client({ retry: false })[method]("/echo", body);
    eq(echo.method, method.toUpperCase(), "method seen by the server");
    const ct = header(echo, "content-type") || "";
    ok(/^application\/json\b/i.test(ct), `Content-Type: expected application/json, got ${show(ct)}`);
    deepEq(JSON.parse(echo.body), body, "body seen by the server");
  });
}

test("request: query encoding ({q:'a b', tags:['x','y'], u:'ü', n:1, skip:undefined})", async () => {
  const f = fresh();
  const echo = await f.client().get("/echo", { query: { q: "a b", tags: ["x", "y"], u: "ü", n: 1, skip: undefined } });
  eq(echo.query, "q=a%20b&tags=x&tags=y&u=%C3%BC&n=1", "query string seen by the server");
});

test("request: custom headers are passed (object, Headers and array of pairs)", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  const a = await c.get("/echo", { headers: { "X-Custom": "one", "X-Test": "t1" } });
  eq(header(a, "x-custom"), "one", "X-Custom from a plain object");
  eq(header(a, "x-test"), "t1", "X-Test from a plain object");
  const b = await c.get("/echo", { headers: new Headers({ "X-Custom": "two" }) });
  eq(header(b, "x-custom"), "two", "X-Custom from a Headers");
  const d = await c.get("/echo", { headers: [["X-Custom", "three"]] });
  eq(header(d, "x-custom"), "three", "X-Custom from an array of pairs");
  const p = await c.post("/echo", { a: 1 }, { headers: { "X-Custom": "four" } });
  eq(header(p, "x-custom"), "four", "X-Custom on a POST");
});

test("request: credentials are omitted (a cookie for the API host is not sent)", async () => {
  const f = fresh();
  const name = `pjk_probe_${RUN_ID}`;
  document.cookie = `${name}=1; path=/; SameSite=Lax`;
  try {
    ok(document.cookie.includes(name), "precondition: the page could not set a cookie");
    // Control: with credentials the browser would send it (the CORS check then
    // fails, but the request reaches the server).
    await fetch(`${f.baseUrl}/echo?control=1`, { credentials: "include", cache: "no-store" }).catch(() => {});
    const control = (await f.log()).find((e) => e.query === "control=1");
    const controlSent = !!(control && (header(control, "cookie") || "").includes(name));
    ok(controlSent, "precondition: a fetch with credentials: 'include' did not carry the page's cookie, so omission cannot be observed here");
    const echo = await f.client({ retry: false }).get("/echo");
    const cookie = header(echo, "cookie");
    ok(!cookie || !cookie.includes(name), `the client sent the page's cookie: Cookie ${show(cookie)} (control request with credentials ${controlSent ? "did" : "did not"} carry it)`);
  } finally {
    document.cookie = `${name}=; path=/; max-age=0`;
  }
});

test("request: request() resolves {status, data, headers (a Headers), etag, fromCache, attempts}", async () => {
  const f = fresh();
  const c = f.client();
  const r = await c.request({ path: "/items/1" });
  for (const k of ["status", "data", "headers", "etag", "fromCache", "attempts"]) ok(k in r, `request() result lacks ${k}: ${show(Object.keys(r))}`);
  eq(r.status, 200, "status");
  deepEq(r.data, { id: 1, title: "Item 1", version: 1 }, "data");
  ok(r.headers instanceof Headers, `headers should be a Headers, got ${show(r.headers)}`);
  eq(r.headers.get("etag"), '"v1-1"', "headers.get('etag')");
  eq(r.etag, '"v1-1"', "etag");
  eq(r.fromCache, false, "fromCache");
  eq(r.attempts, 1, "attempts");
  const e = await c.request({ method: "GET", path: "/echo", query: { a: "1" }, headers: { "X-Test": "x" } });
  eq(e.etag, null, "etag without an ETag header");
  eq(e.data.query, "a=1", "query via request()");
  eq(header(e.data, "x-test"), "x", "headers via request()");
  const p = await c.request({ method: "POST", path: "/items", body: { title: "via request" } });
  eq(p.status, 201, "POST status via request()");
  eq(p.data.title, "via request", "POST data via request()");
});

test("request: post resolves the 201 body (the new resource)", async () => {
  const f = fresh();
  const created = await f.client({ retry: false }).post("/items", { title: "New one" });
  deepEq(created, { title: "New one", id: 4, version: 1 }, "created resource");
});

test("request: delete on a 204 resolves undefined", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  eq(await c.delete("/items/2"), undefined, "DELETE /items/2");
  eq(await c.delete("/nocontent"), undefined, "DELETE /nocontent");
  const r = await c.request({ method: "DELETE", path: "/items/3" });
  eq(r.status, 204, "request() status");
  eq(r.data, undefined, "request() data");
});

test("request: a 200 with an empty body (Content-Length: 0) resolves undefined", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  eq(await c.get("/empty200"), undefined, "get('/empty200')");
  const r = await c.request({ path: "/empty200" });
  eq(r.status, 200, "status");
  eq(r.data, undefined, "data");
});

test("request: a 200 with an empty chunked body resolves undefined", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  eq(await c.get("/empty200chunked"), undefined, "get('/empty200chunked')");
  const r = await c.request({ path: "/empty200chunked" });
  eq(r.status, 200, "status");
  eq(r.data, undefined, "data");
});

test("request: while the client cache is on, GETs bypass the browser's HTTP cache (Cache-Control: max-age is not served locally)", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  // Control: plain fetch twice → the browser serves the second from its HTTP cache.
  const controlUrl = `${f.baseUrl}/status/200?cache_control=max-age%3D600&control=1`;
  await (await fetch(controlUrl)).json();
  await (await fetch(controlUrl)).json();
  const controlHits = (await f.log()).filter((e) => e.query.endsWith("control=1")).length;
  eq(controlHits, 1, "precondition: plain fetches of a max-age=600 response that reached the server");
  const path = "/status/200?cache_control=max-age%3D600";
  await c.get(path);
  await c.get(path);
  const n = (await f.log()).filter((e) => e.path === "/status/200" && e.query === "cache_control=max-age%3D600").length;
  eq(n, 2, "requests that reached the server for two client GETs of a max-age=600 response");
});

// ============================================================== error table

const ROWS = [
  [400, "BadRequestError", "Bad request"],
  [401, "UnauthorizedError", "Authentication required"],
  [403, "ForbiddenError", "Forbidden"],
  [404, "NotFoundError", "Not found"],
  [405, "MethodNotAllowedError", "Method not allowed"],
  [409, "ConflictError", "Conflict"],
  [422, "ValidationError", "Validation failed"],
  [429, "RateLimitError", "Rate limit exceeded. Try again later."],
  [500, "ServerError", "Internal server error"],
  [501, "ServerError", "Status 501"],
  [502, "UnavailableError", "Bad gateway"],
  [503, "UnavailableError", "Service unavailable"],
  [504, "UnavailableError", "Gateway timeout"],
  [505, "ServerError", "Status 505"],
  [599, "ServerError", "Status 599"],
  [418, "HttpError", "Status 418"],
  [410, "HttpError", "Status 410"],
  // A 3xx without Location is not followed by fetch, so it reaches the client.
  [302, "HttpError", "Status 302"],
  [300, "HttpError", "Status 300"],
];
for (const [status, cls, message] of ROWS) {
  test(`errors: ${status} → ${cls} (kind ${KIND_OF[cls]}) with the envelope's message, method, url, attempts, guards`, async () => {
    const f = fresh();
    const e = await rejects(f.client({ retry: false }).get(`/status/${status}`), `GET /status/${status}`);
    checkError(e, { cls, status, message, method: "GET", url: `${f.baseUrl}/status/${status}`, attempts: 1 });
  });
}

test("errors: method and full url (with query) are those of the request (POST /status/409?x=1)", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: false }).post("/status/409", { a: 1 }, { query: { x: "1" } }));
  checkError(e, { cls: "ConflictError", status: 409, message: "Conflict", method: "POST", url: `${f.baseUrl}/status/409?x=1`, attempts: 1 });
});

test("errors: PUT/PATCH/DELETE carry their method (404)", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  checkError(await rejects(c.put("/items/99", { title: "x" })), { cls: "NotFoundError", status: 404, message: "Not found", method: "PUT", url: `${f.baseUrl}/items/99`, attempts: 1 });
  checkError(await rejects(c.patch("/items/99", { title: "x" })), { cls: "NotFoundError", status: 404, message: "Not found", method: "PATCH", url: `${f.baseUrl}/items/99`, attempts: 1 });
  checkError(await rejects(c.delete("/items/99")), { cls: "NotFoundError", status: 404, message: "Not found", method: "DELETE", url: `${f.baseUrl}/items/99`, attempts: 1 });
});

test("errors: NetworkError for a closed port (status 0, cause set)", async () => {
  const c = new P.Client({ baseUrl: "http://127.0.0.1:1", retry: false });
  const e = await rejects(c.get("/nothing"), "GET http://127.0.0.1:1/nothing");
  checkError(e, { cls: "NetworkError", status: 0, method: "GET", url: "http://127.0.0.1:1/nothing", attempts: 1 });
  ok(e.cause !== undefined && e.cause !== null, `NetworkError.cause should be set, got ${show(e.cause)}`);
});

test("errors: NetworkError when the server drops the connection (/drop)", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: false }).get("/drop"), "GET /drop");
  checkError(e, { cls: "NetworkError", status: 0, method: "GET", url: `${f.baseUrl}/drop`, attempts: 1 });
  ok(e.cause !== undefined && e.cause !== null, `NetworkError.cause should be set, got ${show(e.cause)}`);
});

test("errors: TimeoutError (timeoutMs 200 against /slow?ms=10000, retry off), status 0, rejects long before the response", async () => {
  const f = fresh();
  const t0 = now();
  const e = await rejects(f.client({ timeoutMs: 200, retry: false }).get("/slow?ms=10000"), "GET /slow");
  const took = now() - t0;
  checkError(e, { cls: "TimeoutError", status: 0, method: "GET", url: `${f.baseUrl}/slow?ms=10000`, attempts: 1 });
  ok(took < 5000, `the timeout should fire after ~200 ms (the response comes after 10 s), took ${Math.round(took)} ms`);
});

test("errors: AbortError when the caller aborts mid-flight; cause is the signal's reason", async () => {
  const f = fresh();
  const ac = new AbortController();
  const reason = new Error("user navigated away");
  let abortedAt = 0;
  // Abort once the server holds the request (after the CORS preflight, which
  // takes a while on a loaded machine), so it is truly mid-flight.
  (async () => {
    for (let i = 0; i < 200 && (await f.requests("GET", "/slow")).length === 0; i++) await sleep(25);
    abortedAt = now();
    ac.abort(reason);
  })();
  const e = await rejects(f.client({ retry: FAST }).get("/slow?ms=10000", { signal: ac.signal }), "GET /slow");
  const took = now() - abortedAt;
  checkError(e, { cls: "AbortError", status: 0, method: "GET", url: `${f.baseUrl}/slow?ms=10000`, attempts: 1 });
  eq(e.cause, reason, "cause");
  ok(abortedAt > 0 && took < 2500, `should reject at the abort, rejected ${Math.round(took)} ms after abort() (the response comes after 10 s)`);
  await sleep(100);
  eq((await f.requests("GET", "/slow")).length, 1, "requests the server got (an abort is never retried)");
});

test("errors: AbortError with the default reason: cause is signal.reason (a DOMException)", async () => {
  const f = fresh();
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const e = await rejects(f.client({ retry: false }).get("/slow?ms=10000", { signal: ac.signal }));
  checkError(e, { cls: "AbortError", status: 0, method: "GET", url: `${f.baseUrl}/slow?ms=10000` });
  eq(e.cause, ac.signal.reason, "cause");
});

test("errors: an already-aborted signal rejects with AbortError and sends nothing", async () => {
  const f = fresh();
  const ac = new AbortController();
  const reason = new Error("already gone");
  ac.abort(reason);
  const e = await rejects(f.client().get("/echo", { signal: ac.signal }));
  checkError(e, { cls: "AbortError", status: 0, method: "GET", url: `${f.baseUrl}/echo` });
  eq(e.cause, reason, "cause");
  const e2 = await rejects(f.client().post("/echo", { a: 1 }, { signal: ac.signal }));
  checkError(e2, { cls: "AbortError", status: 0, method: "POST", url: `${f.baseUrl}/echo` });
  await sleep(200);
  eq((await f.log()).length, 0, "requests that reached the server");
});

test("errors: DecodeError for a 2xx body that is not JSON (/notjson)", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: false }).get("/notjson"));
  checkError(e, { cls: "DecodeError", status: 200, method: "GET", url: `${f.baseUrl}/notjson`, attempts: 1 });
});

// -------------------------------------------------- bodies that are not the envelope

const NON_ENVELOPE = [
  ["html", 502, "UnavailableError", "<html"],
  ["empty", 500, "ServerError", null],
  ["truncated", 422, "ValidationError", "Validation fai"],
  ["text", 404, "NotFoundError", "upstream exploded"],
  ["notstring", 422, "ValidationError", null],
  ["notstring", 403, "ForbiddenError", null],
  ["array", 400, "BadRequestError", null],
  ["wrongtype", 500, "ServerError", null],
  ["big", 500, "ServerError", "big"],
  ["html", 429, "RateLimitError", "<html"],
];
for (const [body, status, cls, notInMessage] of NON_ENVELOPE) {
  test(`errors: a ${status} with a non-envelope body (${body}) → ${cls} with a message made from the status`, async () => {
    const f = fresh();
    const t0 = now();
    const e = await rejects(f.client({ retry: false }).get(`/status/${status}?body=${body}`));
    checkError(e, {
      cls, status, method: "GET", url: `${f.baseUrl}/status/${status}?body=${body}`, attempts: 1,
      messageIncludes: String(status),
      messageExcludes: notInMessage ? [notInMessage] : [],
    });
    if (body === "notstring") ok(e.message !== "42", "message must not be the non-string error value");
    if (body === "big") ok(now() - t0 < 10_000, `a 10 MB error body took ${Math.round(now() - t0)} ms`);
    if (cls === "ValidationError") {
      ok(Object.getPrototypeOf(e.fieldErrors) === Object.prototype, `fieldErrors should be a plain object, got ${show(e.fieldErrors)}`);
      deepEq(e.fields(), [], "fields()");
    }
    if (cls === "ForbiddenError") eq(e.reason, null, "reason");
  });
}

// ================================================================ ValidationError

test("ValidationError: fieldErrors is a plain object of field → string[], with first/has/fields", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: false }).get("/status/422"));
  checkError(e, { cls: "ValidationError", status: 422, message: "Validation failed", url: `${f.baseUrl}/status/422`, attempts: 1 });
  const fe = e.fieldErrors;
  ok(fe && Object.getPrototypeOf(fe) === Object.prototype, `fieldErrors should be a plain object, got ${show(fe)}`);
  deepEq(fe, {
    title: ["The title field is required"],
    priority: ["The priority must be one of: low, medium, high, urgent"],
  }, "fieldErrors");
  eq(e.first("title"), "The title field is required", "first('title')");
  eq(e.first("nope"), undefined, "first('nope')");
  eq(e.has("title"), true, "has('title')");
  eq(e.has("nope"), false, "has('nope')");
  eq(e.has("toString"), false, "has('toString')");
  eq(e.has("__proto__"), false, "has('__proto__')");
  deepEq(e.fields(), ["title", "priority"], "fields()");
});

test("ValidationError: fieldErrors from a real endpoint (POST /validate) keep the server's keys", async () => {
  const f = fresh();
  const e = await validationErrorFrom(f.client({ retry: false }), { title: "", priority: "bogus", items: [{ name: "ok" }, { name: "" }] });
  checkError(e, { cls: "ValidationError", status: 422, message: "Validation failed", method: "POST", url: `${f.baseUrl}/validate`, attempts: 1 });
  deepEq(e.fields(), ["title", "priority", "items.1.name"], "fields()");
  eq(e.first("items.1.name"), "The items.1.name field is required", "first('items.1.name')");
});

test("ValidationError: weird errors maps (strings, numbers, nested, __proto__/constructor keys) do not pollute and give sane results", async () => {
  const f = fresh();
  const errors = '{"title":"just a string","n":[1,2],"nested":{"a":["x"]},"__proto__":["polluted"],"constructor":["c"],"deep":{"__proto__":{"polluted2":["y"]}},"hasOwnProperty":["h"],"empty":[],"nul":null}';
  const e = await rejects(f.client({ retry: false }).get(`/status/422?errors=${encodeURIComponent(errors)}`));
  checkError(e, { cls: "ValidationError", status: 422, message: "Validation failed" });
  const c = checker("weird errors map");
  c.eq(({}).polluted, undefined, "({}).polluted (Object.prototype polluted)");
  c.eq(({}).polluted2, undefined, "({}).polluted2 (Object.prototype polluted)");
  c.eq(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false, "Object.prototype.polluted");
  const fe = e.fieldErrors;
  c.ok(fe && Object.getPrototypeOf(fe) === Object.prototype, `fieldErrors prototype should be Object.prototype, got ${show(fe && Object.getPrototypeOf(fe))}`);
  for (const [k, v] of Object.entries(fe || {})) {
    c.ok(Array.isArray(v) && v.every((m) => typeof m === "string"), `fieldErrors[${show(k)}] should be a string[], got ${show(v)}`);
  }
  c.deepEq(fe.title, ["just a string"], "fieldErrors.title (a string becomes a one-message list)");
  c.deepEq(fe.n, ["1", "2"], "fieldErrors.n (numbers as text)");
  c.eq(e.first("title"), "just a string", "first('title')");
  c.eq(e.has("__proto__"), false, "has('__proto__')");
  c.eq(e.first("__proto__"), undefined, "first('__proto__')");
  c.eq(e.has("constructor"), false, "has('constructor')");
  c.eq(e.has("hasOwnProperty"), true, "has('hasOwnProperty')");
  c.eq(e.first("hasOwnProperty"), "h", "first('hasOwnProperty')");
  c.ok(!e.fields().some((k) => /__proto__|constructor|prototype/.test(k)), `fields() should not contain prototype keys: ${show(e.fields())}`);
  c.ok(Array.isArray(e.fields()) && e.fields().every((k) => typeof k === "string"), "fields() should be a string[]");
  c.done();
});

test("errors: an HTTP error is constructed in JavaScript — its stack has no wasm frames, and it carries data, headers and delays", async () => {
  const f = fresh();
  const errors = JSON.stringify({ title: ["required"], "a\"b\\c\u0001é😀": ["odd \"key\"\n"] });
  const e = await rejects(f.client({ retry: false }).get(`/status/422?errors=${encodeURIComponent(errors)}`));
  checkError(e, { cls: "ValidationError", status: 422, message: "Validation failed" });
  const c = checker("stack and parts");
  c.ok(typeof e.stack === "string" && e.stack.length > 0, `stack should be a non-empty string, got ${show(e.stack)}`);
  c.ok(!/wasm/i.test(e.stack), `stack should have no wasm frames: ${show(e.stack)}`);
  c.deepEq(e.fieldErrors, JSON.parse(errors), "fieldErrors (keys and messages with quotes, backslashes, control and non-ASCII characters)");
  c.ok(e.data && typeof e.data === "object" && e.data.error === "Validation failed", `data should be the parsed envelope, got ${show(e.data)}`);
  c.ok(e.headers && typeof e.headers.get === "function", `headers should be the response Headers, got ${show(e.headers)}`);
  c.deepEq(e.delays, [], "delays");
  c.deepEq(Object.keys(e), ["kind", "status", "method", "url", "attempts", "fieldErrors"], "own enumerable keys");
  const nf = await rejects(f.client({ retry: false }).get("/status/404"));
  c.ok(!/wasm/i.test(nf.stack), `a 404's stack should have no wasm frames: ${show(nf.stack)}`);
  c.done();
});

// ============================================== ForbiddenError / 405 / 429 extras

test("ForbiddenError.reason: 'org_mismatch' for the documented org message", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: false }).get("/status/403?msg=org"));
  checkError(e, { cls: "ForbiddenError", status: 403, message: "API key bound to a different organization" });
  eq(e.reason, "org_mismatch", "reason");
});

test("ForbiddenError.reason: 'session_required' for the documented session message", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: false }).get("/status/403?msg=session"));
  checkError(e, { cls: "ForbiddenError", status: 403, message: "Not available for API key auth — use a user session" });
  eq(e.reason, "session_required", "reason");
});

test("ForbiddenError.reason: trimmed and case-insensitive", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  const e = await rejects(c.get(`/status/403?msg=${encodeURIComponent("  api key BOUND to a different ORGANIZATION ")}`));
  eq(e.reason, "org_mismatch", "reason for a padded, re-cased org message");
  const e2 = await rejects(c.get(`/status/403?msg=${encodeURIComponent(" NOT AVAILABLE FOR API KEY AUTH — USE A USER SESSION\n")}`));
  eq(e2.reason, "session_required", "reason for a padded, upper-cased session message");
});

test("ForbiddenError.reason: null for the generic 403", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: false }).get("/status/403"));
  checkError(e, { cls: "ForbiddenError", status: 403, message: "Forbidden" });
  eq(e.reason, null, "reason");
});

test("MethodNotAllowedError.allow: the methods of the Allow header", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  const e = await rejects(c.get("/status/405"));
  checkError(e, { cls: "MethodNotAllowedError", status: 405, message: "Method not allowed" });
  deepEq(e.allow, ["GET", "POST"], "allow (Allow: GET, POST)");
  const e2 = await rejects(c.post("/items/1", { title: "x" }));
  checkError(e2, { cls: "MethodNotAllowedError", status: 405, method: "POST", url: `${f.baseUrl}/items/1` });
  deepEq(e2.allow, ["GET", "HEAD", "PUT", "PATCH", "DELETE"], "allow from a real resource");
});

test("RateLimitError.retryAfterMs: X-RateLimit-Reset 120 with maxDelayMs 30000 rejects at once with 120000", async () => {
  const f = fresh();
  const t0 = now();
  const e = await rejects(f.client({ retry: { limit: 3, baseDelayMs: 10, maxDelayMs: 30_000 } }).get("/status/429?reset=120"));
  const took = now() - t0;
  checkError(e, { cls: "RateLimitError", status: 429, message: "Rate limit exceeded. Try again later.", attempts: 1 });
  eq(e.retryAfterMs, 120_000, "retryAfterMs");
  ok(took < 5000, `should reject at once (the wait asked for is 120 s, over the 30 s cap), took ${Math.round(took)} ms`);
  eq((await f.requests("GET", "/status/429")).length, 1, "requests the server got");
});

test("RateLimitError.retryAfterMs: Retry-After delta-seconds (90) beyond maxDelayMs rejects at once with 90000", async () => {
  const f = fresh();
  const t0 = now();
  const e = await rejects(f.client({ retry: { limit: 3, baseDelayMs: 10, maxDelayMs: 30_000 } }).get("/status/429?retry_after=90"));
  checkError(e, { cls: "RateLimitError", status: 429, attempts: 1 });
  eq(e.retryAfterMs, 90_000, "retryAfterMs");
  ok(now() - t0 < 5000, `should reject at once (the wait asked for is over the 30 s cap), took ${Math.round(now() - t0)} ms`);
});

test("RateLimitError.retryAfterMs: Retry-After HTTP-date beyond maxDelayMs rejects at once with about the date's distance", async () => {
  const f = fresh();
  const t0 = now();
  // The server's clock + 100 s as it answers (second granularity).
  const e = await rejects(f.client({ retry: { limit: 3, baseDelayMs: 10, maxDelayMs: 30_000 } }).get("/status/429?retry_after_date=100"));
  checkError(e, { cls: "RateLimitError", status: 429, attempts: 1 });
  ok(typeof e.retryAfterMs === "number" && e.retryAfterMs > 97_000 && e.retryAfterMs <= 100_000, `retryAfterMs: expected about 99000–100000, got ${show(e.retryAfterMs)}`);
  ok(now() - t0 < 5000, `should reject at once (the wait asked for is over the 30 s cap), took ${Math.round(now() - t0)} ms`);
});

test("RateLimitError.retryAfterMs: null without rate-limit headers (retry off)", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: false }).get("/status/429"));
  checkError(e, { cls: "RateLimitError", status: 429, attempts: 1 });
  eq(e.retryAfterMs, null, "retryAfterMs");
});

// ==================================================================== guards

test("guards: false for DOMException AbortError/TimeoutError, plain Error, null, undefined, {}, unbranded look-alikes", () => {
  const values = [
    ["DOMException AbortError", new DOMException("x", "AbortError")],
    ["DOMException TimeoutError", new DOMException("x", "TimeoutError")],
    ["Error", new Error("x")],
    ["TypeError", new TypeError("x")],
    ["null", null],
    ["undefined", undefined],
    ["{}", {}],
    ["'ValidationError'", "ValidationError"],
    ["{name:'ValidationError', kind:'validation'}", { name: "ValidationError", kind: "validation", status: 422 }],
    ["Error named NetworkError", Object.assign(new Error("x"), { name: "NetworkError", kind: "network" })],
    ["branded but name/kind mismatch", { [Symbol.for("projekt-client.error")]: true, name: "ValidationError", kind: "http" }],
  ];
  const c = checker("guards");
  for (const [label, v] of values) {
    for (const g of ALL_GUARDS) {
      let r;
      try {
        r = P[g](v);
      } catch (e) {
        c.ok(false, `${g}(${label}) threw ${show(e)}`);
        continue;
      }
      c.eq(r, false, `${g}(${label})`);
    }
  }
  c.done();
});

test("guards: work across realms (a branded object from an iframe realm)", async () => {
  await inIframe("other realm", async (w) => {
    const o = w.Object.assign(new w.Error("x"), { name: "ValidationError", kind: "validation", status: 422 });
    o[Symbol.for("projekt-client.error")] = true;
    const c = checker("cross-realm object");
    c.eq(o instanceof Error, false, "precondition: instanceof Error (main realm)");
    c.eq(o instanceof P.ValidationError, false, "instanceof ValidationError");
    c.eq(P.isValidationError(o), true, "isValidationError");
    c.eq(P.isProjektError(o), true, "isProjektError");
    c.eq(P.isHttpError(o), true, "isHttpError");
    c.eq(P.isNotFoundError(o), false, "isNotFoundError");
    c.done();
  });
});

test("guards: accept an error thrown by a second copy of the package in another realm (iframe)", async () => {
  const f = fresh();
  await inIframe("second copy", async (w) => {
    const mod = await importIn(w, "/dist/web/index.js");
    await mod.default();
    ok(mod.ValidationError !== P.ValidationError, "precondition: the iframe should hold a separate copy of the package");
    const e = await rejects(new mod.Client({ baseUrl: f.baseUrl, retry: false }).get("/status/422"));
    const c = checker("error from another realm");
    c.eq(e instanceof P.ValidationError, false, "instanceof ValidationError (of this realm)");
    c.eq(e instanceof w.Error, true, "instanceof the iframe's Error");
    c.eq(P.isValidationError(e), true, "isValidationError");
    c.eq(P.isProjektError(e), true, "isProjektError");
    c.eq(P.isHttpError(e), true, "isHttpError");
    c.eq(P.isConflictError(e), false, "isConflictError");
    c.eq(e.name, "ValidationError", "name");
    // And the other way round: our error, their guards.
    const mine = await rejects(f.client({ retry: false }).get("/status/404"));
    c.eq(mod.isNotFoundError(mine), true, "the iframe copy's isNotFoundError(our error)");
    c.eq(mod.isHttpError(mine), true, "the iframe copy's isHttpError(our error)");
    c.done();
  });
});

test("inline: projekt-client/inline's init() fetches no .wasm, exports what index.js does, and its Client works", async () => {
  const f = fresh();
  await inIframe("inline entry", async (w) => {
    const mod = await importIn(w, "/dist/web/inline.js");
    const c = checker("inline entry");
    const ready = mod.default();
    c.eq(ready instanceof w.Promise, true, "init() returns a promise");
    const exports = await ready;
    c.eq(mod.initSync(), exports, "initSync() after init() returns the same instance");
    const wasm = w.performance.getEntriesByType("resource").filter((e) => /\.wasm(\?|$)/.test(e.name));
    c.deepEq(wasm.map((e) => e.name), [], "the .wasm files fetched");
    const full = await importIn(w, "/dist/web/index.js");
    c.deepEq(Object.keys(mod).sort(), Object.keys(full).sort(), "export names, against index.js");
    c.eq(mod.Client, full.Client, "Client is index.js's own");
    const client = new mod.Client({ baseUrl: f.baseUrl, retry: false });
    c.eq(typeof (await client.get("/json")), "object", "a GET's body");
    const e = await rejects(client.get("/status/422"), "a 422");
    c.eq(mod.isValidationError(e), true, "isValidationError");
    c.eq(e instanceof mod.ValidationError, true, "instanceof the entry's ValidationError");
    c.eq(e.status, 422, "status");
    c.done();
  });
});

test("inline: without Uint8Array.fromBase64 (Firefox < 133, Safari < 18.2) the entry decodes its .wasm through atob", async () => {
  const f = fresh();
  await inIframe("inline entry, atob", async (w) => {
    delete w.Uint8Array.fromBase64;
    let atobCalls = 0;
    const atob = w.atob;
    w.atob = (s) => (atobCalls++, atob.call(w, s));
    const mod = await importIn(w, "/dist/web/inline.js");
    await mod.default();
    const c = checker("inline entry through atob");
    c.eq(atobCalls, 1, "atob calls");
    const e = await rejects(new mod.Client({ baseUrl: f.baseUrl, retry: false }).get("/status/404"), "a 404");
    c.eq(mod.isNotFoundError(e), true, "isNotFoundError");
    c.done();
  });
});

// ============================================================ token secrecy

async function assertTokenNowhere(e, label, extra = []) {
  const c = checker(label);
  c.ok(typeof e.message === "string" && !e.message.includes(TOKEN), `message contains the token: ${show(e.message)}`);
  c.ok(!String(e).includes(TOKEN), `String(e) contains the token: ${show(String(e))}`);
  let json = "";
  try {
    json = JSON.stringify(e);
  } catch (x) {
    c.ok(false, `JSON.stringify(e) threw ${show(x)}`);
  }
  c.ok(!String(json).includes(TOKEN), `JSON.stringify(e) contains the token: ${show(json)}`);
  c.ok(!String(e.stack).includes(TOKEN), "stack contains the token");
  try {
    c.ok(!String(e.toString()).includes(TOKEN), "toString() contains the token");
  } catch { /* covered by String(e) */ }
  for (const key of Reflect.ownKeys(e)) {
    const strings = reachableStrings(e[key]);
    const hit = strings.find((s) => s.includes(TOKEN));
    c.ok(!hit, `own property ${String(key)} contains the token: ${show(hit)}`);
  }
  for (const [what, v] of extra) {
    const hit = reachableStrings(v).find((s) => s.includes(TOKEN));
    c.ok(!hit, `${what} contains the token: ${show(hit)}`);
  }
  c.done();
}

function storageStrings() {
  const out = [];
  for (const s of [localStorage, sessionStorage]) {
    try {
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i);
        out.push(k, s.getItem(k));
      }
    } catch { /* storage may be unavailable */ }
  }
  return out;
}

test("secrecy: a 401 envelope echoing the token (/token-echo) never exposes it (message, String, JSON, stack, properties, console)", async () => {
  const f = fresh();
  let e;
  const logged = await withConsoleCapture(async () => {
    const c = f.client({ token: TOKEN, retry: FAST });
    e = await rejects(c.get("/token-echo"));
  });
  checkError(e, { cls: "UnauthorizedError", status: 401, url: `${f.baseUrl}/token-echo`, attempts: 1 });
  ok(e.message.includes("[redacted]"), `message should say [redacted], got ${show(e.message)}`);
  eq(e.message, "Invalid token [redacted]", "message");
  await assertTokenNowhere(e, "token-echo", [["console output", logged.map((l) => l.args)]]);
  const stored = storageStrings().find((s) => s && s.includes(TOKEN));
  ok(!stored, `localStorage/sessionStorage holds the token: ${show(stored)}`);
});

test("secrecy: a 422 whose envelope echoes the token (/status/422?echo_token=1) never exposes it", async () => {
  const f = fresh();
  let e;
  const logged = await withConsoleCapture(async () => {
    e = await rejects(f.client({ token: TOKEN, retry: false }).get("/status/422?echo_token=1"));
  });
  checkError(e, { cls: "ValidationError", status: 422, attempts: 1 });
  ok(e.message.includes("[redacted]"), `message should say [redacted], got ${show(e.message)}`);
  await assertTokenNowhere(e, "422 echo", [["console output", logged.map((l) => l.args)]]);
});

test("secrecy: a POST rejected with a token-echoing 401 never exposes it; nor does a TypeError for a bad token", async () => {
  const f = fresh();
  let e;
  let te;
  const logged = await withConsoleCapture(async () => {
    e = await rejects(f.client({ token: TOKEN, retry: false }).post("/token-echo", { a: 1 }));
    te = throws(() => new P.Client({ baseUrl: f.baseUrl, token: `Bearer ${TOKEN}` }));
  });
  checkError(e, { cls: "UnauthorizedError", status: 401, method: "POST" });
  await assertTokenNowhere(e, "POST token-echo", [["console output", logged.map((l) => l.args)]]);
  ok(te instanceof TypeError, `Bearer-prefixed token: expected a TypeError, got ${show(te)}`);
  ok(!te.message.includes(TOKEN) && !String(te.stack).includes(TOKEN), `the TypeError echoes the token: ${show(te.message)}`);
});

// ================================================================== retries

test("retry: a GET on 503 is retried and succeeds (request() attempts 3)", async () => {
  const f = fresh();
  const r = await f.client({ retry: FAST }).request({ path: "/flaky/k?fail=2&code=503" });
  eq(r.status, 200, "status");
  eq(r.attempts, 3, "attempts");
  eq(r.data && r.data.attempt, 3, "server attempt number in the body");
  eq((await f.requests("GET", "/flaky/k")).length, 3, "requests the server got");
});

for (const code of [500, 502, 504]) {
  test(`retry: a GET on ${code} is retried`, async () => {
    const f = fresh();
    const r = await f.client({ retry: FAST }).request({ path: `/flaky/k?fail=1&code=${code}` });
    eq(r.attempts, 2, "attempts");
    eq((await f.requests("GET", "/flaky/k")).length, 2, "requests the server got");
  });
}

for (const method of ["PUT", "DELETE"]) {
  test(`retry: an idempotent ${method} on 503 is retried`, async () => {
    const f = fresh();
    const r = await f.client({ retry: FAST }).request({ method, path: "/flaky/k?fail=1&code=503", body: method === "PUT" ? { a: 1 } : undefined });
    eq(r.attempts, 2, "attempts");
    eq((await f.requests(method, "/flaky/k")).length, 2, "requests the server got");
  });
}

for (const [method, code] of [["POST", 503], ["POST", 500], ["POST", 502], ["POST", 504], ["PATCH", 503]]) {
  test(`retry: a ${method} on ${code} is sent exactly once (a retry could duplicate the write)`, async () => {
    const f = fresh();
    const c = f.client({ retry: FAST });
    const e = await rejects(c.request({ method, path: `/flaky/k?fail=1&code=${code}`, body: { a: 1 } }));
    checkError(e, { cls: code === 500 ? "ServerError" : "UnavailableError", status: code, method, attempts: 1 });
    await sleep(150);
    eq((await f.requests(method, "/flaky/k")).length, 1, "requests the server got");
  });
}

test("retry: a POST with an Idempotency-Key header is retried on 503", async () => {
  const f = fresh();
  const r = await f.client({ retry: FAST }).request({
    method: "POST", path: "/flaky/k?fail=2&code=503", body: { a: 1 }, headers: { "Idempotency-Key": `key-${RUN_ID}` },
  });
  eq(r.status, 201, "status");
  eq(r.attempts, 3, "attempts");
  const posts = await f.requests("POST", "/flaky/k");
  eq(posts.length, 3, "requests the server got");
  ok(posts.every((p) => header(p, "idempotency-key") === `key-${RUN_ID}`), "every attempt should carry the same Idempotency-Key");
});

for (const code of [400, 401, 403, 404, 405, 409, 422]) {
  test(`retry: a ${code} is never retried (GET sent once)`, async () => {
    const f = fresh();
    const e = await rejects(f.client({ retry: FAST }).get(`/flaky/k?fail=5&code=${code}`));
    eq(e.status, code, "status");
    eq(e.attempts, 1, "attempts");
    await sleep(100);
    eq((await f.requests("GET", "/flaky/k")).length, 1, "requests the server got");
  });
}

for (const code of [501, 505]) {
  test(`retry: a ${code} is not retried`, async () => {
    const f = fresh();
    const e = await rejects(f.client({ retry: FAST }).get(`/status/${code}`));
    checkError(e, { cls: "ServerError", status: code, attempts: 1 });
    await sleep(100);
    eq((await f.requests("GET", `/status/${code}`)).length, 1, "requests the server got");
  });
}

test("retry: limit 3 allows 4 attempts for a GET that always 503s (e.attempts === 4)", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: { limit: 3, baseDelayMs: 10, maxDelayMs: 50 } }).get("/status/503"));
  checkError(e, { cls: "UnavailableError", status: 503, attempts: 4, url: `${f.baseUrl}/status/503` });
  eq((await f.requests("GET", "/status/503")).length, 4, "requests the server got");
});

test("retry: limit 0 makes exactly one attempt", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: { limit: 0, baseDelayMs: 10 } }).get("/status/503"));
  eq(e.attempts, 1, "attempts");
  eq((await f.requests("GET", "/status/503")).length, 1, "requests the server got");
});

test("retry: retry: false makes exactly one attempt", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: false }).get("/status/503"));
  eq(e.attempts, 1, "attempts");
  eq((await f.requests("GET", "/status/503")).length, 1, "requests the server got");
});

test("retry: a GET network error is retried (NetworkError after limit+1 attempts)", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: { limit: 2, baseDelayMs: 10, maxDelayMs: 50 } }).get("/drop"));
  checkError(e, { cls: "NetworkError", status: 0, attempts: 3, url: `${f.baseUrl}/drop` });
});

test("retry: a POST network error is not retried", async () => {
  const f = fresh();
  const e = await rejects(f.client({ retry: FAST }).post("/drop", { a: 1 }));
  checkError(e, { cls: "NetworkError", status: 0, method: "POST", attempts: 1 });
});

test("retry: a GET per-attempt timeout is retried (TimeoutError after limit+1 attempts)", async () => {
  const f = fresh();
  const infos = [];
  const e = await rejects(f.client({ timeoutMs: 1500, retry: { limit: 1, baseDelayMs: 10, maxDelayMs: 50 }, onRetry: (i) => infos.push({ ...i }) }).get("/slow?ms=10000"));
  checkError(e, { cls: "TimeoutError", status: 0, attempts: 2 });
  eq(infos.length, 1, "onRetry calls");
  eq(infos[0] && infos[0].reason, "timeout", "onRetry reason");
  // Each attempt is a new request; on a loaded machine a timed-out attempt may
  // be aborted before it reaches the server, so the server sees 1 or 2 of them
  // (never more: the retry limit is 1).
  const got = (await f.requests("GET", "/slow")).length;
  ok(got >= 1 && got <= 2, `requests the server got: expected 1 or 2, got ${got}`);
});

test("retry: a POST that timed out is not retried", async () => {
  const f = fresh();
  const infos = [];
  const e = await rejects(f.client({ timeoutMs: 1500, retry: FAST, onRetry: (i) => infos.push(i) }).post("/slow?ms=10000", { a: 1 }));
  checkError(e, { cls: "TimeoutError", status: 0, method: "POST", attempts: 1 });
  eq(infos.length, 0, "onRetry calls");
  await sleep(300);
  // 1 normally; 0 if a loaded machine let the timeout fire during the preflight.
  const got = (await f.requests("POST", "/slow")).length;
  ok(got <= 1, `requests the server got: expected at most 1, got ${got}`);
});

test("retry: a POST on 429 is retried after X-RateLimit-Reset (1 s) — gap between the requests ≥ ~950 ms", async () => {
  const f = fresh();
  const infos = [];
  const rtt = await roundTripMs(f);
  const r = await f.client({ retry: { limit: 3, baseDelayMs: 10, maxDelayMs: 5000 }, onRetry: (i) => infos.push({ ...i }) })
    .request({ method: "POST", path: "/flaky/k?fail=1&code=429&reset=1", body: { a: 1 } });
  eq(r.status, 201, "status");
  eq(r.attempts, 2, "attempts");
  const posts = await f.requests("POST", "/flaky/k");
  eq(posts.length, 2, "requests the server got");
  const gap = posts[1].t_ms - posts[0].t_ms;
  ok(gap >= 950, `gap between the two requests: expected ≥ 950 ms, got ${Math.round(gap)} ms`);
  ok(gap < 5000 + 3 * rtt, `gap between the two requests: expected about 1000 ms (a round trip takes ${Math.round(rtt)} ms now), got ${Math.round(gap)} ms`);
  eq(infos.length, 1, "onRetry calls");
  eq(infos[0] && infos[0].reason, "rate_limited", "onRetry reason");
  ok(infos[0] && infos[0].delayMs >= 950 && infos[0].delayMs <= 1050, `onRetry delayMs: expected ~1000, got ${show(infos[0] && infos[0].delayMs)}`);
});

test("retry: an HTTP-date Retry-After is honoured (date 3 s ahead → waits ≥ ~2 s)", async () => {
  const f = fresh();
  const rtt = await roundTripMs(f);
  // The server writes the date as it answers: its clock + 3 s at second
  // granularity, so 2–3 s after the first request arrived however late that
  // was (a date made here would shrink by the request's own latency).
  const r = await f.client({ retry: { limit: 3, baseDelayMs: 10, maxDelayMs: 10_000 } })
    .request({ path: "/flaky/k?fail=1&code=429&retry_after_date=3" });
  eq(r.attempts, 2, "attempts");
  const gets = await f.requests("GET", "/flaky/k");
  eq(gets.length, 2, "requests the server got");
  const gap = gets[1].t_ms - gets[0].t_ms;
  ok(gap >= 1800, `gap between the two requests: expected ≥ 1800 ms, got ${Math.round(gap)} ms`);
  ok(gap < 6000 + 3 * rtt, `gap between the two requests: expected ≤ ~3000 ms (a round trip takes ${Math.round(rtt)} ms now), got ${Math.round(gap)} ms`);
});

test("retry: onRetry gets {attempt:2, delayMs, reason:'unavailable', status:503, method:'GET', url}", async () => {
  const f = fresh();
  const infos = [];
  await f.client({ retry: FAST, onRetry: (i) => infos.push({ ...i }) }).get("/flaky/k?fail=1&code=503");
  eq(infos.length, 1, "onRetry calls");
  const i = infos[0];
  const c = checker("onRetry info");
  c.eq(i.attempt, 2, "attempt");
  c.eq(i.reason, "unavailable", "reason");
  c.eq(i.status, 503, "status");
  c.eq(i.method, "GET", "method");
  c.eq(i.url, `${f.baseUrl}/flaky/k?fail=1&code=503`, "url");
  c.ok(typeof i.delayMs === "number" && i.delayMs >= 0 && i.delayMs <= 10, `delayMs: expected a number in [0, 10] (full jitter, base 10), got ${show(i.delayMs)}`);
  c.done();
});

test("retry: onRetry reasons for server, network and timeout failures; attempt numbers count up", async () => {
  const f = fresh();
  const infos = [];
  const opts = { retry: { limit: 2, baseDelayMs: 10, maxDelayMs: 50 }, onRetry: (i) => infos.push({ ...i }) };
  const c = f.client(opts);
  await c.get("/flaky/a?fail=2&code=500");
  deepEq(infos.map((i) => [i.attempt, i.reason, i.status]), [[2, "server", 500], [3, "server", 500]], "500 retries [attempt, reason, status]");
  infos.length = 0;
  await rejects(c.get("/drop"));
  deepEq(infos.map((i) => [i.attempt, i.reason, i.status]), [[2, "network", 0], [3, "network", 0]], "network retries [attempt, reason, status]");
  infos.length = 0;
  await rejects(f.client({ ...opts, timeoutMs: 150 }).get("/slow?ms=1500"));
  deepEq(infos.map((i) => [i.attempt, i.reason, i.status]), [[2, "timeout", 0], [3, "timeout", 0]], "timeout retries [attempt, reason, status]");
});

test("retry: backoff delays stay within full-jitter bounds [0, min(maxDelayMs, base × 2^(n−1))]", async () => {
  const f = fresh();
  const infos = [];
  await rejects(f.client({ retry: { limit: 4, baseDelayMs: 10, maxDelayMs: 25 }, onRetry: (i) => infos.push({ ...i }) }).get("/status/503"));
  eq(infos.length, 4, "onRetry calls");
  const caps = [10, 20, 25, 25];
  infos.forEach((info, n) => {
    ok(info.delayMs >= 0 && info.delayMs <= caps[n], `retry ${n + 1}: delayMs ${info.delayMs} outside [0, ${caps[n]}]`);
  });
});

test("retry: aborting during a retry wait rejects with AbortError at once, long before the 5 s wait ends", async () => {
  const f = fresh();
  const ac = new AbortController();
  const reason = new Error("stop waiting");
  let abortedAt = 0;
  const c = f.client({
    retry: { limit: 3, baseDelayMs: 10, maxDelayMs: 10_000 },
    onRetry: () => setTimeout(() => { abortedAt = now(); ac.abort(reason); }, 100),
  });
  const e = await rejects(c.get("/status/429?reset=5", { signal: ac.signal }));
  const took = now() - abortedAt;
  ok(abortedAt > 0, "onRetry was not called (the 429 was not going to be retried)");
  checkError(e, { cls: "AbortError", status: 0, method: "GET", url: `${f.baseUrl}/status/429?reset=5` });
  eq(e.cause, reason, "cause");
  // Well under the ~4.9 s left of the wait; generous because VMs like CI's
  // stall for up to a second now and then.
  ok(took < 1500, `rejection came ${Math.round(took)} ms after abort() (the wait had ~4.9 s to go)`);
  eq((await f.requests("GET", "/status/429")).length, 1, "requests the server got");
});

test("retry: waits run on timers (a setTimeout(0) scheduled as the 1 s wait begins fires long before it ends)", async () => {
  const f = fresh();
  let retryAt = 0;
  let firedAt = 0;
  const c = f.client({
    retry: { limit: 1, baseDelayMs: 10, maxDelayMs: 5000 },
    onRetry: () => {
      retryAt = now();
      setTimeout(() => { firedAt = now(); }, 0);
    },
  });
  await c.get("/flaky/k?fail=1&code=429&reset=1");
  const end = now();
  ok(retryAt > 0, "onRetry was not called");
  ok(end - retryAt >= 900, `precondition: the call should have waited ~1 s after onRetry, took ${Math.round(end - retryAt)} ms`);
  ok(firedAt > 0, "the timer never fired");
  ok(firedAt - retryAt < 500, `a setTimeout(0) scheduled when the 1 s wait began fired ${Math.round(firedAt - retryAt)} ms later: the wait blocks the event loop`);
});

// ================================================================ ETag cache

async function conditionalOf(f, path) {
  const gets = await f.requests("GET", path);
  return gets.map((g) => header(g, "if-none-match"));
}

/** ~`kb` KB of text made mostly of 2-, 3- and 4-byte UTF-8 characters, so chunk boundaries fall inside them. */
function multibyteText(kb) {
  const unit = "é€😀ü文🚀ß ";
  return unit.repeat(Math.ceil((kb * 1024) / new TextEncoder().encode(unit).length));
}

test("body: a 2xx body of ~400 KB (decoded chunk by chunk as it arrives) reads whole, multi-byte characters intact", async () => {
  const f = fresh();
  const text = multibyteText(400);
  const r = await f.client({ retry: false }).request({ method: "POST", path: "/echo", body: { text } });
  eq(Number(r.headers.get("content-length")) > 65_536, true, "precondition: the echo is over 64 KB");
  const sent = JSON.parse(r.data.body);
  eq(sent.text.length, text.length, "length of the text echoed back");
  eq(sent.text === text, true, "the text echoed back is the text sent (no U+FFFD at chunk boundaries)");
});

test("cache: a ~700 KB body with an ETag is stored whole; the 304 serves it back equal", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  const note = multibyteText(700);
  const { id } = await c.post("/items", { title: "big", note });
  const first = await c.request({ path: `/items/${id}` });
  const second = await c.request({ path: `/items/${id}` });
  eq(first.status, 200, "first status");
  eq(second.status, 304, "second status");
  eq(second.fromCache, true, "second fromCache");
  eq(first.data.note === note, true, "the first GET's note is the note sent");
  eq(second.data.note === note, true, "the cached note is the note sent");
});

test("cache: the second GET sends If-None-Match exactly as received (strong); 304 → status 304, fromCache, etag", async () => {
  const f = fresh();
  const c = f.client();
  const first = await c.request({ path: "/items/1" });
  eq(first.status, 200, "first status");
  const second = await c.request({ path: "/items/1" });
  deepEq(await conditionalOf(f, "/items/1"), [undefined, '"v1-1"'], "If-None-Match of the two GETs");
  eq(second.status, 304, "second status");
  eq(second.fromCache, true, "second fromCache");
  eq(second.etag, '"v1-1"', "second etag");
  deepEq(second.data, { id: 1, title: "Item 1", version: 1 }, "second data");
  ok(second.headers instanceof Headers, "second headers should be a Headers");
});

test("cache: a weak ETag (W/\"…\") is sent back exactly as received", async () => {
  const f = fresh();
  const c = f.client();
  const a = await c.request({ path: "/items/1?weak=1" });
  eq(a.etag, 'W/"v1-1"', "etag of the 200");
  const b = await c.request({ path: "/items/1?weak=1" });
  deepEq(await conditionalOf(f, "/items/1"), [undefined, 'W/"v1-1"'], "If-None-Match of the two GETs");
  eq(b.status, 304, "second status");
  eq(b.etag, 'W/"v1-1"', "second etag");
  eq(b.fromCache, true, "second fromCache");
});

test("cache: get() of a 304 resolves the stored body", async () => {
  const f = fresh();
  const c = f.client();
  await c.get("/items/1");
  const again = await c.get("/items/1");
  deepEq(again, { id: 1, title: "Item 1", version: 1 }, "body served after the 304");
  deepEq(await conditionalOf(f, "/items/1"), [undefined, '"v1-1"'], "If-None-Match of the two GETs");
});

test("cache: mutating a returned body never changes what the cache serves next", async () => {
  const f = fresh();
  const c = f.client();
  const a = await c.get("/items/1");
  a.title = "mutated";
  a.extra = true;
  const b = await c.get("/items/1");
  ok(a !== b, "the same object was returned twice");
  deepEq(b, { id: 1, title: "Item 1", version: 1 }, "body served after mutating the first");
  b.title = "again";
  const r = await c.request({ path: "/items/1" });
  eq(r.fromCache, true, "precondition: served from cache");
  deepEq(r.data, { id: 1, title: "Item 1", version: 1 }, "third body");
});

for (const [method, write] of [
  ["PUT", (c) => c.put("/items/1", { title: "put" })],
  ["PATCH", (c) => c.patch("/items/1", { title: "patched" })],
  ["DELETE", (c) => c.delete("/items/1")],
]) {
  test(`cache: a successful ${method} on /items/1 invalidates /items/1 and /items`, async () => {
    const f = fresh();
    const c = f.client({ retry: false });
    await c.get("/items/1");
    await c.get("/items");
    await c.get("/items/1"); // control: stored → conditional
    await c.get("/items");
    await write(c);
    await c.request({ path: "/items/1" }).catch(() => {}); // a 404 after DELETE
    await c.get("/items");
    const one = await conditionalOf(f, "/items/1");
    const all = await conditionalOf(f, "/items");
    ok(one[1] !== undefined && all[1] !== undefined, `precondition: the control GETs should be conditional: /items/1 ${show(one)}, /items ${show(all)}`);
    eq(one[2], undefined, `If-None-Match of GET /items/1 after ${method}`);
    eq(all[2], undefined, `If-None-Match of GET /items after ${method}`);
  });
}

test("cache: a successful POST /items invalidates /items", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  await c.get("/items");
  await c.get("/items");
  const created = await c.post("/items", { title: "new" });
  eq(created.id, 4, "created id");
  const list = await c.request({ path: "/items" });
  const inm = await conditionalOf(f, "/items");
  eq(inm[1], '"c1"', "precondition: the control GET should be conditional");
  eq(inm[2], undefined, "If-None-Match of GET /items after POST /items");
  eq(list.status, 200, "status after POST");
  eq(list.data.meta.total, 4, "fresh list after POST");
});

test("cache: a successful POST to a sub-path (/versioned/k/bump) invalidates the resource above it", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  await c.get("/versioned/k");
  await c.get("/versioned/k");
  await c.post("/versioned/k/bump", {});
  const r = await c.request({ path: "/versioned/k" });
  const inm = await conditionalOf(f, "/versioned/k");
  eq(inm[1], '"1"', "precondition: the control GET should be conditional");
  eq(inm[2], undefined, "If-None-Match after the POST");
  eq(r.data.version, 2, "fresh version after the POST");
});

test("cache: Cache-Control: no-store responses are not stored", async () => {
  const f = fresh();
  const c = f.client();
  await c.get("/items/1?nostore=1");
  const r = await c.request({ path: "/items/1?nostore=1" });
  deepEq(await conditionalOf(f, "/items/1"), [undefined, undefined], "If-None-Match of the two GETs");
  eq(r.fromCache, false, "fromCache");
  eq(c.cacheStats().entries, 0, "cacheStats().entries");
});

test("cache: cache: false sends no If-None-Match", async () => {
  const f = fresh();
  const c = f.client({ cache: false });
  await c.get("/items/1");
  const r = await c.request({ path: "/items/1" });
  deepEq(await conditionalOf(f, "/items/1"), [undefined, undefined], "If-None-Match of the two GETs");
  eq(r.status, 200, "status");
  eq(r.fromCache, false, "fromCache");
});

test("cache: a 304 for which nothing is stored is fetched once more without If-None-Match", async () => {
  const f = fresh();
  const c = f.client({ retry: false });
  // The first answer is a 304 although nothing was asked conditionally.
  const r = await c.request({ path: "/flaky/k?fail=1&code=304" });
  const gets = await f.requests("GET", "/flaky/k");
  eq(gets.length, 2, "requests the server got");
  deepEq(gets.map((g) => header(g, "if-none-match")), [undefined, undefined], "If-None-Match of the two GETs");
  eq(r.status, 200, "status");
  deepEq(r.data, { ok: true, attempt: 2 }, "data");
});

test("cache: after clearCache() nothing is stored (no If-None-Match; /etag304 answers 200 fresh)", async () => {
  const f = fresh();
  const c = f.client();
  eq((await c.get("/etag304")).fresh, true, "first body");
  const again = await c.request({ path: "/etag304" });
  eq(again.status, 304, "precondition: second GET revalidated");
  ok(c.cacheStats().entries >= 1, `precondition: cacheStats().entries ${c.cacheStats().entries}`);
  c.clearCache();
  eq(c.cacheStats().entries, 0, "cacheStats().entries after clearCache()");
  eq(c.cacheStats().bytes, 0, "cacheStats().bytes after clearCache()");
  const third = await c.request({ path: "/etag304" });
  deepEq(await conditionalOf(f, "/etag304"), [undefined, '"x"', undefined], "If-None-Match of the three GETs");
  eq(third.status, 200, "third status");
  deepEq(third.data, { fresh: true }, "third data");
});

test("cache: setToken to another token → no If-None-Match for the other identity", async () => {
  const f = fresh();
  const c = f.client({ token: TOKEN });
  await c.get("/items/1");
  await c.get("/items/1");
  c.setToken(TOKEN_B);
  const r = await c.request({ path: "/items/1" });
  const gets = await f.requests("GET", "/items/1");
  eq(header(gets[1], "if-none-match"), '"v1-1"', "precondition: same identity revalidates");
  eq(header(gets[2], "authorization"), `Bearer ${TOKEN_B}`, "Authorization after setToken");
  eq(header(gets[2], "if-none-match"), undefined, "If-None-Match for the other token");
  eq(r.fromCache, false, "fromCache for the other token");
});

test("cache: setToken(null) → no If-None-Match for the anonymous identity", async () => {
  const f = fresh();
  const c = f.client({ token: TOKEN });
  await c.get("/items/1");
  c.setToken(null);
  await c.get("/items/1");
  eq((await conditionalOf(f, "/items/1"))[1], undefined, "If-None-Match without a token");
});

test("cache: setOrgId to another org → no If-None-Match for the other org", async () => {
  const f = fresh();
  const c = f.client({ token: TOKEN, orgId: ORG });
  await c.get("/items/1");
  await c.get("/items/1");
  c.setOrgId(ORG_B);
  await c.get("/items/1");
  const gets = await f.requests("GET", "/items/1");
  eq(header(gets[1], "if-none-match"), '"v1-1"', "precondition: same org revalidates");
  eq(header(gets[2], "x-org-id"), ORG_B, "X-Org-Id after setOrgId");
  eq(header(gets[2], "if-none-match"), undefined, "If-None-Match for the other org");
});

test("cache: a 401 drops the identity's entries", async () => {
  const f = fresh();
  const c = f.client({ token: TOKEN, retry: false });
  await c.get("/items/1");
  await c.get("/items/1");
  await rejects(c.get("/token-echo"));
  await c.get("/items/1");
  const inm = await conditionalOf(f, "/items/1");
  eq(inm[1], '"v1-1"', "precondition: revalidated before the 401");
  eq(inm[2], undefined, "If-None-Match after the 401");
});

test("cache: clearCache() empties the cache (no If-None-Match afterwards)", async () => {
  const f = fresh();
  const c = f.client();
  await c.get("/items/1");
  c.clearCache();
  await c.get("/items/1");
  deepEq(await conditionalOf(f, "/items/1"), [undefined, undefined], "If-None-Match of the two GETs");
});

test("cache: identical concurrent GETs share one request and each caller gets its own object", async () => {
  const f = fresh();
  const c = f.client();
  const [a, b, d] = await Promise.all([c.get("/slow?ms=300"), c.get("/slow?ms=300"), c.get("/slow?ms=300")]);
  eq((await f.requests("GET", "/slow")).length, 1, "requests the server got");
  deepEq(a, { ok: true }, "first body");
  ok(a !== b && b !== d && a !== d, "callers share one object");
  a.ok = false;
  eq(b.ok, true, "mutating one caller's body changed another's");
  eq(d.ok, true, "mutating one caller's body changed another's");
});

test("cache: cacheStats().bytes never exceeds maxBytes; a body larger than maxBytes is not stored", async () => {
  const f = fresh();
  const maxBytes = 50_000;
  const c = f.client({ retry: false, cache: { maxBytes } });
  const ids = [];
  for (let i = 0; i < 8; i++) ids.push((await c.post("/items", { title: "x".repeat(20_000), n: i })).id);
  const big = (await c.post("/items", { title: "y".repeat(60_000) })).id;
  for (const id of ids) {
    await c.get(`/items/${id}`);
    const s = c.cacheStats();
    ok(s.bytes <= maxBytes, `after GET /items/${id}: cacheStats().bytes ${s.bytes} > maxBytes ${maxBytes}`);
    ok(s.entries >= 1 && s.bytes > 0, `after GET /items/${id}: nothing stored (${show(s)})`);
  }
  const last = ids[ids.length - 1];
  await c.get(`/items/${last}`);
  eq((await conditionalOf(f, `/items/${last}`))[1], `"v1-${last}"`, "the most recent entry is revalidated");
  await c.get(`/items/${big}`);
  ok(c.cacheStats().bytes <= maxBytes, `after the big body: bytes ${c.cacheStats().bytes}`);
  await c.get(`/items/${big}`);
  deepEq(await conditionalOf(f, `/items/${big}`), [undefined, undefined], "If-None-Match for a body larger than maxBytes");
});

test("cache: by default it keeps at most 500 entries (maxEntries' default)", async () => {
  const f = fresh();
  const c = f.client();
  for (let i = 0; i < 501; i++) await c.get(`/items/1?n=${i}`);
  eq(c.cacheStats().entries, 500, "cacheStats().entries after 501 stored GETs");
}, { timeoutMs: 60_000 });

test("cache: maxEntries bounds the entries; the least recently used goes first", async () => {
  const f = fresh();
  const c = f.client({ cache: { maxEntries: 2 } });
  await c.get("/items/1");
  await c.get("/items/2");
  await c.get("/items/1"); // touch 1: now 2 is the least recently used
  await c.get("/items/3");
  ok(c.cacheStats().entries <= 2, `cacheStats().entries ${c.cacheStats().entries} > maxEntries 2`);
  await c.get("/items/1");
  await c.get("/items/2");
  const one = await conditionalOf(f, "/items/1");
  const two = await conditionalOf(f, "/items/2");
  eq(one[2], '"v1-1"', "If-None-Match of /items/1 (recently used, kept)");
  eq(two[1], undefined, "If-None-Match of /items/2 (least recently used, evicted)");
});

// ===================================================================== forms

const FORM_HTML = `
  <div data-error-summary hidden></div>
  <p><label>Item name <input name="items[0][name]" value=""></label></p>
  <p><label for="pjk-title">Title</label> <input id="pjk-title" name="title" aria-describedby="pjk-hint"> <span id="pjk-hint">Short</span></p>
  <p><label>Priority <select name="priority"><option value="">Choose</option><option value="low">Low</option></select></label></p>
  <button type="submit">Save</button>`;

function makeForm(html = FORM_HTML) {
  const form = document.createElement("form");
  form.setAttribute("novalidate", "");
  form.innerHTML = html;
  form.addEventListener("submit", (e) => e.preventDefault());
  document.body.append(form);
  return form;
}
const INVALID_BODY = { title: "", priority: "bogus", items: [{ name: "" }], x_unknown: true };
const MSG = {
  title: "The title field is required",
  priority: "The priority must be one of: low, medium, high, urgent",
  "items[0][name]": "The items.0.name field is required",
};

function describedText(el) {
  const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  return ids.map((id) => document.getElementById(id)).filter(Boolean).map((n) => n.textContent.trim());
}

function formsAvailable() {
  if (typeof P.bindErrors !== "function" || typeof P.clearErrors !== "function") fail("bindErrors/clearErrors are not exported");
}

test("forms: bindErrors sets validationMessage, aria-invalid and an aria-describedby message on each matching control; returns unmatched keys", async () => {
  formsAvailable();
  const f = fresh();
  const form = makeForm();
  try {
    const e = await validationErrorFrom(f.client({ retry: false }), INVALID_BODY);
    deepEq(e.fields(), ["title", "priority", "items.0.name", "unknown_field_x"], "precondition: fields()");
    const unmatched = P.bindErrors(form, e);
    deepEq(unmatched, ["unknown_field_x"], "returned unmatched keys");
    const c = checker("bound form");
    for (const [name, msg] of Object.entries(MSG)) {
      const el = form.querySelector(`[name="${name}"]`);
      c.eq(el.validationMessage, msg, `${name}.validationMessage`);
      c.eq(el.getAttribute("aria-invalid"), "true", `${name} aria-invalid`);
      c.ok(describedText(el).includes(msg), `${name}: no aria-describedby element with the message (describedby texts ${show(describedText(el))})`);
    }
    c.ok(describedText(form.querySelector('[name="title"]')).includes("Short"), "title's own aria-describedby id (pjk-hint) was dropped");
    const summary = form.querySelector("[data-error-summary]");
    c.ok(!summary.hidden, "the [data-error-summary] element is still hidden");
    c.ok(summary.textContent.includes("The unknown_field_x field is invalid"), `summary text ${show(summary.textContent)}`);
    c.done();
  } finally {
    P.clearErrors?.(form);
    form.remove();
  }
});

test("forms: bindErrors focuses the first invalid control in document order", async () => {
  formsAvailable();
  const f = fresh();
  const form = makeForm();
  try {
    const e = await validationErrorFrom(f.client({ retry: false }), INVALID_BODY);
    P.bindErrors(form, e);
    // The server lists title first, but items[0][name] comes first in the form.
    eq(document.activeElement, form.querySelector('[name="items[0][name]"]'), "document.activeElement");
  } finally {
    P.clearErrors?.(form);
    form.remove();
  }
});

test("forms: typing in a field (input event) clears only that field; change on a select clears only the select", async () => {
  formsAvailable();
  const f = fresh();
  const form = makeForm();
  try {
    const e = await validationErrorFrom(f.client({ retry: false }), INVALID_BODY);
    P.bindErrors(form, e);
    const title = form.querySelector('[name="title"]');
    const item = form.querySelector('[name="items[0][name]"]');
    const priority = form.querySelector('[name="priority"]');
    title.value = "A title";
    title.dispatchEvent(new Event("input", { bubbles: true }));
    const c = checker("after typing in title");
    c.eq(title.validationMessage, "", "title.validationMessage");
    c.ok(title.getAttribute("aria-invalid") !== "true", `title aria-invalid ${show(title.getAttribute("aria-invalid"))}`);
    c.ok(!describedText(title).includes(MSG.title), "title still described by its error message");
    c.eq(item.validationMessage, MSG["items[0][name]"], "items[0][name].validationMessage");
    c.eq(item.getAttribute("aria-invalid"), "true", "items[0][name] aria-invalid");
    c.eq(priority.validationMessage, MSG.priority, "priority.validationMessage");
    c.done();
    priority.value = "low";
    priority.dispatchEvent(new Event("change", { bubbles: true }));
    const d = checker("after changing priority");
    d.eq(priority.validationMessage, "", "priority.validationMessage");
    d.ok(priority.getAttribute("aria-invalid") !== "true", "priority aria-invalid");
    d.eq(item.validationMessage, MSG["items[0][name]"], "items[0][name].validationMessage");
    d.done();
  } finally {
    P.clearErrors?.(form);
    form.remove();
  }
});

test("forms: clearErrors restores the form's outerHTML exactly and clears validity", async () => {
  formsAvailable();
  const f = fresh();
  const form = makeForm();
  try {
    const before = form.outerHTML;
    const e = await validationErrorFrom(f.client({ retry: false }), INVALID_BODY);
    P.bindErrors(form, e, { invalidClass: "is-invalid" });
    ok(form.outerHTML !== before, "precondition: bindErrors changed nothing");
    P.clearErrors(form);
    eq(form.outerHTML, before, "outerHTML after clearErrors");
    for (const name of Object.keys(MSG)) eq(form.querySelector(`[name="${name}"]`).validationMessage, "", `${name}.validationMessage`);
  } finally {
    form.remove();
  }
});

test("forms: binding again replaces the previous marks", async () => {
  formsAvailable();
  const f = fresh();
  const form = makeForm();
  try {
    const before = form.outerHTML;
    const client = f.client({ retry: false });
    P.bindErrors(form, await validationErrorFrom(client, INVALID_BODY));
    P.bindErrors(form, await validationErrorFrom(client, { title: "ok", priority: "bogus" }));
    const title = form.querySelector('[name="title"]');
    const c = checker("after the second bind");
    c.eq(title.validationMessage, "", "title.validationMessage");
    c.ok(title.getAttribute("aria-invalid") !== "true", "title aria-invalid");
    c.eq(form.querySelector('[name="items[0][name]"]').validationMessage, "", "items[0][name].validationMessage");
    c.eq(form.querySelector('[name="priority"]').validationMessage, MSG.priority, "priority.validationMessage");
    c.eq(form.querySelectorAll('[aria-invalid="true"]').length, 1, "controls marked invalid");
    c.done();
    P.clearErrors(form);
    eq(form.outerHTML, before, "outerHTML after clearErrors");
  } finally {
    form.remove();
  }
});

test("forms: messages are set as text, never as HTML", async () => {
  formsAvailable();
  const f = fresh();
  const form = makeForm();
  window.__pjkXss = 0;
  try {
    const html = '<img src="data:," onerror="window.__pjkXss=1"><b>bold</b>';
    const e = await rejects(f.client({ retry: false }).get(`/status/422?errors=${encodeURIComponent(JSON.stringify({ title: [html] }))}`));
    P.bindErrors(form, e);
    const title = form.querySelector('[name="title"]');
    ok(describedText(title).includes(html), `the message element's text should be the raw message, got ${show(describedText(title))}`);
    eq(form.querySelectorAll("img, b").length, 0, "elements parsed from the message");
    await sleep(50);
    eq(window.__pjkXss, 0, "injected handler ran");
  } finally {
    P.clearErrors?.(form);
    form.remove();
  }
});

test("forms: bindErrors ignores anything that is not a ValidationError (returns [] and changes nothing)", async () => {
  formsAvailable();
  const f = fresh();
  const form = makeForm();
  try {
    const before = form.outerHTML;
    const notFound = await rejects(f.client({ retry: false }).get("/status/404"));
    const others = [
      ["new Error('x')", new Error("x")],
      ["a NotFoundError", notFound],
      ["an unbranded look-alike", { name: "ValidationError", kind: "validation", fieldErrors: { title: ["x"] }, first: () => "x", has: () => true, fields: () => ["title"] }],
      ["null", null],
      ["undefined", undefined],
    ];
    for (const [label, v] of others) {
      deepEq(P.bindErrors(form, v), [], `bindErrors(form, ${label})`);
      eq(form.outerHTML, before, `outerHTML after bindErrors(form, ${label})`);
      eq(form.querySelector('[name="title"]').validationMessage, "", `title.validationMessage after bindErrors(form, ${label})`);
    }
  } finally {
    form.remove();
  }
});

test("forms: fieldMessages(e) gives [field, firstMessage] pairs, [] otherwise", async () => {
  if (typeof P.fieldMessages !== "function") fail("fieldMessages is not exported");
  const f = fresh();
  const e = await validationErrorFrom(f.client({ retry: false }), { title: "", priority: "low" });
  deepEq(P.fieldMessages(e), [["title", "The title field is required"]], "fieldMessages(e)");
  deepEq(P.fieldMessages(new Error("x")), [], "fieldMessages(new Error)");
});

// ========================================================= paginate / update

// client.paginate() and client.update() live in paginate.mjs, registered with this harness.
try {
  (await import("./paginate.mjs")).default({ test, P, fresh, ok, eq, deepEq, rejects, checkError, sleep, now, show, fail, header });
} catch (e) {
  test("paginate/update: load tests/js/paginate.mjs", () => { throw e; });
}

// ================================================================= security

// Token over http://, token in every error class, identities switched mid-flight (issue 8).
try {
  (await import("./security.mjs")).default({
    test, P, fresh, ok, eq, deepEq, rejects, checkError, sleep, now, show, fail, header,
    throws, checker, reachableStrings, withConsoleCapture, TOKEN, TOKEN_B, ORG, ORG_B,
  });
} catch (e) {
  test("security: load tests/js/security.mjs", () => { throw e; });
}

// Where the token may go: path escapes, foreign URLs, pages and redirects (issue 19).
try {
  (await import("./scope.mjs")).default({
    test, P, fresh, eq, rejects, show, checker, reachableStrings, TOKEN, TOKEN_B, ORG, DECOY,
  });
} catch (e) {
  test("security: scope — load tests/js/scope.mjs", () => { throw e; });
}

// Whose body the cache serves, the token in every shape, bounds (issue 26).
try {
  (await import("./hostile.mjs")).default({
    test, P, fresh, eq, ok, rejects, show, checker, reachableStrings, TOKEN, TOKEN_B, ORG_B,
  });
} catch (e) {
  test("security: hostile — load tests/js/hostile.mjs", () => { throw e; });
}

// Path parameters (issue 24).
try {
  (await import("./params.mjs")).default({ test, fresh, ok, rejects, show, checker });
} catch (e) {
  test("params: load tests/js/params.mjs", () => { throw e; });
}

// A good browser citizen: crossTab and the persisted cache (issue 21).
try {
  (await import("./citizen.mjs")).default({ test, fresh, eq, ok, TOKEN, TOKEN_B });
} catch (e) {
  test("citizen: load tests/js/citizen.mjs", () => { throw e; });
}

// ====================================================================== run

await runAll();
