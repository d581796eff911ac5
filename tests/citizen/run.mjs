// A good browser citizen (crossTab, the persisted cache, offline-aware
// retries), tested with real pages: several tabs of one origin, reloads,
// IndexedDB refused by the browser itself, and the network switched off by
// the DevTools protocol (Network.emulateNetworkConditions, through
// Playwright's setOffline) — against the test server, which counts what
// reaches it. Headless Chromium (Debian's), driven by playwright-core.
//
//   scripts/build-package web dist/web && node tests/citizen/run.mjs
//
// The page (tests/citizen/page.html) and the API are served by one test
// server (`--static` the repo root), so the tabs share an origin.

import { existsSync } from "node:fs";
import { startTestServer } from "../support/server.mjs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TOKEN_B = "pjk_live_CITIZEN_B";
let server;
let browser;


let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n  ${String(e?.stack ?? e).split("\n").slice(0, 6).join("\n  ")}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
function eq(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let base;
let seq = 0;
/** A fresh server scope: its API base URL and its request log. */
function scope() {
  const api = `${base}/s/citizen-${process.pid}-${Date.now()}-${++seq}`;
  return {
    api,
    async log(method, p) {
      const all = await (await fetch(`${api}/__log`)).json();
      return all.filter((e) => e.method === method && e.path === p);
    },
  };
}
const conditional = (entry) => Object.keys(entry.headers).some((k) => k.toLowerCase() === "if-none-match");

async function open(context, api) {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.errors = errors;
  await page.goto(`${base}/tests/citizen/page.html?api=${encodeURIComponent(api)}`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

async function main() {
  const buildDir = path.join(ROOT, "dist/web/index.js");
  if (!existsSync(buildDir)) throw new Error("dist/web is missing: scripts/build-package web dist/web");
  server = await startTestServer(["--static", ROOT]);
  base = server.url;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage"],
  });

  await check("crossTab: a 429 seen in tab A holds tab B until the reset (a client made after the note too); B sends nothing before it", async () => {
    const s = scope();
    const context = await browser.newContext();
    const [a, b, c] = [await open(context, s.api), await open(context, s.api), await open(context, s.api)];
    // B's and C's apps have their clients (and so the channel) before A's
    // 429; B's call below goes through a client made after the note, which
    // hears it from the notes the page kept.
    await b.evaluate(() => {
      window.early = makeClient();
    });
    await c.evaluate((tok) => {
      window.other = makeClient({ token: tok });
    }, TOKEN_B);
    // A: one 429 asking for 2 s; its retry waits them out (and so does its gate).
    const aDone = a.evaluate(() => makeClient({ retry: { limit: 1 } }).get("/status/429?retry_after=2").catch((e) => e.name));
    await sleep(300); // the 429 is in, the note told
    const bDone = b.evaluate(async () => {
      const t = performance.now();
      await makeClient().get("/whoami");
      return performance.now() - t;
    });
    // Another identity (C, another token) is not held.
    const quick = await c.evaluate(async () => {
      const t = performance.now();
      await other.get("/whoami?as=other");
      return performance.now() - t;
    });
    assert(quick < 1000, `another identity waited ${Math.round(quick)} ms`);
    await sleep(500);
    eq((await s.log("GET", "/whoami")).length, 1, "requests the server got during the hold (C's only)");
    const waited = await bDone;
    assert(waited > 1200, `B resolved after ${Math.round(waited)} ms, inside A's 2 s window`);
    eq((await s.log("GET", "/whoami")).length, 2, "requests after the reset");
    eq(await aDone, "RateLimitError", "A's call, its one retry spent");
    eq([...a.errors, ...b.errors, ...c.errors], [], "page errors");
    await context.close();
  });

  await check("crossTab: a write in tab A drops tab B's entry; B's next GET is unconditional (and crossTab: false hears nothing)", async () => {
    const s = scope();
    const context = await browser.newContext();
    const [a, b] = [await open(context, s.api), await open(context, s.api)];
    await b.evaluate(async () => {
      window.c = makeClient();
      window.deaf = makeClient({ crossTab: false });
      await c.get("/items/1");
      await deaf.get("/items/1");
    });
    eq(await b.evaluate(() => [c.cacheStats().entries, deaf.cacheStats().entries]), [1, 1], "B's entries");
    await a.evaluate(() => makeClient().patch("/items/1", { title: "changed in A" }));
    await b.waitForFunction(() => c.cacheStats().entries === 0, null, { timeout: 5_000 });
    eq(await b.evaluate(() => deaf.cacheStats().entries), 1, "the crossTab: false client's entries");
    const got = await b.evaluate(async () => (await c.get("/items/1")).title);
    eq(got, "changed in A", "B reads the new title");
    const gets = await s.log("GET", "/items/1");
    eq(gets.map(conditional), [false, false, false], "If-None-Match on B's GETs (c, deaf, c after the write)");
    await context.close();
  });

  await check("crossTab: a tab opened during another tab's hold holds too (and so does a reloaded one); the server sees none of its requests until the reset", async () => {
    const s = scope();
    const context = await browser.newContext();
    const a = await open(context, s.api);
    // A: one 429 asking for 3 s; A's tab is closed during the wait.
    const heldFrom = Date.now();
    await a.evaluate(() => {
      window.pending = makeClient().get("/status/429?retry_after=3").catch(() => {});
    });
    await a.waitForFunction(() => window.retries.length === 1);
    await a.close();
    // B opens after the note was told, with no other tab of the API open.
    const b = await open(context, s.api);
    // (Its page is reloaded away below, before the hold ends.)
    const bDone = b.evaluate(() => makeClient().get("/whoami")).catch(() => "reloaded");
    await sleep(600);
    eq((await s.log("GET", "/whoami")).length, 0, "requests the server got from B during the hold");
    // B reloads: the new page's client holds for what is left.
    await b.reload();
    await b.waitForFunction(() => window.ready === true);
    const left = b.evaluate(async () => {
      const t = performance.now();
      await makeClient().get("/whoami?after=reload");
      return performance.now() - t;
    });
    const waited = await left;
    const since = Date.now() - heldFrom;
    assert(since > 2800, `B's reloaded client resolved ${since} ms after the hold began, inside its 3 s`);
    assert(waited > 500, `B's reloaded client waited only ${Math.round(waited)} ms`);
    eq((await s.log("GET", "/whoami")).length, 1, "requests after the reset (the reloaded page's)");
    eq(await bDone, "reloaded", "B's first call");
    // Another API (another scope) in a new tab is not held.
    const other = scope();
    const c = await open(context, other.api);
    const quick = await c.evaluate(async () => {
      const t = performance.now();
      await makeClient().get("/whoami");
      return performance.now() - t;
    });
    eq((await other.log("GET", "/whoami")).length, 1, "another API's request");
    assert(quick < 1000, `another API waited ${Math.round(quick)} ms`);
    await context.close();
  });

  await check("crossTab: two clients in one page share a 429's hold", async () => {
    const s = scope();
    const context = await browser.newContext();
    const a = await open(context, s.api);
    const waited = await a.evaluate(async () => {
      const one = makeClient();
      const two = makeClient();
      const first = one.get("/status/429?retry_after=1").catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
      const t = performance.now();
      await two.get("/whoami");
      await first;
      return performance.now() - t;
    });
    assert(waited > 600, `the second client waited ${Math.round(waited)} ms`);
    await context.close();
  });

  await check("persist: after a reload the first GET revalidates the IndexedDB entry; a 304 serves it (fromCache); another token sees nothing", async () => {
    const s = scope();
    const context = await browser.newContext();
    const page = await open(context, s.api);
    const first = await page.evaluate(async () => {
      const r = await makeClient({ cache: { persist: true } }).request({ path: "/items/1" });
      return [r.status, r.fromCache, r.etag];
    });
    eq(first.slice(0, 2), [200, false], "the first GET");
    await sleep(300); // the entry is written to IndexedDB in the background
    await page.reload();
    await page.waitForFunction(() => window.ready === true);
    const again = await page.evaluate(async () => {
      const r = await makeClient({ cache: { persist: true } }).request({ path: "/items/1" });
      return [r.status, r.fromCache, r.data.id];
    });
    eq(again, [304, true, 1], "after the reload: [status, fromCache, data.id]");
    const other = await page.evaluate(async (tok) => {
      const r = await makeClient({ token: tok, cache: { persist: true } }).request({ path: "/items/1" });
      return [r.status, r.fromCache];
    }, TOKEN_B);
    eq(other, [200, false], "another token");
    const gets = await s.log("GET", "/items/1");
    eq(gets.map(conditional), [false, true, false], "If-None-Match on the three GETs");
    // Without persist, a reload starts cold.
    await page.reload();
    await page.waitForFunction(() => window.ready === true);
    eq(await page.evaluate(async () => (await makeClient().request({ path: "/items/1" })).status), 200, "without persist");
    await context.close();
  });

  await check("persist: clearCache(), a 401 and a write drop persisted entries; force-cache serves one after a reload with no request", async () => {
    const s = scope();
    const context = await browser.newContext();
    const page = await open(context, s.api);
    const reload = async () => {
      await sleep(300);
      await page.reload();
      await page.waitForFunction(() => window.ready === true);
    };
    const get = (p, mode) =>
      page.evaluate(async ([p, mode]) => {
        const r = await makeClient({ cache: { persist: true } }).request({ path: p, cache: mode });
        return [r.status, r.fromCache];
      }, [p, mode]);
    eq(await get("/items/2"), [200, false], "stored");
    await reload();
    const n = (await s.log("GET", "/items/2")).length;
    eq(await get("/items/2", "force-cache"), [304, true], "force-cache after a reload");
    eq((await s.log("GET", "/items/2")).length, n, "requests for force-cache");
    // clearCache()
    await page.evaluate(() => makeClient({ cache: { persist: true } }).clearCache());
    await reload();
    eq(await get("/items/2"), [200, false], "after clearCache()");
    // a write
    await reload();
    await page.evaluate(() => makeClient({ cache: { persist: true } }).patch("/items/2", { title: "w" }));
    await reload();
    eq(await get("/items/2"), [200, false], "after a write");
    // a 401 for the identity
    await reload();
    await page.evaluate(() => makeClient({ cache: { persist: true } }).get("/status/401").catch(() => {}));
    await reload();
    eq(await get("/items/2"), [200, false], "after a 401");
    await context.close();
  });

  await check("persist: where the browser refuses IndexedDB (an opaque-origin frame), requests work from memory, no error reaches the caller", async () => {
    const s = scope();
    const context = await browser.newContext();
    const page = await open(context, s.api);
    const result = await page.evaluate(async (src) => {
      const got = new Promise((resolve) => addEventListener("message", (e) => resolve(e.data), { once: true }));
      const f = document.createElement("iframe");
      f.sandbox = "allow-scripts";
      f.src = src;
      document.body.append(f);
      return await got;
    }, `${base}/tests/citizen/frame.html?api=${encodeURIComponent(s.api)}`);
    eq(result, { ok: true, first: 200, second: 304, fromCache: true, idb: "SecurityError" }, "in the frame");
    await context.close();
  });

  await check("offline: a GET made offline waits for the network, then succeeds with one attempt; onRetry says offline", async () => {
    const s = scope();
    const context = await browser.newContext();
    const page = await open(context, s.api);
    await context.setOffline(true);
    await page.evaluate(() => {
      window.pending = makeClient({ retry: { limit: 1, baseDelayMs: 10 } })
        .request({ path: "/whoami" })
        .then((r) => ({ status: r.status, attempts: r.attempts }), (e) => ({ error: e.name }));
    });
    await sleep(1500);
    eq((await s.log("GET", "/whoami")).length, 0, "requests while offline");
    const told = await page.evaluate(() => retries.map((r) => [r.reason, r.attempt, r.delayMs]));
    eq(told, [["offline", 1, null]], "onRetry while offline (delayMs Infinity, which JSON shows as null)");
    await context.setOffline(false);
    eq(await page.evaluate(() => pending), { status: 200, attempts: 1 }, "once back online");
    eq((await s.log("GET", "/whoami")).length, 1, "requests the server got");
    await context.close();
  });

  await check("offline: the wait is bounded by totalTimeoutMs and ended by the caller's signal", async () => {
    const s = scope();
    const context = await browser.newContext();
    const page = await open(context, s.api);
    await context.setOffline(true);
    const [timeout, aborted] = await page.evaluate(async () => {
      const c = makeClient({ totalTimeoutMs: 800 });
      const t = await c.get("/whoami").catch((e) => e.name);
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 300);
      const a = await c.get("/whoami", { signal: ctl.signal }).catch((e) => e.name);
      return [t, a];
    });
    eq([timeout, aborted], ["TimeoutError", "AbortError"], "errors");
    await context.setOffline(false);
    eq((await s.log("GET", "/whoami")).length, 0, "requests the server got");
    await context.close();
  });

  console.log(`citizen: ${passed} passed, ${failed} failed`);
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`FAIL citizen could not run: ${e?.stack ?? e}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) server.stop();
}
process.exit(failed === 0 && passed > 0 ? 0 : 1);
