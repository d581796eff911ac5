// A strict TypeScript user of projekt-client: uses every export, narrows
// errors by `kind` and by guard, and shows (with @ts-expect-error) uses that
// must not compile. Only type-checked (tsc --noEmit), never run.
import {
  Client,
  ProjektError, HttpError, BadRequestError, UnauthorizedError, ForbiddenError, NotFoundError,
  MethodNotAllowedError, ConflictError, ValidationError, RateLimitError, ServerError,
  UnavailableError, NetworkError, TimeoutError, AbortError, DecodeError,
  isProjektError, isHttpError, isBadRequestError, isUnauthorizedError, isForbiddenError,
  isNotFoundError, isMethodNotAllowedError, isConflictError, isValidationError,
  isRateLimitError, isServerError, isUnavailableError, isNetworkError, isTimeoutError,
  isAbortError, isDecodeError,
  bindErrors, clearErrors, fieldMessages,
} from "projekt-client";
import type {
  AnyProjektError, BindErrorsOptions, CacheMode, CacheOptions, CacheStats, ClientOptions,
  ErrorKind, HttpMethod, Page, Paginated, PaginateOptions, ProjektErrorOptions, Query, QueryValue,
  RequestInitOptions, RequestOptions, RequestResult, RetryInfo, RetryOptions, RetryReason,
  UpdateOptions,
} from "projekt-client";

interface Item { id: number; title: string; version: number }
interface ItemList<T> { data: T[]; meta: { total: number } }

// ------------------------------------------------------------ construction

const retry: RetryOptions = { limit: 3, baseDelayMs: 500, maxDelayMs: 30_000 };
const cache: CacheOptions = { maxEntries: 500, maxBytes: 8_000_000 };
const retries: RetryInfo[] = [];

const options: ClientOptions = {
  baseUrl: "https://api.example.test/v1",
  token: "pjk_live_abc",
  orgId: "0b7e8c1e-55a3-4c55-9a8e-6f1d2b3c4d5e",
  timeoutMs: 10_000,
  totalTimeoutMs: 60_000,
  retry,
  cache,
  onRetry: (info: RetryInfo) => {
    const reason: RetryReason = info.reason;
    const { attempt, delayMs, status, method, url } = info;
    console.log(`${method} ${url}: ${reason} (${status}), attempt ${attempt} in ${delayMs} ms`);
    retries.push(info);
  },
  onUnauthorized: async () => "pjk_live_fresh",
  allowInsecureToken: false,
};
export const client = new Client(options);
export const minimal = new Client({ baseUrl: "https://api.example.test/v1" });
export const noExtras = new Client({
  baseUrl: "https://api.example.test/v1",
  token: null,
  orgId: null,
  retry: false,
  cache: false,
  onUnauthorized: () => undefined,
});
// Optional options spelled out as undefined (as spreads of partial config do)
// type-check under exactOptionalPropertyTypes.
declare const maybeTimeout: number | undefined;
declare const maybeSignal: AbortSignal | undefined;
export const spelledOut = new Client({
  baseUrl: "https://api.example.test/v1",
  token: undefined,
  timeoutMs: maybeTimeout,
  retry: { limit: undefined, maxDelayMs: maybeTimeout },
  cache: { maxEntries: undefined },
  onRetry: undefined,
});
export const spelledOutGet = spelledOut.get("/issues", { signal: maybeSignal, query: undefined });
const baseUrl: string = client.baseUrl;

// @ts-expect-error baseUrl is required
new Client({});
// @ts-expect-error retry.limit is a number
new Client({ baseUrl, retry: { limit: "3" } });
// @ts-expect-error retry is options or false, not true
new Client({ baseUrl, retry: true });
// @ts-expect-error cache.maxEntries is a number
new Client({ baseUrl, cache: { maxEntries: "500" } });
// @ts-expect-error unknown option (a typo of timeoutMs)
new Client({ baseUrl, timeout: 1000 });
// @ts-expect-error onRetry gets one RetryInfo, whose reason is a RetryReason
new Client({ baseUrl, onRetry: (info: { reason: "aborted" }) => info });

// ------------------------------------------------------------ requests

