// Type declarations for projekt-client. Hand-written: the generated ones are
// too loose for options, results and the error classes.
//
// Every export has a doc comment; every function, class and option has an
// `@example`. `scripts/docs` renders them with TypeDoc and fails on an
// undocumented export, a broken `{@link}` or a missing example.

/**
 * An HTTP method. The usual ones are listed for completion; any other string
 * is sent as given.
 */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | (string & {});

/** One query value: sent as text (`Date` as ISO text); `null` and `undefined` are left out. */
export type QueryValue = string | number | boolean | bigint | Date | null | undefined;
/** A query: an object (an array value repeats its key) or a `URLSearchParams`. */
export type Query = Record<string, QueryValue | readonly QueryValue[]> | URLSearchParams;

/**
 * Why a retry is about to happen: the failed attempt's error kind, or
 * `"offline"`: no network and `navigator.onLine` is false, so the client
 * waits for the `online` event (no retry is spent).
 */
export type RetryReason = "rate_limited" | "server" | "unavailable" | "network" | "timeout" | "offline";

/** What {@link ClientOptions.onRetry} is told before each wait. */
export interface RetryInfo {
  /** The number of the attempt about to be made (2 for the first retry). */
  attempt: number;
  /**
   * How long the client waits before that attempt, in ms. For `"offline"`:
   * the most it waits for the network (what is left of `totalTimeoutMs`),
   * `Infinity` when nothing bounds it.
   */
  delayMs: number;
  /** The failed attempt's kind. */
  reason: RetryReason;
  /** The failed attempt's HTTP status; 0 for network errors and timeouts. */
  status: number;
  /** The request's method. */
  method: string;
  /** The request's URL, any `pjk_` token in it shown as `[redacted]`. */
  url: string;
}

/**
 * How failures are retried. 429 is retried for any method after the
 * server's wait; 500, 502, 503, 504, network errors and timeouts only for
 * idempotent methods or a request with an `Idempotency-Key` header.
 *
 * @example
 * ```ts
 * new Client({ baseUrl: "https://api.example.com/v1", retry: { limit: 5, baseDelayMs: 250, maxDelayMs: 10_000 } });
 * ```
 */
export interface RetryOptions {
  /**
   * Retries (not attempts): 3 allows up to 4 attempts. Default 3.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", retry: { limit: 1 } }); // at most 2 attempts
   * ```
   */
  limit?: number | undefined;
  /**
   * Backoff base for full jitter: retry n waits a uniform draw from
   * [0, min(maxDelayMs, baseDelayMs × 2^(n−1))] ms. Default 500.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", retry: { baseDelayMs: 100 } });
   * ```
   */
  baseDelayMs?: number | undefined;
  /**
   * Cap on any wait; a longer 429 wait rejects at once (a
   * {@link RateLimitError} with `retryAfterMs`). Default 30 000.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", retry: { maxDelayMs: 5_000 } });
   * ```
   */
  maxDelayMs?: number | undefined;
}

/**
 * Bounds of the client's ETag cache (least recently used entries go first).
 *
 * @example
 * ```ts
 * new Client({ baseUrl: "https://api.example.com/v1", cache: { maxEntries: 100, maxBytes: 1_000_000 } });
 * ```
 */
export interface CacheOptions {
  /**
   * Most entries kept. Default 500.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", cache: { maxEntries: 50 } });
   * ```
   */
  maxEntries?: number | undefined;
  /**
   * Bound on the stored bodies' JSON size (with the headers kept beside
   * them); a larger body is not stored. Default 8 000 000.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", cache: { maxBytes: 2_000_000 } });
   * ```
   */
  maxBytes?: number | undefined;
  /**
   * Keep the entries in IndexedDB too, per identity, within the same
   * bounds: after a reload the first GET of a URL revalidates the kept
   * entry (`If-None-Match`) and a 304 serves it (`fromCache: true`).
   * `clearCache()`, a 401 and `no-store` drop kept entries too; another
   * token never reads them. Where IndexedDB fails (private mode, quota, a
   * sandboxed frame) the memory cache goes on alone, with no error. Bodies
   * stay on the device after the tab closes: on a shared device, call
   * `clearCache()` at sign-out. Default false.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", token: "pjk_live_…", cache: { persist: true } });
   * ```
   */
  persist?: boolean | undefined;
}

/**
 * What `new Client(options)` takes. Only `baseUrl` is required.
 *
 * @example
 * ```ts
 * const options: ClientOptions = {
 *   baseUrl: "https://api.example.com/v1",
 *   token: "pjk_live_…",
 *   retry: { limit: 3 },
 *   onRetry: ({ attempt, delayMs, reason }) => console.info(attempt, delayMs, reason),
 * };
 * const client = new Client(options);
 * ```
 */
