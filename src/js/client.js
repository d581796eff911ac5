// projekt-client's `Client` for JavaScript.
//
// This file moves bytes; it decides nothing. Each request is driven here —
// `fetch`, the per-attempt timeout, the caller's signal, reading the body,
// sleeping between attempts — and at every fork it asks the Rust `Core`
// (src/web/core.rs): which URL, whether the rate-limit gate holds, what the
// ETag cache has and may keep, whether and how long to retry, which typed
// error a status and its envelope make, which page comes next. So the
// `.wasm` carries no async runtime, and a success crosses into it a handful
// of times with short strings, never with the body.
//
// scripts/build-package copies this file into the package as `client.js`,
// pointing the `./runtime.js` import at wasm-bindgen's copy of
// src/js/runtime.js (the one the Rust side makes its errors with).

import { Core, Pager } from "./projekt_client.js";
import {
  __makeError as makeError,
  __sleep as sleep,
  __mergeHeaders as mergeHeaders,
  isProjektError,
} from "./runtime.js";

/**
 * Error bodies larger than this are not parsed (an envelope is small): by
 * `Content-Length` when the response has one (the bytes on the wire, so a
 * compressed body is judged by its compressed size), else by the text's length.
 */
const MAX_ERROR_BODY = 1 << 20;
/**
 * A 2xx body at least this long (by `Content-Length`) is decoded chunk by
 * chunk as it arrives, so its UTF-8 decoding overlaps the rest of the
 * transfer instead of following it (`res.json()`/`res.text()` start only
 * once the last byte is in): medians 0.4–1.0 ms less on a 230 KB body on
 * the bench's VM (README, Benchmarks). Smaller bodies mostly arrive in one
 * chunk, where it gains nothing.
 */
const STREAM_FROM = 1 << 16;
/** Entries each of a client's URL and shared-key memos holds before it starts over. */
const MEMO_MAX = 256;
const CACHE_MODES = ["default", "no-cache", "reload", "no-store", "force-cache"];
const WRITES = ["POST", "PUT", "PATCH", "DELETE"];
const PLAIN = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/** `Core.decide`'s failure codes for attempts that got no response. */
const NETWORK = 0;
const TIMEOUT = 1;


/**
 * A URL as the client reports it (errors, `onRetry`, pages): any token in it
 * redacted by `Core.shown`. Only a URL that could hold one crosses.
 */
const showUrl = (url) => (/pjk|%/i.test(url) ? Core.shown(url) : url);
const shown = (ctx) => (ctx.shown ??= showUrl(ctx.url));

const typeError = (message) => new TypeError("projekt-client: " + message);
const absent = (v) => v === undefined || v === null;
const isObject = (v) => typeof v === "object" && v !== null;

/**
 * A body's text, decoded as each chunk arrives (what `res.text()` returns:
 * UTF-8, a leading BOM dropped, bad bytes as U+FFFD). A failed or aborted
 * read rejects as `res.text()` would, with the stream's error.
 */
async function streamText(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}

/** `obj[key]`, `undefined` for a non-object or a throwing getter. */
function get(obj, key) {
  if (!isObject(obj) && typeof obj !== "function") return undefined;
  try {
    return obj[key];
  } catch {
    return undefined;
  }
}

function optString(options, key) {
  const v = get(options, key);
  if (absent(v)) return undefined;
  if (typeof v !== "string") throw typeError(`${key} must be a string`);
  return v;
}

function optNumber(options, key) {
  const v = get(options, key);
  if (absent(v)) return undefined;
  if (typeof v === "number" && v >= 0) return v;
  throw typeError(`${key} must be a number of milliseconds ≥ 0`);
}

function optFunction(options, key) {
  const v = get(options, key);
  if (absent(v)) return undefined;
  if (typeof v !== "function") throw typeError(`${key} must be a function`);
  return v;
}

const positive = (v) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined);

