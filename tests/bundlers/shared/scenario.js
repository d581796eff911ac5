// The page every bundler fixture builds (tests/bundlers/run.mjs copies this
// file into each fixture's src/ before the build). It takes the package's
// module namespace, whichever entry the fixture imports, and a <form> to
// bind errors to, and runs against the test server named in the page's URL
// (?api=http://127.0.0.1:PORT&scope=NAME):
//
//   1. a GET arrives (the driver also reads it in the server's log);
//   2. a 429 is waited out and retried (onRetry here, the count at the server);
//   3. the form's submit posts an empty form: the 422 becomes a
//      ValidationError whose messages bindErrors puts on the form's controls
//      and fieldMessages lists (the driver clicks the button and reads the DOM).
//
// What it saw goes to window.__projekt ({ done, ok, checks, entry }) and
// into <pre id="result">, which the driver reads.

export function pageParams(search = globalThis.location?.search ?? "") {
  const q = new URLSearchParams(search);
  const api = q.get("api");
  const scope = q.get("scope") || "bundlers";
  if (!api) throw new Error("the page needs ?api=http://127.0.0.1:PORT");
  return { api, scope, baseUrl: `${api}/s/${scope}` };
}

export async function scenario(pc, { form, out, entry }) {
  const state = { done: false, ok: false, entry, checks: [], submitted: null };
  globalThis.__projekt = state;
  const check = (name, ok, detail) => {
    state.checks.push({ name, ok: !!ok, detail: detail === undefined ? undefined : String(detail) });
  };
  const show = () => { if (out) out.textContent = JSON.stringify(state, null, 2); };
  try {
    const { baseUrl } = pageParams();
    const retries = [];
    const client = new pc.Client({
      baseUrl,
      token: "pjk_live_fixture",
      retry: { limit: 3, baseDelayMs: 50, maxDelayMs: 5000 },
      onRetry: (info) => retries.push(info),
    });

    // 1. A GET.
    const echo = await client.get("/echo", { query: { from: entry } });
    check("GET resolves with the parsed body", echo?.method === "GET" && echo.path === "/echo", JSON.stringify(echo?.method));
    check("the token is sent", echo?.headers?.authorization === "Bearer pjk_live_fixture");

    // 2. A 429, waited out (X-RateLimit-Reset: 1 s) and retried.
    await client.get("/ratelimit/page", { query: { limit: 1, reset: 1 } });
    const t0 = performance.now();
    const second = await client.get("/ratelimit/page", { query: { limit: 1, reset: 1 } });
    const waited = performance.now() - t0;
    check("a 429 is retried and resolves", second?.ok === true, JSON.stringify(second));
    check("onRetry saw the 429", retries.length === 1 && retries[0].reason === "rate_limited" && retries[0].status === 429 && retries[0].attempt === 2,
      JSON.stringify(retries));
    check("the wait honoured X-RateLimit-Reset", waited >= 900, `${Math.round(waited)} ms`);

    // 3. A 422 bound to the form: wired to its submit, which the driver clicks.
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = Object.fromEntries(new FormData(form));
      try {
        await client.post("/validate", body);
        state.submitted = { ok: true };
      } catch (e) {
        const unmatched = pc.bindErrors(form, e);
        state.submitted = {
          isValidationError: pc.isValidationError(e),
          instanceOf: e instanceof pc.ValidationError && e instanceof pc.HttpError && e instanceof Error,
          status: e.status,
          kind: e.kind,
          first: e.first?.("title"),
          fieldMessages: pc.fieldMessages(e),
          unmatched,
        };
      }
      show();
    });
    form.dataset.ready = "1";
    state.ok = state.checks.every((c) => c.ok);
  } catch (e) {
    check("the scenario ran", false, e && (e.stack || e));
    state.ok = false;
  }
  state.done = true;
  show();
  return state;
}

/** The form every fixture's page has (built here so the markup is the same everywhere). */
export function formHtml() {
  return `
    <form id="issue" novalidate>
      <div data-error-summary></div>
      <label>Title <input name="title" value=""></label>
      <label>Priority
        <select name="priority">
          <option value="nope">(none)</option>
          <option value="low">low</option>
          <option value="high">high</option>
        </select>
      </label>
      <button type="submit">Save</button>
    </form>
    <pre id="result"></pre>`;
}

/** Mounts the form into `root` and runs the scenario (the fixtures' usual entry). */
export function mount(pc, root, entry) {
  root.innerHTML = formHtml();
  return scenario(pc, { form: root.querySelector("form"), out: root.querySelector("#result"), entry });
}