export interface ClientOptions {
  /**
   * Absolute http(s) URL of the API, e.g. "https://api.example.com/v1".
   * Every request must stay on its origin and under its path.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1" });
   * ```
   */
  baseUrl: string;
  /**
   * A Projekt token (`pjk_…`), sent as `Authorization: Bearer <token>`.
   * Refused with a `TypeError` when empty, without `pjk_` or with `Bearer `.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", token: "pjk_live_…" });
   * ```
   */
  token?: string | null | undefined;
  /**
   * An org UUID, sent as `X-Org-Id`.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", orgId: "6f1c1c3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f" });
   * ```
   */
  orgId?: string | null | undefined;
  /**
   * Per-attempt timeout. Default 10 000; 0 disables it. A timed-out
   * attempt is a {@link TimeoutError}.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", timeoutMs: 5_000 });
   * ```
   */
  timeoutMs?: number | undefined;
  /**
   * Deadline for the whole call, retries and waits included.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", timeoutMs: 5_000, totalTimeoutMs: 20_000 });
   * ```
   */
  totalTimeoutMs?: number | undefined;
  /**
   * Retry settings, or `false` for none: every failure surfaces at once.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", retry: false });
   * ```
   */
  retry?: RetryOptions | false | undefined;
  /**
   * ETag cache bounds, or `false` to turn the cache off.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", cache: false });
   * ```
   */
  cache?: CacheOptions | false | undefined;
  /**
   * Called before each retry's wait.
   *
   * @example
   * ```ts
   * new Client({
   *   baseUrl: "https://api.example.com/v1",
   *   onRetry: ({ attempt, delayMs, reason }) => console.info(`retry ${attempt} in ${delayMs} ms (${reason})`),
   * });
   * ```
   */
  onRetry?: ((info: RetryInfo) => void) | undefined;
  /**
   * Called on a 401; return (a promise of) a fresh token to retry once with it.
   * Concurrent 401s share one call.
   *
   * @example
   * ```ts
   * new Client({
   *   baseUrl: "https://api.example.com/v1",
   *   token: "pjk_live_…",
   *   onUnauthorized: async () => (await fetch("/session/token").then((r) => r.json())).token,
   * });
   * ```
   */
  onUnauthorized?: (() => string | null | undefined | Promise<string | null | undefined>) | undefined;
  /**
   * Allow a token over plain http:// to a host other than this machine. Default false.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "http://api.staging.internal/v1", token: "pjk_test_…", allowInsecureToken: true });
   * ```
   */
  allowInsecureToken?: boolean | undefined;
  /**
   * The most bytes a 2xx body may have. Past it the call rejects with a
   * `DecodeError` and the body is not read further (a `Content-Length` over
   * it is refused unread). Default: no bound but the browser's largest string.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", maxBodyBytes: 5_000_000 });
   * ```
   */
  maxBodyBytes?: number | undefined;
  /**
   * Share the rate-limit hold and write invalidations with clients of the
   * same API and identity in other tabs and workers of this origin (and in
   * this page), over a `BroadcastChannel`: a 429 seen in one tab holds the
   * others until the reset, a successful write drops their cached copies.
   * What crosses is a digest of API and identity plus a wait or two path
   * digests: no token, URL, header or body. Default true where
   * `BroadcastChannel` exists.
   *
   * @example
   * ```ts
   * new Client({ baseUrl: "https://api.example.com/v1", token: "pjk_live_…", crossTab: false });
   * ```
   */
  crossTab?: boolean | undefined;
}

/**
 * Path parameters: `{ path: { id: 7 } }` fills `{id}` in the path.
 *
 * @example
 * ```ts
 * const params: PathParams = { path: { id: 7 } };
 * await client.get("/issues/{id}", { params });
 * ```
 */
export interface PathParams {
  /** A value per `{name}` in the path. */
  path?: Record<string, string | number | bigint> | undefined;
}

/** Per-request cache behaviour, after the Fetch `RequestCache` names. */
export type CacheMode = "default" | "no-cache" | "reload" | "no-store" | "force-cache";

/**
 * What every request method takes besides its path (and body).
 *
 * @example
 * ```ts
 * await client.get("/issues", { query: { state: "open" }, headers: { "Accept-Language": "de" }, signal, cache: "no-cache" });
 * ```
 */
export interface RequestOptions {
  /**
   * Query parameters; an array repeats its key, `null`/`undefined` are left out.
   *
   * @example
   * ```ts
   * await client.get("/issues", { query: { state: "open", label: ["bug", "ui"], page: 2 } }); // ?state=open&label=bug&label=ui&page=2
   * ```
   */
  query?: Query | undefined;
  /**
   * Extra request headers (an `Idempotency-Key` makes a POST retryable).
   *
   * @example
   * ```ts
   * await client.post("/payments", { amount: 10 }, { headers: { "Idempotency-Key": crypto.randomUUID() } });
   * ```
   */
  headers?: HeadersInit | undefined;
  /**
   * Aborts the call, its waits and retries included; it rejects with an {@link AbortError}.
   *
   * @example
   * ```ts
   * const controller = new AbortController();
   * const pending = client.get("/issues", { signal: controller.signal });
   * controller.abort();
   * ```
   */
  signal?: AbortSignal | undefined;
  /**
   * This GET's use of the ETag cache.
   *
   * @example
   * ```ts
   * await client.get("/issues/7", { cache: "reload" }); // fetch anew, store the answer
   * ```
   */
  cache?: CacheMode | undefined;
  /**
   * Values for the path's `{name}`s: each is percent-encoded as one segment
   * (a `/` or `..` in a value never changes the path); a `{name}` without a
   * value, or an empty or dot (`.`, `..`) value, is a `TypeError` before
   * anything is sent.
   *
   * @example
   * ```ts
   * await client.get("/orgs/{org}/issues/{id}", { params: { path: { org: "acme co", id: 7 } } }); // /orgs/acme%20co/issues/7
   * ```
   */
  params?: PathParams | undefined;
}

/**
 * What {@link Client.request} takes: the method, the path and the body, and
 * the {@link RequestOptions}.
 *
 * @example
 * ```ts
 * const { status, data, etag } = await client.request({ method: "PUT", path: "/issues/7", body: { title: "New" } });
 * ```
 */
export interface RequestInitOptions extends RequestOptions {
  /**
   * Default "GET".
   *
   * @example
   * ```ts
   * await client.request({ method: "HEAD", path: "/issues/7" });
   * ```
   */
  method?: HttpMethod | undefined;
  /**
   * The path under `baseUrl` (or an absolute URL inside it).
   *
   * @example
   * ```ts
   * await client.request({ path: "/issues/7" });
   * ```
   */
  path: string;
  /**
   * The JSON body.
   *
   * @example
   * ```ts
   * await client.request({ method: "POST", path: "/issues", body: { title: "Crash on save" } });
   * ```
   */
  body?: unknown | undefined;
}