/** `retry`: `[limit, baseDelayMs, maxDelayMs]`. */
function retryOptions(v) {
  const r = [3, 500, 30000];
  if (absent(v) || v === true) return r;
  if (v === false) return [0, 500, 30000];
  if (!isObject(v)) throw typeError("retry must be false or { limit, baseDelayMs, maxDelayMs }");
  const limit = optNumber(v, "limit");
  if (limit !== undefined) {
    if (limit % 1 !== 0 || limit > 100) {
      throw typeError("retry.limit must be a whole number from 0 to 100");
    }
    r[0] = limit;
  }
  const base = optNumber(v, "baseDelayMs");
  if (base !== undefined) r[1] = base;
  const max = optNumber(v, "maxDelayMs");
  if (max !== undefined) r[2] = max;
  return r;
}

/** `cache`: `[maxEntries, maxBytes]`, `maxEntries` -1 for off. */
function cacheOptions(v) {
  const c = [500, 8e6];
  if (absent(v) || v === true) return c;
  if (v === false) return [-1, 0];
  if (!isObject(v)) throw typeError("cache must be false or { maxEntries, maxBytes }");
  const entries = optNumber(v, "maxEntries");
  if (entries !== undefined) c[0] = Math.min(entries, 1e9);
  const bytes = optNumber(v, "maxBytes");
  if (bytes !== undefined) c[1] = Math.min(bytes, 1e15);
  return c;
}

/**
 * Query values as `[key, value, key, value, …]`: strings, numbers, booleans
 * and bigints as text, `Date` as ISO text, arrays as repeated keys;
 * `undefined` and `null` are left out.
 */
function queryPairs(query) {
  const out = [];
  if (absent(query)) return out;
  if (!isObject(query)) throw typeError("query must be an object or URLSearchParams");
  const entries =
    get(get(query, "constructor"), "name") === "URLSearchParams" ? Array.from(query) : Object.entries(query);
  for (const [key, value] of entries) {
    if (typeof key !== "string") continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      const s = queryValue(v);
      if (s !== undefined) out.push(key, s);
    }
  }
  return out;
}

function queryValue(v) {
  if (absent(v)) return undefined;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "string") return v;
  try {
    return String(v);
  } catch {
    return undefined;
  }
}

function buildHeaders(user) {
  if (absent(user)) return new Headers();
  try {
    return new Headers(user);
  } catch (cause) {
    throw new TypeError(
      "projekt-client: headers must be a Headers object, a plain object or an array of pairs",
      { cause },
    );
  }
}

const first = (pair) => pair[0];

/** `memo`'s value for `key`, made by `make(key)` the first time; the memo starts over at MEMO_MAX. */
function remember(memo, key, make) {
  let value = memo.get(key);
  if (value === undefined) {
    value = make(key); // a throw is not remembered
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(key, value);
  }
  return value;
}

/**
 * A response's headers. A 304 answered from the cache carries the stored
 * response's headers in `stored`, overlaid with the 304's own only when
 * someone asks (a `get()` never does).
 */
const headersOf = (resp) => (resp.stored ? mergeHeaders(resp.stored, resp.headers) : resp.headers);

/** `JSON.parse(text)`, `undefined` for no text or bad JSON. */
function parse(text) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A caller's own copy of a shared body. */
function copyOf(text, parsed) {
  const v = parse(text);
  if (v !== undefined || parsed === undefined) return v;
  try {
    return JSON.parse(JSON.stringify(parsed));
  } catch {
    return undefined;
  }
}

function cancel(res) {
  try {
    if (res.body) res.body.cancel().catch(() => {});
  } catch {
    // a body already used or locked needs no cancelling
  }
}

function aborted(ctx, attempts, reason, delays) {
  return makeError("aborted", 0, "projekt-client: the request was aborted", ctx.method, shown(ctx), attempts, {
    cause: reason,
    delays: delays.slice(),
  });
}

/**
 * The Projekt API client.
 *
 * ```js
 * import { Client, isValidationError } from "projekt-client";
 * const client = new Client({ baseUrl: "https://api.example.test/v1", token: "pjk_live_…" });
 * const issue = await client.get("/issues/7");
 * ```
 */
