// A good browser citizen (issue 21), the parts one page can show, in both
// browsers: two clients in one page share a 429's hold and a write's
// invalidation over the crossTab channel; a second client with the same
// identity (what a reload makes) revalidates the first one's persisted
// entry from IndexedDB. tests/citizen/run.mjs covers tabs, reloads, a
// refused IndexedDB and offline emulation in Chromium.
//
// suite.mjs calls the default export with its harness; every test name
// starts with "citizen:".

export default function register(h) {
  const { test, fresh, ok, TOKEN, TOKEN_B } = h;
  const eq = (actual, expected, what) => h.eq(JSON.stringify(actual), JSON.stringify(expected), what);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  test("citizen: two clients of one identity share a 429's hold; one of another identity is not held", async () => {
    const f = fresh();
    const one = f.client({ token: TOKEN });
    const two = f.client({ token: TOKEN });
    const other = f.client({ token: TOKEN_B });
    const first = one.get("/status/429?retry_after=1").catch(() => {});
    await sleep(200);
    let t = performance.now();
    await other.get("/whoami");
    const quick = performance.now() - t;
    t = performance.now();
    await two.get("/whoami");
    const held = performance.now() - t;
    await first;
    ok(quick < 500, `another identity waited ${Math.round(quick)} ms`);
    ok(held > 600, `the same identity waited ${Math.round(held)} ms of the 1 s window`);
  });

  test("citizen: a write by one client drops another client's entry (crossTab), not a crossTab: false one's", async () => {
    const f = fresh();
    const writer = f.client({ token: TOKEN });
    const reader = f.client({ token: TOKEN });
    const deaf = f.client({ token: TOKEN, crossTab: false });
    await reader.get("/items/1");
    await deaf.get("/items/1");
    eq([reader.cacheStats().entries, deaf.cacheStats().entries], [1, 1], "entries before");
    await writer.patch("/items/1", { title: "new" });
    await sleep(50);
    eq([reader.cacheStats().entries, deaf.cacheStats().entries], [0, 1], "entries after the write");
  });

  test("citizen: cache.persist — a new client of the same identity revalidates the persisted entry (304, fromCache); another token's does not", async () => {
    const f = fresh();
    const opts = { token: TOKEN, cache: { persist: true } };
    const first = await f.client(opts).request({ path: "/items/3" });
    eq([first.status, first.fromCache], [200, false], "first");
    await sleep(300); // written to IndexedDB in the background
    const again = await f.client(opts).request({ path: "/items/3" });
    eq([again.status, again.fromCache, again.data.id], [304, true, 3], "a new client");
    const other = await f.client({ ...opts, token: TOKEN_B }).request({ path: "/items/3" });
    eq([other.status, other.fromCache], [200, false], "another token");
    const conditional = (await f.requests("GET", "/items/3")).map((e) =>
      Object.keys(e.headers).some((k) => k.toLowerCase() === "if-none-match"));
    eq(conditional, [false, true, false], "If-None-Match on the three GETs");
  });

  test("citizen: crossTab and cache.persist are checked (a TypeError names the option)", () => {
    const f = fresh();
    for (const [opts, re] of [
      [{ crossTab: "yes" }, /crossTab must be a boolean/],
      [{ cache: { persist: 1 } }, /cache\.persist must be a boolean/],
    ]) {
      let e;
      try {
        f.client(opts);
      } catch (x) {
        e = x;
      }
      ok(e instanceof TypeError && re.test(e.message), `${JSON.stringify(opts)} → ${e}`);
    }
  });
}
