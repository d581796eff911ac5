// Where the token may go (issue 19): every way a request URL could leave the
// base URL — dot segments, `%2e`, backslashes, absolute and protocol-relative
// URLs, `next`/`Link` pages, redirects — tried against the built package.
// A decoy test server on another loopback address (127.0.0.2, another
// origin) counts every request it receives, preflights included: after each
// test it must have received none. Paths that escape the base path but stay
// on the API's origin land in the test's own scope, whose log must not show
// them either.
//
// suite.mjs calls the default export with its harness; every test name
// starts with "security: scope" (`run.mjs --filter "security: scope"`).

export default function register(h) {
  const { test, P, fresh, eq, rejects, show, checker, reachableStrings, TOKEN, TOKEN_B, DECOY } = h;

  /** Requests the decoy has received so far (`GET /__hits` itself not counted). */
  async function decoyHits() {
    const r = await fetch(`${DECOY}/__hits`, { cache: "no-store" });
    return r.json();
  }
  /** Runs `fn`, then checks that the decoy received nothing during it. */
  async function nothingReachesTheDecoy(c, fn) {
    if (!DECOY) {
      c.ok(false, "suite.html was opened without ?decoy= (run.mjs starts one on 127.0.0.2)");
      return;
    }
    const before = (await decoyHits()).hits;
    await fn();
    // A request the browser had queued would have arrived by now.
    await new Promise((r) => setTimeout(r, 50));
    const after = await decoyHits();
    c.eq(after.hits - before, 0, `requests that reached the decoy (${show(after.seen.slice(-3))})`);
  }
  const withToken = (s) => [TOKEN, TOKEN_B].some((t) => s.includes(t));
  /** Every string reachable from an error that would show the token. */
  function leaks(e) {
    const parts = [String(e), String(e && e.message), String(e && e.stack), String(e && e.url)];
    try { parts.push(JSON.stringify(e)); } catch { /* ignore */ }
    parts.push(...reachableStrings(e));
    return parts.filter(withToken);
  }
  const decoyHost = () => DECOY.replace(/^http:\/\//, "");

  test("security: scope — dot segments, %2e and backslashes that climb out of baseUrl are TypeErrors, before a byte is sent", async () => {
    const f = fresh();
    const base = `${f.baseUrl}/v1`;
    const c = new P.Client({ baseUrl: base, token: TOKEN });
    const ch = checker("escapes");
    const escapes = [
      "../x", "/../x", "%2e%2e/x", "%2E%2E/x", ".%2e/x", "%2e./x", "a/../../x", "..", "../",
      "..\\x", "a\\..\\..\\x", "\\..\\..\\x", "..%2Fx", "%2e%2e%5cx",
      `${base}/../outside`, `${base}/%2e%2e/outside`, `${base}\\..\\outside`, `${base}x/y`,
      `../${TOKEN}/x`,
    ];
    await nothingReachesTheDecoy(ch, async () => {
      for (const path of escapes) {
        for (const [name, call] of [["get", () => c.get(path)], ["post", () => c.post(path, { a: 1 })], ["request", () => c.request({ method: "DELETE", path })]]) {
          let e;
          try {
            e = await rejects(call(), `${name}(${show(path)})`);
          } catch (x) {
            ch.ok(false, x.message);
            continue;
          }
          ch.ok(e instanceof TypeError, `${name}(${show(path)}) should reject with a TypeError, got ${show(e)}`);
          ch.ok(/outside baseUrl/.test(String(e && e.message)), `${name}(${show(path)}): the message should say the URL is outside baseUrl: ${show(e && e.message)}`);
          ch.ok(!withToken(String(e && e.message)) && !withToken(String(e && e.stack)), `${name}(${show(path)}): the TypeError echoes the token`);
        }
      }
    });
    // The escapes would land in this scope (/s/<scope>/x, /outside, …): none did.
    const log = await f.log();
    ch.eq(log.length, 0, `requests the API got (${show(log.slice(0, 3).map((e) => `${e.method} ${e.path}`))})`);
    ch.done();
  });

  test("security: scope — \\\\host, /\\host and http:host paths stay on the API's origin, under baseUrl", async () => {
    const f = fresh();
    const c = new P.Client({ baseUrl: `${f.baseUrl}/v1`, token: TOKEN, retry: false });
    const ch = checker("look-alikes");
    const host = decoyHost();
    const paths = [`\\\\${host}/x`, `/\\${host}/x`, `http:${host}/x`, `http:\\\\${host}/x`, `https:${host}/x`];
    await nothingReachesTheDecoy(ch, async () => {
      for (const path of paths) {
        const e = await rejects(c.get(path), `get(${show(path)})`);
        // The API answers 404: the request went to it, under /v1.
        ch.eq(e && e.name, "NotFoundError", `get(${show(path)}) should reach the API (a 404 there), got ${show(e)}`);
      }
    });
    const log = await f.log();
    ch.eq(log.length, paths.length, "requests the API got");
    for (const entry of log) ch.ok(entry.path.startsWith("/v1/"), `the API got ${show(entry.path)}, outside /v1/`);
    ch.done();
  });

  test("security: scope — absolute and protocol-relative URLs to another origin are TypeErrors; nothing reaches it", async () => {
    const f = fresh();
    const c = new P.Client({ baseUrl: f.baseUrl, token: TOKEN });
    const ch = checker("absolute");
    const origin = new URL(f.baseUrl).origin;
    const others = [
      `${DECOY}/x`, `//${decoyHost()}/x`, `${DECOY}${new URL(f.baseUrl).pathname}/x`,
      `${origin}@${decoyHost()}/x`, `${origin}\\@${decoyHost()}/x`, `${origin.replace("http:", "https:")}/x`,
    ];
    await nothingReachesTheDecoy(ch, async () => {
      for (const url of others) {
        const e = await rejects(c.get(url), `get(${show(url)})`);
        ch.ok(e instanceof TypeError, `get(${show(url)}) should reject with a TypeError, got ${show(e)}`);
      }
    });
    ch.eq((await f.log()).length, 0, "requests the API got");
    ch.done();
  });

  test("security: scope — a token in a query value or a path is [redacted] in error.url, onRetry's url, toString and JSON", async () => {
    const f = fresh();
    const infos = [];
    const c = new P.Client({
      baseUrl: f.baseUrl, token: TOKEN, retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 5 },
      onRetry: (info) => infos.push(info),
    });
    const ch = checker("redaction");
    const errors = [
      await rejects(c.get("/status/503", { query: { access_token: TOKEN } })),
      await rejects(c.get(`/status/404?access_token=${TOKEN_B}`)),
      await rejects(c.get(`/status/404?t=${encodeURIComponent(TOKEN).replace("_", "%5F")}`)),
      await rejects(c.get(`/status/404/${TOKEN}`)),
      await rejects(c.get("/drop", { query: { token: TOKEN } })),
    ];
    for (const e of errors) {
      const hits = leaks(e);
      ch.ok(hits.length === 0, `${e && e.name} shows a token: ${show(hits[0])}`);
      ch.ok(String(e && e.url).includes("[redacted]"), `${e && e.name}'s url should show [redacted]: ${show(e && e.url)}`);
    }
    ch.eq(errors[0].url, `${f.baseUrl}/status/503?access_token=[redacted]`, "the 503's url");
    ch.ok(infos.length >= 2, `onRetry ran ${infos.length} times`);
    for (const info of infos) {
      ch.ok(!withToken(info.url) && info.url.includes("[redacted]"), `onRetry's url: ${show(info.url)}`);
    }
    // The server did get the query value: redaction is in what is reported only.
    const got = (await f.requests("GET", "/status/503"))[0];
    ch.eq(got && new URLSearchParams(got.query).get("access_token"), TOKEN, "access_token the server received");
    ch.done();
  });

  test("security: scope — paginate refuses a Link or meta.next that leaves baseUrl; nothing reaches the target", async () => {
    const f = fresh();
    const base = `${f.baseUrl}/v1`;
    const c = new P.Client({ baseUrl: base, token: TOKEN });
    const ch = checker("paginate");
    const abs = (p) => `${new URL(f.baseUrl).origin}${p}`;
    const targets = [
      ["link", `${DECOY}/x`],
      ["link", `//${decoyHost()}/x`],
      ["link", `${base}/../outside`],
      ["link", `${base}/%2e%2e/outside`],
      ["next", `${DECOY}${new URL(base).pathname}/handoff`],
      ["next", abs(`${new URL(base).pathname}/../outside`)],
      ["next", `${new URL(f.baseUrl).pathname}/outside`], // root-relative, outside /v1
    ];
    await nothingReachesTheDecoy(ch, async () => {
      for (const [how, target] of targets) {
        const pages = [];
        let e;
        try {
          for await (const page of c.paginate("/handoff", { query: { [how]: target } }).pages()) pages.push(page);
        } catch (x) {
          e = x;
        }
        ch.eq(pages.length, 1, `pages yielded before ${how} → ${show(target)}`);
        ch.ok(e instanceof TypeError, `${how} → ${show(target)}: expected a TypeError, got ${show(e)}`);
      }
    });
    const outside = (await f.log()).filter((e) => !e.path.startsWith("/v1/"));
    ch.eq(outside.length, 0, `requests outside /v1 (${show(outside.map((e) => e.path))})`);
    ch.done();
  });

  test("security: scope — a Link-derived page URL holding a token is [redacted] in page.url", async () => {
    const f = fresh();
    const c = new P.Client({ baseUrl: f.baseUrl, token: TOKEN });
    const next = `${f.baseUrl}/pages/cursor?cursor=c5&sig=${TOKEN}`;
    const pages = [];
    for await (const page of c.paginate("/handoff", { query: { link: next } }).pages()) {
      pages.push(page);
      if (pages.length === 2) break;
    }
    const ch = checker("page url");
    ch.eq(pages.length, 2, "pages");
    ch.eq(pages[1] && pages[1].url, `${f.baseUrl}/pages/cursor?cursor=c5&sig=[redacted]`, "the second page's url");
    ch.done();
  });

  test("security: scope — redirects are not followed (cross-origin, same-origin, 307 POST): an HttpError, nothing sent to the target", async () => {
    const f = fresh();
    const c = new P.Client({ baseUrl: f.baseUrl, token: TOKEN, orgId: h.ORG });
    const ch = checker("redirects");
    const cases = [
      ["GET", 302, `${DECOY}/x`],
      ["GET", 301, `${DECOY}/s/${f.scope}/items`],
      ["POST", 307, `${DECOY}/x`],
      ["PUT", 308, `${DECOY}/x`],
      ["GET", 302, `${f.baseUrl}/echo`],
      ["GET", 303, "/outside"],
    ];
    await nothingReachesTheDecoy(ch, async () => {
      for (const [method, code, location] of cases) {
        const path = `/status/${code}?location=${encodeURIComponent(location)}`;
        const e = await rejects(c.request({ method, path, body: method === "GET" ? undefined : { secret: 1 } }), `${method} ${code}`);
        ch.eq(e && e.name, "HttpError", `${method} ${code} → ${location}: class`);
        ch.ok(P.isHttpError(e) && e.kind === "http", `${method} ${code}: isHttpError and kind "http"`);
        ch.eq(e && e.attempts, 1, `${method} ${code}: attempts (a redirect is not retried)`);
        ch.ok(/redirect/.test(String(e && e.message)), `${method} ${code}: the message should name the redirect: ${show(e && e.message)}`);
      }
    });
    const followed = (await f.log()).filter((e) => !e.path.startsWith("/status/"));
    ch.eq(followed.length, 0, `redirect targets on the API that were requested (${show(followed.map((e) => e.path))})`);
    // A 3xx without Location carries no target: with a token it is opaque too (status 0).
    const noLocation = await rejects(c.get("/status/302"), "GET 302 without Location");
    ch.eq(noLocation && noLocation.status, 0, "a token-carrying request's 302 without Location: status");
    ch.done();
  });

  test("security: scope — a bare request (no token, org or body) may be followed by the browser, but its answer is refused; a 3xx without Location keeps its status", async () => {
    const f = fresh();
    const bare = new P.Client({ baseUrl: f.baseUrl, retry: false });
    const ch = checker("bare redirects");
    const e = await rejects(bare.get(`/status/302?location=${encodeURIComponent(`${f.baseUrl}/echo`)}`), "GET 302 → /echo");
    ch.eq(e && e.name, "HttpError", "class");
    ch.eq(e && e.status, 0, "status");
    ch.ok(/redirect/.test(String(e && e.message)), `message: ${show(e && e.message)}`);
    const plain = await rejects(bare.get("/status/302"), "GET 302 without Location");
    ch.eq(plain && plain.status, 302, "a 3xx without Location: status");
    ch.eq(plain && plain.name, "HttpError", "a 3xx without Location: class");
    ch.done();
  });
}
