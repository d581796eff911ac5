// Path parameters (issue 24), against the built package in the browser:
// `params: { path }` fills `{name}` with each value percent-encoded as one
// segment (the test server's /files/{name} reports the raw segment it got
// and how many segments the path had); a missing, empty or dot value is a
// TypeError before anything is sent.
//
// suite.mjs calls the default export with its harness; every test name
// starts with "params:".

export default function register(h) {
  const { test, fresh, ok, rejects, show, checker } = h;

  test("params: each path parameter is one percent-encoded segment, whatever it holds", async () => {
    const f = fresh();
    const c = f.client();
    const ch = checker("encoding");
    for (const [value, raw] of [
      ["plain", "plain"],
      [7, "7"],
      [12345678901234567890n, "12345678901234567890"],
      ["a/b", "a%2Fb"],
      ["x?y=1#z", "x%3Fy%3D1%23z"],
      ["100%", "100%25"],
      ["a b", "a%20b"],
      ["é", "%C3%A9"],
      ["a\\b", "a%5Cb"],
      ["...", "..."],
    ]) {
      const got = await c.get("/files/{name}", { params: { path: { name: value } } });
      ch.eq(got.raw, raw, `raw segment for ${show(value)}`);
      ch.eq(got.segments, 2, `segments for ${show(value)}`);
    }
    ch.done();
  });

  test("params: a missing, empty or dot value is a TypeError that names the parameter, and nothing is sent", async () => {
    const f = fresh();
    const c = f.client();
    const ch = checker("refused");
    for (const [params, re] of [
      [{ path: {} }, /\{name\} has no value/],
      [{ path: { other: "x" } }, /\{name\} has no value/],
      [{ path: { name: "" } }, /\{name\} is empty/],
      [{ path: { name: ".." } }, /\{name\} is a dot segment/],
      [{ path: { name: "." } }, /\{name\} is a dot segment/],
      // Encoded as one segment ("..%2Fadmin"), but a server that decodes %2F
      // before routing would climb with it: the scope rule refuses it.
      [{ path: { name: "../admin" } }, /encoded "\.\." step/],
      [{ path: { name: {} } }, /params\.path\.name must be a string or a number/],
      ["x", /params must be an object/],
    ]) {
      let e;
      try {
        await c.get("/files/{name}", { params });
      } catch (x) {
        e = x;
      }
      ch.ok(e instanceof TypeError && re.test(e.message), `${show(params)} → ${show(e)}`);
    }
    ch.eq((await f.log()).length, 0, "requests the server got");
    ch.done();
  });

  test("params: request, paginate and update fill the path too", async () => {
    const f = fresh();
    const c = f.client();
    const r = await c.request({ path: "/files/{name}", params: { path: { name: "r/q" } } });
    ok(r.data.raw === "r%2Fq", `request: ${show(r.data)}`);
    const pages = [];
    for await (const item of c.paginate("/pages/{kind}", { params: { path: { kind: "cursor" } }, query: { per_page: 10 } })) {
      pages.push(item.id);
      if (pages.length === 12) break;
    }
    ok(pages.length === 12 && pages[11] === 12, `paginate: ${show(pages)}`);
    const u = await c.update("/items/{id}", (cur) => ({ ...cur, title: "via params" }), { params: { path: { id: 2 } } });
    ok(u.title === "via params" && u.id === 2, `update: ${show(u)}`);
    const e = await rejects(c.update("/items/{id}", (x) => x, { params: { path: {} } }));
    ok(e instanceof TypeError, `update without the parameter: ${show(e)}`);
  });
}
