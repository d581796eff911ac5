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
const hearers = new Set();
let channel;

function deliver(message, from) {
  if (typeof message !== "string") return; // the engine reads strings only
  for (const ref of hearers) {
    const h = ref.deref();
    if (h === undefined) {
      hearers.delete(ref);
    } else if (h !== from) {
      try {
        h.hear(message);
      } catch {
        // a client whose module instance is gone hears nothing
      }
    }
  }
}

/**
 * Joins the page's channel: `hear(message)` is called with each note from
 * other tabs and other clients of this page. Returns the membership, which
 * the client keeps (and passes to `__tabsTell`); `undefined` where there is
 * no `BroadcastChannel` or `WeakRef`.
 */
export function __tabsJoin(hear) {
  if (typeof BroadcastChannel !== "function" || typeof WeakRef !== "function") return undefined;
  if (channel === undefined) {
    try {
      channel = new BroadcastChannel(CHANNEL);
      channel.onmessage = (ev) => deliver(ev.data, undefined);
    } catch {
      channel = null; // an opaque origin (sandboxed frame): this page only
    }
  }
  const member = { hear };
  hearers.add(new WeakRef(member));
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