/** What {@link Client.request} resolves with. */
export interface RequestResult<T = any> {
  /** 2xx, or 304 when `data` is the cached copy. */
  status: number;
  /** The parsed JSON body (`undefined` when empty); the caller's own copy. */
  data: T;
  /** The response's headers. */
  headers: Headers;
  /** The entity tag exactly as received (quotes and W/ kept), or null. */
  etag: string | null;
  /** Whether `data` came from the ETag cache (a 304). */
  fromCache: boolean;
  /** Attempts made, the first included. */
  attempts: number;
}

/**
 * What {@link Client.paginate} takes.
 *
 * @example
 * ```ts
 * client.paginate("/issues", { query: { state: "open" }, maxPages: 50, signal });
 * ```
 */
export interface PaginateOptions {
  /**
   * The first page's query.
   *
   * @example
   * ```ts
   * client.paginate("/issues", { query: { state: "open", per_page: 100 } });
   * ```
   */
  query?: Query | undefined;
  /**
   * Aborts the walk: the iteration rejects with an {@link AbortError}.
   *
   * @example
   * ```ts
   * client.paginate("/issues", { signal: AbortSignal.timeout(30_000) });
   * ```
   */
  signal?: AbortSignal | undefined;
  /**
   * Most pages fetched. Default 1 000.
   *
   * @example
   * ```ts
   * client.paginate("/issues", { maxPages: 5 });
   * ```
   */
  maxPages?: number | undefined;
  /**
   * Values for the path's `{name}`s: each is percent-encoded as one segment
   * (a `/` or `..` in a value never changes the path); a `{name}` without a
   * value, or an empty or dot (`.`, `..`) value, is a `TypeError` before
   * anything is sent.
   *
   * @example
   * ```ts
   * await client.get("/orgs/{org}/issues/{id}", { params: { path: { org: "acme co", id: 7 } } }); // /orgs/acme%20co/issues/7
   * ```
   */
  params?: PathParams | undefined;
}

/** One page of a {@link Client.paginate} walk. */
export interface Page<T = any> {
  /** The page's items. */
  data: T[];
  /** The page's `meta` member, as the server sent it. */
  meta: unknown;
  /** The page's URL (any `pjk_` token shown as `[redacted]`). */
  url: string;
}

/** Iterate items with `for await`, or whole pages with `.pages()`. Single use. */
export interface Paginated<T = any> extends AsyncIterable<T> {
  /**
   * The walk page by page.
   *
   * @example
   * ```ts
   * for await (const page of client.paginate("/issues").pages()) console.log(page.url, page.data.length);
   * ```
   */
  pages(): AsyncGenerator<Page<T>, void, undefined>;
}

/**
 * What {@link Client.update} takes.
 *
 * @example
 * ```ts
 * await client.update("/issues/7", (issue) => ({ ...issue, state: "closed" }), { attempts: 5, method: "PATCH" });
 * ```
 */
export interface UpdateOptions {
  /**
   * Read-change-write rounds before the last conflict rejects. Default 3.
   *
   * @example
   * ```ts
   * await client.update("/issues/7", (issue) => issue, { attempts: 1 }); // no second try
   * ```
   */
  attempts?: number | undefined;
  /**
   * The write's method. Default "PUT".
   *
   * @example
   * ```ts
   * await client.update("/issues/7", (issue) => ({ labels: [...issue.labels, "ui"] }), { method: "PATCH" });
   * ```
   */
  method?: "PUT" | "PATCH" | undefined;
  /**
   * Aborts the reads and writes.
   *
   * @example
   * ```ts
   * await client.update("/issues/7", (issue) => issue, { signal: AbortSignal.timeout(10_000) });
   * ```
   */
  signal?: AbortSignal | undefined;
  /**
   * Values for the path's `{name}`s: each is percent-encoded as one segment
   * (a `/` or `..` in a value never changes the path); a `{name}` without a
   * value, or an empty or dot (`.`, `..`) value, is a `TypeError` before
   * anything is sent.
   *
   * @example
   * ```ts
   * await client.get("/orgs/{org}/issues/{id}", { params: { path: { org: "acme co", id: 7 } } }); // /orgs/acme%20co/issues/7
   * ```
   */
  params?: PathParams | undefined;
}

/** What {@link Client.cacheStats} reports. */
export interface CacheStats {
  /** Entries stored. */
  entries: number;
  /** Bytes stored (bodies' JSON size and their kept headers). */
  bytes: number;
}

// ---------------------------------------------------------------- typed paths

/** @hidden */
declare const untypedBrand: unique symbol;
/**
 * The `Paths` of a {@link Client} made without an OpenAPI `paths` type:
 * every method takes any path and resolves `any` (or the type you pass).
 */
export interface UntypedPaths {
  /** (A brand: no `paths` type from openapi-typescript has it.) */
  readonly [untypedBrand]: true;
}

/** The lower-case method names an OpenAPI path item lists operations under. */
export type OperationMethod = "get" | "post" | "put" | "patch" | "delete";

/**
 * The paths of an openapi-typescript `paths` type that have an operation
 * for `M`.
 *
 * @example
 * ```ts
 * import type { paths } from "./api"; // npx openapi-typescript openapi.json -o api.d.ts
 * type Readable = PathsWithMethod<paths, "get">; // "/items" | "/items/{id}" | …
 * ```
 */
export type PathsWithMethod<Paths, M extends OperationMethod> = PathsOf<Paths, M>;
/** @hidden */
type PathsOf<Paths, M extends OperationMethod> = {
  [K in keyof Paths]-?: Paths[K] extends { [X in M]: infer O } ? ([O] extends [never] ? never : O extends undefined ? never : K) : never;
}[keyof Paths] &
  string;

/**
 * The operation of `Paths` at path `P` for method `M`.
 *
 * @example
 * ```ts
 * type GetItem = Operation<paths, "/items/{id}", "get">;
 * ```
 */
export type Operation<Paths, P, M extends OperationMethod> = OperationOf<Paths, P, M>;
/** @hidden */
type OperationOf<Paths, P, M extends OperationMethod> = P extends keyof Paths
  ? Paths[P] extends { [X in M]: infer O }
    ? O
    : never
  : never;

