// projekt-client's `Client` for JavaScript: an executor of the request
// engine (src/engine/, bound in src/web/engine.rs).
//
// This file moves bytes; it decides nothing. A call starts in the engine,
// which answers with an action — fetch (with these headers, this timeout),
// read the body, read the error body, wait, ask for a new token, settle —
// and this file performs it and reports what happened, until the engine
// settles the call. The rate-limit gate, the ETag cache, retries and their
// waits, the 401 refresh, sharing identical GETs, the deadline and the error
// class are the engine's. A GET answered from the cache crosses into the
// `.wasm` twice, a 404 or a 422 twice (its body goes with the head).
//
// scripts/build-package copies this file into the package as `client.js`,
// pointing the `./runtime.js` import at wasm-bindgen's copy of
// src/js/runtime.js (the one the Rust side makes its errors with).

import { Engine, Pager } from "./projekt_client.js";
import {
  __makeError as makeError,
  __sleep as sleep,
  __mergeHeaders as mergeHeaders,
  __readCapped as readCapped,
  __cancelBody as cancel,
  __redactedHeaders as redactedHeaders,
  __pageOf as pageOf,
  isProjektError,
} from "./runtime.js";
import { __tabsJoin as tabsJoin, __tabsTell as tabsTell, __isOffline as isOffline, __waitOnline as waitOnline } from "./citizen.js";

/** The persisted cache's module (src/js/persist.js), loaded on first use only. */
let persisting;
const persistence = () => (persisting ??= import("./persist.js"));

/**
 * The engine's `[maxErrorBody, ...retryStatuses]` (left in `out` by
 * `new Engine`): an error body is read with its head unless the engine may retry
 * its status, and never past that many bytes.
 */
let RULES;
/**
 * A 2xx body at least this long (by `Content-Length`) is decoded chunk by
 * chunk as it arrives, so its UTF-8 decoding overlaps the rest of the
 * transfer instead of following it (`res.json()`/`res.text()` start only
 * once the last byte is in): medians 0.4–1.0 ms less on a 230 KB body on
 * the bench's VM (README, Benchmarks). Smaller bodies mostly arrive in one
 * chunk, where it gains nothing.
 */
const STREAM_FROM = 1 << 16;
/** Query-less paths the URL memo holds before it starts over (the engine's table of them holds as many). */
const MEMO_MAX = 256;
const CACHE_MODES = ["default", "no-cache", "reload", "no-store", "force-cache"];
/** The methods `Engine.start` takes by index. */
const PLAIN = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/** Response headers the engine reads, in `Engine.response`'s order. */
const HEAD = [
  "etag", "cache-control", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after", "allow",
  "content-length", "content-type", "vary",
];
/** The engine's action codes (src/web/engine.rs). */
const FETCH = 0;
const READ_BODY = 1;
const READ_ERROR = 2;
const WAIT = 3;
const REFRESH = 4;
const AWAIT_REFRESH = 5;
const JOIN = 6;
const FRESH = 7;
const CACHED = 8;
const FAILED = 9;
const WAIT_ONLINE = 10;
const LOAD = 11;
/** The engine's effect codes (src/web/engine.rs). */
const TELL = 0;
const PERSIST = 1;

/**
 * A URL as the client reports it (`onRetry`, pages): any token in it
 * redacted by `Engine.shown`. Only a URL that could hold one crosses.
 */
const showUrl = (url) => (/pjk|%/i.test(url) ? Engine.shown(url) : url);

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

function optNumber(options, key, unit = "milliseconds") {
  const v = get(options, key);
  if (absent(v)) return undefined;
  if (typeof v === "number" && v >= 0) return v;
  throw typeError(`${key} must be a number of ${unit} ≥ 0`);
}

function optFunction(options, key) {
  const v = get(options, key);
  if (absent(v)) return undefined;
  if (typeof v !== "function") throw typeError(`${key} must be a function`);
  return v;
}

const positive = (v) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined);

