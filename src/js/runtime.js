// projekt-client's JavaScript side, one module (an unbundled page fetches one
// file): the error classes and guards, then the helpers the Rust layer and
// src/js/client.js call (error construction, sleep, 304 header merge), then
// the form DOM work.
//
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

// The brand lives on the prototype: every instance has it, none pays a
// property definition for it.
hide(ProjektError.prototype, BRAND, true);

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

// ---- used by the Rust side and client.js (not part of the public surface) ----

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

/**
 * A body's text, read chunk by chunk and stopped (the stream cancelled) once
 * more than `max` bytes came, whatever the encoding (a gzip bomb counts as
 * what it inflates to) and however long the body runs: `undefined` then,
 * and at once, unread, when its `Content-Length` already says more. Both
 * faces read error bodies (and bodies under `maxBodyBytes`) with it.
 */
export async function __readCapped(res, max) {
  const body = res.body;
  if (!body) return "";
  const length = res.headers.get("content-length");
  if (/^\s*\+?\d+\s*$/.test(length) && +length > max) {
    __cancelBody(res);
    return undefined;
  }
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    total += value.byteLength;
    if (total > max) {
      reader.cancel().catch(() => {});
      return undefined;
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * Cancels a response's body (what is left of it is not downloaded): a body
 * already read, locked or errored needs nothing, and no rejection escapes.
 * Both faces release unread bodies with it.
 */
export function __cancelBody(res) {
  try {
    const body = res.body;
    if (body && !body.locked) body.cancel().catch(() => {});
  } catch {
    // nothing to cancel
  }
}

/**
 * `headers` with any token in a value shown as `[redacted]` (by `shown`, the
 * engine's rule; only values that could hold one are passed to it): what an
 * error exposes as `headers`.
 */
export function __redactedHeaders(headers, shown) {
  const out = new Headers();
  headers.forEach((value, name) => out.append(name, /pjk|%/i.test(value) ? shown(value) : value));
  return out;
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

// ---- 304 header merge (cache) ----

// A 304 updates the stored response's headers rather than replacing them
// (RFC 9111 §4.3.4): the cached headers, overlaid with the 304's own.
export function __mergeHeaders(stored, fresh) {
  const merged = new Headers(stored);
  if (fresh) fresh.forEach((value, name) => merged.set(name, value));
  return merged;
}

/**
 * What a list page's body says, read once for both faces' `paginate` (the
 * engine decides the next page from it, src/pagination.rs):
 * `[items, meta, nextCursor, next, page, lastPage]`. `items` is the body
 * when it is an array, else its `data` array, else `[]`; `page` is
 * `meta.current_page` or `meta.page`, `lastPage` `meta.last_page` or
 * `meta.total_pages`; a value of another type is `undefined`.
 */
export function __pageOf(body) {
  const inner = present(get(body, "data"));
  const items = Array.isArray(body) ? body : Array.isArray(inner) ? inner : [];
  const meta = present(get(body, "meta"));
  const text = (k) => str(get(meta, k)) ?? undefined;
  const num = (...keys) => keys.map((k) => get(meta, k)).find((v) => typeof v == "number");
  return [items, meta, text("next_cursor"), text("next"), num("current_page", "page"), num("last_page", "total_pages")];
}

// ---- form binding: bindErrors, clearErrors, fieldMessages ----

// The DOM layer of bindErrors, clearErrors and fieldMessages; what they do is
// documented in src/web/forms.rs. Rust (src/fields.rs) decides which server
// key names which control, through `rules(op, keys, names)` (indexes):
//   0: per key, the first key naming the same field, or -1 (refused key);
//   1: per key, the indexes of the names showing its field, then -1;
//   2: the keys that editing the control named names[0] clears.
// DOM calls go through the prototypes, looked up when called (a control named
// `elements` cannot shadow them, other realms work, the module loads without
// a DOM), and may fail: a failure skips that step.

const CREATED = "data-projekt-created";
const ERROR_FOR = "data-error-for";
const EVENTS = ["input", "change"];
const MAX_CONTROLS = 5e4;
const NONE = Symbol();
// Rust's `str::trim` and `split_ascii_whitespace`.
const WS = "[\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+";
const TRIM = RegExp(`^${WS}|${WS}$`, "g");
const SPACES = /[\t\n\f\r ]+/;

// Each form with marks on it → { listener, targets, marks, summary, rules }.
// A Map, not a WeakMap: bindErrors clears the forms that left the document.
const bindings = new Map();
let nextId = 1;

const isObj = (v) => v !== null && (typeof v == "object" || typeof v == "function");
const str = (v) => (typeof v == "string" ? v : null);
const present = (v) => (v !== NONE && v != null ? v : undefined);

function get(obj, key) {
  try {
    return isObj(obj) ? Reflect.get(obj, key) : NONE;
  } catch {
    return NONE;
  }
}

function callMethod(obj, name, arg) {
  const f = get(obj, name);
  try {
    return typeof f == "function" ? f.call(obj, arg) : NONE;
  } catch {
    return NONE;
  }
}

// At most `max` items of an array-like.
function items(list, max) {
  const n = get(list, "length");
  const out = [];
  for (let i = 0, len = typeof n == "number" && n > 0 && n < 1 / 0 ? Math.floor(Math.min(n, max)) : 0; i < len; i++) {
    const v = get(list, i);
    if (v !== NONE) out.push(v);
  }
  return out;
}

function call(type, name, self, ...args) {
  try {
    return globalThis[type].prototype[name].call(self, ...args);
  } catch {
    return NONE;
  }
}

function read(type, name, self) {
  try {
    for (let p = globalThis[type].prototype; ; p = Object.getPrototypeOf(p)) {
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d) return d.get.call(self);
    }
  } catch {
    return NONE;
  }
}

function setText(el, text) {
  try {
    Object.getOwnPropertyDescriptor(Node.prototype, "textContent").set.call(el, text);
  } catch {}
}

const attr = (el, name) => str(call("Element", "getAttribute", el, name));
const setAttr = (el, name, value) => call("Element", "setAttribute", el, name, value);
const removeAttr = (el, name) => call("Element", "removeAttribute", el, name);
const putAttr = (el, name, value) => (value === null ? removeAttr(el, name) : setAttr(el, name, value));
const attrNames = (el) => items(call("Element", "getAttributeNames", el), 1e4).filter((n) => typeof n == "string");
const localName = (el) => str(read("Element", "localName", el)) || "";
const queryAll = (root, selectors) => items(call("Element", "querySelectorAll", root, selectors), MAX_CONTROLS);
const closest = (el, selectors) => present(call("Element", "closest", el, selectors));
const contains = (outer, inner) => call("Node", "contains", outer, inner) === true;
const append = (parent, child) => call("Node", "appendChild", parent, child) !== NONE;
const create = (doc, name) => present(call("Document", "createElement", doc, name));

function insertAfter(anchor, node) {
  const parent = present(read("Node", "parentNode", anchor));
  const next = read("Node", "nextSibling", anchor);
  return parent !== undefined && call("Node", "insertBefore", parent, node, next === NONE ? null : next) !== NONE;
}

const setValidity = (el, message) => callMethod(el, "setCustomValidity", message);

function freshId(doc) {
  for (let i = 0; i < 1e3; i++) {
    const id = "projekt-error-" + nextId++;
    if (present(call("Document", "getElementById", doc, id)) === undefined) return id;
  }
  return "projekt-error-r" + Math.floor(Math.random() * 1e15);
}


function asForm(form) {
  if (form === null || typeof form != "object") return;
  try {
    if (form instanceof HTMLFormElement) return form;
  } catch {}
  // Another realm's form fails `instanceof`.
  if (read("Element", "localName", form) === "form" && read("Element", "namespaceURI", form) === "http://www.w3.org/1999/xhtml") return form;
}

// A ValidationError's [key, messages] list (non-empty string messages only),
// or undefined for anything else.
function fieldErrors(error) {
  if (!isObj(error) || get(error, Symbol.for("projekt-client.error")) !== true || get(error, "name") !== "ValidationError" || get(error, "kind") !== "validation") return;
  const map = get(error, "fieldErrors");
  if (!isObj(map)) return;
  let keys;
  try {
    keys = Object.keys(map);
  } catch {
    return;
  }
  const fields = [];
  for (const key of items(keys, 2e3)) {
    const value = typeof key == "string" ? get(map, key) : NONE;
    if (value === NONE) continue;
    let messages = [];
    if (typeof value == "string") messages = [value];
    else {
      let isArray = false;
      try {
        isArray = Array.isArray(value);
      } catch {}
      if (isArray) messages = items(value, 100);
    }
    messages = messages.filter((m) => typeof m == "string" && m);
    if (messages.length) fields.push([key, messages]);
  }
  return fields;
}


function setMark(el, name, value) {
  const original = attr(el, name);
  setAttr(el, name, value);
  return { name, original, value };
}

function undoSet(el, s) {
  // Something else changed it meanwhile: keep that.
  if (attr(el, s.name) === s.value) putAttr(el, s.name, s.original);
}

function describe(el, id) {
  const original = attr(el, "aria-describedby");
  if (original !== null && original.split(SPACES).includes(id)) return null;
  const ids = original === null ? "" : original.replace(TRIM, "");
  const value = ids ? ids + " " + id : id;
  setAttr(el, "aria-describedby", value);
  return { original, value, id };
}

function undoDescribe(el, d) {
  const current = attr(el, "aria-describedby");
  if (current === d.value) return putAttr(el, "aria-describedby", d.original);
  if (current === null) return;
  // Changed by someone else meanwhile: only take our id out.
  const all = current.split(SPACES).filter(Boolean);
  const rest = all.filter((i) => i !== d.id);
  if (!rest.length && d.original === null) removeAttr(el, "aria-describedby");
  else if (rest.length != all.length) setAttr(el, "aria-describedby", rest.join(" "));
}

function addClass(el, cls) {
  const list = get(el, "classList");
  if (list === NONE || callMethod(list, "contains", cls) !== false) return null;
  const original = attr(el, "class");
  if (callMethod(list, "add", cls) === NONE) return null;
  return { cls, original, value: attr(el, "class") };
}

function undoClass(el, c) {
  // `classList.remove` would re-serialise the attribute: put back the text.
  if (attr(el, "class") === c.value) return putAttr(el, "class", c.original);
  callMethod(get(el, "classList"), "remove", c.cls);
  if (c.original === null && attr(el, "class") === "") removeAttr(el, "class");
}

// A page element whose content is replaced (a reused [data-error-for]
// element, the summary): its very child nodes and attributes are put back.
function take(el) {
  return { el, children: items(read("Node", "childNodes", el), 1e5), attributes: attrNames(el).map((n) => [n, attr(el, n)]), touched: [] };
}

function fill(f, name, value) {
  f.touched.push(name);
  putAttr(f.el, name, value);
}

function original(f, name) {
  const a = f.attributes.find((a) => a[0] === name);
  return a ? a[1] : null;
}

function undoFilled(f) {
  const { el, attributes } = f;
  setText(el, "");
  for (const child of f.children) append(el, child);
  for (const name of f.touched) putAttr(el, name, original(f, name));
  // An attribute removed and set again comes back last: restore the order.
  const names = attributes.map((a) => a[0]);
  const now = attrNames(el).filter((n) => names.includes(n));
  if (now.length != names.length || now.some((n, i) => n !== names[i])) {
    for (const [name] of attributes) {
      const value = attr(el, name);
      if (value !== null) {
        removeAttr(el, name);
        setAttr(el, name, value);
      }
    }
  }
}

function undoMark(m) {
  for (const c of m.controls) {
    setValidity(c.el, "");
    if (c.cls) undoClass(c.el, c.cls);
    if (c.described) undoDescribe(c.el, c.described);
    undoSet(c.el, c.aria);
  }
  if (m.created) call("Element", "remove", m.created);
  if (m.reused) undoFilled(m.reused);
}

function takeListener(b) {
  const listening = [b.listener, b.targets];
  b.listener = null;
  b.targets = [];
  return listening;
}

function detach([listener, targets]) {
  if (listener) for (const t of targets) for (const kind of EVENTS) call("EventTarget", "removeEventListener", t, kind, listener);
}

function undo(b) {
  detach(takeListener(b));
  for (const m of b.marks) undoMark(m);
  if (b.summary) undoFilled(b.summary);
}

// Undoes everything done to `form`, including elements a lost state created.
function clearForm(form) {
  const b = bindings.get(form);
  if (b) {
    bindings.delete(form);
    undo(b);
  }
  for (const el of queryAll(form, `[${CREATED}]`)) call("Element", "remove", el);
}

function clearDetached() {
  const detached = [...bindings].filter(([form]) => read("Node", "isConnected", form) === false);
  for (const [form] of detached) bindings.delete(form);
  for (const [, b] of detached) undo(b);
}


function onEdit(form, event) {
  const target = present(read("Event", "target", event));
  if (target === undefined) return;
  // A text field's `change` is not an edit: its `input` already was.
  if (read("Event", "type", event) === "change" && !firesChange(target)) return;
  const edited = attr(target, "name");
  const b = bindings.get(form);
  if (edited === null || !b) return;
  const cleared = b.rules(2, b.marks.map((m) => m.key), [edited]);
  const marks = b.marks;
  b.marks = marks.filter((_, i) => !cleared.includes(i));
  let finished;
  // Nothing left to clear on edit: stop listening (the summary stays).
  if (!b.marks.length) {
    finished = takeListener(b);
    if (!b.summary) bindings.delete(form);
  }
  for (const i of cleared) undoMark(marks[i]);
  if (finished) detach(finished);
}

function firesChange(control) {
  const name = localName(control);
  return name === "select" || (name === "input" && /^(checkbox|radio|file)$/i.test(str(get(control, "type"))));
}


// The form's named controls in document order, hidden inputs left out.
function formControls(form) {
  const controls = [];
  for (const el of items(read("HTMLFormElement", "elements", form), MAX_CONTROLS)) {
    const type = localName(el) === "input" ? attr(el, "type") : null;
    if (type !== null && /^hidden$/i.test(type.replace(TRIM, ""))) continue;
    const name = attr(el, "name");
    if (name) controls.push({ el, name });
  }
  return controls;
}

// The element after which a control's message goes: the control, or the
// label that wraps it or directly follows it (`<label for>`).
function anchorOf(control) {
  const label = closest(control, "label");
  if (label !== undefined) return label;
  const next = present(read("Element", "nextElementSibling", control));
  const id = attr(control, "id");
  return next !== undefined && localName(next) === "label" && id !== null && attr(next, "for") === id ? next : control;
}

// Where a created message goes ("after this element"), or null. A group's
// goes after the legend of a fieldset holding exactly that group.
function messagePlace(form, els) {
  const first = els[0];
  const last = els[els.length - 1];
  if (els.length > 1) {
    const fieldset = closest(first, "fieldset");
    if (fieldset !== undefined && els.every((c) => contains(fieldset, c))) {
      const listed = get(fieldset, "elements");
      if (listed !== NONE && items(listed, MAX_CONTROLS).every((el) => !attr(el, "name") || els.some((c) => Object.is(c, el)))) {
        const legends = queryAll(fieldset, ":scope > legend");
        if (legends.length) return legends[0];
      }
    }
  }
  const anchor = anchorOf(last);
  return Object.is(anchor, form) ? null : anchor;
}

function markField(form, doc, key, els, text, cls, reuse) {
  let created, reused, id = null;
  if (reuse) {
    reused = take(reuse);
    setText(reuse, text);
    if (attr(reuse, "hidden") !== null) fill(reused, "hidden", null);
    id = attr(reuse, "id");
    if (!id) fill(reused, "id", (id = freshId(doc)));
  } else {
    const el = create(doc, "div");
    if (el !== undefined) {
      setAttr(el, CREATED, "");
      setAttr(el, ERROR_FOR, key);
      setAttr(el, "id", freshId(doc));
      try {
        Reflect.set(get(el, "style"), "whiteSpace", "pre-line");
      } catch {}
      setText(el, text);
      const anchor = messagePlace(form, els);
      if ((anchor !== null && insertAfter(anchor, el)) || append(form, el)) {
        created = el;
        id = attr(el, "id");
      }
    }
  }
  const controls = els.map((el) => {
    setValidity(el, text);
    return { el, aria: setMark(el, "aria-invalid", "true"), described: id === null ? null : describe(el, id), cls: cls && addClass(el, cls) };
  });
  return { key, controls, created, reused };
}

// Lists the unmatched fields' texts in the form's [data-error-summary].
function fillSummary(form, doc, lines) {
  if (!lines.length) return null;
  const summaries = queryAll(form, "[data-error-summary]");
  if (!summaries.length) return null;
  const summary = summaries[0];
  const filled = take(summary);
  const name = localName(summary);
  let list = summary;
  if (name === "ul" || name === "ol") setText(summary, "");
  else {
    list = create(doc, "ul");
    if (list === undefined) return null;
    setText(summary, "");
    append(summary, list);
  }
  for (const line of lines) {
    const item = create(doc, "li");
    if (item !== undefined) {
      setText(item, line);
      append(list, item);
    }
  }
  fill(filled, "role", "alert");
  if (original(filled, "hidden") !== null) fill(filled, "hidden", null);
  return filled;
}

function bind(unmatched, form, error, options, rules) {
  form = asForm(form);
  const map = form && fieldErrors(error);
  if (!map) return;
  let cls = str(get(options, "invalidClass"));
  if (!cls || /[\t\n\f\r ]/.test(cls)) cls = null;
  const focus = get(options, "focus") !== false;
  const format = get(options, "formatMessage");

  // One group per field: several notations of one key are merged.
  const leaders = rules(0, map.map((f) => f[0]), []);
  const groups = [];
  const starts = [];
  map.forEach(([key, messages], i) => {
    const group = leaders[i] >= 0 && leaders[i] < i ? starts[leaders[i]] : undefined;
    if (group) {
      group.keys.push(key);
      group.messages.push(...messages);
    } else groups.push((starts[i] = { keys: [key], messages, ok: leaders[i] >= 0 }));
  });
  // The formatter is page code: run it (once a field) before any state is touched.
  const texts = groups.map((g) => {
    let text;
    try {
      if (typeof format == "function") text = format.call(undefined, [...g.messages], g.keys[0]);
    } catch {}
    return typeof text == "string" && text ? text : null;
  });

  clearForm(form);
  clearDetached();
  const doc = present(read("Node", "ownerDocument", form));
  if (doc === undefined) return;
  const controls = formControls(form);
  const candidates = [];
  for (const el of queryAll(form, `[${ERROR_FOR}]`)) {
    const value = attr(el, CREATED) === null ? attr(el, ERROR_FOR) : null;
    if (value !== null) candidates.push([el, value]);
  }
  const n = controls.length;
  const matched = rules(1, groups.map((g) => g.keys[0]), [...controls.map((c) => c.name), ...candidates.map((c) => c[1])]);

  const marks = [];
  const first = [];
  const lines = [];
  let at = 0;
  groups.forEach((g, gi) => {
    const indexes = [];
    let reuse;
    // A [data-error-for] element in any notation of the field is reused.
    for (let i; (i = matched[at++]) >= 0; ) {
      if (i < n) indexes.push(i);
      else reuse ??= candidates[i - n][0];
    }
    if (!indexes.length || !g.ok) {
      unmatched.push(...g.keys);
      if (texts[gi] === null) lines.push(...g.messages);
      else lines.push(texts[gi]);
      return;
    }
    first.push(...indexes);
    const text = texts[gi] ?? g.messages.join("\n");
    marks.push(markField(form, doc, g.keys[0], indexes.map((i) => controls[i].el), text, cls, reuse));
  });
  const summary = fillSummary(form, doc, lines);

  if (marks.length || summary) {
    let listener = null;
    const targets = [];
    if (marks.length) {
      listener = (event) => onEdit(form, event);
      // Controls outside the form (`form="…"`): their events miss the form.
      targets.push(form);
      for (const m of marks) for (const { el } of m.controls) if (!contains(form, el) && !targets.some((t) => Object.is(t, el))) targets.push(el);
      for (const t of targets) for (const kind of EVENTS) call("EventTarget", "addEventListener", t, kind, listener);
    }
    bindings.set(form, { listener, targets, marks, summary, rules });
  }

  // Focus last: focusing runs page code. A control that refuses it (disabled,
  // hidden) is skipped.
  if (focus) {
    for (const i of [...new Set(first)].sort((a, b) => a - b)) {
      const { el } = controls[i];
      if (call("HTMLElement", "focus", el) === NONE) continue;
      const root = present(call("Node", "getRootNode", el));
      const active = root === undefined ? NONE : get(root, "activeElement");
      if (active === NONE || Object.is(active, el)) break;
    }
  }
}

export function __bindErrors(form, error, options, rules) {
  const unmatched = [];
  try {
    bind(unmatched, form, error, options, rules);
  } catch {}
  return unmatched;
}

export function __clearErrors(form) {
  try {
    form = asForm(form);
    if (form) clearForm(form);
  } catch {}
}

export function __fieldMessages(error, rules) {
  const pairs = [];
  try {
    const map = fieldErrors(error);
    const leaders = map ? rules(0, map.map((f) => f[0]), []) : [];
    leaders.forEach((leader, i) => leader >= 0 && pairs.push([map[i][0], map[i][1][0]]));
  } catch {}
  return pairs;
}
