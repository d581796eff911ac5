// Whose body the cache serves, every shape of the token redacted, and
// bounds a hostile server cannot stretch (issue 26), against the built
// package in the browser. The test server plays the hostile part: /whoami
// with lax304 (a 304 to any If-None-Match, so a wrong tag would be served),
// token echoes in a message, in JSON escapes and in a response header, a
// chunked error body of 50 MB or 2 GB (/stream, which counts the bytes it
// wrote), a `Vary`ing representation, an oversized ETag.
//
// suite.mjs calls the default export with its harness; every test name
// starts with "security: hostile".

export default function register(h) {
  const { test, P, fresh, eq, ok, rejects, show, checker, reachableStrings, TOKEN, TOKEN_B, ORG_B } = h;

  const withToken = (s) => typeof s === "string" && [TOKEN, TOKEN_B, "SECRET123"].some((t) => s.includes(t));
  function leaks(e) {
    const parts = [String(e), String(e && e.message), String(e && e.stack), String(e && e.url)];
    try { parts.push(JSON.stringify(e)); } catch { /* ignore */ }
    parts.push(...reachableStrings(e));
    for (const key of ["data", "fieldErrors"]) parts.push(...reachableStrings(e && e[key]));
    if (e && e.headers && typeof e.headers.forEach === "function") e.headers.forEach((v, k) => parts.push(k, v));
    return parts.filter(withToken);
  }
  const who = async (client, opts) => (await client.get("/whoami?lax304=1", opts)).who;

  test("security: hostile — a base URL whose host only looks local (a backslash, %-escapes, @) is refused, so no token goes to it in clear text", () => {
    const ch = checker("plain-http guard");
    for (const baseUrl of ["http://evil.example\\.localhost/v1", "http://evil.example%2elocalhost/v1", "http://127.0.0.1%2f@evil.example/v1"]) {
      let e;
      try {
        new P.Client({ baseUrl, token: TOKEN });
      } catch (x) {
        e = x;
      }
      ch.ok(e instanceof TypeError, `new Client({ baseUrl: ${show(baseUrl)}, token }) should throw a TypeError, got ${show(e)}`);
      ch.ok(!e || !withToken(String(e.message)), "the TypeError echoes the token");
    }
    ch.done();
  });

  test("security: hostile — a request sent as another identity (its own X-Org-Id or Authorization) neither reads nor writes the client's cache", async () => {
    const f = fresh();
    const c = f.client({ token: TOKEN });
    const ch = checker("identity override");
    const own = await who(f.client({ token: TOKEN }), { cache: "no-store" });
    const asOrgB = await who(c, { headers: { "X-Org-Id": ORG_B } });
    ch.ok(asOrgB !== own, "the override reached the server as org B");
    ch.eq(await who(c), own, "the next plain GET is the client's own identity, not org B's body");
    const asB = await who(c, { headers: { Authorization: `Bearer ${TOKEN_B}` } });
    ch.ok(asB !== own, "the Authorization override reached the server as B");
    const forced = await c.request({ path: "/whoami?lax304=1", cache: "force-cache" });
    ch.eq(forced.data.who, own, "force-cache serves the client's own entry, never B's");
    const log = await f.requests("GET", "/whoami");
    // own (no-store client), B-org, own, B-token: only the client's own GET ever revalidated.
    const conditional = log.filter((e) => Object.keys(e.headers).some((k) => k.toLowerCase() === "if-none-match"));
    ch.eq(conditional.length, 0, `conditional requests (${show(conditional.map((e) => e.headers))})`);
    ch.done();
  });

  test("security: hostile — the token a request was sent with is redacted after setToken, in every part of the error", async () => {
    const f = fresh();
    const c = f.client({ token: TOKEN, retry: false });
    const p = rejects(c.get("/status/401?echo_token=1&delay_ms=300"));
    await new Promise((r) => setTimeout(r, 50));
    c.setToken(TOKEN_B);
    const e = await p;
    const hits = leaks(e);
    ok(hits.length === 0, `the old token is in the error: ${show(hits[0])}`);
    ok(String(e.message).includes("[redacted]"), `message: ${show(e.message)}`);
  });

  test("security: hostile — a token in JSON escapes (\\u005f, \\/) or percent-encoded is redacted in message, fieldErrors keys and messages, and data", async () => {
    const f = fresh();
    const c = f.client({ token: TOKEN, retry: false });
    const ch = checker("escapes");
    const errors = '{"title":["bad pjk\\u005flive_SECRET123"],"pjk\\u005flive_SECRET123":["key"],"x":["pjk_live_SECR\\u0045T123"]}';
    const e = await rejects(c.post(`/status/422?errors=${encodeURIComponent(errors)}`, { a: 1 }));
    ch.eq(e && e.name, "ValidationError", "class");
    // (Its URL is the caller's own query, escapes and all: not checked here.)
    const told = [e.message, String(e), ...reachableStrings(e.fieldErrors), ...reachableStrings(e.data)];
    ch.eq(told.filter(withToken).length, 0, `token-shaped text in the 422: ${show(told.filter(withToken)[0])}`);
    ch.ok(e.fieldErrors && e.fieldErrors.title && e.fieldErrors.title[0] === "bad [redacted]", `fieldErrors.title: ${show(e.fieldErrors)}`);
    ch.ok(e.data && e.data.errors && "[redacted]" in e.data.errors, `data keeps the shape with the key redacted: ${show(e.data)}`);
    const pct = await rejects(c.get(`/status/400?msg=${encodeURIComponent("bad pjk%5Flive_SECRET123")}`));
    ch.ok(!withToken(pct.message) && !withToken(String(pct)) && pct.message.includes("[redacted]"), `a percent-encoded echo in the message: ${show(pct && pct.message)}`);
    ch.done();
  });

  test("security: hostile — a token echoed in a response header is [redacted] in error.headers", async () => {
    const f = fresh();
    const c = f.client({ token: TOKEN, retry: false });
    const e = await rejects(c.get("/status/401?echo_token_header=1"));
    eq(e.headers.get("x-echo-token"), "[redacted]", "x-echo-token on the error");
    ok(leaks(e).length === 0, `the token is in the error: ${show(leaks(e)[0])}`);
  });

  test("security: hostile — an error body is read to 1 MiB at most, however long it runs (50 MB, and 2 GB chunked)", async () => {
    const f = fresh();
    const c = f.client({ retry: false, timeoutMs: 60_000 });
    const ch = checker("error body bound");
    const t0 = performance.now();
    const e = await rejects(c.get("/stream?mb=50"));
    ch.eq(e && e.name, "BadRequestError", "class");
    ch.ok(e && /\b400\b/.test(e.message) && !e.message.includes("aaaa"), `a message made from the status: ${show(e && e.message)}`);
    const e2 = await rejects(c.get("/stream?mb=2000&status=404"));
    ch.eq(e2 && e2.name, "NotFoundError", "class of the 2 GB one");
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 300)); // let the server's writes fail
    const streamed = (await f.counts()).streamed;
    // The client reads 1 MiB of each; what else the server got written is
    // socket buffers and in-flight chunks (up to ~30 MB in Firefox here),
    // against 2,050 MB when bodies are read whole.
    ch.ok(streamed < 64 * 1024 * 1024, `the server wrote ${(streamed / 1048576).toFixed(1)} MB for both`);
    ch.ok(ms < 20_000, `took ${Math.round(ms)} ms`);
    ch.done();
  });

  test("security: hostile — a gzip bomb (300 KB on the wire, 300 MB inflated) is read to the cap as inflated bytes: an error body and a 2xx under maxBodyBytes", async () => {
    const f = fresh();
    const ch = checker("gzip bomb");
    const c = f.client({ retry: false, timeoutMs: 60_000 });
    const e = await rejects(c.get("/bomb"));
    ch.eq(e && e.name, "BadRequestError", "class of the 400 bomb");
    // Read whole, its `error` (300 MB of "a") would be the message.
    ch.ok(e && /\b400\b/.test(e.message) && !e.message.includes("aaaa"), `a message made from the status: ${show(e && e.message)}`);
    // 300 KB compressed is under 1 MB: only counting inflated bytes stops it.
    const bounded = f.client({ retry: false, timeoutMs: 60_000, maxBodyBytes: 1_000_000 });
    const d = await rejects(bounded.get("/bomb?status=200"));
    ch.eq(d && d.name, "DecodeError", "class of the 200 bomb under maxBodyBytes");
    ch.ok(d && /maxBodyBytes \(1000000 bytes\)/.test(d.message), `message: ${show(d && d.message)}`);
    ch.done();
  });

  test("security: hostile — maxBodyBytes stops a 2xx body at the bound (chunked, 50 MB), refuses a declared Content-Length over it unread, and is a TypeError when not a number", async () => {
    const f = fresh();
    const ch = checker("maxBodyBytes");
    const c = f.client({ retry: false, timeoutMs: 60_000, maxBodyBytes: 1 << 20 });
    const e = await rejects(c.get("/stream?mb=50&status=200"));
    ch.eq(e && e.name, "DecodeError", "class");
    ch.eq(e && e.status, 200, "status");
    ch.ok(e && e.message.includes("maxBodyBytes"), `message: ${show(e && e.message)}`);
    ch.eq(e && e.attempts, 1, "attempts (a body too large is not retried)");
    await new Promise((r) => setTimeout(r, 300));
    const streamed = (await f.counts()).streamed;
    ch.ok(streamed < 40 * 1024 * 1024, `the server wrote ${(streamed / 1048576).toFixed(1)} MB of 50`);
    const tiny = f.client({ maxBodyBytes: 8 });
    const t = await rejects(tiny.get("/whoami"));
    ch.eq(t && t.name, "DecodeError", "a Content-Length over the bound");
    ch.ok((await tiny.request({ path: "/status/204", method: "DELETE" })).status === 204, "an empty body passes any bound");
    ch.eq((await f.client({ maxBodyBytes: 1 << 20 }).get("/whoami")).who !== undefined, true, "a body under the bound is read");
    let thrown;
    try { f.client({ maxBodyBytes: "1MB" }); } catch (x) { thrown = x; }
    ch.ok(thrown instanceof TypeError && /maxBodyBytes must be a number of bytes/.test(thrown.message), `maxBodyBytes: "1MB" → ${show(thrown)}`);
    ch.done();
  });

  test("security: hostile — a 2xx body too long for a string (1.1 GB with its Content-Length) is a DecodeError that says so, not a NetworkError", async () => {
    const f = fresh();
    const c = f.client({ retry: false, timeoutMs: 120_000 });
    const e = await rejects(c.get("/stream?mb=1100&status=200&length=1"));
    eq(e && e.name, "DecodeError", `class (${show(e && e.message)}; cause ${show(e && e.cause)})`);
    ok(e && /too large to read/.test(e.message), `message: ${show(e && e.message)}`);
    // Chromium: RangeError "Invalid string length"; Firefox: InternalError "allocation size overflow".
    ok(e && (e.cause instanceof RangeError || (e.cause && e.cause.name === "InternalError")), `cause: ${show(e && e.cause)}`);
  }, { timeoutMs: 120_000 });

  test("security: hostile — paginating 150 pages with 300 KB cursors does not grow wasm memory with the cursors", async () => {
    const f = fresh();
    const c = f.client({ timeoutMs: 60_000 });
    const exports = await P.default();
    const memory = exports && exports.memory;
    ok(memory instanceof WebAssembly.Memory, "init() gives the module's memory");
    const before = memory.buffer.byteLength;
    let n = 0;
    for await (const item of c.paginate("/longpages?n=150&kb=300")) {
      eq(item.id, n, "items in order");
      n++;
    }
    eq(n, 150, "items");
    const grown = memory.buffer.byteLength - before;
    // Keeping each page's URL would take 150 × 300 KB = 45 MB (it grew
    // 310 KB a page before the fix: the path memo kept page URLs);
    // 2.5 MB measured after it, flat from page 20 on.
    ok(grown < 8 * 1024 * 1024, `wasm memory grew by ${(grown / 1048576).toFixed(1)} MB`);
  }, { timeoutMs: 90_000 });

  test("security: hostile — a response that varies on a request header (Vary) is not stored; force-cache never serves another variant", async () => {
    const f = fresh();
    const c = f.client();
    const ch = checker("vary");
    const de = await c.get("/vary", { headers: { "Accept-Language": "de" } });
    ch.eq(de.lang, "de", "the German variant");
    ch.eq(c.cacheStats().entries, 0, "entries after a Vary: Accept-Language response");
    const plain = await c.request({ path: "/vary", cache: "force-cache" });
    ch.ok(plain.data.lang !== "de" && !plain.fromCache, `force-cache without the header: ${show(plain.data)} fromCache=${plain.fromCache}`);
    ch.eq((await f.requests("GET", "/vary")).length, 2, "requests the server got");
    ch.done();
  });

  test("security: hostile — the cache counts what it holds (body and headers) against maxBytes: a 5 KB ETag counts", async () => {
    const f = fresh();
    const c = f.client({ cache: { maxEntries: 10, maxBytes: 4_000 } });
    const tag = `"${"x".repeat(5_000)}"`;
    await c.get(`/status/200?etag=${encodeURIComponent(tag)}`);
    const stats = c.cacheStats();
    eq(stats.entries, 0, `an entry larger than maxBytes with its headers is not kept (bytes ${stats.bytes})`);
    const small = f.client();
    await small.get(`/status/200?etag=${encodeURIComponent(tag)}`);
    ok(small.cacheStats().bytes >= 5_000, `bytes held: ${small.cacheStats().bytes}`);
  });
}