export async function requests(signal: AbortSignal): Promise<void> {
  const query: Query = { page: 2, done: false, tag: ["a", "b"], since: new Date(), q: null, n: 10n };
  const qv: QueryValue = undefined;
  const reqOpts: RequestOptions = { query, headers: { "X-Custom": "1" }, signal, cache: "no-cache" };

  const page: ItemList<Item> = await client.get<ItemList<Item>>("/items", reqOpts);
  const first: Item | undefined = page.data[0];
  await client.get("/items", { query: new URLSearchParams({ page: "1", q: String(qv) }) });

  const created = await client.post<Item>("/items", { title: "New" }, { headers: { "Idempotency-Key": "k1" } });
  const id: number = created.id;
  await client.put<Item>(`/items/${id}`, { title: "Replaced" }, { headers: [["If-Match", '"v1-1"']] });
  await client.patch<Item>(`/items/${id}`, { title: null });
  const deleted: undefined = await client.delete(`/items/${id}`);
  void deleted;
  await client.post("/actions/ping");

  const method: HttpMethod = "PATCH";
  const custom: HttpMethod = "PROPFIND";
  const mode: CacheMode = "reload";
  const init: RequestInitOptions = { method, path: "/items/1", body: { title: "x" }, query, headers: new Headers(), signal, cache: mode };
  const res: RequestResult<Item> = await client.request<Item>(init);
  const status: number = res.status;
  const data: Item = res.data;
  const etag: string | null = res.etag;
  const fromCache: boolean = res.fromCache;
  const attempts: number = res.attempts;
  const headers: Headers = res.headers;
  console.log(first, status, data.title, etag, fromCache, attempts, headers.get("etag"), custom);
  const list = await client.request<ItemList<Item>>({ path: "/items" });
  if (list.fromCache && list.status === 304) console.log(list.data.meta.total);

  client.setToken("pjk_live_other");
  client.setToken(null);
  client.setOrgId("0b7e8c1e-55a3-4c55-9a8e-6f1d2b3c4d5e");
  client.setOrgId(null);
  client.clearCache();
  const stats: CacheStats = client.cacheStats();
  console.log(stats.entries, stats.bytes);

  // @ts-expect-error a path is a string
  await client.get(42);
  // @ts-expect-error request() needs a path
  await client.request({ method: "GET" });
  // @ts-expect-error not a cache mode
  await client.get("/items", { cache: "only-if-cached" });
  // @ts-expect-error setOrgId takes a string or null
  client.setOrgId(undefined);
  // @ts-expect-error the result's etag may be null
  const tag: string = res.etag;
  void tag;
  // @ts-expect-error baseUrl is read-only
  client.baseUrl = "https://elsewhere.test";

  minimal.free();
}

// ------------------------------------------------------------ pagination, update

export async function walk(signal: AbortSignal): Promise<number> {
  const popts: PaginateOptions = { query: { per_page: 5 }, signal, maxPages: 10 };
  const items: Paginated<Item> = client.paginate<Item>("/pages/cursor", popts);
  let n = 0;
  for await (const item of items) n += item.id;
  for await (const page of client.paginate<Item>("/pages/link").pages()) {
    const p: Page<Item> = page;
    const meta: unknown = p.meta;
    console.log(p.url, p.data.length, meta);
  }
  // @ts-expect-error maxPages is a number
  client.paginate("/pages/next", { maxPages: "5" });

  const uopts: UpdateOptions = { attempts: 3, method: "PATCH", signal };
  const updated: Item = await client.update<Item>("/items/1", (cur) => ({ ...cur, title: cur.title + "!" }), uopts);
  await client.update<Item>("/items/1", async (cur) => cur, { method: "PUT" });
  // @ts-expect-error update writes with PUT or PATCH only
  await client.update<Item>("/items/1", (cur) => cur, { method: "POST" });
  // @ts-expect-error the change function returns the new resource
  await client.update<Item>("/items/1", (cur) => cur.title);
  return n + updated.version;
}

// ------------------------------------------------------------ errors by kind

/** What a UI shows for any rejection: narrowed on `kind`, exhaustively. */
export function explain(e: unknown): string {
  if (!isProjektError(e)) return e instanceof Error ? e.message : String(e);
  const err: AnyProjektError = e;
  const base = `${err.name} ${err.method} ${err.url} → ${err.status} after ${err.attempts}`;
  const kind: ErrorKind = err.kind;
  switch (err.kind) {
    case "validation": {
      const fields: Record<string, string[]> = err.fieldErrors;
      const title: string | undefined = err.first("title");
      return `${base}: ${Object.keys(fields).length} fields (${err.fields().join(", ")}) ${title ?? ""} ${err.has("priority")}`;
    }
    case "rate_limited": {
      const wait: number | null = err.retryAfterMs;
      return `${base}: wait ${wait ?? "?"} ms`;
    }
    case "forbidden": {
      const reason: "org_mismatch" | "session_required" | null = err.reason;
      return `${base}: ${reason ?? "forbidden"}`;
    }
    case "method_not_allowed": {
      const allow: string[] = err.allow;
      return `${base}: allowed ${allow.join(", ")}`;
    }
    case "network": {
      const zero: 0 = err.status;
      return `${base}: offline (${String(err.cause)}) ${zero}`;
    }
    case "timeout":
    case "aborted": {
      const zero: 0 = err.status;
      return `${base}: ${err.kind} ${zero}`;
    }
    case "bad_request": case "unauthorized": case "not_found": case "conflict":
    case "server": case "unavailable": case "http": case "decode":
      // @ts-expect-error fieldErrors exists only on a validation error
      err.fieldErrors;
      return `${base}: ${err.message} (${kind})`;
    default: {
      const unreachable: never = err;
      return unreachable;
    }
  }
}

