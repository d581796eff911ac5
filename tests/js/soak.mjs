// Soak: thousands of requests through the built package in a real browser
// against the test server's seeded /fault route (issue 8, item 2).
//
// Loaded by soak.html?api=<API origin>&n=<requests>&seed=<seed>&concurrency=<c>
// (run.mjs --soak [--requests N] [--seed S]); reports like suite.mjs in
// window.__results = { passed, failed, tests, summary }.
//
// Two clients share one page, one wasm module and 16 workers:
//
// - lane A (≈80 %): mixed GET/POST/PUT/PATCH/DELETE on /fault?seed=S&i=I, some
//   with an Idempotency-Key, some with heal=1|2 (the fault for that request
//   turns into "ok" after 1 or 2 responses, so retries that succeed are
//   exercised too). The server is deterministic (fault.rs; the names come
//   from /__faultplan), so every request's outcome is known in advance: the
//   class, status and attempts of the rejection, or the exact body; and the
//   exact sequence of responses the server gave for it (/__faults, keyed by
//   the request's req= tag): nothing was sent more or less often than the
//   client's own attempts say, so no POST without an Idempotency-Key was
//   processed twice.
// - lane B (≈20 %): GETs of 40 ETag'd, padded bodies under a small cache
//   (evictions by bytes, 304s served from the cache), plus a few PUTs that
//   invalidate; every body must be the one for its key, and mutating a
//   returned body must never change what the cache serves next.
//
// Throughout: no unhandled rejection, no wasm trap, no console output with
// the token, cacheStats() never above the configured bounds, the JS heap
// after GC (Chromium, --expose-gc) sampled at 0/25/50/75/100 %.

window.__soakStarted = true;

const params = new URLSearchParams(location.search);
const API = (params.get("api") || "").replace(/\/+$/, "");
const N = Math.max(1, Number(params.get("n")) || 1000);
const SEED = params.get("seed") || "1";
const CONCURRENCY = Math.max(1, Number(params.get("concurrency")) || 16);
const BROWSER = /Firefox\//.test(navigator.userAgent) ? "firefox" : /Chrom/.test(navigator.userAgent) ? "chromium" : "browser";

const RETRY = { limit: 3, baseDelayMs: 5, maxDelayMs: 200 };
// Per attempt. Nothing in the fault set is slower than 200 ms, so this only
// turns a stall into a (reported) TimeoutError; it is generous because the
// machines this runs on can be heavily loaded.
const TIMEOUT_MS = 30_000;
const CACHE_A = { maxEntries: 64, maxBytes: 32_768 };
const CACHE_B = { maxEntries: 32, maxBytes: 16_384 };
const B_KEYS = 40;
const STUCK_MS = 180_000;
const RUN_ID = (Date.now().toString(36) + Math.random().toString(36).slice(2, 8)).slice(-12);
const SCOPE = `soak-${RUN_ID}`;
const BASE = `${API}/s/${SCOPE}`;
const TOKEN_A = `pjk_live_SOAKa${RUN_ID}`;
const TOKEN_B = `pjk_live_SOAKb${RUN_ID}`;
const TOKENS = [TOKEN_A, TOKEN_B];

// ---------------------------------------------------------------- observers

const MAX_EXAMPLES = 12;
function note(list, msg) {
  if (list.length < MAX_EXAMPLES) list.push(msg);
}
const unhandled = [];
let unhandledCount = 0;
addEventListener("unhandledrejection", (e) => {
  unhandledCount += 1;
  note(unhandled, `unhandled rejection: ${describe(e.reason)}`);
});
const uncaught = [];
let uncaughtCount = 0;
addEventListener("error", (e) => {
  uncaughtCount += 1;
  note(uncaught, `uncaught error: ${e.message}${e.filename ? ` at ${e.filename}:${e.lineno}` : ""}`);
});

// Every console call made while the soak runs (the package must not log the
// token, and a trap would usually show up here first).
const consoleCalls = { count: 0, withToken: 0, traps: 0, examples: [] };
for (const m of ["log", "info", "warn", "error", "debug", "trace", "dir", "table", "group", "groupCollapsed", "assert"]) {
  const original = console[m];
  console[m] = (...args) => {
    consoleCalls.count += 1;
    const text = args.map((a) => safeText(a)).join(" ");
    if (TOKENS.some((t) => text.includes(t))) consoleCalls.withToken += 1;
    if (/unreachable|RuntimeError/.test(text)) consoleCalls.traps += 1;
    note(consoleCalls.examples, `console.${m}: ${text.slice(0, 200)}`);
    return original.apply(console, args);
  };
}