/** @hidden */
type JsonOf<R> = R extends { content: { "application/json": infer T } }
  ? T
  : R extends { content: Record<string, infer T> }
    ? T
    : undefined;
/** @hidden */
type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 206 | "200" | "201" | "202" | "203" | "204" | "206" | "2XX";

/**
 * What an operation's 2xx responses hold (their JSON bodies; `undefined`
 * for a body-less 204).
 *
 * @example
 * ```ts
 * type Item = SuccessBody<Operation<paths, "/items/{id}", "get">>;
 * ```
 */
export type SuccessBody<O> = SuccessOf<O>;
/** @hidden */
type SuccessOf<O> = O extends { responses: infer R } ? JsonOf<R[Extract<keyof R, SuccessStatus>]> : unknown;

/**
 * An operation's JSON request body.
 *
 * @example
 * ```ts
 * type NewItem = RequestBodyOf<Operation<paths, "/items", "post">>;
 * ```
 */
export type RequestBodyOf<O> = BodyOf<O>;
/** @hidden */
type BodyOf<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? B
  : O extends { requestBody?: { content: { "application/json": infer B } } }
    ? B | undefined
    : undefined;

/** @hidden */
type ParametersOf<O> = O extends { parameters: infer X } ? X : {};
/** @hidden */
type PathParamsOf<O> = ParametersOf<O> extends { path: infer X } ? X : never;
/** @hidden */
type QueryOf<O> = ParametersOf<O> extends { query?: infer Q } ? ([Q] extends [never | undefined] ? Query : Q) : Query;

/**
 * The field names a 422 of an operation lists in its `errors` (for
 * {@link ValidationError}'s type parameter); `string` when the document
 * does not say.
 *
 * @example
 * ```ts
 * if (isValidationError<FieldsOf<Operation<paths, "/items", "post">>>(e)) e.first("title");
 * ```
 */
export type FieldsOf<O> = FieldNamesOf<O>;
/** @hidden */
type FieldNamesOf<O> = O extends { responses: { 422: { content: { "application/json": { errors?: infer E } } } } }
  ? [keyof E] extends [never]
    ? string
    : keyof E & string
  : string;

/**
 * The options of a typed call: `params.path` required when the operation
 * has path parameters, `query` typed from the document.
 *
 * @example
 * ```ts
 * const options: TypedOptions<Operation<paths, "/items/{id}", "get">> = { params: { path: { id: 7 } } };
 * ```
 */
export type TypedOptions<O> = OptionsOf<O>;
/** @hidden */
type OptionsOf<O> = Omit<RequestOptions, "params" | "query"> & {
  query?: QueryOf<O> | undefined;
} & ([PathParamsOf<O>] extends [never]
    ? { params?: { path?: Record<string, never> | undefined } | undefined }
    : { params: { path: PathParamsOf<O> } });

/** @hidden */
type OptionsArgs<O> = [PathParamsOf<O>] extends [never] ? [options?: TypedOptions<O>] : [options: TypedOptions<O>];
/** @hidden */
type PaginateArgs<O> = [PathParamsOf<O>] extends [never]
  ? [options?: Omit<PaginateOptions, "params" | "query"> & { query?: QueryOf<O> | undefined }]
  : [options: Omit<PaginateOptions, "params" | "query"> & { query?: QueryOf<O> | undefined; params: { path: PathParamsOf<O> } }];
/** @hidden */
type UpdateArgs<O> = [PathParamsOf<O>] extends [never]
  ? [options?: Omit<UpdateOptions, "params">]
  : [options: Omit<UpdateOptions, "params"> & { params: { path: PathParamsOf<O> } }];
/** @hidden */
type Typed<Paths, T> = Paths extends UntypedPaths ? never : T;
/** @hidden */
type Untyped<Paths, T> = Paths extends UntypedPaths ? T : never;
/** @hidden */
type ItemOf<B> = B extends { data: readonly (infer I)[] } ? I : B extends readonly (infer I)[] ? I : unknown;

/**
 * `request()`'s argument for a typed client: `method` (upper case, default
 * `"GET"`), `path` from the document, its `body`, `params` and `query`.
 *
 * @example
 * ```ts
 * await client.request({ method: "PATCH", path: "/items/{id}", params: { path: { id: 7 } }, body: { title: "x" } });
 * ```
 */
export type TypedRequestInit<Paths, M extends Uppercase<OperationMethod>, P> = TypedOptions<
  Operation<Paths, P, Lowercase<M>>
> & {
  /** The method, upper case; default `"GET"`. */
  method?: M | undefined;
  /** A path of the document with an operation for `method`. */
  path: P;
  /** The operation's JSON request body. */
  body?: RequestBodyOf<Operation<Paths, P, Lowercase<M>>> | undefined;
};


/**
 * A client for one API base URL and identity: typed errors, retries on the
 * event loop, an ETag cache per identity.
 *
 * @example
 * ```ts
 * import { Client } from "projekt-client";
 * const client = new Client({ baseUrl: "https://api.example.com/v1", token: "pjk_live_…" });
 * const issue = await client.get<{ id: number; title: string }>("/issues/7");
 * ```
 */
