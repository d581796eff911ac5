// What a good browser citizen needs from the page, for both executors (the
// npm `Client` in client.js and the Rust `Client`): the `crossTab` channel
// and the wait for the network. It decides nothing: the engine writes and
// judges the notes (src/tabs.rs) and says when to wait (src/engine/).
//
// One `BroadcastChannel` per page, shared by every client in it: a note a
// client tells goes to the other tabs over the channel and, by hand, to the
// other clients of this page (a channel never delivers to itself). Clients
// are held weakly: one that is dropped stops hearing and is forgotten.

const CHANNEL = "projekt-client"; // src/tabs.rs, CHANNEL
/** Notes kept for clients that join later: a hold outlives its note. */
const RECENT_MAX = 32;
const RECENT_MS = 3_600_000; // src/tabs.rs, MAX_HOLD_MS
const hearers = new Set();
const recent = [];
let channel;

function deliver(message, from) {
  if (typeof message !== "string" || message.length > 96) return; // the engine reads short strings only
  const at = Date.now();
  recent.push([message, at]);
  if (recent.length > RECENT_MAX) recent.shift();
  for (const ref of hearers) {
    const h = ref.deref();
    if (h === undefined) {
      hearers.delete(ref);
    } else if (h !== from) {
      try {
        h.hear(message, at);
      } catch {
        // a client whose module instance is gone hears nothing
      }
    }
  }
}

/**
 * Joins the page's channel: `hear(message, at)` is called with each note
 * from other tabs and other clients of this page, and when which it came
 * (`Date.now()`); first with the notes this page heard in the last hour, so
 * a client made during another's hold holds too. Returns the membership,
 * which the client keeps (and passes to `__tabsTell`); `undefined` where
 * there is no `BroadcastChannel` or `WeakRef`.
 */
export function __tabsJoin(hear) {
  if (typeof BroadcastChannel !== "function" || typeof WeakRef !== "function") return undefined;
  if (channel === undefined) {
    try {
      channel = new BroadcastChannel(CHANNEL);
      channel.onmessage = (ev) => deliver(ev.data, undefined);
      // Node (SSR, scripts) has BroadcastChannel too, and an open one keeps
      // the process alive: unref it there (browsers have no `unref`).
      if (typeof channel.unref === "function") channel.unref();
    } catch {
      channel = null; // an opaque origin (sandboxed frame): this page only
    }
  }
  const member = { hear };
  hearers.add(new WeakRef(member));
  const now = Date.now();
  for (const [message, at] of recent) {
    if (now - at < RECENT_MS) hear(message, at);
  }
  return member;
}

/** Tells `message` to the other tabs and to this page's other clients. */
export function __tabsTell(member, message) {
  deliver(message, member);
  if (channel) {
    try {
      channel.postMessage(message);
    } catch {
      // a closed channel: this page only
    }
  }
}

/** Whether the browser says it is offline (`navigator.onLine === false`). */
export function __isOffline() {
  return typeof navigator === "object" && navigator !== null && navigator.onLine === false;
}

/**
 * Resolves once the browser is back online (the `online` event, or at once
 * when it is), or after `ms` when given (the deadline's bound); rejects at
 * once (listener and timer removed) when `signal` aborts.
 */
export function __waitOnline(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    if (!__isOffline() || typeof addEventListener !== "function") return resolve();
    let timer;
    const done = () => {
      removeEventListener("online", done);
      if (signal) signal.removeEventListener("abort", onAbort);
      clearTimeout(timer);
      resolve();
    };
    const onAbort = () => {
      removeEventListener("online", done);
      clearTimeout(timer);
      reject(signal.reason);
    };
    addEventListener("online", done);
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
    if (typeof ms === "number" && Number.isFinite(ms)) timer = setTimeout(done, ms);
  });
}
