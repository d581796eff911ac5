// Type declarations for projekt-client. Hand-written: the generated ones are
// too loose for options, results and the error classes.

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | (string & {});

export type QueryValue = string | number | boolean | bigint | Date | null | undefined;
export type Query = Record<string, QueryValue | readonly QueryValue[]> | URLSearchParams;

/** Why a retry is about to happen: the failed attempt's error kind. */
export type RetryReason = "rate_limited" | "server" | "unavailable" | "network" | "timeout";

export interface RetryInfo {
  /** The number of the attempt about to be made (2 for the first retry). */
  attempt: number;
  /** How long the client waits before that attempt, in ms. */
  delayMs: number;
  reason: RetryReason;
  /** The failed attempt's HTTP status; 0 for network errors and timeouts. */
  status: number;
  method: string;
  url: string;
}

export interface RetryOptions {
  /** Retries (not attempts): 3 allows up to 4 attempts. Default 3. */
  limit?: number | undefined;
  /** Backoff base for full jitter. Default 500. */
  baseDelayMs?: number | undefined;
  /** Cap on any wait; a longer 429 wait rejects at once. Default 30 000. */
  maxDelayMs?: number | undefined;
}

export interface CacheOptions {
  /** Default 500. */
  maxEntries?: number | undefined;
  /** Bound on the stored bodies' JSON size. Default 8 000 000. */
  maxBytes?: number | undefined;
}

export interface ClientOptions {
  /** Absolute http(s) URL of the API, e.g. "https://api.example.com/v1". */
  baseUrl: string;
  /** A Projekt token (`pjk_…`), sent as `Authorization: Bearer <token>`. */
  token?: string | null | undefined;
  /** An org UUID, sent as `X-Org-Id`. */
  orgId?: string | null | undefined;
  /** Per-attempt timeout. Default 10 000; 0 disables it. */
  timeoutMs?: number | undefined;
  /** Deadline for the whole call, retries and waits included. */
  totalTimeoutMs?: number | undefined;
  retry?: RetryOptions | false | undefined;
  cache?: CacheOptions | false | undefined;
  onRetry?: ((info: RetryInfo) => void) | undefined;
  /** Called on a 401; return (a promise of) a fresh token to retry once with it. */
  onUnauthorized?: (() => string | null | undefined | Promise<string | null | undefined>) | undefined;
  /** Allow a token over plain http:// to a host other than this machine. Default false. */
  allowInsecureToken?: boolean | undefined;
}

/** Per-request cache behaviour, after the Fetch `RequestCache` names. */
export type CacheMode = "default" | "no-cache" | "reload" | "no-store" | "force-cache";

export interface RequestOptions {
  query?: Query | undefined;
  headers?: HeadersInit | undefined;
  signal?: AbortSignal | undefined;
  cache?: CacheMode | undefined;
}

export interface RequestInitOptions extends RequestOptions {
  method?: HttpMethod | undefined;
  path: string;
  body?: unknown | undefined;
}

export interface RequestResult<T = any> {
  /** 2xx, or 304 when `data` is the cached copy. */
  status: number;
  data: T;
  headers: Headers;
  /** The entity tag exactly as received (quotes and W/ kept), or null. */
  etag: string | null;
  fromCache: boolean;
  attempts: number;
}

export interface PaginateOptions {
  query?: Query | undefined;
  signal?: AbortSignal | undefined;
  maxPages?: number | undefined;
}

export interface Page<T = any> {
  data: T[];
  meta: unknown;
  url: string;
}

/** Iterate items with `for await`, or whole pages with `.pages()`. Single use. */
export interface Paginated<T = any> extends AsyncIterable<T> {
  pages(): AsyncGenerator<Page<T>, void, undefined>;
}

export interface UpdateOptions {
  attempts?: number | undefined;
  method?: "PUT" | "PATCH" | undefined;
  signal?: AbortSignal | undefined;
}

export interface CacheStats {
  entries: number;
  bytes: number;
}

export class Client {
  /** @throws {TypeError} for a missing/relative baseUrl, a token without `pjk_` or with `Bearer `, a non-UUID orgId. */
  constructor(options: ClientOptions);
  readonly baseUrl: string;
  get<T = any>(path: string, options?: RequestOptions): Promise<T>;
  post<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  put<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  patch<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  delete<T = undefined>(path: string, options?: RequestOptions): Promise<T>;
  request<T = any>(options: RequestInitOptions): Promise<RequestResult<T>>;
  /** @throws {TypeError} for a bad token; the previous token is kept. */
  setToken(token: string | null): void;
  /** `null` clears; `''` and non-UUIDs throw a TypeError. */
  setOrgId(orgId: string | null): void;
  clearCache(): void;
  cacheStats(): CacheStats;
  /** Follows `meta.next_cursor`, `meta.next`, page numbers or `Link: rel="next"`; at most `maxPages` (1000) pages. */
  paginate<T = any>(path: string, options?: PaginateOptions): Paginated<T>;
  /** Read (with ETag) → `change` → write with `If-Match`; on 409/412 re-read and reapply, up to `attempts` (3). */
  update<T = any>(path: string, change: (current: T) => T | Promise<T>, options?: UpdateOptions): Promise<T>;
  /** Releases the wasm memory behind this client (its cache included) now; later calls throw a TypeError. */
  free(): void;
}

export type ErrorKind =
  | "bad_request" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed"
  | "conflict" | "validation" | "rate_limited" | "server" | "unavailable" | "http"
  | "network" | "timeout" | "aborted" | "decode";

