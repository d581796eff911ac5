// What a good browser citizen needs from the page, for both executors (the
// npm `Client` in client.js and the Rust `Client`): the `crossTab` channel
// and the wait for the network. It decides nothing: the engine writes and
// judges the notes (src/tabs.rs), says which to keep, and says when to wait
// (src/engine/).
//
// One `BroadcastChannel` per page, shared by every client in it: a note a
// client tells goes to the other tabs over the channel and, by hand, to the
// other clients of this page (a channel never delivers to itself). Clients
// are held weakly: one that is dropped stops hearing and is forgotten. The
// notes the engine asks to keep (a hold) are kept for an hour in the
// origin's localStorage, which every tab reads at once (in memory where there
// is none): a client made later, in this tab or a tab opened later, hears
// them first.

const CHANNEL = "projekt-client"; // src/tabs.rs, CHANNEL
/** Notes kept for clients that join later: a hold outlives its note. */
const KEPT = "projekt-client:notes";
const KEPT_MAX = 32;
const KEPT_MS = 3_600_000; // src/tabs.rs, MAX_HOLD_MS
const hearers = new Set();
let memory = [];
let channel;

/** The origin's localStorage, `undefined` where there is none (workers, Node, an opaque origin). */
function storage() {
  try {
    return typeof window === "object" && window !== null ? window.localStorage || undefined : undefined;
  } catch {
    return undefined; // a sandboxed frame: reading it throws
  }
}

/** The kept notes of the last hour, as `[message, at]`, oldest first. */
function kept(now) {
  let list = memory;
  const s = storage();
  if (s) {
    try {
      const v = JSON.parse(s.getItem(KEPT));
      if (Array.isArray(v)) list = v;
    } catch {
      // unreadable: the page's own
    }
  }
  // (Not one from the future: it would hold past its time.)
  return list.filter((n) => Array.isArray(n) && typeof n[0] == "string" && now - n[1] >= 0 && now - n[1] < KEPT_MS);
}

function keep(message, at) {
  const list = kept(at).slice(1 - KEPT_MAX);
  list.push([message, at]);
  memory = list;
  try {
    storage()?.setItem(KEPT, JSON.stringify(list));
  } catch {
    // full or refused: kept in this page only
  }
}

function deliver(message, from) {
  if (typeof message !== "string" || message.length > 96) return; // the engine reads short strings only
  const at = Date.now();
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
 * from other tabs and other clients of this page, and when it came
 * (`Date.now()`); first with the notes kept in the last hour, so a client
 * made during another's hold (in any tab of the origin) holds too. Returns the membership,
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
  for (const [message, at] of kept(Date.now())) hear(message, at);
  return member;
}

/**
 * Tells `message` to the other tabs and to this page's other clients; with
 * `keepIt`, keeps it for the clients made in the next hour too.
 */
export function __tabsTell(member, message, keepIt) {
  if (keepIt) keep(message, Date.now());
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