export class Client<Paths = UntypedPaths> {
  /**
   * Checks the options and builds a client.
   *
   * @throws {TypeError} for a missing/relative baseUrl, a token without `pjk_` or with `Bearer `, a non-UUID orgId.
   *
   * @example
   * ```ts
   * const client = new Client({ baseUrl: "https://api.example.com/v1", token: "pjk_live_…" });
   * ```
   */
  constructor(options: ClientOptions);
  /** The base URL requests are joined onto. */
  readonly baseUrl: string;
  /**
   * GET `path`; resolves the parsed JSON body (`undefined` when empty),
   * served from the ETag cache on a 304.
   *
   * @example
   * ```ts
   * const open = await client.get("/issues", { query: { state: "open" } });
   * ```
   */
  get<P extends Typed<Paths, PathsWithMethod<Paths, "get">>>(
    path: P,
    ...options: OptionsArgs<Operation<Paths, P, "get">>
  ): Promise<SuccessBody<Operation<Paths, P, "get">>>;
  get<T = any>(path: Untyped<Paths, string>, options?: RequestOptions): Promise<T>;
  /**
   * POST a JSON body; resolves the created resource. Retried after a 429,
   * and after a 5xx, network error or timeout only with an `Idempotency-Key`.
   *
   * @example
   * ```ts
   * const created = await client.post("/issues", { title: "Crash on save" });
   * ```
   */
  post<P extends Typed<Paths, PathsWithMethod<Paths, "post">>>(
    path: P,
    body: RequestBodyOf<Operation<Paths, P, "post">>,
    ...options: OptionsArgs<Operation<Paths, P, "post">>
  ): Promise<SuccessBody<Operation<Paths, P, "post">>>;
  post<T = any>(path: Untyped<Paths, string>, body?: unknown, options?: RequestOptions): Promise<T>;
  /**
   * PUT a JSON body.
   *
   * @example
   * ```ts
   * await client.put("/issues/7", { title: "Crash on save", state: "open" });
   * ```
   */
  put<P extends Typed<Paths, PathsWithMethod<Paths, "put">>>(
    path: P,
    body: RequestBodyOf<Operation<Paths, P, "put">>,
    ...options: OptionsArgs<Operation<Paths, P, "put">>
  ): Promise<SuccessBody<Operation<Paths, P, "put">>>;
  put<T = any>(path: Untyped<Paths, string>, body?: unknown, options?: RequestOptions): Promise<T>;
  /**
   * PATCH a JSON body.
   *
   * @example
   * ```ts
   * await client.patch("/issues/7", { state: "closed" });
   * ```
   */
  patch<P extends Typed<Paths, PathsWithMethod<Paths, "patch">>>(
    path: P,
    body: RequestBodyOf<Operation<Paths, P, "patch">>,
    ...options: OptionsArgs<Operation<Paths, P, "patch">>
  ): Promise<SuccessBody<Operation<Paths, P, "patch">>>;
  patch<T = any>(path: Untyped<Paths, string>, body?: unknown, options?: RequestOptions): Promise<T>;
  /**
   * DELETE `path`; resolves `undefined` for a 204.
   *
   * @example
   * ```ts
   * await client.delete("/issues/7");
   * ```
   */
  delete<P extends Typed<Paths, PathsWithMethod<Paths, "delete">>>(
    path: P,
    ...options: OptionsArgs<Operation<Paths, P, "delete">>
  ): Promise<SuccessBody<Operation<Paths, P, "delete">>>;
  delete<T = undefined>(path: Untyped<Paths, string>, options?: RequestOptions): Promise<T>;
  /**
   * Any request, resolving the status, headers and cache facts beside the body.
   *
   * @example
   * ```ts
   * const { status, data, etag, fromCache, attempts } = await client.request({ method: "GET", path: "/issues/7" });
   * ```
   */
  request<
    P extends Typed<Paths, PathsWithMethod<Paths, Lowercase<M>>>,
    M extends Uppercase<OperationMethod> = "GET",
  >(
    options: TypedRequestInit<Paths, M, P>,
  ): Promise<RequestResult<SuccessBody<Operation<Paths, P, Lowercase<M>>>>>;
  request<T = any>(options: Untyped<Paths, RequestInitOptions>): Promise<RequestResult<T>>;
  /**
   * Replaces the token (`null` removes it); the cache switches to the new
   * identity's entries.
   *
   * @throws {TypeError} for a bad token; the previous token is kept.
   *
   * @example
   * ```ts
   * client.setToken("pjk_live_…");
   * ```
   */
  setToken(token: string | null): void;
  /**
   * Replaces the org id. `null` clears; `''` and non-UUIDs throw a TypeError.
   *
   * @example
   * ```ts
   * client.setOrgId("6f1c1c3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f");
   * ```
   */
  setOrgId(orgId: string | null): void;
  /**
   * Empties the ETag cache.
   *
   * @example
   * ```ts
   * client.clearCache();
   * ```
   */
  clearCache(): void;
  /**
   * What the ETag cache holds now.
   *
   * @example
   * ```ts
   * const { entries, bytes } = client.cacheStats();
   * ```
   */
  cacheStats(): CacheStats;
  /**
   * Follows `meta.next_cursor`, `meta.next`, page numbers or `Link: rel="next"`; at most `maxPages` (1000) pages.
   * Pages are fetched on demand (`break` sends no further request), and a
   * next page already seen ends the walk.
   *
   * @example
   * ```ts
   * for await (const issue of client.paginate("/issues", { query: { state: "open" } })) {
   *   if (issue.id === 7) break;
   * }
   * ```
   */
  paginate<P extends Typed<Paths, PathsWithMethod<Paths, "get">>>(
    path: P,
    ...options: PaginateArgs<Operation<Paths, P, "get">>
  ): Paginated<ItemOf<SuccessBody<Operation<Paths, P, "get">>>>;
  paginate<T = any>(path: Untyped<Paths, string>, options?: PaginateOptions): Paginated<T>;
  /**
   * Read (with ETag) → `change` → write with `If-Match`; on 409/412 re-read and reapply, up to `attempts` (3).
   * A `change` that throws rejects the update with that exception, nothing written.
   *
   * @example
   * ```ts
   * await client.update("/issues/7", (issue) => ({ ...issue, labels: [...issue.labels, "ui"] }));
   * ```
   */
  update<P extends Typed<Paths, PathsWithMethod<Paths, "get"> & PathsWithMethod<Paths, "put" | "patch">>>(
    path: P,
    change: (
      current: SuccessBody<Operation<Paths, P, "get">>,
    ) => RequestBodyOf<Operation<Paths, P, "put" | "patch">> | Promise<RequestBodyOf<Operation<Paths, P, "put" | "patch">>>,
    ...options: UpdateArgs<Operation<Paths, P, "get">>
  ): Promise<SuccessBody<Operation<Paths, P, "put" | "patch">>>;
  update<T = any>(path: Untyped<Paths, string>, change: (current: T) => T | Promise<T>, options?: UpdateOptions): Promise<T>;
  /**
   * Releases the wasm memory behind this client (its cache included) now; later calls throw a TypeError.
   *
   * @example
   * ```ts
   * client.free(); // e.g. when a single-page app signs out
   * ```
   */
  free(): void;
}