function safeText(v) {
  try {
    if (typeof v === "string") return v;
    if (v instanceof Error) return `${v.name}: ${v.message}\n${v.stack || ""}`;
    return JSON.stringify(v) ?? String(v);
  } catch {
    try { return String(v); } catch { return "[unprintable]"; }
  }
}
function describe(v) {
  if (v instanceof Error || (v && typeof v === "object" && "message" in v)) {
    return `${v.name}: ${JSON.stringify(String(v.message).slice(0, 200))}${v.kind !== undefined ? ` (kind ${v.kind}, status ${v.status}, attempts ${v.attempts})` : ""}`;
  }
  return safeText(v).slice(0, 200);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ package

let P;
let wasmMemory = null;
try {
  if (!API) throw new Error("soak.html needs ?api=<origin of the API test server>");
  P = await import("/dist/web/index.js");
  const exports = await P.default();
  wasmMemory = exports && exports.memory instanceof WebAssembly.Memory ? exports.memory : null;
} catch (e) {
  window.__results = { passed: 0, failed: 1, tests: [{ name: "soak: load /dist/web/index.js and init()", ok: false, message: describe(e) }] };
  throw e;
}

// ------------------------------------------------------- what to expect

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
const KIND_OF = {
  ServerError: "server", UnavailableError: "unavailable", RateLimitError: "rate_limited",
  NetworkError: "network", DecodeError: "decode", ValidationError: "validation",
};
const HTTP_CLASSES = new Set(["ServerError", "UnavailableError", "RateLimitError", "ValidationError"]);

// The fault names of tests/server/src/fault.rs and what the contract says the
// client makes of each. retry: "unsafe" = 5xx/network (idempotent method or
// Idempotency-Key only), "any" = 429 with a wait the client sleeps (backoff
// when no header is usable), "never". wait: the fixed wait a 429 asks for.
const ok = (status, body) => ({ ok: true, status, body });
const err = (cls, status, retry, extra = {}) => ({ ok: false, cls, status, retry, ...extra });
const ext = (base) => (req, pad) => ({ ...base, req, ...(pad > 0 ? { pad: "x".repeat(pad) } : {}) });
const SPEC = {
  ok: ok(200, ext({ ok: true, fault: "ok" })),
  created: ok(201, ext({ ok: true, id: 1, fault: "created" })),
  no_content: ok(204, () => undefined),
  server_500: err("ServerError", 500, "unsafe"),
  bad_gateway_502: err("UnavailableError", 502, "unsafe"),
  unavailable_503: err("UnavailableError", 503, "unsafe"),
  timeout_504: err("UnavailableError", 504, "unsafe"),
  retry_after_garbage: err("RateLimitError", 429, "any", { retryAfterMs: null }),
  retry_after_negative: err("RateLimitError", 429, "any", { retryAfterMs: null }),
  retry_after_huge: err("RateLimitError", 429, "any", { retryAfterMs: null }),
  // "1" and "2" joined by fetch: the largest, 2 s, is over maxDelayMs → at once.
  retry_after_duplicate: err("RateLimitError", 429, "never", { retryAfterMs: 2000 }),
  retry_after_nonascii: err("RateLimitError", 429, "any", { retryAfterMs: null }),
  reset_nan: err("RateLimitError", 429, "any", { retryAfterMs: null }),
  reset_fraction: err("RateLimitError", 429, "any", { retryAfterMs: 100, wait: 100 }),
  html_502: err("UnavailableError", 502, "unsafe"),
  empty_500: err("ServerError", 500, "unsafe"),
  truncated_200: err("DecodeError", 200, "never"),
  wrong_content_type: ok(200, () => ({ ok: true })),
  invalid_422: err("ValidationError", 422, "never"),
  garbage_header: ok(200, ext({ ok: true, fault: "garbage_header" })),
  slow_first_byte: ok(200, ext({ ok: true, fault: "slow_first_byte" })),
  drop: err("NetworkError", 0, "unsafe"),
};

/**
 * Walks the attempts the client should make: which fault each one meets,
 * and how the request ends.
 */
function expectation(fault, method, hasKey, heal) {
  const seq = [];
  for (let n = 1; ; n++) {
    const f = heal !== null && n > heal ? "ok" : fault;
    seq.push(f);
    const spec = SPEC[f];
    if (!spec) return { unknown: f, seq, attempts: n };
    if (spec.ok) return { ok: true, spec, fault: f, seq, attempts: n };
    const retryable = spec.retry === "any" || (spec.retry === "unsafe" && (IDEMPOTENT.has(method) || hasKey));
    if (!retryable || n > RETRY.limit) return { ok: false, spec, fault: f, seq, attempts: n };
  }
}

/** A small deterministic generator per request (mulberry32). */
function rng(i) {
  let a = (Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(Number(SEED) || 7, 0x85ebca6b)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What request i is: lane, method, path, headers, expectation. */
function planOf(i, faults) {
  const r = rng(i);
  if (r() < 0.2) {
    const k = Math.floor(r() * B_KEYS);
    const pad = (k * 733) % 2500;
    if (r() < 0.08) {
      return { lane: "B", i, k, method: "PUT", path: `/fault/c/${k}?kind=ok&req=cw${i}`, body: { i }, req: `cw${i}`, pad: 0, viaRequest: r() < 0.5 };
    }
    return { lane: "B", i, k, method: "GET", path: `/fault/c/${k}?kind=ok&etag=1&req=c${k}&pad=${pad}`, req: `c${k}`, pad, viaRequest: r() < 0.5 };
  }
  const x = r();
  const method = x < 0.35 ? "GET" : x < 0.6 ? "POST" : x < 0.75 ? "PUT" : x < 0.85 ? "PATCH" : "DELETE";
  const hasKey = (method === "POST" && r() < 0.5) || (method === "PATCH" && r() < 0.25);
  const fault = faults[i];
  const h = r();
  // Not for "drop": the browser itself may resend a request whose reused
  // connection closed without a byte (see the resend figures), and a resend
  // that met the healed "ok" would change the outcome.
  const heal = h < 0.5 || fault === "drop" ? null : h < 0.75 ? 1 : 2;
  const pad = method === "GET" ? Math.floor(r() * 3000) : 0;
  const req = `a${i}`;
  let path = `/fault?seed=${encodeURIComponent(SEED)}&i=${i}&req=${req}`;
  if (heal !== null) path += `&heal=${heal}`;
  if (method === "GET") path += `&etag=1${pad ? `&pad=${pad}` : ""}`;
  return {
    lane: "A", i, method, path, req, pad, hasKey, heal, fault,
    body: method === "POST" || method === "PUT" || method === "PATCH" ? { i, note: "soak" } : undefined,
    headers: hasKey ? { "Idempotency-Key": `key-${RUN_ID}-${i}` } : undefined,
    viaRequest: r() < 0.5,
    exp: expectation(fault, method, hasKey, heal),
  };
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
function short(v) {
  const s = safeText(v);
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}
function headerOf(h, name) {
  if (!h) return undefined;
  if (typeof h.get === "function") return h.get(name) ?? undefined;
  const key = Object.keys(h).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : h[key];
}

// ---------------------------------------------------------------- counters

const stats = {
  settled: 0, fulfilled: 0, rejected: 0, stuck: 0, lateSettled: 0,
  byClass: {}, byFault: {}, unexpected: 0, unexpectedExamples: [],
  untyped: 0, traps: 0, trapExamples: [],
  tokenLeaks: 0, tokenExamples: [],
  retries: 0, maxAttempts: 0, maxWait: 0, maxTotalWait: 0, waitProblems: 0, waitExamples: [],
  postsNoKey: 0, postsNoKeyProcessedTwice: 0,
  cache: { A: { maxBytes: 0, maxEntries: 0 }, B: { maxBytes: 0, maxEntries: 0 }, overBytes: 0, overEntries: 0, examples: [] },
  b: { gets: 0, puts: 0, fromCache: 0, status304: 0, wrongBody: 0, examples: [] },
  heap: [], wasm: [],
  ms: {}, // lane A: total ms per fault, lane B as "B"
};
/** Per request in flight: its retries as onRetry reported them. */
const live = new Map();
const retriesOf = new Int8Array(N);
const reportedAttempts = new Int8Array(N); // 0 = unknown (helper method that resolved)

function unexpected(p, msg) {
  stats.unexpected += 1;
  note(stats.unexpectedExamples, `#${p.i} ${p.lane} ${p.method} ${p.path} (fault ${p.fault ?? "ok"}, heal ${p.heal ?? "-"}${p.hasKey ? ", Idempotency-Key" : ""}): ${msg}`);
}

function onRetry(info) {
  const m = /[?&]req=([^&]+)/.exec(String(info && info.url));
  const text = safeText(info);
  if (TOKENS.some((t) => text.includes(t))) {
    stats.tokenLeaks += 1;
    note(stats.tokenExamples, `onRetry info: ${text.slice(0, 200)}`);
  }
  stats.retries += 1;
  const d = info && info.delayMs;
  if (!(typeof d === "number" && d >= 0 && d <= RETRY.maxDelayMs)) {
    stats.waitProblems += 1;
    note(stats.waitExamples, `onRetry delayMs ${d} (maxDelayMs ${RETRY.maxDelayMs}) for ${info && info.url}`);
  }
  if (typeof d === "number") stats.maxWait = Math.max(stats.maxWait, d);
  const entry = m && live.get(decodeURIComponent(m[1]));
  if (!entry) return;
  const p = entry.plan;
  entry.retries += 1;
  entry.waits.push(d);
  if (p.lane !== "A") return;
  // The fault the failed attempt met decides the wait: a fixed one for a usable
  // X-RateLimit-Reset, else full jitter below min(maxDelayMs, base × 2^(n−1)).
  const n = entry.retries;
  const failed = p.exp.seq[n - 1];
  const spec = SPEC[failed];
  if (info.attempt !== n + 1) {
    stats.waitProblems += 1;
    note(stats.waitExamples, `#${p.i}: onRetry attempt ${info.attempt}, expected ${n + 1}`);
  }
  const ceiling = Math.min(RETRY.maxDelayMs, RETRY.baseDelayMs * 2 ** (n - 1));
  const good = spec && spec.wait !== undefined ? d === spec.wait : typeof d === "number" && d >= 0 && d <= ceiling;
  if (!good) {
    stats.waitProblems += 1;
    note(stats.waitExamples, `#${p.i} retry ${n} after ${failed}: delayMs ${d}, expected ${spec && spec.wait !== undefined ? spec.wait : `≤ ${ceiling}`}`);
  }
  const reason = spec && KIND_OF[spec.cls];
  if (reason && info.reason !== reason) {
    stats.waitProblems += 1;
    note(stats.waitExamples, `#${p.i} retry ${n}: reason ${info.reason}, expected ${reason}`);
  }
}

const clientA = new P.Client({ baseUrl: BASE, token: TOKEN_A, retry: RETRY, timeoutMs: TIMEOUT_MS, cache: CACHE_A, onRetry });
const clientB = new P.Client({ baseUrl: BASE, token: TOKEN_B, retry: RETRY, timeoutMs: TIMEOUT_MS, cache: CACHE_B, onRetry });

function sampleCache() {
  for (const [lane, c, bounds] of [["A", clientA, CACHE_A], ["B", clientB, CACHE_B]]) {
    const s = c.cacheStats();
    const mine = stats.cache[lane];
    mine.maxBytes = Math.max(mine.maxBytes, s.bytes);
    mine.maxEntries = Math.max(mine.maxEntries, s.entries);
    if (s.bytes > bounds.maxBytes) {
      stats.cache.overBytes += 1;
      note(stats.cache.examples, `client ${lane}: cacheStats().bytes ${s.bytes} > maxBytes ${bounds.maxBytes}`);
    }
    if (s.entries > bounds.maxEntries) {
      stats.cache.overEntries += 1;
      note(stats.cache.examples, `client ${lane}: cacheStats().entries ${s.entries} > maxEntries ${bounds.maxEntries}`);
    }
  }
}

// ---------------------------------------------------------------- checks

function isTrap(e) {
  if (typeof WebAssembly !== "undefined" && e instanceof WebAssembly.RuntimeError) return true;
  const parts = [];
  for (let v = e, depth = 0; v && depth < 4; v = v.cause, depth++) {
    if (typeof WebAssembly !== "undefined" && v instanceof WebAssembly.RuntimeError) return true;
    parts.push(safeText(v && v.message), safeText(v && v.stack), safeText(v && v.name));
  }
  return /unreachable|RuntimeError/.test(parts.join("\n"));
}

/** The token anywhere in an error: message, url, JSON, String, stack, cause, data. */
function tokenIn(e) {
  const parts = [];
  try { parts.push(JSON.stringify(e)); } catch (x) { parts.push(`JSON.stringify threw ${x}`); }
  for (const v of [e && e.message, e && e.url, e && e.stack, String(e)]) parts.push(safeText(v));
  if (e && e.cause !== undefined) parts.push(safeText(e.cause), safeText(e.cause && e.cause.stack));
  if (e && e.data !== undefined) parts.push(safeText(e.data));
  if (e && e.delays !== undefined) parts.push(safeText(e.delays));
  const all = parts.join("\n");
  return TOKENS.find((t) => all.includes(t));
}

function checkRejection(p, e, waits) {
  stats.rejected += 1;
  const name = e && e.name;
  stats.byClass[name] = (stats.byClass[name] || 0) + 1;
  if (isTrap(e)) {
    stats.traps += 1;
    note(stats.trapExamples, `#${p.i}: ${describe(e)}`);
  }
  const leaked = tokenIn(e);
  if (leaked) {
    stats.tokenLeaks += 1;
    note(stats.tokenExamples, `#${p.i}: ${name} holds the token`);
  }
  if (!(e instanceof Error) || !P.isProjektError(e)) {
    stats.untyped += 1;
    unexpected(p, `rejected with something isProjektError does not recognise: ${describe(e)}`);
    return;
  }
  if (typeof e.attempts === "number") {
    stats.maxAttempts = Math.max(stats.maxAttempts, e.attempts);
    if (p.lane === "A" && p.i < N) reportedAttempts[p.i] = Math.min(127, e.attempts);
  }
  if (p.lane !== "A") {
    unexpected(p, `lane B never faults, but it rejected with ${describe(e)}`);
    return;
  }
  const exp = p.exp;
  if (exp.unknown) {
    unexpected(p, `the plan names a fault this soak does not know: ${exp.unknown}`);
    return;
  }
  if (exp.ok) {
    unexpected(p, `expected a ${exp.spec.status} from fault ${exp.fault} after ${exp.attempts} attempt(s), got ${describe(e)}`);
    return;
  }
  const { cls, status } = exp.spec;
  const problems = [];
  if (name !== cls) problems.push(`class ${name}, expected ${cls}`);
  if (!P[`is${cls}`](e)) problems.push(`is${cls}(e) is false`);
  if (e.kind !== KIND_OF[cls]) problems.push(`kind ${e.kind}, expected ${KIND_OF[cls]}`);
  if (P.isHttpError(e) !== HTTP_CLASSES.has(cls)) problems.push(`isHttpError(e) ${P.isHttpError(e)}`);
  if (e.status !== status) problems.push(`status ${e.status}, expected ${status}`);
  if (e.method !== p.method) problems.push(`method ${e.method}`);
  if (typeof e.url !== "string" || !e.url.includes(`req=${p.req}`)) problems.push(`url ${short(e.url)}`);
  if (e.attempts !== exp.attempts) problems.push(`attempts ${e.attempts}, expected ${exp.attempts}`);
  if (typeof e.message !== "string" || !e.message) problems.push("empty message");
  if (cls === "RateLimitError" && e.retryAfterMs !== exp.spec.retryAfterMs) problems.push(`retryAfterMs ${e.retryAfterMs}, expected ${exp.spec.retryAfterMs}`);
  const xf = headerOf(e.headers, "x-fault");
  if (xf !== undefined && xf !== exp.fault) problems.push(`X-Fault ${xf}, expected ${exp.fault}`);
  if (Array.isArray(e.delays)) {
    if (e.delays.length !== e.attempts - 1) problems.push(`delays ${short(e.delays)} for ${e.attempts} attempts`);
    if (!deepEqual(e.delays, waits)) problems.push(`delays ${short(e.delays)} but onRetry said ${short(waits)}`);
  } else if (e.attempts > 1) {
    problems.push("no delays array");
  }
  if (problems.length) unexpected(p, `${describe(e)}: ${problems.join("; ")}`);
}

function checkFulfilment(p, value, waits) {
  stats.fulfilled += 1;
  const viaRequest = p.viaRequest;
  const data = viaRequest ? value && value.data : value;
  if (p.lane === "B") {
    if (p.method === "PUT") {
      stats.b.puts += 1;
      if (!deepEqual(data, { ok: true, fault: "ok", req: p.req })) unexpected(p, `body ${short(data)}`);
      return;
    }
    stats.b.gets += 1;
    const good = data && data.ok === true && data.fault === "ok" && data.req === p.req &&
      (p.pad > 0 ? typeof data.pad === "string" && data.pad.length === p.pad && /^x*$/.test(data.pad) : data.pad === undefined) &&
      Object.keys(data).length === (p.pad > 0 ? 4 : 3);
    if (!good) {
      stats.b.wrongBody += 1;
      unexpected(p, `body is not key ${p.k}'s: ${short(data)}`);
    }
    if (viaRequest) {
      if (value.fromCache) stats.b.fromCache += 1;
      if (value.status === 304) stats.b.status304 += 1;
      if ((value.status === 304) !== (value.fromCache === true) || (value.status !== 200 && value.status !== 304)) {
        unexpected(p, `request(): status ${value.status}, fromCache ${value.fromCache}`);
      }
    }
    // Callers get their own copy: scribbling on it must not reach the cache.
    if (data && typeof data === "object") {
      data.pad = "MUTATED";
      data.req = "MUTATED";
    }
    return;
  }
  const exp = p.exp;
  if (exp.unknown) {
    unexpected(p, `the plan names a fault this soak does not know: ${exp.unknown}`);
    return;
  }
  if (!exp.ok) {
    unexpected(p, `expected ${exp.spec.cls} (fault ${exp.fault}, ${exp.attempts} attempt(s)), but it resolved with ${short(data)}`);
    return;
  }
  const problems = [];
  const want = exp.spec.body(p.req, p.pad);
  if (!deepEqual(data, want)) problems.push(`body ${short(data)}, expected ${short(want)}`);
  if (waits.length !== exp.attempts - 1) problems.push(`onRetry called ${waits.length} times, expected ${exp.attempts - 1}`);
  if (viaRequest) {
    if (value.status !== exp.spec.status) problems.push(`status ${value.status}, expected ${exp.spec.status}`);
    if (value.attempts !== exp.attempts) problems.push(`attempts ${value.attempts}, expected ${exp.attempts}`);
    const xf = headerOf(value.headers, "x-fault");
    if (xf !== undefined && xf !== exp.fault) problems.push(`X-Fault ${xf}, expected ${exp.fault}`);
    if (typeof value.attempts === "number") {
      stats.maxAttempts = Math.max(stats.maxAttempts, value.attempts);
      reportedAttempts[p.i] = Math.min(127, value.attempts);
    }
  }
  if (problems.length) unexpected(p, problems.join("; "));
}

function call(p) {
  const c = p.lane === "A" ? clientA : clientB;
  const opts = p.headers ? { headers: p.headers } : undefined;
  if (p.viaRequest) {
    return c.request({ method: p.method, path: p.path, body: p.body, ...(p.headers ? { headers: p.headers } : {}) });
  }
  switch (p.method) {
    case "GET": return c.get(p.path, opts);
    case "POST": return c.post(p.path, p.body, opts);
    case "PUT": return c.put(p.path, p.body, opts);
    case "PATCH": return c.patch(p.path, p.body, opts);
    case "DELETE": return c.delete(p.path, opts);
    default: throw new Error(`method ${p.method}`);
  }
}

// ------------------------------------------------------------------ memory

function heapNow() {
  if (typeof window.gc === "function") {
    window.gc();
    window.gc();
  }
  const m = performance.memory;
  return m && typeof m.usedJSHeapSize === "number" ? m.usedJSHeapSize : null;
}
function sampleMemory(label, done) {
  stats.heap.push({ label, done, bytes: heapNow() });
  stats.wasm.push({ label, done, bytes: wasmMemory ? wasmMemory.buffer.byteLength : null });
}
const MB = (b) => (b === null || b === undefined ? "n/a" : (b / 1048576).toFixed(1));

// --------------------------------------------------------------------- run

const results = [];
function check(name, pass, details) {
  results.push({ name: `soak: ${name}`, ok: !!pass, message: pass ? "" : details });
}

async function main() {
  const out = document.getElementById("out");
  const planRes = await fetch(`${API}/__faultplan?seed=${encodeURIComponent(SEED)}&from=0&n=${N}`, { cache: "no-store" });
  const faults = (await planRes.json()).faults;
  if (!Array.isArray(faults) || faults.length !== N) throw new Error(`/__faultplan gave ${short(faults)}`);

  // Baseline: the same shape of traffic (unique URLs, Authorization, so a
  // CORS preflight each) with plain fetch() and no faults, to tell the
  // machine's pace from the library's.
  const BASELINE = Math.min(200, N);
  let baseNext = 0;
  const b0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (;;) {
      const j = baseNext++;
      if (j >= BASELINE) return;
      await fetch(`${BASE}/fault?kind=ok&req=base${j}`, { headers: { Authorization: "Bearer pjk_live_baseline" }, cache: "no-store" })
        .then((r) => r.text()).catch(() => {});
    }
  }));
  const baselineRate = BASELINE / ((performance.now() - b0) / 1000);

  sampleMemory("0%", 0);
  const marks = [0.25, 0.5, 0.75].map((f) => ({ at: Math.ceil(N * f), label: `${f * 100}%`, taken: false }));
  let next = 0;
  let done = 0;
  const t0 = performance.now();

  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= N) return;
      const p = planOf(i, faults);
      if (p.lane === "A") {
        stats.byFault[p.fault] = (stats.byFault[p.fault] || 0) + 1;
        if (p.method === "POST" && !p.hasKey) stats.postsNoKey += 1;
      }
      const entry = { plan: p, retries: 0, waits: [] };
      // Lane B's keys repeat (and never retry): only lane A is tracked by key.
      if (p.lane === "A") live.set(p.req, entry);
      let settledInTime = false;
      let promise;
      try {
        promise = Promise.resolve(call(p));
      } catch (e) {
        promise = Promise.reject(e);
      }
      const outcome = promise.then(
        (v) => ({ v }),
        (e) => ({ e }),
      );
      const started = performance.now();
      let stuckTimer;
      const raced = await Promise.race([
        outcome,
        new Promise((r) => { stuckTimer = setTimeout(r, STUCK_MS, { stuck: true }); }),
      ]);
      clearTimeout(stuckTimer);
      const slot = p.lane === "A" ? p.fault : "lane B";
      stats.ms[slot] = (stats.ms[slot] || 0) + (performance.now() - started);
      if (raced.stuck) {
        stats.stuck += 1;
        unexpected(p, `did not settle within ${STUCK_MS / 1000} s`);
        outcome.then(() => { stats.lateSettled += 1; });
      } else {
        settledInTime = true;
        stats.settled += 1;
        if (p.lane === "A") retriesOf[i] = Math.min(127, entry.retries);
        if ("e" in raced) checkRejection(p, raced.e, entry.waits);
        else checkFulfilment(p, raced.v, entry.waits);
        const total = entry.waits.reduce((a, b) => a + (typeof b === "number" ? b : 0), 0);
        stats.maxTotalWait = Math.max(stats.maxTotalWait, total);
        if (total > RETRY.limit * RETRY.maxDelayMs) {
          stats.waitProblems += 1;
          note(stats.waitExamples, `#${i}: total wait ${total} ms > limit × maxDelayMs`);
        }
        if (entry.retries > RETRY.limit) {
          stats.waitProblems += 1;
          note(stats.waitExamples, `#${i}: ${entry.retries} retries > limit ${RETRY.limit}`);
        }
      }
      if (p.lane === "A") live.delete(p.req);
      void settledInTime;
      done += 1;
      sampleCache();
      for (const m of marks) {
        if (!m.taken && done >= m.at) {
          m.taken = true;
          sampleMemory(m.label, done);
        }
      }
      if (done % 500 === 0 && out) out.textContent = `running… ${done}/${N}`;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  await sleep(100);
  sampleMemory("100%", done);

  // The module still works after all that.
  let afterwards = null;
  try {
    const v = await clientA.get(`/fault?kind=ok&req=final-${RUN_ID}`);
    afterwards = v && v.ok === true ? null : `resolved with ${short(v)}`;
  } catch (e) {
    afterwards = `rejected with ${describe(e)}${isTrap(e) ? " (a trap)" : ""}`;
  }

  // What the server saw, per request: the exact sequence of faults it served.
  // A connection closed without a byte ("drop") may be resent by the browser's
  // own network stack (Chromium does so on a reused keep-alive connection,
  // for any method) before fetch() rejects: the library cannot see or stop
  // that, so those extra arrivals are counted apart ("browser resends").
  const seqRes = await fetch(`${BASE}/__faults`, { cache: "no-store" });
  const served = await seqRes.json();
  let arrivalsChecked = 0;
  let arrivalMismatches = 0;
  const arrivalExamples = [];
  let maxServerAttempts = 0;
  const resends = { requests: 0, extra: 0, postsNoKey: 0 };
  for (let i = 0; i < N; i++) {
    const p = planOf(i, faults);
    if (p.lane !== "A") continue;
    const got = served[p.req] || [];
    const want = p.exp.seq.map((f) => `${p.method} ${f}`);
    arrivalsChecked += 1;
    let good;
    if (p.fault === "drop") {
      good = got.length >= want.length && got.every((s) => s === `${p.method} drop`);
      if (got.length > want.length) {
        resends.requests += 1;
        resends.extra += got.length - want.length;
        if (p.method === "POST" && !p.hasKey) resends.postsNoKey += 1;
      }
      maxServerAttempts = Math.max(maxServerAttempts, Math.min(got.length, want.length));
    } else {
      good = deepEqual(got, want);
      maxServerAttempts = Math.max(maxServerAttempts, got.length);
      // A POST without a key that was processed (anything but a 429) twice.
      if (p.method === "POST" && !p.hasKey) {
        const processed = got.filter((s) => SPEC[s.split(" ")[1]]?.status !== 429).length;
        if (processed > 1) stats.postsNoKeyProcessedTwice += 1;
      }
    }
    if (!good) {
      arrivalMismatches += 1;
      note(arrivalExamples, `#${i} ${p.method}${p.hasKey ? " (Idempotency-Key)" : ""} heal ${p.heal ?? "-"}: server served [${got.join(", ")}], expected [${want.join(", ")}] (client: attempts ${reportedAttempts[i] || "?"}, retries ${retriesOf[i]})`);
    }
  }

  // Control for the resends: plain fetch() POSTs (no library) to a dropping
  // route over a warm connection, and how often the server saw each.
  const control = { posts: 0, arrivals: 0 };
  for (let j = 0; j < 5; j++) {
    await fetch(`${BASE}/fault?kind=ok&req=warm${j}`, { method: "POST", body: "{}" }).then((r) => r.text()).catch(() => {});
    await fetch(`${BASE}/fault?kind=drop&req=raw${j}`, { method: "POST", body: "{}" }).then((r) => r.text()).catch(() => {});
    control.posts += 1;
  }
  const afterControl = await (await fetch(`${BASE}/__faults`, { cache: "no-store" })).json();
  for (let j = 0; j < 5; j++) control.arrivals += (afterControl[`raw${j}`] || []).length;

  const bServed = Object.entries(served).filter(([k]) => /^c\d+$/.test(k)).flatMap(([, v]) => v);
  const b304 = bServed.filter((s) => s.endsWith("not_modified")).length;

  // ------------------------------------------------------------ verdicts
  check(`every promise settled (${stats.settled}/${N})`, stats.settled === N && stats.stuck === 0,
    `${N - stats.settled} never settled within ${STUCK_MS / 1000} s (${stats.lateSettled} settled later)\n${stats.unexpectedExamples.filter((m) => m.includes("did not settle")).join("\n")}`);
  check("every rejection is a ProjektError of the class, status, attempts and retryAfterMs the fault implies; every fulfilment the body it implies",
    stats.unexpected === 0 && stats.untyped === 0,
    `${stats.unexpected} unexpected outcome(s), ${stats.untyped} untyped rejection(s):\n${stats.unexpectedExamples.join("\n")}`);
  check("no unhandled rejections, uncaught errors or wasm traps (RuntimeError / unreachable); the client still works afterwards",
    unhandledCount === 0 && uncaughtCount === 0 && stats.traps === 0 && consoleCalls.traps === 0 && afterwards === null,
    [`unhandled ${unhandledCount}, uncaught ${uncaughtCount}, traps ${stats.traps}, console trap messages ${consoleCalls.traps}`, ...unhandled, ...uncaught, ...stats.trapExamples,
      ...(afterwards ? [`GET afterwards ${afterwards}`] : [])].join("\n"));
  check(`the server got exactly the attempts the client made (${arrivalsChecked} requests); no POST without Idempotency-Key processed twice`,
    arrivalMismatches === 0 && stats.postsNoKeyProcessedTwice === 0,
    `${arrivalMismatches} mismatch(es), ${stats.postsNoKeyProcessedTwice} POST(s) without a key processed more than once:\n${arrivalExamples.join("\n")}`);
  check(`retries ≤ limit (${RETRY.limit}); every wait ≤ maxDelayMs (${RETRY.maxDelayMs}) and within its backoff ceiling or the server's fixed wait`,
    stats.waitProblems === 0 && stats.maxAttempts <= RETRY.limit + 1 && maxServerAttempts <= RETRY.limit + 1,
    `${stats.waitProblems} problem(s), max attempts ${stats.maxAttempts} (server ${maxServerAttempts}):\n${stats.waitExamples.join("\n")}`);
  check(`cacheStats() within bounds throughout (A ≤ ${CACHE_A.maxBytes} B, B ≤ ${CACHE_B.maxBytes} B)`,
    stats.cache.overBytes === 0 && stats.cache.overEntries === 0, stats.cache.examples.join("\n"));
  check("lane B: every cached/revalidated body is its key's (own copies; mutations never reach the cache), and 304s were served from the cache",
    stats.b.wrongBody === 0 && (stats.b.gets < 50 || (b304 > 0 && stats.b.fromCache > 0)),
    `${stats.b.wrongBody} wrong bodies, ${b304} 304s served, ${stats.b.fromCache} fromCache results\n${stats.unexpectedExamples.filter((m) => m.includes(" B ")).join("\n")}`);
  const cacheText = JSON.stringify([clientA.cacheStats(), clientB.cacheStats()]);
  check("the token is in no error (JSON, message, url, stack, cause, data), onRetry info, console output or cacheStats()",
    stats.tokenLeaks === 0 && consoleCalls.withToken === 0 && !TOKENS.some((t) => cacheText.includes(t)),
    [`errors/onRetry ${stats.tokenLeaks}, console ${consoleCalls.withToken}`, ...stats.tokenExamples].join("\n"));
  const h = Object.fromEntries(stats.heap.map((s) => [s.label, s.bytes]));
  if (h["25%"] !== null && h["100%"] !== null && h["25%"] !== undefined) {
    const limit = 2 * h["25%"] + 5 * 1048576;
    check(`JS heap after GC does not grow with the request count (100 % ${MB(h["100%"])} MB < 2 × 25 % + 5 MB = ${MB(limit)} MB)`,
      h["100%"] < limit, stats.heap.map((s) => `${s.label}: ${MB(s.bytes)} MB`).join(", "));
  }
  const w = Object.fromEntries(stats.wasm.map((s) => [s.label, s.bytes]));
  if (w["25%"]) {
    const limit = 2 * w["25%"] + 4 * 1048576;
    check(`wasm memory does not grow with the request count (100 % ${MB(w["100%"])} MB < 2 × 25 % + 4 MB)`,
      w["100%"] < limit, stats.wasm.map((s) => `${s.label}: ${MB(s.bytes)} MB`).join(", "));
  }

  const classes = Object.entries(stats.byClass).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ");
  const summary = [
    `# soak ${BROWSER}: ${N} requests, concurrency ${CONCURRENCY}, seed ${SEED}, ${elapsed.toFixed(1)} s (${(N / elapsed).toFixed(1)} req/s; plain fetch() of ok responses, same CORS shape: ${baselineRate.toFixed(1)} req/s); retry ${JSON.stringify(RETRY)}, timeoutMs ${TIMEOUT_MS}`,
    `#   settled ${stats.settled}/${N}, fulfilled ${stats.fulfilled}, rejected ${stats.rejected} (${classes || "none"})`,
    `#   unexpected outcomes ${stats.unexpected}, untyped rejections ${stats.untyped}, unhandled rejections ${unhandledCount}, uncaught errors ${uncaughtCount}, wasm traps ${stats.traps + consoleCalls.traps}, console calls ${consoleCalls.count}, token leaks ${stats.tokenLeaks + consoleCalls.withToken}`,
    `#   server arrivals = client attempts for ${arrivalsChecked - arrivalMismatches}/${arrivalsChecked} lane-A requests; POSTs without Idempotency-Key ${stats.postsNoKey}, processed twice ${stats.postsNoKeyProcessedTwice}`,
    `#   browser resends after a dropped connection (not the library's): ${resends.extra} extra arrivals for ${resends.requests} requests, ${resends.postsNoKey} of them POSTs without Idempotency-Key; control: ${control.posts} plain fetch() POSTs to a dropping route arrived ${control.arrivals} times`,
    `#   retries ${stats.retries}, max attempts ${stats.maxAttempts} (server ${maxServerAttempts}; limit ${RETRY.limit} → ${RETRY.limit + 1}), max single wait ${stats.maxWait} ms, max total wait per request ${stats.maxTotalWait} ms (maxDelayMs ${RETRY.maxDelayMs})`,
    `#   cache A max ${stats.cache.A.maxBytes}/${CACHE_A.maxBytes} B, ${stats.cache.A.maxEntries}/${CACHE_A.maxEntries} entries; cache B max ${stats.cache.B.maxBytes}/${CACHE_B.maxBytes} B, ${stats.cache.B.maxEntries}/${CACHE_B.maxEntries} entries; lane B ${stats.b.gets} GETs (${b304} 304s served, ${stats.b.fromCache} fromCache seen), ${stats.b.puts} PUTs, wrong bodies ${stats.b.wrongBody}`,
    `#   JS heap after GC (MB${typeof window.gc === "function" ? "" : ", no gc()"}): ${stats.heap.map((s) => `${s.label} ${MB(s.bytes)}`).join(", ")}; wasm memory (MB): ${stats.wasm.map((s) => `${s.label} ${MB(s.bytes)}`).join(", ")}`,
    `#   faults (lane A): ${Object.entries(stats.byFault).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `#   mean ms per request: ${Object.entries(stats.ms).map(([k, v]) => [k, v / (k === "lane B" ? stats.b.gets + stats.b.puts : stats.byFault[k])]).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")}`,
  ].join("\n");
  return summary;
}

let summary = "";
try {
  summary = await main();
} catch (e) {
  results.push({ name: "soak: run", ok: false, message: `${describe(e)}\n${e && e.stack ? e.stack : ""}` });
}
const passed = results.filter((r) => r.ok).length;
window.__results = { passed, failed: results.length - passed, tests: results, summary };
const out = document.getElementById("out");
if (out) out.textContent = `${summary}\n${results.map((r) => `${r.ok ? "ok" : "FAIL"} ${r.name}${r.ok ? "" : `: ${r.message}`}`).join("\n")}`;