export class Client {
  /** The wasm side; `undefined` once `free()` was called. */
  #core;
  #token;
  #org;
  #timeout;
  #total;
  #onRetry;
  #onUnauthorized;
  /** The cache partition of the current identity (`Core.partition`, read when first needed after it changes). */
  #partition;
  /** Query-less path → URL (`Core.url` is pure: the base URL never changes). */
  #urls = new Map();
  /** URL → shared key under the current identity (`Core.sharedKey`); emptied when it changes. */
  #keys = new Map();
  /** Identical GETs in flight: shared key → `{ promise, taken }`. */
  #inflight = new Map();
  /** The `onUnauthorized` call concurrent 401s share. */
  #refresh = null;

  /**
   * `new Client({ baseUrl, token, orgId, timeoutMs, totalTimeoutMs, retry, cache, onRetry, onUnauthorized, allowInsecureToken })`.
   * Refuses bad options with a `TypeError` that says what is wrong (never echoing the token).
   */
  constructor(options) {
    if (!isObject(options)) {
      throw typeError("new Client(options) needs an options object with a baseUrl");
    }
    const baseUrl = get(options, "baseUrl");
    if (typeof baseUrl !== "string") {
      throw typeError(
        absent(baseUrl) ? 'baseUrl is required (e.g. "https://api.example.com/v1")' : "baseUrl must be a string",
      );
    }
    const token = optString(options, "token");
    const org = optString(options, "orgId");
    const timeout = optNumber(options, "timeoutMs");
    this.#timeout = timeout === undefined ? 10000 : positive(timeout);
    this.#total = positive(optNumber(options, "totalTimeoutMs"));
    const [limit, base, max] = retryOptions(get(options, "retry"));
    const [entries, bytes] = cacheOptions(get(options, "cache"));
    this.#onRetry = optFunction(options, "onRetry");
    this.#onUnauthorized = optFunction(options, "onUnauthorized");
    const insecure = Boolean(get(options, "allowInsecureToken"));
    this.#core = new Core(baseUrl, token, org, insecure, limit, base, max, entries, bytes);
    this.#token = token;
    this.#org = org;
  }

  /** GET `path`; resolves the parsed JSON body (`undefined` when empty). */
  get(path, options) {
    return this.#send("GET", path, undefined, options, false);
  }

  /** POST a JSON body; resolves the created resource. */
  post(path, body, options) {
    return this.#send("POST", path, body, options, false);
  }

  /** PUT a JSON body. */
  put(path, body, options) {
    return this.#send("PUT", path, body, options, false);
  }

  /** PATCH a JSON body. */
  patch(path, body, options) {
    return this.#send("PATCH", path, body, options, false);
  }

  /** DELETE `path`; resolves `undefined` for a 204. */
  delete(path, options) {
    return this.#send("DELETE", path, undefined, options, false);
  }

  /**
   * `request({ method, path, query, body, headers, signal, cache })` resolves
   * `{ status, data, headers, etag, fromCache, attempts }`.
   */
  async request(options) {
    if (!isObject(options)) throw typeError("request(options) needs an object with a path");
    let method = get(options, "method");
    if (absent(method)) method = "GET";
    else if (typeof method !== "string") throw typeError("method must be a string");
    return this.#send(method, get(options, "path"), get(options, "body"), options, true);
  }