/** The `kind` of every error class: narrow on it with `switch (e.kind)`. */
export type ErrorKind =
  | "bad_request" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed"
  | "conflict" | "validation" | "rate_limited" | "server" | "unavailable" | "http"
  | "network" | "timeout" | "aborted" | "decode";

/**
 * The facts an error is made with (for tests and wrappers that build one).
 *
 * @example
 * ```ts
 * const e = new NotFoundError("issue not found", { status: 404, method: "GET", url: "https://api.example.com/v1/issues/7" });
 * ```
 */
export interface ProjektErrorOptions {
  /**
   * HTTP status; 0 where no response came.
   *
   * @example
   * ```ts
   * new ServerError("down", { status: 500 });
   * ```
   */
  status?: number | undefined;
  /**
   * The request's method. Default "GET".
   *
   * @example
   * ```ts
   * new ConflictError("version mismatch", { status: 409, method: "PUT" });
   * ```
   */
  method?: string | undefined;
  /**
   * The request's URL.
   *
   * @example
   * ```ts
   * new NotFoundError("not found", { status: 404, url: "https://api.example.com/v1/issues/7" });
   * ```
   */
  url?: string | undefined;
  /**
   * Attempts made. Default 1.
   *
   * @example
   * ```ts
   * new UnavailableError("try later", { status: 503, attempts: 4 });
   * ```
   */
  attempts?: number | undefined;
  /**
   * The underlying error, as `Error.cause`.
   *
   * @example
   * ```ts
   * new NetworkError("offline", { cause: new TypeError("Failed to fetch") });
   * ```
   */
  cause?: unknown | undefined;
}

/**
 * Base class of every rejection from this package.
 *
 * @example
 * ```ts
 * try { await client.get("/issues/7"); } catch (e) {
 *   if (e instanceof ProjektError) console.warn(e.kind, e.status, e.message);
 * }
 * ```
 */
export class ProjektError extends Error {
  /**
   * Makes an error (the client makes its own; this is for tests and wrappers).
   *
   * @example
   * ```ts
   * new ProjektError("failed", { status: 0 });
   * ```
   */
  constructor(message?: string, options?: ProjektErrorOptions);
  /** The class name, e.g. "ValidationError" (checked by the guards). */
  readonly name: string;
  /** What went wrong, one of {@link ErrorKind}. */
  readonly kind: ErrorKind;
  /** HTTP status; 0 where no response came. */
  readonly status: number;
  /** The request's method. */
  readonly method: string;
  /** The request's URL, any `pjk_` token shown as `[redacted]`. */
  readonly url: string;
  /** Attempts made, the first included. */
  readonly attempts: number;
  /** Waits slept between attempts, in ms. */
  readonly delays?: number[];
  /** The parsed (redacted) error body, when it was JSON. */
  readonly data?: unknown;
  /** The response's headers (token values redacted), when a response came. */
  readonly headers?: Headers;
  /**
   * The enumerable facts with `name` and `message`, for logging.
   *
   * @example
   * ```ts
   * console.error(JSON.stringify(e)); // {"name":"NotFoundError","message":"…","kind":"not_found","status":404,…}
   * ```
   */
  toJSON(): Record<string, unknown>;
}
/**
 * A response with an HTTP error status; every status class extends it.
 * Thrown as itself for another 4xx or a 3xx other than 304 (a redirect
 * not followed: `status` 0).
 *
 * @example
 * ```ts
 * if (isHttpError(e)) console.warn(e.status);
 * ```
 */
export class HttpError extends ProjektError {
  /** The class name. */
  readonly name: "HttpError" | BadRequestError["name"] | UnauthorizedError["name"] | ForbiddenError["name"] | NotFoundError["name"] | MethodNotAllowedError["name"] | ConflictError["name"] | ValidationError["name"] | RateLimitError["name"] | ServerError["name"] | UnavailableError["name"];
  /** "http", or the status class's kind. */
  readonly kind: "http" | "bad_request" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "conflict" | "validation" | "rate_limited" | "server" | "unavailable";
}
/**
 * 400. Never retried.
 *
 * @example
 * ```ts
 * if (isBadRequestError(e)) showToast(e.message);
 * ```
 */
export class BadRequestError extends HttpError { /** The class name. */ readonly name: "BadRequestError"; /** The kind. */ readonly kind: "bad_request"; }
/**
 * 401. Drops this identity's cache entries; retried once only with a token
 * from {@link ClientOptions.onUnauthorized}.
 *
 * @example
 * ```ts
 * if (isUnauthorizedError(e)) location.assign("/login");
 * ```
 */
export class UnauthorizedError extends HttpError { /** The class name. */ readonly name: "UnauthorizedError"; /** The kind. */ readonly kind: "unauthorized"; }
/**
 * 403.
 *
 * @example
 * ```ts
 * if (isForbiddenError(e) && e.reason === "org_mismatch") pickAnotherOrg();
 * ```
 */
export class ForbiddenError extends HttpError {
  /** The class name. */ readonly name: "ForbiddenError"; /** The kind. */ readonly kind: "forbidden";
  /** Which documented 403 this is. */
  readonly reason: "org_mismatch" | "session_required" | null;
}
/**
 * 404.
 *
 * @example
 * ```ts
 * const issue = await client.get("/issues/7").catch((e) => (isNotFoundError(e) ? null : Promise.reject(e)));
 * ```
 */
export class NotFoundError extends HttpError { /** The class name. */ readonly name: "NotFoundError"; /** The kind. */ readonly kind: "not_found"; }
/**
 * 405.
 *
 * @example
 * ```ts
 * if (isMethodNotAllowedError(e)) console.warn(`allowed: ${e.allow.join(", ")}`);
 * ```
 */