export interface ProjektErrorOptions {
  status?: number | undefined;
  method?: string | undefined;
  url?: string | undefined;
  attempts?: number | undefined;
  cause?: unknown | undefined;
}

/** Base class of every rejection from this package. */
export class ProjektError extends Error {
  constructor(message?: string, options?: ProjektErrorOptions);
  readonly name: string;
  readonly kind: ErrorKind;
  /** HTTP status; 0 where no response came. */
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly attempts: number;
  /** Waits slept between attempts, in ms. */
  readonly delays?: number[];
  /** The parsed (redacted) error body, when it was JSON. */
  readonly data?: unknown;
  readonly headers?: Headers;
  toJSON(): Record<string, unknown>;
}
export class HttpError extends ProjektError {
  readonly name: "HttpError" | BadRequestError["name"] | UnauthorizedError["name"] | ForbiddenError["name"] | NotFoundError["name"] | MethodNotAllowedError["name"] | ConflictError["name"] | ValidationError["name"] | RateLimitError["name"] | ServerError["name"] | UnavailableError["name"];
  readonly kind: "http" | "bad_request" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "conflict" | "validation" | "rate_limited" | "server" | "unavailable";
}
export class BadRequestError extends HttpError { readonly name: "BadRequestError"; readonly kind: "bad_request"; }
export class UnauthorizedError extends HttpError { readonly name: "UnauthorizedError"; readonly kind: "unauthorized"; }
export class ForbiddenError extends HttpError {
  readonly name: "ForbiddenError"; readonly kind: "forbidden";
  /** Which documented 403 this is. */
  readonly reason: "org_mismatch" | "session_required" | null;
}
export class NotFoundError extends HttpError { readonly name: "NotFoundError"; readonly kind: "not_found"; }
export class MethodNotAllowedError extends HttpError {
  readonly name: "MethodNotAllowedError"; readonly kind: "method_not_allowed";
  /** Methods from the `Allow` header. */
  readonly allow: string[];
}
export class ConflictError extends HttpError { readonly name: "ConflictError"; readonly kind: "conflict"; }
export class ValidationError extends HttpError {
  readonly name: "ValidationError"; readonly kind: "validation";
  /** Field → messages, keyed by the server's field names. */
  readonly fieldErrors: Record<string, string[]>;
  first(field: string): string | undefined;
  has(field: string): boolean;
  fields(): string[];
}
export class RateLimitError extends HttpError {
  readonly name: "RateLimitError"; readonly kind: "rate_limited";
  /** What the headers asked to wait; null when neither was usable. */
  readonly retryAfterMs: number | null;
}
export class ServerError extends HttpError { readonly name: "ServerError"; readonly kind: "server"; }
export class UnavailableError extends HttpError { readonly name: "UnavailableError"; readonly kind: "unavailable"; }
export class NetworkError extends ProjektError { readonly name: "NetworkError"; readonly kind: "network"; readonly status: 0; }
export class TimeoutError extends ProjektError { readonly name: "TimeoutError"; readonly kind: "timeout"; readonly status: 0; }
export class AbortError extends ProjektError { readonly name: "AbortError"; readonly kind: "aborted"; readonly status: 0; }
export class DecodeError extends ProjektError { readonly name: "DecodeError"; readonly kind: "decode"; }

/** Every concrete error; narrows on `kind` (or `name`). */
export type AnyProjektError =
  | HttpError & { kind: "http" } | BadRequestError | UnauthorizedError | ForbiddenError | NotFoundError
  | MethodNotAllowedError | ConflictError | ValidationError | RateLimitError | ServerError
  | UnavailableError | NetworkError | TimeoutError | AbortError | DecodeError;

export function isProjektError(e: unknown): e is AnyProjektError;
export function isHttpError(e: unknown): e is HttpError;
export function isBadRequestError(e: unknown): e is BadRequestError;
export function isUnauthorizedError(e: unknown): e is UnauthorizedError;
export function isForbiddenError(e: unknown): e is ForbiddenError;
export function isNotFoundError(e: unknown): e is NotFoundError;
export function isMethodNotAllowedError(e: unknown): e is MethodNotAllowedError;
export function isConflictError(e: unknown): e is ConflictError;
export function isValidationError(e: unknown): e is ValidationError;
export function isRateLimitError(e: unknown): e is RateLimitError;
export function isServerError(e: unknown): e is ServerError;
export function isUnavailableError(e: unknown): e is UnavailableError;
export function isNetworkError(e: unknown): e is NetworkError;
export function isTimeoutError(e: unknown): e is TimeoutError;
export function isAbortError(e: unknown): e is AbortError;
export function isDecodeError(e: unknown): e is DecodeError;

export interface BindErrorsOptions {
  /** Class added to invalid controls. */
  invalidClass?: string | undefined;
  /** Focus the first invalid control (document order). Default true. */
  focus?: boolean | undefined;
  /** Turns a field's messages into the text shown. */
  formatMessage?: (messages: string[], field: string) => string | undefined;
}

/** Shows a ValidationError on a form; returns the keys that matched no control. Anything else is ignored (returns []). */
export function bindErrors(form: HTMLFormElement, error: unknown, options?: BindErrorsOptions): string[];
/** Undoes everything bindErrors did. */
export function clearErrors(form: HTMLFormElement): void;
/** `[field, firstMessage]` pairs of a ValidationError (e.g. for react-hook-form's setError); [] otherwise. */
export function fieldMessages(error: unknown): Array<[string, string]>;