// ------------------------------------------------------------ errors by guard

export function byGuard(e: unknown): string {
  // @ts-expect-error unknown has no kind before narrowing
  e.kind;
  if (e instanceof ProjektError) {
    // @ts-expect-error fieldErrors needs narrowing to ValidationError first
    e.fieldErrors;
    const k: ErrorKind = e.kind;
    const json: Record<string, unknown> = e.toJSON();
    const delays: number[] | undefined = e.delays;
    const body: unknown = e.data;
    const h: Headers | undefined = e.headers;
    const stack: string | undefined = e.stack;
    void [k, json, delays, body, h, stack];
  }
  if (isValidationError(e)) return Object.entries(e.fieldErrors).map(([f, m]) => `${f}: ${m.join("; ")}`).join("\n");
  if (isRateLimitError(e)) return `retry after ${e.retryAfterMs ?? "?"} ms`;
  if (isForbiddenError(e)) return e.reason === "org_mismatch" ? "wrong org" : "forbidden";
  if (isMethodNotAllowedError(e)) return e.allow.join(",");
  if (isBadRequestError(e)) { const k: "bad_request" = e.kind; return k; }
  if (isUnauthorizedError(e)) { const n: "UnauthorizedError" = e.name; return n; }
  if (isNotFoundError(e)) { const k: "not_found" = e.kind; return k; }
  if (isConflictError(e)) { const k: "conflict" = e.kind; return k; }
  if (isServerError(e)) { const k: "server" = e.kind; return k; }
  if (isUnavailableError(e)) { const k: "unavailable" = e.kind; return k; }
  if (isHttpError(e)) {
    const s: number = e.status;
    // @ts-expect-error an HttpError is never a network error
    const net: "network" = e.kind;
    return `${s} ${net}`;
  }
  if (isNetworkError(e)) return `network: ${String(e.cause)}`;
  if (isTimeoutError(e)) { const z: 0 = e.status; return `timeout ${z}`; }
  if (isAbortError(e)) return `aborted: ${String(e.cause)}`;
  if (isDecodeError(e)) { const k: "decode" = e.kind; return k; }
  return "not ours";
}

/** Every class, with instanceof and its hierarchy. */
export function classes(e: unknown): string | undefined {
  const all = [
    HttpError, BadRequestError, UnauthorizedError, ForbiddenError, NotFoundError, MethodNotAllowedError,
    ConflictError, ValidationError, RateLimitError, ServerError, UnavailableError, NetworkError,
    TimeoutError, AbortError, DecodeError,
  ] as const;
  for (const C of all) if (e instanceof C) return C.name;
  if (e instanceof ValidationError) { const h: HttpError = e; const p: ProjektError = h; const x: Error = p; return x.message; }
  if (e instanceof NetworkError) {
    // @ts-expect-error a NetworkError is not an HttpError
    const h: HttpError = e;
    return String(h);
  }
  if (e instanceof RateLimitError) {
    // @ts-expect-error retryAfterMs may be null
    const ms: number = e.retryAfterMs;
    return String(ms);
  }
  return undefined;
}

// Errors can be built (test doubles, mocks).
const opts: ProjektErrorOptions = { status: 404, method: "GET", url: "https://api.example.test/v1/x", attempts: 1, cause: null };
export const fake = new NotFoundError("missing", opts);
export const plain = new ProjektError();

// ------------------------------------------------------------ forms

export async function submit(form: HTMLFormElement): Promise<void> {
  const body = Object.fromEntries(new FormData(form));
  try {
    await client.post("/issues", body);
    clearErrors(form);
  } catch (e) {
    const bindOpts: BindErrorsOptions = {
      invalidClass: "is-invalid",
      focus: true,
      formatMessage: (messages: string[], field: string) => `${field}: ${messages.join(" ")}`,
    };
    const unmatched: string[] = bindErrors(form, e, bindOpts);
    bindErrors(form, e);
    for (const [field, message] of fieldMessages(e)) {
      const f: string = field;
      const m: string = message;
      console.log(f, m, unmatched);
    }
    // @ts-expect-error bindErrors needs a form element, not a selector
    bindErrors("#issue-form", e);
    // @ts-expect-error formatMessage returns the text shown
    bindErrors(form, e, { formatMessage: () => 42 });
    // @ts-expect-error the pairs are [field, message]: a message is not a number
    const n: number = fieldMessages(e)[0]![1];
    void n;
  }
}