export class MethodNotAllowedError extends HttpError {
  /** The class name. */ readonly name: "MethodNotAllowedError"; /** The kind. */ readonly kind: "method_not_allowed";
  /** Methods from the `Allow` header. */
  readonly allow: string[];
}
/**
 * 409 (and what {@link Client.update} rejects with after its last conflict).
 *
 * @example
 * ```ts
 * if (isConflictError(e)) await reloadAndRetry();
 * ```
 */
export class ConflictError extends HttpError { /** The class name. */ readonly name: "ConflictError"; /** The kind. */ readonly kind: "conflict"; }
/**
 * 422, with the server's field map.
 *
 * @example
 * ```ts
 * if (isValidationError(e)) {
 *   console.log(e.fieldErrors); // { title: ["must not be empty"] }
 *   if (e.has("title")) titleHint.textContent = e.first("title") ?? "";
 * }
 * ```
 */
export class ValidationError<Fields extends string = string> extends HttpError {
  /** The class name. */ readonly name: "ValidationError"; /** The kind. */ readonly kind: "validation";
  /** Field → messages, keyed by the server's field names. */
  readonly fieldErrors: string extends Fields ? Record<string, string[]> : Partial<Record<Fields, string[]>>;
  /**
   * The field's first message.
   *
   * @example
   * ```ts
   * e.first("title"); // "must not be empty"
   * ```
   */
  first(field: Fields): string | undefined;
  /**
   * Whether the field has a message.
   *
   * @example
   * ```ts
   * if (e.has("email")) emailInput.focus();
   * ```
   */
  has(field: Fields): boolean;
  /**
   * The fields with messages.
   *
   * @example
   * ```ts
   * for (const field of e.fields()) console.log(field, e.first(field));
   * ```
   */
  fields(): string[];
}
/**
 * 429 that was not retried (out of retries, or a wait over `maxDelayMs`).
 *
 * @example
 * ```ts
 * if (isRateLimitError(e) && e.retryAfterMs !== null) setTimeout(retry, e.retryAfterMs);
 * ```
 */
export class RateLimitError extends HttpError {
  /** The class name. */ readonly name: "RateLimitError"; /** The kind. */ readonly kind: "rate_limited";
  /** What the headers asked to wait; null when neither was usable. */
  readonly retryAfterMs: number | null;
}
/**
 * 500, 501, 505–599.
 *
 * @example
 * ```ts
 * if (isServerError(e)) report(e);
 * ```
 */
export class ServerError extends HttpError { /** The class name. */ readonly name: "ServerError"; /** The kind. */ readonly kind: "server"; }
/**
 * 502, 503, 504.
 *
 * @example
 * ```ts
 * if (isUnavailableError(e)) showBanner("The service is unavailable; try again shortly.");
 * ```
 */
export class UnavailableError extends HttpError { /** The class name. */ readonly name: "UnavailableError"; /** The kind. */ readonly kind: "unavailable"; }
/**
 * No response came (offline, DNS, CORS refused); the browser's error is `cause`.
 *
 * @example
 * ```ts
 * if (isNetworkError(e)) showBanner("You seem to be offline.");
 * ```
 */
export class NetworkError extends ProjektError { /** The class name. */ readonly name: "NetworkError"; /** The kind. */ readonly kind: "network"; /** Always 0. */ readonly status: 0; }
/**
 * An attempt outlived `timeoutMs` (or the call `totalTimeoutMs`).
 *
 * @example
 * ```ts
 * if (isTimeoutError(e)) showBanner("The server is slow to answer.");
 * ```
 */
export class TimeoutError extends ProjektError { /** The class name. */ readonly name: "TimeoutError"; /** The kind. */ readonly kind: "timeout"; /** Always 0. */ readonly status: 0; }
/**
 * The caller's signal aborted; its reason is `cause`.
 *
 * @example
 * ```ts
 * if (isAbortError(e)) return; // the user navigated away
 * ```
 */
export class AbortError extends ProjektError { /** The class name. */ readonly name: "AbortError"; /** The kind. */ readonly kind: "aborted"; /** Always 0. */ readonly status: 0; }
/**
 * A 2xx whose body is not JSON (or is over `maxBodyBytes`).
 *
 * @example
 * ```ts
 * if (isDecodeError(e)) console.error("the API answered with something that is not JSON", e.status);
 * ```
 */
export class DecodeError extends ProjektError { /** The class name. */ readonly name: "DecodeError"; /** The kind. */ readonly kind: "decode"; }

/** Every concrete error; narrows on `kind` (or `name`). */
export type AnyProjektError =
  | HttpError & { kind: "http" } | BadRequestError | UnauthorizedError | ForbiddenError | NotFoundError
  | MethodNotAllowedError | ConflictError | ValidationError | RateLimitError | ServerError
  | UnavailableError | NetworkError | TimeoutError | AbortError | DecodeError;

/**
 * Whether `e` is any error of this package; narrows to {@link AnyProjektError},
 * so `switch (e.kind)` narrows further. Works across realms and duplicate
 * copies of the package (it checks a brand, `name` and `kind`).
 *
 * @example
 * ```ts
 * try { await client.get("/issues/7"); } catch (e) {
 *   if (!isProjektError(e)) throw e;
 *   if (e.kind === "validation") console.log(e.fieldErrors);
 * }
 * ```
 */
export function isProjektError(e: unknown): e is AnyProjektError;
/**
 * Whether `e` is an error for an HTTP status (every status class).
 *
 * @example
 * ```ts
 * if (isHttpError(e)) console.warn(e.status, e.message);
 * ```
 */
export function isHttpError(e: unknown): e is HttpError;
/**
 * Whether `e` is a {@link BadRequestError} (400).
 *
 * @example
 * ```ts
 * if (isBadRequestError(e)) console.warn(e.message);
 * ```
 */
