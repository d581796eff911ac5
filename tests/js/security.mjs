// Security properties of the JS face (issue 8, item 4) not covered by the
// "secrecy:", "request: credentials" and "forms: … as text" tests in
// suite.mjs: the token over plain http://, the token in every error class,
// onRetry info, console output and cacheStats(), and identities switched
// while a request is in flight (the test server's /whoami answers with a
// digest of the caller's Authorization + X-Org-Id; lax304=1 makes it answer
// 304 to *any* If-None-Match, so a client that sent one identity's tag for
// another would be handed the wrong body).
//
// suite.mjs calls the default export with its harness; every test name
// starts with "security:" (`run.mjs --filter security:`).

export default function register(h) {
  const { test, P, fresh, ok, eq, rejects, sleep, show, header, checker, reachableStrings, withConsoleCapture, TOKEN, TOKEN_B, ORG, ORG_B } = h;

  // ------------------------------------------------------ plain http://

  const REMOTE_HTTP = [
    "http://api.example.test/v1",
    "http://10.0.0.7:8080/v1",
    // Look like loopback but name remote hosts: only 127.0.0.0/8, localhost,
    // *.localhost and [::1] are this machine.
    "http://127.attacker.example/v1",
    "http://127.0.0.1.nip.io/v1",
    "http://localhost.attacker.example/v1",
  ];
  const LOCAL_OR_TLS = [
    "https://api.example.test/v1",
    "http://127.0.0.1:9/v1",
    "http://127.1.2.3:9/v1",
    "http://localhost:9/v1",
    "http://app.localhost:9/v1",
    "http://[::1]:9/v1",
  ];

  test("security: a token is refused over plain http:// to a non-loopback host (construct and setToken), without echoing it", () => {
    const c = checker("http://");
    for (const baseUrl of REMOTE_HTTP) {
      let e;
      try {
        new P.Client({ baseUrl, token: TOKEN });
      } catch (x) {
        e = x;
      }
      c.ok(e instanceof TypeError, `new Client({ baseUrl: ${show(baseUrl)}, token }) should throw a TypeError, got ${show(e)}`);
      if (e) c.ok(!String(e.message).includes(TOKEN) && !String(e.stack).includes(TOKEN), `the TypeError for ${baseUrl} echoes the token`);
      // Without a token the client is fine; setToken then refuses and keeps none.
      let client;
      try {
        client = new P.Client({ baseUrl });
      } catch (x) {
        c.ok(false, `new Client({ baseUrl: ${show(baseUrl)} }) without a token threw ${show(x)}`);
        continue;
      }
      let se;
      try {
        client.setToken(TOKEN);
      } catch (x) {
        se = x;
      }
      c.ok(se instanceof TypeError, `setToken over ${baseUrl} should throw a TypeError, got ${show(se)}`);
      if (se) c.ok(!String(se.message).includes(TOKEN), `setToken's TypeError for ${baseUrl} echoes the token`);
    }
    c.done();
  });

  test("security: https://, loopback http:// and allowInsecureToken: true accept a token", () => {
    const c = checker("accepted");
    for (const baseUrl of LOCAL_OR_TLS) {
      try {
        new P.Client({ baseUrl, token: TOKEN });
      } catch (x) {
        c.ok(false, `new Client({ baseUrl: ${show(baseUrl)}, token }) threw ${show(x)}`);
      }
    }
    for (const baseUrl of REMOTE_HTTP) {
      try {
        const client = new P.Client({ baseUrl, token: TOKEN, allowInsecureToken: true });
        client.setToken(TOKEN_B);
      } catch (x) {
        c.ok(false, `allowInsecureToken: true over ${baseUrl} threw ${show(x)}`);
      }
    }
    c.done();
  });

  // ------------------------------------------- the token in every error

  const strings = (v) => reachableStrings(v);
  function tokenHits(e) {
    const parts = [];
    try { parts.push(JSON.stringify(e)); } catch (x) { parts.push(`JSON.stringify threw ${x}`); }
    parts.push(String(e), String(e && e.message), String(e && e.url), String(e && e.stack));
    if (e && e.cause !== undefined) parts.push(...strings(e.cause), String(e.cause && e.cause.stack));
    for (const key of Reflect.ownKeys(e || {})) parts.push(...strings(e[key]));
    for (const key of ["data", "delays", "headers", "cause"]) {
      try { parts.push(...strings(e[key])); } catch { /* ignore */ }
    }
    return parts.filter((s) => typeof s === "string" && (s.includes(TOKEN) || s.includes(TOKEN_B)));
  }

  test("security: the token is in no error of any class (network, timeout, abort, decode, 5xx, 429, 404, 422), nor onRetry info, console output or cacheStats()", async () => {
    const f = fresh();
    const retried = [];
    const errors = [];
    let stats;
    const logged = await withConsoleCapture(async () => {
      const c = f.client({ token: TOKEN, retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 20 }, onRetry: (info) => retried.push(info) });
      const t = f.client({ token: TOKEN, retry: false, timeoutMs: 150 });
      const cases = [
        ["NetworkError", () => c.get("/drop")],
        ["TimeoutError", () => t.get("/slow?ms=2000")],
        ["AbortError", () => {
          const ac = new AbortController();
          const p = c.get("/slow?ms=2000", { signal: ac.signal });
          setTimeout(() => ac.abort(new Error("user left")), 50);
          return p;
        }],
        ["DecodeError", () => c.get("/notjson")],
        ["UnavailableError", () => c.get("/status/503")],
        ["ServerError", () => c.post("/status/500", { a: 1 })],
        ["RateLimitError", () => c.get("/status/429?retry_after=600")],
        ["NotFoundError", () => c.get("/status/404")],
        ["ValidationError", () => c.post("/validate", { title: "" })],
      ];
      for (const [cls, run] of cases) errors.push([cls, await rejects(run(), cls)]);
      await c.get("/items/1");
      await c.get("/items/1");
      stats = c.cacheStats();
    });
    const ch = checker("token");
    for (const [cls, e] of errors) {
      ch.eq(e && e.name, cls, `class for the ${cls} case`);
      const hits = tokenHits(e);
      ch.ok(hits.length === 0, `${cls} holds the token: ${show(hits[0])}`);
    }
    ch.ok(retried.length >= 2, `onRetry should have run (network and 503), ran ${retried.length} times`);
    for (const info of retried) {
      const hit = strings(info).find((s) => s.includes(TOKEN));
      ch.ok(!hit, `onRetry info holds the token: ${show(hit)}`);
    }
    const hit = strings(logged.map((l) => l.args)).find((s) => s.includes(TOKEN));
    ch.ok(!hit, `console output holds the token: ${show(hit)}`);
    ch.ok(stats && stats.entries >= 1, `precondition: cacheStats() ${show(stats)} should count the cached GET`);
    ch.ok(!strings(stats).some((s) => s.includes(TOKEN) || s.includes("pjk_")), `cacheStats() mentions the token: ${show(stats)}`);
    // Nothing but the Authorization header carried it to the server.
    for (const entry of await f.log()) {
      ch.ok(!String(entry.query).includes(TOKEN) && !String(entry.path).includes(TOKEN) && !String(entry.body).includes(TOKEN),
        `${entry.method} ${entry.path} carried the token outside Authorization`);
    }
    ch.done();
  });

  // --------------------------------------------- identities mid-flight

  const WHO = "/whoami?delay_ms=300&lax304=1";

  /** The server's digest for an identity, asked without any cache. */
  async function whoOf(f, token, orgId) {
    const c = f.client({ ...(token ? { token } : {}), ...(orgId ? { orgId } : {}), cache: false, retry: false });
    return (await c.get("/whoami?probe=1")).who;
  }
  async function whoamiLog(f) {
    return (await f.requests("GET", "/whoami")).filter((e) => !String(e.query).includes("probe=1"));
  }
  const tagOf = (who) => `"who-${who}"`;

  test("security: setToken while a GET is in flight — each identity gets its own body; no shared request, no If-None-Match across identities", async () => {
    const f = fresh();
    const whoA = await whoOf(f, TOKEN);
    const whoB = await whoOf(f, TOKEN_B);
    ok(whoA !== whoB, "precondition: the server tells the identities apart");
    const c = f.client({ token: TOKEN, retry: false });
    const pa = c.request({ path: WHO });
    await sleep(60);
    c.setToken(TOKEN_B);
    const pb = c.request({ path: WHO });
    const [ra, rb] = await Promise.all([pa, pb]);
    const ch = checker("mid-flight");
    ch.eq(ra.data && ra.data.who, whoA, "A's GET (sent before setToken) body");
    ch.eq(rb.data && rb.data.who, whoB, "B's GET (after setToken, same URL, A's still in flight) body");
    ch.eq(rb.fromCache, false, "B's fromCache");
    let log = await whoamiLog(f);
    ch.eq(log.length, 2, "GETs of /whoami the server got (B must not join A's request)");
    ch.eq(header(log[0], "authorization"), `Bearer ${TOKEN}`, "first GET's Authorization");
    ch.eq(header(log[1], "authorization"), `Bearer ${TOKEN_B}`, "second GET's Authorization");
    // B again: revalidates with B's tag (or none), never A's.
    const rb2 = await c.request({ path: WHO });
    ch.eq(rb2.data && rb2.data.who, whoB, "B's second GET body");
    log = await whoamiLog(f);
    const inm3 = header(log[2], "if-none-match");
    ch.ok(inm3 === undefined || inm3 === tagOf(whoB), `B's second GET sent If-None-Match ${show(inm3)} (A's is ${tagOf(whoA)})`);
    // Back to A: A's body, with A's tag or none.
    c.setToken(TOKEN);
    const ra2 = await c.request({ path: WHO });
    ch.eq(ra2.data && ra2.data.who, whoA, "A's GET after switching back");
    log = await whoamiLog(f);
    const inm4 = header(log[3], "if-none-match");
    ch.ok(inm4 === undefined || inm4 === tagOf(whoA), `A's GET after switching back sent If-None-Match ${show(inm4)}`);
    ch.done();
  });

  test("security: a body that arrives after setToken is not served to the new identity (force-cache, and revalidation, as B)", async () => {
    const f = fresh();
    const whoA = await whoOf(f, TOKEN);
    const whoB = await whoOf(f, TOKEN_B);
    const c = f.client({ token: TOKEN, retry: false });
    const pa = c.get(WHO);
    await sleep(60);
    c.setToken(TOKEN_B);
    const a = await pa; // arrives (and may be stored) after the switch
    const ch = checker("late body");
    ch.eq(a && a.who, whoA, "A's body");
    const forced = await c.request({ path: WHO, cache: "force-cache" });
    ch.eq(forced.data && forced.data.who, whoB, "B's force-cache GET body");
    const plain = await c.request({ path: WHO });
    ch.eq(plain.data && plain.data.who, whoB, "B's plain GET body");
    const log = await whoamiLog(f);
    ch.ok(log.length >= 2, `B's force-cache GET should have gone to the server (${log.length} GETs)`);
    for (const e of log.slice(1)) {
      const inm = header(e, "if-none-match");
      ch.ok(inm !== tagOf(whoA), `a GET as B sent A's tag ${show(inm)}`);
      ch.eq(header(e, "authorization"), `Bearer ${TOKEN_B}`, "Authorization of a GET after the switch");
    }
    ch.done();
  });

  test("security: setOrgId while a GET is in flight — the other org never gets this org's body or tag", async () => {
    const f = fresh();
    const whoA = await whoOf(f, TOKEN, ORG);
    const whoB = await whoOf(f, TOKEN, ORG_B);
    ok(whoA !== whoB, "precondition: the server tells the orgs apart");
    const c = f.client({ token: TOKEN, orgId: ORG, retry: false });
    const pa = c.get(WHO);
    await sleep(60);
    c.setOrgId(ORG_B);
    const pb = c.get(WHO);
    const [a, b] = await Promise.all([pa, pb]);
    const ch = checker("org mid-flight");
    ch.eq(a && a.who, whoA, "first org's body");
    ch.eq(b && b.who, whoB, "second org's body");
    const again = await c.request({ path: WHO });
    ch.eq(again.data && again.data.who, whoB, "second org's body again");
    const log = await whoamiLog(f);
    ch.eq(log.length, 3, "GETs of /whoami");
    ch.eq(header(log[1], "x-org-id"), ORG_B, "X-Org-Id of the second GET");
    for (const e of log.slice(1)) ch.ok(header(e, "if-none-match") !== tagOf(whoA), "a GET for the second org sent the first org's tag");
    ch.done();
  });

  test("security: setToken(null) while a revalidation is in flight — the anonymous identity never gets the token's body or tag", async () => {
    const f = fresh();
    const whoA = await whoOf(f, TOKEN);
    const whoAnon = await whoOf(f, null);
    const c = f.client({ token: TOKEN, retry: false });
    await c.get(WHO); // stored for A
    const pa = c.get(WHO); // A revalidates, in flight
    await sleep(60);
    c.setToken(null);
    const anon = await c.request({ path: WHO, cache: "force-cache" });
    const a = await pa;
    const ch = checker("anonymous");
    ch.eq(a && a.who, whoA, "A's revalidated body");
    ch.eq(anon.data && anon.data.who, whoAnon, "the anonymous identity's force-cache body");
    const log = await whoamiLog(f);
    const last = log[log.length - 1];
    ch.eq(header(last, "authorization"), undefined, "Authorization of the anonymous GET");
    ch.ok(header(last, "if-none-match") !== tagOf(whoA), "the anonymous GET sent A's tag");
    ch.done();
  });
}
