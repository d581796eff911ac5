// client.paginate() and client.update() (issue 9), tested in the browser
// against the test server's /pages/{kind} lists (20 items, 5 a page unless
// per_page) and /versioned/{key} resources (409, or 412 with mode=412, to a
// stale If-Match; POST /versioned/{key}/bump is the concurrent writer).
//
// suite.mjs calls the default export with its harness once the package is
// loaded; every test name starts with "paginate:" or "update:" so that
// `run.mjs --filter paginate` / `--filter update` select them.

export default function register(h) {
  const { test, P, fresh, ok, eq, deepEq, rejects, checkError, sleep, now, show, fail, header } = h;

  const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const ALL = range(1, 20);

  /** Every item of a walk, in order. */
  async function collect(iterable) {
    const out = [];
    for await (const item of iterable) out.push(item);
    return out;
  }
  /** Every page of a walk. */
  async function collectPages(paginated) {
    const out = [];
    for await (const page of paginated.pages()) out.push(page);
    return out;
  }
  /** GETs of /pages/{kind} the server got, as parsed query strings. */
  async function pageQueries(f, kind) {
    return (await f.requests("GET", `/pages/${kind}`)).map((e) => new URLSearchParams(e.query));
  }
  /** Method and path of every request the scope got, in order. */
  async function trail(f) {
    return (await f.log()).map((e) => `${e.method} ${e.path}`);
  }

  // ------------------------------------------------------------ meta shapes

  const SHAPES = [
    // [kind, what it exercises, the query parameter that moves, its values per page]
    ["cursor", "meta.next_cursor", "cursor", [null, "c5", "c10", "c15"]],
    ["next", "meta.next (a cursor)", "cursor", [null, "c5", "c10", "c15"]],
    ["numbered", "meta.current_page/last_page", "page", [null, "2", "3", "4"]],
    ["totalpages", "meta.page/total_pages", "page", [null, "2", "3", "4"]],
    ["link", "the Link: rel=\"next\" header (empty meta)", "page", [null, "2", "3", "4"]],
  ];

  for (const [kind, what, param, values] of SHAPES) {
    test(`paginate: ${what} — all 20 items exactly once, in order, one request per page (/pages/${kind})`, async () => {
      const f = fresh();
      const items = await collect(f.client().paginate(`/pages/${kind}`));
      deepEq(items.map((i) => i.id), ALL, "ids yielded");
      deepEq(items[0], { id: 1, name: "Item 1" }, "first item as the server sent it");
      const qs = await pageQueries(f, kind);
      deepEq(qs.map((q) => q.get(param)), values, `?${param}= of the requests the server got`);
      eq((await f.counts()).total, 4, "requests in the scope");
    });
  }

  for (const as of ["url", "path"]) {
    test(`paginate: meta.next as ${as === "url" ? "an absolute URL" : "a root-relative path"} is followed — all 20 items, 4 requests`, async () => {
      const f = fresh();
      const items = await collect(f.client().paginate("/pages/next", { query: { next_as: as } }));
      deepEq(items.map((i) => i.id), ALL, "ids yielded");
      const qs = await pageQueries(f, "next");
      deepEq(qs.map((q) => q.get("cursor")), [null, "c5", "c10", "c15"], "?cursor= of the requests");
      deepEq(qs.map((q) => q.get("next_as")), [as, as, as, as], "?next_as= of the requests");
      eq((await f.counts()).total, 4, "requests in the scope");
    });
  }

  test("paginate: the query is sent with every page (per_page 8 → pages of 8, 8, 4 in 3 requests)", async () => {
    const f = fresh();
    for (const kind of ["numbered", "cursor", "link"]) {
      const pages = await collectPages(f.client().paginate(`/pages/${kind}`, { query: { per_page: 8 } }));
      deepEq(pages.map((p) => p.data.map((i) => i.id)), [range(1, 8), range(9, 16), range(17, 20)], `${kind}: ids per page`);
      deepEq((await pageQueries(f, kind)).map((q) => q.get("per_page")), ["8", "8", "8"], `${kind}: ?per_page= of the requests`);
    }
  });

  // ----------------------------------------------------------------- pages()

  test("paginate: .pages() yields whole pages { data, meta, url } (next_cursor)", async () => {
    const f = fresh();
    const pages = await collectPages(f.client().paginate("/pages/cursor"));
    eq(pages.length, 4, "pages");
    deepEq(pages.map((p) => p.data.map((i) => i.id)), [range(1, 5), range(6, 10), range(11, 15), range(16, 20)], "ids per page");
    deepEq(pages.map((p) => p.meta), [{ next_cursor: "c5" }, { next_cursor: "c10" }, { next_cursor: "c15" }, { next_cursor: null }], "meta per page");
    deepEq(
      pages.map((p) => p.url),
      [`${f.baseUrl}/pages/cursor`, `${f.baseUrl}/pages/cursor?cursor=c5`, `${f.baseUrl}/pages/cursor?cursor=c10`, `${f.baseUrl}/pages/cursor?cursor=c15`],
      "url per page",
    );
    ok(pages.every((p) => Array.isArray(p.data)), "every page's data should be an array");
    eq((await f.counts()).total, 4, "requests in the scope");
  });

  test("paginate: .pages() meta of page-number and Link lists", async () => {
    const f = fresh();
    const numbered = await collectPages(f.client().paginate("/pages/numbered"));
    deepEq(numbered.map((p) => p.meta), [1, 2, 3, 4].map((n) => ({ current_page: n, last_page: 4 })), "numbered meta");
    const total = await collectPages(f.client().paginate("/pages/totalpages", { query: { per_page: 10 } }));
    deepEq(total.map((p) => p.meta), [{ page: 1, total_pages: 2 }, { page: 2, total_pages: 2 }], "totalpages meta");
    const link = await collectPages(f.client().paginate("/pages/link"));
    deepEq(link.map((p) => p.meta), [{}, {}, {}, {}], "link meta");
    eq(link[1].url, `${f.baseUrl}/pages/link?page=2&per_page=5`, "the second Link page's url is the Link target");
  });

  test("paginate: a paginate() result can be walked once; walking it again throws a TypeError", async () => {
    const f = fresh();
    const it = f.client().paginate("/pages/cursor", { query: { per_page: 10 } });
    eq((await collect(it)).length, 20, "items of the first walk");
    const e = await rejects(collect(it), "second walk");
    ok(e instanceof TypeError, `expected a TypeError, got ${show(e)}`);
    eq((await f.counts()).total, 2, "requests in the scope (the second walk sends none)");
  });

  // ---------------------------------------------------------- when to stop

  test("paginate: a server that repeats its next cursor does not loop forever — stops after 2 requests", async () => {
    const f = fresh();
    const t0 = now();
    const pages = await collectPages(f.client().paginate("/pages/buggy"));
    const took = now() - t0;
    // Page 1, then ?cursor=same, whose meta points at ?cursor=same again: stop.
    eq(pages.length, 2, "pages yielded");
    deepEq(pages.map((p) => p.url), [`${f.baseUrl}/pages/buggy`, `${f.baseUrl}/pages/buggy?cursor=same`], "urls fetched");
    deepEq(pages.map((p) => p.data.map((i) => i.id)), [range(1, 5), range(1, 5)], "what the buggy server sent");
    await sleep(100);
    const qs = await pageQueries(f, "buggy");
    deepEq(qs.map((q) => q.get("cursor")), [null, "same"], "?cursor= of the requests the server got");
    eq((await f.counts()).total, 2, "requests in the scope");
    ok(took < 5000, `the walk took ${Math.round(took)} ms`);
    // The item iterator stops the same way.
    const g = fresh();
    eq((await collect(g.client().paginate("/pages/buggy"))).length, 10, "items yielded by for await");
    eq((await g.counts()).total, 2, "requests of the for-await walk");
  });

  test("paginate: maxPages bounds the walk (2 → 10 items, 2 requests; 1 → 5 items, 1 request)", async () => {
    const f = fresh();
    const two = await collect(f.client().paginate("/pages/cursor", { maxPages: 2 }));
    deepEq(two.map((i) => i.id), range(1, 10), "ids with maxPages 2");
    eq((await f.counts()).total, 2, "requests with maxPages 2");
    const g = fresh();
    const one = await collect(g.client().paginate("/pages/numbered", { maxPages: 1 }));
    deepEq(one.map((i) => i.id), range(1, 5), "ids with maxPages 1");
    eq((await g.counts()).total, 1, "requests with maxPages 1");
    const h2 = fresh();
    eq((await collect(h2.client().paginate("/pages/link", { maxPages: 4 }))).length, 20, "items with maxPages equal to the page count");
    eq((await h2.counts()).total, 4, "requests with maxPages 4");
  });

  test("paginate: an invalid maxPages (0, -1, NaN, '3') is a TypeError and sends nothing", async () => {
    const f = fresh();
    const c = f.client();
    for (const bad of [0, -1, NaN, "3"]) {
      let e;
      try {
        await collect(c.paginate("/pages/cursor", { maxPages: bad }));
      } catch (err) {
        e = err;
      }
      ok(e instanceof TypeError, `maxPages ${show(bad)}: expected a TypeError, got ${show(e)}`);
    }
    await sleep(100);
    eq((await f.counts()).total, 0, "requests in the scope");
  });

  test("paginate: break inside for await sends no further request (server counts after a wait)", async () => {
    const f = fresh();
    const seen = [];
    for await (const item of f.client().paginate("/pages/cursor")) {
      seen.push(item.id);
      if (item.id === 3) break;
    }
    deepEq(seen, [1, 2, 3], "items seen before break");
    await sleep(400);
    eq((await f.counts()).total, 1, "requests after breaking inside the first page");

    const g = fresh();
    const seen2 = [];
    for await (const item of g.client().paginate("/pages/link")) {
      seen2.push(item.id);
      if (item.id === 6) break;
    }
    deepEq(seen2, range(1, 6), "items seen before break");
    await sleep(400);
    deepEq((await pageQueries(g, "link")).map((q) => q.get("page")), [null, "2"], "pages requested when breaking on page 2");

    const k = fresh();
    for await (const page of k.client().paginate("/pages/numbered").pages()) {
      if (page) break;
    }
    await sleep(400);
    eq((await k.counts()).total, 1, "requests after breaking out of .pages() on the first page");
  });

  test("paginate: an HTTP error on a page rejects the walk with the typed error (400 for a bad cursor)", async () => {
    const f = fresh();
    const e = await rejects(collect(f.client({ retry: false }).paginate("/pages/cursor", { query: { cursor: "bogus" } })), "walk");
    checkError(e, { cls: "BadRequestError", status: 400, method: "GET", url: `${f.baseUrl}/pages/cursor?cursor=bogus`, message: "Invalid cursor" });
    eq((await f.counts()).total, 1, "requests in the scope");
  });

  // ------------------------------------------------------------------ abort

  test("paginate: aborting between pages rejects the walk with AbortError; no further page is requested", async () => {
    const f = fresh();
    const ac = new AbortController();
    const reason = new Error("user left the list");
    const seen = [];
    const e = await rejects((async () => {
      for await (const item of f.client().paginate("/pages/cursor", { signal: ac.signal })) {
        seen.push(item.id);
        if (item.id === 5) ac.abort(reason);
      }
    })(), "walk");
    deepEq(seen, range(1, 5), "items yielded before the abort");
    ok(P.isAbortError(e), `expected an AbortError, got ${show(e)}`);
    checkError(e, { cls: "AbortError", status: 0, method: "GET" });
    eq(e.cause, reason, "cause");
    await sleep(300);
    eq((await f.counts()).total, 1, "requests in the scope");
  });

  test("paginate: aborting while a page is in flight rejects at once with AbortError", async () => {
    const f = fresh();
    const ac = new AbortController();
    const seen = [];
    let abortedAt = 0;
    const e = await rejects((async () => {
      for await (const item of f.client().paginate("/pages/cursor", { signal: ac.signal, query: { delay_ms: 6000 } })) {
        seen.push(item.id);
        if (item.id === 5) setTimeout(() => { abortedAt = now(); ac.abort(); }, 150);
      }
    })(), "walk");
    const took = now() - abortedAt;
    deepEq(seen, range(1, 5), "items yielded before the abort");
    checkError(e, { cls: "AbortError", status: 0, method: "GET", url: `${f.baseUrl}/pages/cursor?delay_ms=6000&cursor=c5` });
    eq(e.cause, ac.signal.reason, "cause");
    // The page takes 6 s; the margin absorbs the stalls of a loaded VM.
    ok(abortedAt > 0 && took < 2500, `should reject at the abort, rejected ${Math.round(took)} ms after abort() (the page takes 6 s)`);
    deepEq((await pageQueries(f, "cursor")).map((q) => q.get("cursor")), [null, "c5"], "pages the server got (the second one in flight)");
  });

  test("paginate: an already-aborted signal rejects with AbortError and sends nothing", async () => {
    const f = fresh();
    const ac = new AbortController();
    const reason = new Error("gone");
    ac.abort(reason);
    const e = await rejects(collect(f.client().paginate("/pages/cursor", { signal: ac.signal })), "walk");
    checkError(e, { cls: "AbortError", status: 0, method: "GET" });
    eq(e.cause, reason, "cause");
    await sleep(200);
    eq((await f.counts()).total, 0, "requests in the scope");
  });

  // -------------------------------------------------------------- ETag cache

  test("paginate: pages go through the ETag cache — a second walk revalidates each page (If-None-Match → 304) and yields the same items", async () => {
    const f = fresh();
    const c = f.client();
    const first = await collectPages(c.paginate("/pages/cursor"));
    const second = await collectPages(c.paginate("/pages/cursor"));
    deepEq(second.map((p) => p.data), first.map((p) => p.data), "pages of the second walk");
    deepEq(second.map((p) => p.meta), first.map((p) => p.meta), "meta of the second walk");
    deepEq(second.flatMap((p) => p.data.map((i) => i.id)), ALL, "ids of the second walk");
    const gets = await f.requests("GET", "/pages/cursor");
    eq(gets.length, 8, "requests for two walks");
    const inm = gets.map((g) => header(g, "if-none-match"));
    deepEq(inm.slice(0, 4), [undefined, undefined, undefined, undefined], "If-None-Match of the first walk");
    ok(inm.slice(4).every((t) => /^"pg-[0-9a-f]{16}"$/.test(t || "")), `the second walk should send the pages' ETags, sent ${show(inm.slice(4))}`);
    eq(new Set(inm.slice(4)).size, 4, "distinct ETags sent (one per page)");
    // The stored page answers a 304 from the cache.
    const r = await c.request({ path: "/pages/cursor?cursor=c10" });
    eq(r.status, 304, "status of a stored page");
    eq(r.fromCache, true, "fromCache of a stored page");
    deepEq(r.data.data.map((i) => i.id), range(11, 15), "stored page's ids");
  });

  test("paginate: a Link-paginated list walked twice — the 304s carry Link — yields all 20 items both times", async () => {
    const f = fresh();
    const c = f.client();
    deepEq((await collect(c.paginate("/pages/link"))).map((i) => i.id), ALL, "ids of the first walk");
    deepEq((await collect(c.paginate("/pages/link"))).map((i) => i.id), ALL, "ids of the second walk");
    const gets = await f.requests("GET", "/pages/link");
    eq(gets.length, 8, "requests for two walks");
    ok(gets.slice(4).every((g) => header(g, "if-none-match")), "the second walk should revalidate every page");
  });

  // RFC 9111 §4.3.4: a 304 updates the stored response's header fields; it
  // does not replace them. Servers commonly send only the validator and cache
  // fields on a 304 (RFC 9110 §15.4.5 says a sender SHOULD NOT send much
  // else), so the Link of a stored page must survive a bare 304.
  test("paginate: a Link-paginated list walked twice when the 304s carry no Link (bare304=1) still yields all 20 items", async () => {
    const f = fresh();
    const c = f.client();
    deepEq((await collect(c.paginate("/pages/link", { query: { bare304: 1 } }))).map((i) => i.id), ALL, "ids of the first walk");
    const second = await collect(c.paginate("/pages/link", { query: { bare304: 1 } }));
    deepEq(second.map((i) => i.id), ALL, "ids of the second walk (its first page was a 304 without Link)");
  });

  // ------------------------------------------------------------------ update

  /** Bumps /versioned/{key} behind the client's back (a concurrent writer). */
  async function bump(f, key) {
    const r = await fetch(`${f.baseUrl}/versioned/${key}/bump`, { method: "POST", cache: "no-store" });
    if (r.status !== 200) fail(`bump ${key}: status ${r.status}`);
    return r.json();
  }
  async function serverCopy(f, key) {
    const r = await fetch(`${f.baseUrl}/versioned/${key}`, { cache: "no-store" });
    return r.json();
  }

  test("update: with no concurrent writer, one read and one write with If-Match of the read; resolves the written resource", async () => {
    const f = fresh();
    const seen = [];
    const result = await f.client().update("/versioned/k", (cur) => {
      seen.push(cur);
      return { ...cur, count: cur.count + 1, title: "renamed" };
    });
    deepEq(seen, [{ id: "k", count: 0, version: 1 }], "what change() got");
    deepEq(result, { id: "k", count: 1, title: "renamed", version: 2 }, "resolved value");
    deepEq(await trail(f), ["GET /versioned/k", "PUT /versioned/k"], "requests");
    const put = (await f.requests("PUT", "/versioned/k"))[0];
    eq(header(put, "if-match"), '"1"', "If-Match of the PUT");
    deepEq(JSON.parse(put.body), { id: "k", count: 1, version: 1, title: "renamed" }, "body of the PUT");
    deepEq(await serverCopy(f, "k"), { id: "k", count: 1, title: "renamed", version: 2 }, "server copy");
  });

  test("update: converges under a concurrent writer (bumped between read and write): 409 → re-read → change again → write with the new If-Match", async () => {
    const f = fresh();
    const seen = [];
    const result = await f.client().update("/versioned/k", async (cur) => {
      seen.push(cur);
      if (seen.length === 1) await bump(f, "k"); // someone else writes after our read
      return { count: cur.count + 10 };
    });
    deepEq(seen, [{ id: "k", count: 0, version: 1 }, { id: "k", count: 1, version: 2 }], "what change() got (the second time the fresh copy)");
    deepEq(result, { id: "k", count: 11, version: 3 }, "resolved value");
    deepEq(await trail(f), [
      "GET /versioned/k", "POST /versioned/k/bump", "PUT /versioned/k",
      "GET /versioned/k", "PUT /versioned/k",
    ], "requests");
    deepEq((await f.requests("PUT", "/versioned/k")).map((p) => header(p, "if-match")), ['"1"', '"2"'], "If-Match of the PUTs");
    deepEq(await serverCopy(f, "k"), { id: "k", count: 11, version: 3 }, "server copy (the writer's bump kept, ours applied on top)");
  });

  test("update: gives up with the last ConflictError after `attempts` (2) when the writer always interferes", async () => {
    const f = fresh();
    let calls = 0;
    const e = await rejects(f.client().update("/versioned/k", async (cur) => {
      calls++;
      await bump(f, "k");
      return { count: cur.count + 100 };
    }, { attempts: 2 }), "update");
    checkError(e, { cls: "ConflictError", status: 409, method: "PUT", url: `${f.baseUrl}/versioned/k`, message: "Conflict: version mismatch" });
    eq(calls, 2, "change() calls");
    deepEq(await trail(f), [
      "GET /versioned/k", "POST /versioned/k/bump", "PUT /versioned/k",
      "GET /versioned/k", "POST /versioned/k/bump", "PUT /versioned/k",
    ], "requests");
    deepEq((await f.requests("PUT", "/versioned/k")).map((p) => header(p, "if-match")), ['"1"', '"2"'], "If-Match of the PUTs");
    deepEq(await serverCopy(f, "k"), { id: "k", count: 2, version: 3 }, "server copy (none of our writes landed)");
  });

  test("update: attempts defaults to 3 (three reads, three writes, then ConflictError)", async () => {
    const f = fresh();
    let calls = 0;
    const e = await rejects(f.client().update("/versioned/d", async (cur) => {
      calls++;
      await bump(f, "d");
      return cur;
    }), "update");
    ok(P.isConflictError(e), `expected a ConflictError, got ${show(e)}`);
    eq(calls, 3, "change() calls");
    eq((await f.requests("GET", "/versioned/d")).length, 3, "reads");
    eq((await f.requests("PUT", "/versioned/d")).length, 3, "writes");
  });

  test("update: attempts 1 makes exactly one read and one write before the ConflictError", async () => {
    const f = fresh();
    const e = await rejects(f.client().update("/versioned/one", async (cur) => {
      await bump(f, "one");
      return cur;
    }, { attempts: 1 }), "update");
    ok(P.isConflictError(e), `expected a ConflictError, got ${show(e)}`);
    deepEq(await trail(f), ["GET /versioned/one", "POST /versioned/one/bump", "PUT /versioned/one"], "requests");
  });

  test("update: PATCH sends only the change with If-Match and converges on 412 (mode=412)", async () => {
    const f = fresh();
    const seen = [];
    const result = await f.client().update("/versioned/p?mode=412", (cur) => {
      seen.push(cur.version);
      // An async change on the first call, a plain value on the second.
      if (seen.length === 1) return bump(f, "p").then(() => ({ title: "patched" }));
      return { title: "patched", note: `from v${cur.version}` };
    }, { method: "PATCH" });
    deepEq(seen, [1, 2], "versions change() got");
    deepEq(result, { id: "p", count: 1, title: "patched", note: "from v2", version: 3 }, "resolved value");
    const patches = await f.requests("PATCH", "/versioned/p");
    eq(patches.length, 2, "PATCH requests");
    deepEq(patches.map((p) => header(p, "if-match")), ['"1"', '"2"'], "If-Match of the PATCHes");
    deepEq(patches.map((p) => JSON.parse(p.body)), [{ title: "patched" }, { title: "patched", note: "from v2" }], "PATCH bodies");
    eq((await f.requests("PUT", "/versioned/p")).length, 0, "PUT requests");
  });

  test("update: on a server answering 412, gives up after `attempts` with the 412 error", async () => {
    const f = fresh();
    const e = await rejects(f.client().update("/versioned/q?mode=412", async (cur) => {
      await bump(f, "q");
      return cur;
    }, { attempts: 2, method: "patch" }), "update");
    ok(P.isHttpError(e), `expected an HttpError, got ${show(e)}`);
    eq(e.status, 412, "status");
    eq(e.method, "PATCH", "method");
    eq((await f.requests("PATCH", "/versioned/q")).length, 2, "writes");
    eq((await f.requests("GET", "/versioned/q")).length, 2, "reads");
  });

  test("update: a copy already in the client's cache is revalidated, never written back stale", async () => {
    const f = fresh();
    const c = f.client();
    deepEq(await c.get("/versioned/s"), { id: "s", count: 0, version: 1 }, "cached copy");
    await bump(f, "s");
    const seen = [];
    const result = await c.update("/versioned/s", (cur) => {
      seen.push(cur.version);
      return { count: cur.count + 1 };
    });
    deepEq(seen, [2], "versions change() got");
    eq(result.count, 2, "resolved count");
    deepEq((await f.requests("PUT", "/versioned/s")).map((p) => header(p, "if-match")), ['"2"'], "If-Match of the only PUT");
  });

  test("update: invalid arguments reject with a TypeError and send nothing", async () => {
    const f = fresh();
    const c = f.client();
    const id = (x) => x;
    const cases = [
      ["no change function", () => c.update("/versioned/k")],
      ["a string as change", () => c.update("/versioned/k", "count+1")],
      ["an object as change", () => c.update("/versioned/k", { count: 1 })],
      ["method GET", () => c.update("/versioned/k", id, { method: "GET" })],
      ["method DELETE", () => c.update("/versioned/k", id, { method: "DELETE" })],
      ["method POST", () => c.update("/versioned/k", id, { method: "POST" })],
      ["a non-string path", () => c.update(42, id)],
    ];
    for (const [label, call] of cases) {
      let p;
      try {
        p = call();
      } catch (err) {
        fail(`${label}: threw synchronously (${show(err)}) instead of returning a rejected promise`);
      }
      ok(p instanceof Promise, `${label}: should return a Promise, got ${show(p)}`);
      const e = await rejects(p, label);
      ok(e instanceof TypeError, `${label}: expected a TypeError, got ${show(e)}`);
    }
    await sleep(200);
    eq((await f.counts()).total, 0, "requests in the scope");
  });

  test("update: an error thrown by change (sync or async) rejects the update with that error (itself or as cause) and writes nothing", async () => {
    const f = fresh();
    const c = f.client();
    class Locked extends Error {}
    const thrown = new Locked("the issue is locked");
    const sync = await rejects(c.update("/versioned/t", () => { throw thrown; }), "sync throw");
    const rejected = new Locked("async no");
    const asyncErr = await rejects(c.update("/versioned/t", async () => { throw rejected; }), "async rejection");
    const problems = [];
    if (!(sync === thrown || sync?.cause === thrown)) problems.push(`sync: expected the thrown Locked error (or it as cause), got ${show(sync)} with cause ${show(sync?.cause)}`);
    if (!(asyncErr === rejected || asyncErr?.cause === rejected)) problems.push(`async: expected the rejected Locked error (or it as cause), got ${show(asyncErr)} with cause ${show(asyncErr?.cause)}`);
    const writes = (await f.requests("PUT", "/versioned/t")).length;
    if (writes !== 0) problems.push(`writes: expected 0, got ${writes}`);
    const reads = (await f.requests("GET", "/versioned/t")).length;
    if (reads !== 2) problems.push(`reads: expected 2, got ${reads}`);
    if (problems.length) fail(problems.join("; "));
  });

  test("update: an aborted signal rejects with AbortError — before the read sends nothing, during change() writes nothing", async () => {
    const f = fresh();
    const c = f.client();
    const early = new AbortController();
    early.abort(new Error("not now"));
    const e1 = await rejects(c.update("/versioned/a", (x) => x, { signal: early.signal }), "already aborted");
    ok(P.isAbortError(e1), `already aborted: expected an AbortError, got ${show(e1)}`);
    eq(e1.cause, early.signal.reason, "already aborted: cause");
    await sleep(100);
    eq((await f.counts()).total, 0, "requests after an already-aborted update");

    const ac = new AbortController();
    const e2 = await rejects(c.update("/versioned/a", async (cur) => {
      ac.abort(new Error("user closed the dialog"));
      await sleep(20);
      return { count: cur.count + 1 };
    }, { signal: ac.signal }), "aborted during change");
    ok(P.isAbortError(e2), `aborted during change: expected an AbortError, got ${show(e2)}`);
    eq(e2.cause, ac.signal.reason, "aborted during change: cause");
    await sleep(100);
    deepEq(await trail(f), ["GET /versioned/a"], "requests (the read, no write)");
    deepEq(await serverCopy(f, "a"), { id: "a", count: 0, version: 1 }, "server copy");
  });
}