export function isBadRequestError(e: unknown): e is BadRequestError;
/**
 * Whether `e` is an {@link UnauthorizedError} (401).
 *
 * @example
 * ```ts
 * if (isUnauthorizedError(e)) location.assign("/login");
 * ```
 */
export function isUnauthorizedError(e: unknown): e is UnauthorizedError;
/**
 * Whether `e` is a {@link ForbiddenError} (403).
 *
 * @example
 * ```ts
 * if (isForbiddenError(e)) console.warn(e.reason);
 * ```
 */
export function isForbiddenError(e: unknown): e is ForbiddenError;
/**
 * Whether `e` is a {@link NotFoundError} (404).
 *
 * @example
 * ```ts
 * if (isNotFoundError(e)) return null;
 * ```
 */
export function isNotFoundError(e: unknown): e is NotFoundError;
/**
 * Whether `e` is a {@link MethodNotAllowedError} (405).
 *
 * @example
 * ```ts
 * if (isMethodNotAllowedError(e)) console.warn(e.allow);
 * ```
 */
export function isMethodNotAllowedError(e: unknown): e is MethodNotAllowedError;
/**
 * Whether `e` is a {@link ConflictError} (409).
 *
 * @example
 * ```ts
 * if (isConflictError(e)) await reload();
 * ```
 */
export function isConflictError(e: unknown): e is ConflictError;
/**
 * Whether `e` is a {@link ValidationError} (422).
 *
 * @example
 * ```ts
 * if (isValidationError(e)) bindErrors(form, e);
 * ```
 */
export function isValidationError<Fields extends string = string>(e: unknown): e is ValidationError<Fields>;
/**
 * Whether `e` is a {@link RateLimitError} (429).
 *
 * @example
 * ```ts
 * if (isRateLimitError(e)) console.warn(`wait ${e.retryAfterMs} ms`);
 * ```
 */
export function isRateLimitError(e: unknown): e is RateLimitError;
/**
 * Whether `e` is a {@link ServerError} (500, 501, 505–599).
 *
 * @example
 * ```ts
 * if (isServerError(e)) report(e);
 * ```
 */
export function isServerError(e: unknown): e is ServerError;
/**
 * Whether `e` is an {@link UnavailableError} (502, 503, 504).
 *
 * @example
 * ```ts
 * if (isUnavailableError(e)) showBanner("Try again shortly.");
 * ```
 */
export function isUnavailableError(e: unknown): e is UnavailableError;
/**
 * Whether `e` is a {@link NetworkError} (no response).
 *
 * @example
 * ```ts
 * if (isNetworkError(e)) showBanner("Offline?");
 * ```
 */
export function isNetworkError(e: unknown): e is NetworkError;
/**
 * Whether `e` is a {@link TimeoutError}. A `DOMException` named
 * "TimeoutError" is not one.
 *
 * @example
 * ```ts
 * if (isTimeoutError(e)) showBanner("The server is slow.");
 * ```
 */
export function isTimeoutError(e: unknown): e is TimeoutError;
/**
 * Whether `e` is this package's {@link AbortError}. A `DOMException` named
 * "AbortError" is not one.
 *
 * @example
 * ```ts
 * if (isAbortError(e)) return;
 * ```
 */
export function isAbortError(e: unknown): e is AbortError;
/**
 * Whether `e` is a {@link DecodeError} (a 2xx body that is not JSON).
 *
 * @example
 * ```ts
 * if (isDecodeError(e)) report(e);
 * ```
 */
export function isDecodeError(e: unknown): e is DecodeError;

/**
 * How {@link bindErrors} marks the form.
 *
 * @example
 * ```ts
 * bindErrors(form, e, { invalidClass: "is-invalid", focus: true, formatMessage: (messages) => messages.join(" ") });
 * ```
 */
export interface BindErrorsOptions {
  /**
   * Class added to invalid controls.
   *
   * @example
   * ```ts
   * bindErrors(form, e, { invalidClass: "is-invalid" }); // Bootstrap's class
   * ```
   */
  invalidClass?: string | undefined;
  /**
   * Focus the first invalid control (document order). Default true.
   *
   * @example
   * ```ts
   * bindErrors(form, e, { focus: false });
   * ```
   */
  focus?: boolean | undefined;
  /**
   * Turns a field's messages into the text shown (as text, never HTML).
   *
   * @example
   * ```ts
   * bindErrors(form, e, { formatMessage: (messages, field) => `${field}: ${messages.join("; ")}` });
   * ```
   */
  formatMessage?: (messages: string[], field: string) => string | undefined;
}

/**
 * Shows a ValidationError on a form; returns the keys that matched no control. Anything else is ignored (returns []).
 * Each matched control gets `setCustomValidity`, `aria-invalid="true"` and a
 * message element linked by `aria-describedby`; editing a control clears its
 * field. Server keys such as `items.0.name` match controls named
 * `items.0.name`, `items[0].name` or `items[0][name]`.
 *
 * @example
 * ```ts
 * try { await client.post("/issues", Object.fromEntries(new FormData(form))); }
 * catch (e) { const unmatched = bindErrors(form, e); if (!isValidationError(e)) throw e; }
 * ```
 */
export function bindErrors(form: HTMLFormElement, error: unknown, options?: BindErrorsOptions): string[];
/**
 * Undoes everything bindErrors did.
 *
 * @example
 * ```ts
 * await client.post("/issues", body);
 * clearErrors(form);
 * ```
 */
export function clearErrors(form: HTMLFormElement): void;
/**
 * `[field, firstMessage]` pairs of a ValidationError (e.g. for react-hook-form's setError); [] otherwise.
 *
 * @example
 * ```ts
 * fieldMessages(e).forEach(([name, message]) => setError(name, { type: "server", message })); // react-hook-form
 * errors.value = Object.fromEntries(fieldMessages(e)); // a Vue ref or a Svelte store
 * ```
 */
export function fieldMessages(error: unknown): Array<[string, string]>;