  /**
   * `paginate(path, { query, signal, maxPages })`: an async iterable of the
   * list's items, and `.pages()` for whole pages `{ data, meta, url }`.
   * Pages are fetched on demand, so `break` sends no further request.
   *
   * ```js
   * for await (const issue of client.paginate("/issues", { query: { state: "open" } })) {
   *   if (issue.id === wanted) break; // no further page is fetched
   * }
   * ```
   */
  paginate(path, options) {
    if (typeof path !== "string") throw typeError('path must be a string such as "/issues"');
    const query = absent(options) ? [] : queryPairs(get(options, "query"));
    const max = get(options, "maxPages");
    let maxPages = 1000;
    if (!absent(max)) {
      if (!(typeof max === "number" && max >= 1)) throw typeError("maxPages must be a number ≥ 1");
      maxPages = Math.trunc(Math.min(max, 4294967295));
    }
    const signal = get(options, "signal");
    if (!absent(signal) && !(signal instanceof AbortSignal)) {
      throw typeError("signal must be an AbortSignal");
    }
    let next;
    try {
      next = this.#live().url(path, query);
    } catch {
      next = path; // the first request reports the bad path
    }
    const request = (url) => this.#request("GET", url, [], undefined, undefined, signal, "default");
    let started = false;
    async function* pages() {
      if (started) {
        throw new TypeError("projekt-client: a paginate() result can be iterated once; call paginate() again");
      }
      started = true;
      const walk = new Pager(maxPages);
      try {
        while (next !== undefined) {
          const url = next;
          next = undefined;
          if (!walk.admit(url)) return;
          const resp = await request(url);
          const body = resp.data;
          const inner = get(body, "data");
          const items = Array.isArray(body) ? body : Array.isArray(inner) ? inner : [];
          const meta = get(body, "meta");
          const text = (k) => {
            const v = get(meta, k);
            return typeof v === "string" ? v : undefined;
          };
          const num = (a, b) => {
            const v = get(meta, a);
            if (typeof v === "number") return v;
            const w = get(meta, b);
            return typeof w === "number" ? w : undefined;
          };
          next = Pager.next(
            url, text("next_cursor"), text("next"), num("current_page", "page"),
            num("last_page", "total_pages"), headersOf(resp).get("link"), items.length,
          );
          yield { data: items, meta, url: showUrl(url) };
        }
      } finally {
        walk.free();
      }
    }
    return {
      pages,
      async *[Symbol.asyncIterator]() {
        for await (const page of pages()) yield* page.data;
      },
    };
  }

  /**
   * `update(path, change, { attempts, method, signal })`: read with the ETag,
   * write `await change(current)` with `If-Match`; on 409/412 read again and
   * reapply, up to `attempts` (3) times, then reject with the last
   * `ConflictError`. A throwing `change` rejects with its own exception.
   */
  async update(path, change, options) {
    if (typeof path !== "string") throw typeError("path must be a string");
    if (typeof change !== "function") throw typeError("update needs a change function");
    const n = get(options, "attempts");
    const attempts = typeof n === "number" && n >= 1 ? Math.trunc(Math.min(n, 100)) : 3;
    const m = get(options, "method");
    const method = typeof m === "string" ? m.toUpperCase() : "PUT";
    if (method !== "PUT" && method !== "PATCH") throw typeError("update's method must be PUT or PATCH");
    const s = get(options, "signal");
    const signal = s instanceof AbortSignal ? s : undefined;
    let last;
    for (let i = 0; i < attempts; i++) {
      const current = await this.#request("GET", path, [], undefined, undefined, signal, "no-cache");
      const changed = await change.call(null, current.data);
      const headers = absent(current.etag) ? undefined : { "If-Match": current.etag };
      try {
        return (await this.#request(method, path, [], changed, headers, signal, "default")).data;
      } catch (e) {
        if (!(isProjektError(e) && (e.kind === "conflict" || e.status === 412))) throw e;
        last = e;
      }
    }
    throw last;
  }

  /** Replaces the token (`null` removes it). A refused token keeps the previous one. */
  setToken(token) {
    if (absent(token)) token = undefined;
    else if (typeof token !== "string") throw typeError("token must be a string");
    this.#live().setToken(token);
    this.#token = token;
    this.#identityChanged();
  }

  /** Replaces the org id (`null` clears it; `''` is refused). */
  setOrgId(orgId) {
    if (absent(orgId)) orgId = undefined;
    else if (typeof orgId !== "string") throw typeError("orgId must be a string UUID");
    this.#live().setOrgId(orgId);
    this.#org = orgId;
    this.#identityChanged();
  }

  #identityChanged() {
    this.#partition = undefined;
    this.#keys.clear();
  }

  /** Empties the ETag cache. */
  clearCache() {
    this.#live().clearCache();
  }