/** `retry`: `[limit, baseDelayMs, maxDelayMs]`, `undefined` for the engine's default. */
function retryOptions(v) {
  const r = [];
  if (absent(v) || v === true) return r;
  if (v === false) return [0];
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

/** `cache`: `[maxEntries, maxBytes, persist]`, `maxEntries` -1 for off, `undefined` for the engine's default. */
function cacheOptions(v) {
  const c = [, , false];
  if (absent(v) || v === true) return c;
  if (v === false) return [-1, , false];
  if (!isObject(v)) throw typeError("cache must be false or { maxEntries, maxBytes, persist }");
  const entries = optNumber(v, "maxEntries", "entries");
  if (entries !== undefined) c[0] = Math.min(entries, 1e9);
  const bytes = optNumber(v, "maxBytes", "bytes");
  if (bytes !== undefined) c[1] = Math.min(bytes, 1e15);
  const persist = get(v, "persist");
  if (!absent(persist) && typeof persist !== "boolean") throw typeError("cache.persist must be a boolean");
  // Where there is no IndexedDB there is nothing to persist to.
  c[2] = persist === true && typeof indexedDB === "object" && indexedDB !== null;
  return c;
}

/**
 * `path` with its `{name}`s filled from `options.params.path` (the engine
 * encodes each value as one segment and refuses a missing one); `path` as it
 * is without `params`.
 */
function filledPath(path, options) {
  const params = absent(options) ? undefined : get(options, "params");
  if (absent(params)) return path;
  if (!isObject(params)) throw typeError("params must be an object such as { path: { id: 7 } }");
  const values = get(params, "path");
  if (absent(values)) return path;
  if (!isObject(values)) throw typeError("params.path must be an object such as { id: 7 }");
  const pairs = [];
  for (const [name, v] of Object.entries(values)) {
    if (!(typeof v === "string" || typeof v === "number" || typeof v === "bigint")) {
      throw typeError(`params.path.${name} must be a string or a number`);
    }
    pairs.push(name, String(v));
  }
  return Engine.fillPath(path, pairs);
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

/**
 * A response's headers. A 304 answered from the cache carries the stored
 * response's headers in `stored`, overlaid with the 304's own only when
 * someone asks (a `get()` never does).
 */
const headersOf = (resp) => (resp.stored ? mergeHeaders(resp.stored, resp.headers) : resp.headers);

/** What a response's headers hold, in UTF-16 units: counted against the cache's `maxBytes` with the body. */
function headersSize(headers) {
  let n = 0;
  headers.forEach((value, name) => {
    n += name.length + value.length;
  });
  return n;
}

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
  /** The engine (src/web/engine.rs); `undefined` once `free()` was called. */
  #engine;
  #onRetry;
  #onUnauthorized;
  /** Query-less path → `[number, url]` (`Engine.startPath`; both start over at MEMO_MAX). */
  #urls = new Map();
  /** Where `Engine.startPath` leaves a path's number and URL. */
  #out = [];
  /** GETs in flight, call id → its promise of `[response, text]`, for calls the engine joins to it. */
  #inflight = new Map();
  /** The last refresh asked for: `{ id, promise }`. */
  #refresh = null;
  /** Where the engine leaves its effects (notes to tell, entries to persist). */
  #fx = [];
  /** This client's membership of the `crossTab` channel (citizen.js). */
  #tab;

  /**
   * `new Client({ baseUrl, token, orgId, timeoutMs, totalTimeoutMs, retry, cache, onRetry, onUnauthorized, allowInsecureToken, maxBodyBytes })`.
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
    const total = optNumber(options, "totalTimeoutMs");
    const [limit, base, max] = retryOptions(get(options, "retry"));
    const [entries, bytes, persist] = cacheOptions(get(options, "cache"));
    const crossTab = get(options, "crossTab");
    if (!absent(crossTab) && typeof crossTab !== "boolean") throw typeError("crossTab must be a boolean");
    this.#onRetry = optFunction(options, "onRetry");
    this.#onUnauthorized = optFunction(options, "onUnauthorized");
    const insecure = Boolean(get(options, "allowInsecureToken"));
    const maxBody = optNumber(options, "maxBodyBytes", "bytes");
    this.#engine = new Engine(
      baseUrl, token, org, insecure, limit, base, max, entries, bytes, timeout, total,
      this.#onUnauthorized !== undefined, maxBody, crossTab !== false && typeof BroadcastChannel === "function",
      persist, this.#out, this.#fx,
    );
    RULES = this.#out.splice(0);
    if (crossTab !== false) {
      const engine = this.#engine;
      // (Held weakly by the channel: a dropped client stops hearing.)
      this.#tab = tabsJoin((message, at) => {
        if (this.#engine === engine) engine.hear(message, at);
      });
    }
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
    path = filledPath(path, options);
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
    const request = (url) => this.#request("GET", url, [], undefined, undefined, signal, 0);
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
          const [items, meta, cursor, after, page, last] = pageOf(resp.data);
          next = Pager.next(url, cursor, after, page, last, headersOf(resp).get("link"), items.length);
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
    path = filledPath(path, options);
    if (typeof change !== "function") throw typeError("update needs a change function");
    const n = get(options, "attempts");
    const attempts = typeof n === "number" && n >= 1 ? Math.trunc(Math.min(n, 100)) : 3;
    const m = get(options, "method");
    const method = Engine.updateMethod(typeof m === "string" ? m : undefined);
    const s = get(options, "signal");
    const signal = s instanceof AbortSignal ? s : undefined;
    let last;
    for (let i = 0; i < attempts; i++) {
      const current = await this.#request("GET", path, [], undefined, undefined, signal, 1);
      const changed = await change.call(null, current.data);
      const headers = absent(current.etag) ? undefined : { "If-Match": current.etag };
      try {
        return (await this.#request(method, path, [], changed, headers, signal, 0)).data;
      } catch (e) {
        if (!(isProjektError(e) && Engine.updateAgain(e.status))) throw e;
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
  }

  /** Replaces the org id (`null` clears it; `''` is refused). */
  setOrgId(orgId) {
    if (absent(orgId)) orgId = undefined;
    else if (typeof orgId !== "string") throw typeError("orgId must be a string UUID");
    this.#live().setOrgId(orgId);
  }

  /** Empties the ETag cache. */
  clearCache() {
    this.#live().clearCache();
    if (this.#fx.length) this.#effects();
  }

  /** Performs the effects the engine left in `#fx`. */
  #effects() {
    const fx = this.#fx.splice(0);
    for (const x of fx) {
      if (x[0] === TELL) {
        if (this.#tab) tabsTell(this.#tab, x[2], x[3]);
      } else if (x[0] === PERSIST) {
        const [, , scope, base, key, path, etag, entry, size, maxEntries, maxBytes] = x;
        persistence().then(
          (m) => m.__persistPut(scope, base, key, path, etag, entry.text, entry.headers, size, maxEntries, maxBytes),
          () => {},
        );
      } else {
        persistence().then((m) => m.__persistForget(x[1], x[2], x[3]), () => {});
      }
    }
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
    const engine = this.#engine;
    this.#engine = undefined;
    if (engine) engine.free();
  }

  #live() {
    if (this.#engine === undefined) throw typeError("this Client was freed (free() was called)");
    return this.#engine;
  }

  async #send(method, path, body, options, full) {
    if (typeof path !== "string") throw typeError('path must be a string such as "/issues"');
    let query = [];
    let headers;
    let signal;
    let mode = 0;
    if (!absent(options)) {
      if (!isObject(options)) throw typeError("options must be an object");
      path = filledPath(path, options);
      query = queryPairs(get(options, "query"));
      headers = get(options, "headers");
      signal = get(options, "signal");
      if (!absent(signal) && !(signal instanceof AbortSignal)) {
        throw typeError("signal must be an AbortSignal");
      }
      const cache = get(options, "cache");
      if (!absent(cache)) {
        mode = CACHE_MODES.indexOf(cache);
        if (mode < 0) {
          throw typeError('cache must be "default", "no-cache", "reload", "no-store" or "force-cache"');
        }
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
   * Starts a call in the engine and drives it. Not `async` (one promise hop
   * fewer per request): every caller is, so a throw here rejects the
   * caller's promise just the same.
   */
  #request(method, path, query, body, userHeaders, signal, mode) {
    const engine = this.#live();
    const headers = buildHeaders(userHeaders);
    let flags = headers.keys().next().done ? 0 : 16;
    let text;
    if (body !== undefined) {
      try {
        text = JSON.stringify(body);
      } catch (cause) {
        throw new TypeError("projekt-client: the request body cannot be serialised as JSON", { cause });
      }
      if (!headers.has("content-type")) headers.set("Content-Type", "application/json");
      if (text !== undefined) flags |= 1;
    }
    if (headers.has("idempotency-key")) flags |= 2;
    if (headers.has("authorization")) flags |= 4;
    if (headers.has("x-org-id")) flags |= 8;
    if (!absent(signal)) flags |= 32;
    let m = PLAIN.indexOf(method);
    const etag = headers.get("if-none-match");
    let a;
    let url;
    if (query.length === 0 && m >= 0 && etag === null) {
      // The common case: the path's URL crosses as a number once known.
      const known = this.#urls.get(path);
      if (known !== undefined) {
        url = known[1];
        a = engine.start(known[0], m, flags, mode);
      } else {
        a = engine.startPath(path, m, flags, mode);
        if (!Array.isArray(a)) throw a; // a refused path
        url = this.#out[1];
        if (this.#out[0] >= 0) {
          // (-1: a URL too long to keep, such as a page with a fat cursor.)
          if (this.#urls.size >= MEMO_MAX) this.#urls.clear();
          this.#urls.set(path, [this.#out[0], url]);
        }
      }
    } else {
      if (m < 0) {
        method = Engine.method(method); // another name, upper-cased as fetch would (or a TypeError)
        m = PLAIN.indexOf(method);
      }
      url = engine.url(path, query);
      a = engine.startUrl(url, method, flags, mode, etag ?? undefined);
    }
    if (!Array.isArray(a)) throw a; // a refused path
    if (a[0] === JOIN) return this.#follow(a[1]);
    const ctx = {
      method,
      url,
      headers,
      body: text,
      signal: absent(signal) ? undefined : signal,
      cause: undefined,
      data: undefined,
      text: undefined,
    };
    if (ctx.signal && ctx.signal.aborted) {
      ctx.cause = ctx.signal.reason;
      a = engine.aborted(a[1]);
    }
    if (m !== 0) return this.#drive(ctx, a).then(first);
    // A GET: others may join it while it runs.
    const id = a[1];
    const inflight = this.#inflight;
    const run = this.#drive(ctx, a);
    inflight.set(id, run);
    const done = () => inflight.delete(id);
    run.then(done, done);
    return run.then(first);
  }

  /** A GET the engine joined to call `leader`: a copy of its result. */
  async #follow(leader) {
    const run = this.#inflight.get(leader);
    if (!run) throw typeError("internal error (a joined call is gone)");
    const [resp, text] = await run;
    return { ...resp, data: copyOf(text, resp.data) };
  }

  /**
   * Performs the engine's actions for one call until it settles: resolves
   * `[response, text]` (the text when the body was kept, for joined calls).
   */
  async #drive(ctx, a) {
    const engine = this.#live();
    const id = a[1];
    let res;
    let errText;
    try {
      for (;;) {
        if (this.#fx.length) this.#effects();
        switch (a[0]) {
          case FETCH: {
            res = undefined;
            errText = undefined;
            ctx.cause = undefined;
            const o = await this.#attempt(ctx, a);
            if (o.aborted) {
              ctx.cause = o.reason;
              a = engine.aborted(id);
            } else if (o.res) {
              res = o.res;
              [a, errText] = await this.#report(ctx, id, res, a[5] & 4);
            } else {
              ctx.cause = o.cause;
              // Offline: the engine waits for the network instead of retrying.
              a = o.failure === 0 && isOffline() ? engine.offline(id) : engine.failed(id, o.failure);
            }
            break;
          }
          case LOAD: {
            const r = await persistence().then((m) => m.__persistLoad(a[2], a[3]), () => undefined);
            a = r === undefined
              ? engine.loaded(id, undefined, undefined, 0)
              : engine.loaded(id, { text: r.text, headers: r.headers }, r.etag, r.size);
            break;
          }
          case WAIT_ONLINE:
            this.#tellRetry(ctx, [a[0], a[1], a[2] ?? Infinity, a[3], a[4], a[5]]);
            try {
              await waitOnline(a[2], ctx.signal);
              a = engine.waited(id);
            } catch (reason) {
              ctx.cause = reason;
              a = engine.aborted(id);
            }
            break;
          case READ_BODY: {
            const r = await this.#readSuccess(ctx, res, a[2], a[3]);
            if (r.aborted) {
              ctx.cause = r.reason;
              a = engine.aborted(id);
            } else if (r.failure !== undefined) {
              ctx.cause = r.cause;
              a = engine.bodyFailed(id, r.failure);
            } else {
              ctx.data = r.data;
              ctx.text = r.text;
              const keep = a[2] && typeof r.text === "string";
              a = keep
                ? engine.body(id, { text: r.text, headers: res.headers }, r.text.length + headersSize(res.headers))
                : engine.body(id, undefined, 0);
            }
            break;
          }
          case READ_ERROR:
            errText = a[2] ? await this.#errorText(ctx, res) : "";
            if (!a[2]) cancel(res);
            a = engine.envelope(id, errText);
            break;
          case WAIT:
            if (a.length > 3) {
              cancel(res);
              this.#tellRetry(ctx, a);
            }
            try {
              await sleep(a[2], ctx.signal);
              a = engine.waited(id);
            } catch (reason) {
              ctx.cause = reason;
              a = engine.aborted(id);
            }
            break;
          case REFRESH:
          case AWAIT_REFRESH:
            a = engine.refreshed(id, await this.#refreshToken(a[0] === REFRESH, a[2]));
            break;
          case FRESH:
            return [{ status: a[2], data: ctx.data, headers: res.headers, etag: a[3], fromCache: false, attempts: a[4] }, ctx.text];
          case CACHED: {
            const entry = a[2];
            const resp = {
              status: 304,
              data: parse(entry.text),
              headers: a[5] ? res.headers : undefined,
              stored: entry.headers,
              etag: a[3],
              fromCache: true,
              attempts: a[4],
            };
            return [resp, entry.text];
          }
          case FAILED: {
            if (res) cancel(res); // a body left unread (refused by its length)
            const failed = a;
            a = undefined;
            throw this.#error(ctx, res, errText, failed);
          }
          default:
            throw typeError(`internal error (an unknown action ${a[0]})`);
        }
      }
    } catch (e) {
      // A settled call is the engine's no more; anything else thrown here
      // (a freed client, a bug) must not leave the call behind.
      if (a !== undefined && this.#engine !== undefined) this.#engine.cancel(id);
      throw e;
    }
  }

  /** One `fetch` as the engine asks: `{ res }`, `{ failure, cause }` or `{ aborted, reason }`. */
  async #attempt(ctx, a) {
    const headers = ctx.headers;
    const [, , inm, auth, org, flags, timeout] = a;
    if (inm === null) headers.delete("If-None-Match");
    else if (inm !== undefined) headers.set("If-None-Match", inm);
    if (auth === null) headers.delete("Authorization");
    else if (auth !== undefined) headers.set("Authorization", auth);
    if (org !== undefined) headers.set("X-Org-Id", org);
    const init = { method: ctx.method, credentials: "omit", headers };
    if (flags & 1) init.cache = "no-store";
    if (flags & 2) init.redirect = "manual";
    if (ctx.body !== undefined) init.body = ctx.body;
    const timer = timeout === undefined ? undefined : AbortSignal.timeout(timeout);
    const signal = ctx.signal && timer ? AbortSignal.any([ctx.signal, timer]) : ctx.signal || timer;
    if (signal) init.signal = signal;
    try {
      return { res: await fetch(ctx.url, init) };
    } catch (cause) {
      if (ctx.signal && ctx.signal.aborted) return { aborted: true, reason: ctx.signal.reason };
      return { failure: timer && timer.aborted ? 1 : 0, cause };
    }
  }

  /**
   * Reports a response's head (and, for an error status the engine will
   * not retry, its body: one crossing instead of two): `[action, errText]`.
   */
  async #report(ctx, id, res, eagerAll) {
    const status = res.status;
    const h = res.headers;
    let flags = res.redirected || res.type === "opaqueredirect" ? 1 : 0;
    let packed;
    for (let i = 0; i < HEAD.length; i++) {
      const v = h.get(HEAD[i]);
      if (v !== null) {
        flags |= 2 << i;
        packed = packed === undefined ? v : packed + "\n" + v;
      }
    }
    let errText;
    if (status >= 400 && (eagerAll || RULES.indexOf(status, 1) < 0)) {
      errText = await this.#errorText(ctx, res);
      flags |= 2 << HEAD.length;
      packed = packed === undefined ? errText : packed + "\n" + errText;
    }
    return [this.#live().response(id, status, flags, packed), errText];
  }

  /** A 2xx body: `{ data, text }` (`undefined`s when empty), `{ failure, cause }` or `{ aborted, reason }`. */
  async #readSuccess(ctx, res, needText, max) {
    const length = res.headers.get("content-length");
    try {
      if (max >= 0) {
        // maxBodyBytes: read chunk by chunk, stopped past the bound.
        const text = await readCapped(res, max);
        if (text === undefined) return { failure: 3, cause: undefined };
        return text.length === 0 ? {} : { data: JSON.parse(text), text };
      }
      const big = length !== null && res.body && Number(length) >= STREAM_FROM;
      // With a length and nothing to store, the browser parses straight from bytes.
      if (length !== null && !needText && !big) return { data: await res.json() };
      const text = big ? await streamText(res.body) : await res.text();
      if (text.length === 0) return {};
      return { data: JSON.parse(text), text };
    } catch (cause) {
      if (cause instanceof SyntaxError) return { failure: 0, cause };
      // A body too long for a string: Chromium's "Invalid string length"
      // (a RangeError), Firefox's "allocation size overflow" (InternalError).
      if (cause instanceof RangeError || get(cause, "name") === "InternalError") return { failure: 3, cause };
      if (ctx.signal && ctx.signal.aborted) return { aborted: true, reason: ctx.signal.reason };
      const name = get(cause, "name");
      return { failure: name === "TimeoutError" || name === "AbortError" ? 1 : 2, cause };
    }
  }

  /** An error body's text, at most the engine's bound long (`""` past that, or unreadable). */
  async #errorText(ctx, res) {
    if (ctx.method === "HEAD") return "";
    try {
      return (await readCapped(res, RULES[0])) ?? "";
    } catch {
      return ""; // an unreadable body makes the message from the status
    }
  }

  /** The error the engine settled the call with, as a real `Error`. */
  #error(ctx, res, errText, a) {
    const o = JSON.parse(a[2]);
    o.delays = a[3];
    if (ctx.cause !== undefined) o.cause = ctx.cause;
    if (res && (o.status >= 300 || o.kind === "http")) {
      if (errText) {
        const data = parse(a[4] ?? errText);
        if (data !== undefined) o.data = data;
      }
      o.headers = redactedHeaders(res.headers, Engine.shown);
    }
    return makeError(o.kind, o.status, o.message, o.method, o.url, o.attempts, o);
  }

  /** Tells `onRetry` about the retry the engine is about to wait for. */
  #tellRetry(ctx, a) {
    const onRetry = this.#onRetry;
    if (!onRetry) return;
    const info = { attempt: a[3], delayMs: a[2], reason: a[4], status: a[5], method: ctx.method, url: showUrl(ctx.url) };
    try {
      onRetry.call(null, info); // a throwing callback must not break the request
    } catch {
      // ignored
    }
  }

  /**
   * Asks `onUnauthorized` for a fresh token (`start`), or awaits the one
   * another call asked for: the token, or `undefined`.
   */
  async #refreshToken(start, id) {
    let r = this.#refresh;
    if (start) {
      let p;
      try {
        p = Promise.resolve(this.#onUnauthorized.call(null));
      } catch (e) {
        p = Promise.reject(e);
      }
      p.catch(() => {});
      r = this.#refresh = { id, p };
    } else if (!r || r.id !== id) {
      return undefined;
    }
    try {
      const token = await r.p;
      return typeof token === "string" ? token : undefined;
    } catch {
      return undefined;
    }
  }
}

if (typeof Symbol.dispose === "symbol") Client.prototype[Symbol.dispose] = Client.prototype.free;
