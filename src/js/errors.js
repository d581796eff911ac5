// The error classes JavaScript sees. Rust decides the kind and the fields;
// this file only gives them real `Error` objects (a real `stack`, `instanceof`
// and a brand that survives realms and duplicate copies of the package).

const BRAND = Symbol.for("projekt-client.error");

const KIND_OF = {
  ProjektError: null,
  HttpError: "http",
  BadRequestError: "bad_request",
  UnauthorizedError: "unauthorized",
  ForbiddenError: "forbidden",
  NotFoundError: "not_found",
  MethodNotAllowedError: "method_not_allowed",
  ConflictError: "conflict",
  ValidationError: "validation",
  RateLimitError: "rate_limited",
  ServerError: "server",
  UnavailableError: "unavailable",
  NetworkError: "network",
  TimeoutError: "timeout",
  AbortError: "aborted",
  DecodeError: "decode",
};

const HTTP_KINDS = new Set([
  "http", "bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed",
  "conflict", "validation", "rate_limited", "server", "unavailable",
]);

function hide(obj, key, value) {
  Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable: false });
}

/** Base class of every error the client rejects with. */
export class ProjektError extends Error {
  constructor(message, options) {
    const o = options || {};
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    hide(this, BRAND, true);
    this.kind = o.kind || KIND_OF[this.name] || "http";
    this.status = typeof o.status === "number" ? o.status : 0;
    this.method = o.method || "GET";
    this.url = o.url || "";
    this.attempts = typeof o.attempts === "number" ? o.attempts : 1;
    if (o.delays !== undefined) hide(this, "delays", o.delays);
    if (o.data !== undefined) hide(this, "data", o.data);
    if (o.headers !== undefined) hide(this, "headers", o.headers);
  }
  toJSON() {
    const out = { name: this.name, message: this.message };
    for (const key of Object.keys(this)) out[key] = this[key];
    return out;
  }
}

/** A response with an HTTP error status (every status class extends it). */
export class HttpError extends ProjektError {}
export class BadRequestError extends HttpError {}
export class UnauthorizedError extends HttpError {}
export class ForbiddenError extends HttpError {
  constructor(message, options) {
    super(message, options);
    this.reason = (options && options.reason) || null;
  }
}
export class NotFoundError extends HttpError {}
export class MethodNotAllowedError extends HttpError {
  constructor(message, options) {
    super(message, options);
    this.allow = (options && options.allow) || [];
  }
}
export class ConflictError extends HttpError {}
export class ValidationError extends HttpError {
  constructor(message, options) {
    super(message, options);
    this.fieldErrors = (options && options.fieldErrors) || {};
  }
  /** The first message for a field, or `undefined`. */
  first(field) {
    const list = Object.prototype.hasOwnProperty.call(this.fieldErrors, field) ? this.fieldErrors[field] : undefined;
    return Array.isArray(list) ? list[0] : undefined;
  }
  /** Whether the server reported the field. */
  has(field) {
    return Object.prototype.hasOwnProperty.call(this.fieldErrors, field);
  }
  /** The reported field names, in the server's order. */
  fields() {
    return Object.keys(this.fieldErrors);
  }
}
export class RateLimitError extends HttpError {
  constructor(message, options) {
    super(message, options);
    const ms = options && options.retryAfterMs;
    this.retryAfterMs = typeof ms === "number" ? ms : null;
  }
}
export class ServerError extends HttpError {}
export class UnavailableError extends HttpError {}
export class NetworkError extends ProjektError {}
export class TimeoutError extends ProjektError {}
export class AbortError extends ProjektError {}
export class DecodeError extends ProjektError {}

const CLASSES = {
  ProjektError, HttpError, BadRequestError, UnauthorizedError, ForbiddenError, NotFoundError,
  MethodNotAllowedError, ConflictError, ValidationError, RateLimitError, ServerError,
  UnavailableError, NetworkError, TimeoutError, AbortError, DecodeError,
};
const CLASS_OF_KIND = {};
for (const [name, cls] of Object.entries(CLASSES)) {
  // A literal `name` on each prototype: minifiers cannot rename it and the
  // stack header reads "ValidationError: ...".
  hide(cls.prototype, "name", name);
  if (KIND_OF[name]) CLASS_OF_KIND[KIND_OF[name]] = cls;
}

/** Whether `e` is any error from this package, in any realm or copy. */
export function isProjektError(e) {
  return (
    e !== null && (typeof e === "object" || typeof e === "function") &&
    e[BRAND] === true && typeof e.name === "string" && KIND_OF[e.name] === e.kind
  );
}
const guard = (name) => (e) => isProjektError(e) && e.name === name;
/** True for every error that carries an HTTP status. */
export function isHttpError(e) {
  return isProjektError(e) && HTTP_KINDS.has(e.kind);
}
export const isBadRequestError = guard("BadRequestError");
export const isUnauthorizedError = guard("UnauthorizedError");
export const isForbiddenError = guard("ForbiddenError");
export const isNotFoundError = guard("NotFoundError");
export const isMethodNotAllowedError = guard("MethodNotAllowedError");
export const isConflictError = guard("ConflictError");
export const isValidationError = guard("ValidationError");
export const isRateLimitError = guard("RateLimitError");
export const isServerError = guard("ServerError");
export const isUnavailableError = guard("UnavailableError");
export const isNetworkError = guard("NetworkError");
export const isTimeoutError = guard("TimeoutError");
export const isAbortError = guard("AbortError");
export const isDecodeError = guard("DecodeError");

// ---- used by the Rust side (not part of the public surface) ----

/** Builds the error for `kind`; `extra` holds the class-specific fields. */
export function __makeError(kind, status, message, method, url, attempts, extra) {
  const cls = CLASS_OF_KIND[kind] || HttpError;
  const o = extra || {};
  o.kind = kind;
  o.status = status;
  o.method = method;
  o.url = url;
  o.attempts = attempts;
  return new cls(message, o);
}

/** Resolves after `ms` on the event loop; rejects at once (timer cleared) when `signal` aborts. */
export function __sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    let onAbort;
    const id = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal) {
      onAbort = () => {
        clearTimeout(id);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
}