  /** `{ entries, bytes }` held by the ETag cache now. */
  cacheStats() {
    return { entries: this.#live().entries, bytes: this.#live().bytes };
  }

  /** The base URL requests are joined onto. */
  get baseUrl() {
    return this.#live().baseUrl;
  }

  /**
   * Releases the wasm memory behind this client (its cache included) now
   * rather than when it is garbage-collected. Later calls throw a TypeError.
   */
  free() {
    const core = this.#core;
    this.#core = undefined;
    if (core) core.free();
  }

  #live() {
    if (this.#core === undefined) throw typeError("this Client was freed (free() was called)");
    return this.#core;
  }

  async #send(method, path, body, options, full) {
    if (typeof path !== "string") throw typeError('path must be a string such as "/issues"');
    let query = [];
    let headers;
    let signal;
    let mode = "default";
    if (!absent(options)) {
      if (!isObject(options)) throw typeError("options must be an object");
      query = queryPairs(get(options, "query"));
      headers = get(options, "headers");
      signal = get(options, "signal");
      if (!absent(signal) && !(signal instanceof AbortSignal)) {
        throw typeError("signal must be an AbortSignal");
      }
      const cache = get(options, "cache");
      if (!absent(cache)) {
        if (!CACHE_MODES.includes(cache)) {
          throw typeError('cache must be "default", "no-cache", "reload", "no-store" or "force-cache"');
        }
        mode = cache;
      }
    }
    const resp = await this.#request(method, path, query, body, headers, signal, mode);
    if (!full) return resp.data;
    return {
      status: resp.status,
      data: resp.data,
      headers: headersOf(resp),
      etag: resp.etag ?? null,
      fromCache: resp.fromCache,
      attempts: resp.attempts,
    };
  }

