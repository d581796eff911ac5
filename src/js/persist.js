// The persisted cache (`cache: { persist: true }`): entries the engine
// stored, also kept in IndexedDB so that a reload revalidates them instead
// of fetching them whole. Both executors load this module only when asked
// to persist (client.js by a dynamic import, so a bundle that never
// persists need not carry it).
//
// It decides nothing but how to keep the store within the bounds the engine
// gives with each entry: per scope (API and identity, src/tabs.rs), the
// least recently stored entries go first. A database that cannot be opened,
// read or written (private mode, a full quota, an upgrade blocked by an old
// tab) is treated as empty: the memory cache goes on alone and no error
// reaches the caller.
//
// Records: { id: scope + " " + key, s: scope, b: the API's digest, k: key,
// p: the path's digest, e: ETag, t: body text, h: headers as pairs,
// n: size, at: when stored }. No URL and no token is written.

const DB = "projekt-client";
const STORE = "entries";
/** A lookup that takes longer than this is a miss (the request goes on). */
const LOAD_MS = 1000;

let opening;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The database, or `null` when it cannot be had. */
function open() {
  if (opening === undefined) {
    opening = new Promise((resolve) => {
      let req;
      try {
        req = indexedDB.open(DB, 1);
      } catch {
        return resolve(null);
      }
      req.onupgradeneeded = () => {
        const store = req.result.createObjectStore(STORE, { keyPath: "id" });
        for (const index of ["s", "b", "p"]) store.createIndex(index, index);
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading: let it, and open again next time.
        db.onversionchange = () => {
          db.close();
          opening = undefined;
        };
        resolve(db);
      };
      req.onerror = () => resolve(null);
      req.onblocked = () => resolve(null);
    });
  }
  return opening;
}

async function tx(mode, work) {
  const db = await open();
  if (!db) return undefined;
  const t = db.transaction(STORE, mode);
  const done = new Promise((resolve, reject) => {
    t.oncomplete = resolve;
    t.onerror = t.onabort = () => reject(t.error);
  });
  const out = await work(t.objectStore(STORE));
  await done;
  return out;
}

/** Deletes every record `index` maps to one of `values`. */
async function deleteWhere(store, index, values) {
  for (const v of values) {
    const keys = await request(store.index(index).getAllKeys(v));
    for (const k of keys) store.delete(k);
  }
}

/**
 * Entry `key` of `scope`: `{ etag, text, headers, size }`, or `undefined`
 * (absent, unreadable, or not found within a second).
 */
export async function __persistLoad(scope, key) {
  try {
    const found = tx("readonly", (store) => request(store.get(scope + " " + key)));
    const r = await Promise.race([found, new Promise((resolve) => setTimeout(resolve, LOAD_MS))]);
    if (!r || r.s !== scope || typeof r.t !== "string" || typeof r.e !== "string") return undefined;
    return { etag: r.e, text: r.t, headers: new Headers(r.h), size: r.n };
  } catch {
    return undefined;
  }
}

/**
 * Keeps an entry, then evicts the scope's least recently stored entries
 * until it holds at most `maxEntries` and `maxBytes`.
 */
export async function __persistPut(scope, base, key, path, etag, text, headers, size, maxEntries, maxBytes) {
  try {
    await tx("readwrite", async (store) => {
      const h = [];
      headers.forEach((value, name) => h.push([name, value]));
      store.put({ id: scope + " " + key, s: scope, b: base, k: key, p: path, e: etag, t: text, h, n: size, at: Date.now() });
      const all = await request(store.index("s").getAll(scope));
      all.sort((x, y) => y.at - x.at); // newest first
      let entries = 0;
      let bytes = 0;
      for (const r of all) {
        entries++;
        bytes += r.n;
        if (entries > maxEntries || bytes > maxBytes) store.delete(r.id);
      }
    });
  } catch {
    // not persisted: the memory cache still has it
  }
}

/**
 * Drops persisted entries: `kind` 0 entry `b` of scope `a`, 1 every entry
 * of scope `a`, 2 every entry of the API `a`, 3 the entries of paths `a`
 * and `b` in every scope.
 */
export async function __persistForget(kind, a, b) {
  try {
    await tx("readwrite", async (store) => {
      if (kind === 0) store.delete(a + " " + b);
      else if (kind === 1) await deleteWhere(store, "s", [a]);
      else if (kind === 2) await deleteWhere(store, "b", [a]);
      else await deleteWhere(store, "p", b === undefined ? [a] : [a, b]);
    });
  } catch {
    // nothing persisted to drop, or nowhere to drop it from
  }
}
