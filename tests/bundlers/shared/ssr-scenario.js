// The server-side scenario (tests/bundlers/node): the same three behaviours
// as scenario.js, without a DOM: a GET, a 429 retried, and a 422 whose
// fieldMessages are rendered next to the form's fields in the HTML.
const escape = (s) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export async function ssrScenario(pc, baseUrl, entry) {
  const state = { done: false, ok: false, entry, checks: [] };
  const check = (name, ok, detail) => state.checks.push({ name, ok: !!ok, detail: detail === undefined ? undefined : String(detail) });
  try {
    const retries = [];
    const client = new pc.Client({
      baseUrl,
      token: "pjk_live_fixture",
      retry: { limit: 3, baseDelayMs: 50, maxDelayMs: 5000 },
      onRetry: (info) => retries.push(info),
    });
    const echo = await client.get("/echo", { query: { from: entry } });
    check("GET resolves with the parsed body", echo?.method === "GET" && echo.path === "/echo");

    await client.get("/ratelimit/ssr", { query: { limit: 1, reset: 1 } });
    const second = await client.get("/ratelimit/ssr", { query: { limit: 1, reset: 1 } });
    check("a 429 is retried and resolves", second?.ok === true && retries.length === 1 && retries[0].reason === "rate_limited", JSON.stringify(retries));

    let html = "";
    try {
      await client.post("/validate", { title: "", priority: "nope" });
    } catch (e) {
      const messages = Object.fromEntries(pc.fieldMessages(e));
      check("the 422 is a ValidationError", pc.isValidationError(e) && e instanceof pc.ValidationError && e.status === 422);
      html = ["title", "priority"].map((f) =>
        `<label>${f} <input name="${f}"${messages[f] ? ` aria-invalid="true"` : ""}>` +
        (messages[f] ? `<span role="alert">${escape(messages[f])}</span>` : "") + "</label>").join("\n");
    }
    check("fieldMessages rendered into the HTML",
      html.includes('<span role="alert">The title field is required</span>') && html.includes("The priority must be one of"), html);

    const counts = await (await fetch(`${baseUrl}/__counts`)).json();
    check("the server saw 3 GETs of the rate-limited path and one 429",
      counts.by_path?.["GET /ratelimit/ssr"] === 3 && counts.rate_limited === 1, JSON.stringify(counts.by_path));
  } catch (e) {
    check("the scenario ran", false, e && (e.stack || e));
  }
  state.ok = state.checks.every((c) => c.ok);
  state.done = true;
  return state;
}