  /**
   * One request through the gate, retries and cache. Not `async` (one
   * promise hop fewer per request): every caller is, so a throw here rejects
   * the caller's promise just the same.
   */
  #request(method, path, query, body, userHeaders, signal, mode) {
    const core = this.#live();
    if (!PLAIN.includes(method)) method = Core.method(method);
    const url = this.#url(core, path, query);
    const headers = buildHeaders(userHeaders);
    let text;
    if (body !== undefined) {
      try {
        text = JSON.stringify(body);
      } catch (cause) {
        throw new TypeError("projekt-client: the request body cannot be serialised as JSON", { cause });
      }
      if (!headers.has("content-type")) headers.set("Content-Type", "application/json");
    }
    const ctx = {
      method,
      url,
      headers,
      body: text,
      signal: absent(signal) ? undefined : signal,
      mode,
      deadline: this.#total === undefined ? undefined : Date.now() + this.#total,
      authOurs: false,
    };
    if (ctx.signal && ctx.signal.aborted) throw aborted(ctx, 0, ctx.signal.reason, []);
    if (method === "GET") return this.#getCached(ctx);
    if (!WRITES.includes(method)) return this.#run(ctx, false).then(first);
    return this.#write(core, ctx);
  }

  /** `path` joined onto the base URL; query-less paths are remembered. */
  #url(core, path, query) {
    return query.length > 0 ? core.url(path, query) : remember(this.#urls, path, (p) => core.url(p, query));
  }

  /** A write: GETs of what it affects bypass the cache until it ends. */
  async #write(core, ctx) {
    core.beginWrite(ctx.url);
    let ok = false;
    try {
      const [resp] = await this.#run(ctx, false);
      ok = true;
      return resp;
    } finally {
      core.endWrite(ctx.url, ok);
    }
  }

  /** A GET: served from / stored in the cache, shared with identical concurrent GETs. */
  async #getCached(ctx) {
    const core = this.#live();
    const caching = ctx.mode !== "no-store" && !ctx.headers.has("if-none-match") && core.cacheable(ctx.url);
    if (!caching) return (await this.#run(ctx, false))[0];
    const shared = !ctx.signal && ctx.mode !== "reload" && ctx.headers.keys().next().done;
    if (!shared) return (await this.#run(ctx, true))[0];
    const key = remember(this.#keys, ctx.url, (u) => core.sharedKey(u));
    let entry = this.#inflight.get(key);
    if (!entry) {
      const inflight = this.#inflight;
      entry = { taken: false, promise: this.#run(ctx, true) };
      // Registered before any caller's await, so the entry is gone when they resume.
      const done = () => inflight.delete(key);
      entry.promise.then(done, done);
      inflight.set(key, entry);
    }
    const [resp, text] = await entry.promise;
    if (!entry.taken) {
      // The first caller takes the parsed body: no second parse when alone.
      entry.taken = true;
      return resp;
    }
    return { ...resp, data: copyOf(text, resp.data) };
  }

  /**
   * The request loop. With `caching`, a GET revalidates and stores, and the
   * body text is returned alongside (for sharing): `[response, text]`.
   */
  async #run(ctx, caching) {
    const core = this.#live();
    let attempts = 0;
    const delays = [];
    let refreshed = false;
    let skipConditional = ctx.mode === "reload";
    const hasKey = ctx.headers.has("idempotency-key");
    const userEtag = ctx.headers.get("if-none-match");
    const generation = core.generation;
    for (;;) {
      // The shared gate: after a 429 (or a spent window) hold new attempts.
      const wait = core.gateWait(Date.now());
      if (wait > 0) await this.#wait(ctx, wait, attempts, delays);
      // What the cache holds for this identity, asked per attempt (a 401
      // refresh changes the identity).
      const partition = caching ? (this.#partition ??= core.partition) : undefined;
      const stored = caching && !skipConditional ? core.cacheGet(partition, ctx.url) : undefined;
      if (stored && ctx.mode === "force-cache") {
        return [this.#fromCache(stored, undefined, attempts), stored.text];
      }
      if (stored) ctx.headers.set("If-None-Match", stored.etag);
      else if (caching) ctx.headers.delete("If-None-Match");
      attempts++;
      let timeout = this.#timeout;
      if (ctx.deadline !== undefined) {
        const left = ctx.deadline - Date.now();
        if (left <= 0) throw this.#timeoutError(ctx, attempts, delays);
        timeout = timeout === undefined ? left : Math.min(timeout, left);
      }
      const outcome = await this.#attempt(ctx, timeout, caching);
      if (outcome.aborted) throw aborted(ctx, attempts, outcome.reason, delays);
      const res = outcome.res;
      if (res && (res.redirected || res.type === "opaqueredirect")) {
        cancel(res);
        // Status 0 (an opaque redirect's): nothing of its answer is read.
        throw await this.#readError(ctx, { headers: new Headers() }, 0, attempts, delays, null, null);
      }
      if (!res) {
        const delay = core.decide(ctx.method, hasKey, outcome.failure, attempts, null, null, Date.now(), Math.random());
        if (delay >= 0) {
          await this.#beforeRetry(ctx, attempts, delay, outcome.failure, 0, delays);
          delays.push(delay);
          continue;
        }
        const timedOut = outcome.failure === TIMEOUT;
        const message = timedOut
          ? `projekt-client: request timed out after ${Math.round(timeout || 0)} ms`
          : `projekt-client: network error, no response from ${core.origin}`;
        throw makeError(timedOut ? "timeout" : "network", 0, message, ctx.method, shown(ctx), attempts, {
          cause: outcome.cause,
          delays,
        });
      }
      const status = res.status;
      const headers = res.headers;
      const remaining = headers.get("x-ratelimit-remaining");
      const reset = headers.get("x-ratelimit-reset");
      const retryAfter = headers.get("retry-after");
      if (status === 429 || remaining !== null) core.observe(status, remaining, reset, retryAfter, Date.now());
      if (status >= 200 && status < 300) {
        const etag = headers.get("etag");
        // The text is kept only when it will be stored: a 200 with an ETag.
        const keep = caching && status === 200 && etag !== null;
        const [data, text] = await this.#readSuccess(ctx, res, status, keep, attempts, delays);
        if (caching) {
          const control = headers.get("cache-control");
          const store = status === 200 && typeof text === "string" && !(control && /no-store/i.test(control));
          if (store) core.cachePut(partition, ctx.url, etag, true, { etag, text, headers }, text.length, generation);
          else core.cachePut(partition, ctx.url, null, false, undefined, 0, generation);
        }
        return [{ status, data, headers, etag, fromCache: false, attempts }, text];
      }
      if (status === 304) {
        if (stored) {
          core.cacheGet(partition, ctx.url); // a revalidated entry is the most recently used
          return [this.#fromCache(stored, headers, attempts), stored.text];
        }
        if (caching && !skipConditional) {
          // Nothing stored (evicted meanwhile): ask once more, unconditionally.
          skipConditional = true;
          attempts--;
          continue;
        }
        return [{ status, data: undefined, headers, etag: headers.get("etag") ?? userEtag, fromCache: false, attempts }];
      }
      if (status === 401) {
        core.dropIdentity();
        if (!refreshed && this.#onUnauthorized) {
          refreshed = true;
          if (await this.#refreshToken()) continue;
        }
      }
      const delay = core.decide(ctx.method, hasKey, status, attempts, reset, retryAfter, Date.now(), Math.random());
      if (delay >= 0) {
        cancel(res);
        await this.#beforeRetry(ctx, attempts, delay, status, status, delays);
        delays.push(delay);
        continue;
      }
      throw await this.#readError(ctx, res, status, attempts, delays, reset, retryAfter);
    }
  }

  #fromCache(stored, headers, attempts) {
    return {
      status: 304,
      data: parse(stored.text),
      headers,
      stored: stored.headers,
      etag: stored.etag,
      fromCache: true,
      attempts,
    };
  }

  /** One `fetch`: `{ res }`, `{ failure, cause }` or `{ aborted, reason }`. */
  async #attempt(ctx, timeout, caching) {
    const headers = ctx.headers;
    const init = { method: ctx.method, credentials: "omit", headers };
    // With our own cache on, the browser's HTTP cache would hold a second
    // copy and could answer a revalidation itself, hiding the 304. With it
    // off, it would still add its own If-None-Match and turn the 304 into a
    // 200 behind our back.
    if (caching || ctx.method === "GET") init.cache = "no-store";
    const token = this.#token;
    if (token !== undefined && (ctx.authOurs || !headers.has("authorization"))) {
      headers.set("Authorization", "Bearer " + token);
      ctx.authOurs = true;
    } else if (token === undefined && ctx.authOurs) {
      headers.delete("Authorization");
    }
    if (this.#org !== undefined && !headers.has("x-org-id")) headers.set("X-Org-Id", this.#org);
    if (ctx.body !== undefined) init.body = ctx.body;
    // Redirects (src/scope.rs, `may_follow_redirects`): a request that
    // carries the token, an org or a body is never followed (the browser
    // would carry them to a place no one checked); any redirect is refused (#run).
    if (ctx.body !== undefined || headers.has("authorization") || headers.has("x-org-id")) init.redirect = "manual";
    const timer = timeout === undefined ? undefined : AbortSignal.timeout(Math.max(Math.ceil(timeout), 1));
    const signal = ctx.signal && timer ? AbortSignal.any([ctx.signal, timer]) : ctx.signal || timer;
    if (signal) init.signal = signal;
    try {
      return { res: await fetch(ctx.url, init) };
    } catch (cause) {
      if (ctx.signal && ctx.signal.aborted) return { aborted: true, reason: ctx.signal.reason };
      return { failure: timer && timer.aborted ? TIMEOUT : NETWORK, cause };
    }
  }

  /** A 2xx body: `[parsed, text]`, `undefined`s when empty. */
  async #readSuccess(ctx, res, status, needText, attempts, delays) {
    if (ctx.method === "HEAD" || status === 204 || status === 205) return [];
    const length = res.headers.get("content-length");
    if (length === "0") return [];
    try {
      const big = length !== null && res.body && Number(length) >= STREAM_FROM;
      // With a length and nothing to store, the browser parses straight from bytes.
      if (length !== null && !needText && !big) return [await res.json()];
      const text = big ? await streamText(res.body) : await res.text();
      if (text.length === 0) return [];
      return [JSON.parse(text), text];
    } catch (e) {
      throw this.#bodyFailure(ctx, status, e, attempts, delays);
    }
  }

  /** A body that could not be read or parsed. */
  #bodyFailure(ctx, status, cause, attempts, delays) {
    const extra = { cause, delays };
    if (cause instanceof SyntaxError) {
      const message = `projekt-client: the ${status} response body is not valid JSON`;
      return makeError("decode", status, message, ctx.method, shown(ctx), attempts, extra);
    }
    if (ctx.signal && ctx.signal.aborted) return aborted(ctx, attempts, ctx.signal.reason, delays);
    const name = get(cause, "name");
    return name === "TimeoutError" || name === "AbortError"
      ? makeError("timeout", 0, "projekt-client: the response body timed out", ctx.method, shown(ctx), attempts, extra)
      : makeError("network", 0, "projekt-client: the connection failed while reading the response body",
          ctx.method, shown(ctx), attempts, extra);
  }

  /** The typed error for an error status, from its (untrusted) body. */
  async #readError(ctx, res, status, attempts, delays, reset, retryAfter) {
    const headers = res.headers;
    const length = (headers.get("content-length") || "").trim();
    const size = /^\+?\d+$/.test(length) ? Number(length) : undefined;
    const tooBig = size > MAX_ERROR_BODY;
    // Only a JSON body is the envelope: a proxy's page gets a message made from the status.
    const type = headers.get("content-type");
    const isJson = type === null || type.toLowerCase().includes("json");
    let parsed;
    if (!tooBig && isJson && status !== 0 && ctx.method !== "HEAD") {
      try {
        const token = this.#token;
        if (!token && size > 0) {
          // A bounded length and no token to redact: the browser parses
          // straight from bytes, as for a success.
          parsed = await res.json();
        } else {
          let text = await res.text();
          if (text.length > 0 && text.length <= MAX_ERROR_BODY) {
            if (token && text.includes(token)) text = text.split(token).join("[redacted]");
            parsed = parse(text);
          }
        }
      } catch {
        // an unreadable body makes the message from the status
      }
    } else {
      cancel(res);
    }
    // Rust decides what the error says from the envelope's `error` string and
    // `errors` member (as JSON text: one string instead of a call per key);
    // the object is made here, outside the wasm call (an Error constructed
    // under a wasm frame costs V8 far more to capture its stack).
    const env = parsed !== null && typeof parsed === "object" ? parsed : {};
    const error = typeof env.error === "string" ? env.error : undefined;
    const errors = env.errors !== null && typeof env.errors === "object" ? JSON.stringify(env.errors) : undefined;
    const o = JSON.parse(this.#live().httpError(
      status, error, errors, headers.get("allow"), reset, retryAfter, Date.now(),
    ));
    if (parsed !== undefined) o.data = parsed;
    o.headers = headers;
    o.delays = delays.slice();
    return makeError(o.kind, status, o.message, ctx.method, shown(ctx), attempts, o);
  }

  /** Tells `onRetry`, then sleeps (abortable). */
  async #beforeRetry(ctx, attemptsMade, delayMs, failure, status, delays) {
    const onRetry = this.#onRetry;
    if (onRetry) {
      const info = {
        attempt: attemptsMade + 1,
        delayMs,
        reason: Core.reason(failure),
        status,
        method: ctx.method,
        url: shown(ctx),
      };
      try {
        onRetry.call(null, info); // a throwing callback must not break the request
      } catch {
        // ignored
      }
    }
    if (ctx.deadline !== undefined && Date.now() + delayMs >= ctx.deadline) {
      throw this.#timeoutError(ctx, attemptsMade, delays);
    }
    await this.#wait(ctx, delayMs, attemptsMade, delays);
  }

  /** Sleeps on the event loop; the caller's abort rejects at once. */
  async #wait(ctx, ms, attempts, delays) {
    try {
      await sleep(ms, ctx.signal);
    } catch (reason) {
      throw aborted(ctx, attempts, reason, delays);
    }
  }

  #timeoutError(ctx, attempts, delays) {
    const message = `projekt-client: request exceeded totalTimeoutMs (${this.#total} ms)`;
    return makeError("timeout", 0, message, ctx.method, shown(ctx), attempts, { delays: delays.slice() });
  }

  /** Asks `onUnauthorized` for a fresh token; concurrent 401s share one call. */
  async #refreshToken() {
    let p = this.#refresh;
    if (!p) {
      try {
        p = Promise.resolve(this.#onUnauthorized.call(null));
      } catch (e) {
        p = Promise.reject(e);
      }
      p.catch(() => {});
      this.#refresh = p;
    }
    let token;
    try {
      token = await p;
    } catch {
      token = undefined;
    }
    if (this.#refresh === p) this.#refresh = null;
    if (typeof token !== "string") return false;
    if (token === this.#token) return true;
    try {
      this.setToken(token);
      return true;
    } catch {
      return false;
    }
  }
}

if (typeof Symbol.dispose === "symbol") Client.prototype[Symbol.dispose] = Client.prototype.free;
