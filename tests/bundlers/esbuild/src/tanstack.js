// tanstack.html: the TanStack Query recipe (src/projekt-query.js,
// docs/tanstack-query.md) with @tanstack/query-core in a real page, against
// the test server. Reports to window.__projekt like the common page.
import { MutationObserver, QueryClient, QueryObserver } from "@tanstack/query-core";
import init, * as pc from "projekt-client/inline";
import { getQuery, projektQueryDefaults } from "./projekt-query.js";
import { formHtml, pageParams } from "./scenario.js";

const state = { done: false, ok: false, checks: [], figures: {} };
globalThis.__projekt = state;
const check = (name, ok, detail) => state.checks.push({ name, ok: !!ok, detail: detail === undefined ? undefined : String(detail) });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, ms = 10_000) {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${cond}`);
    await sleep(10);
  }
}

/** What a component's useQuery does: observe until the query settles (retries included). */
function settle(queryClient, options) {
  const observer = new QueryObserver(queryClient, options);
  return new Promise((resolve) => {
    const unsubscribe = observer.subscribe((r) => {
      if (r.fetchStatus === "idle" && (r.isSuccess || r.isError)) {
        unsubscribe();
        resolve(r);
      }
    });
  });
}

async function main() {
  await init();
  const root = document.getElementById("app");
  root.innerHTML = formHtml();
  const form = root.querySelector("form");
  const { baseUrl } = pageParams();
  const byPath = async () => (await (await fetch(`${baseUrl}/__counts`)).json()).by_path ?? {};

  const retries = [];
  const client = new pc.Client({ baseUrl, retry: { limit: 3, baseDelayMs: 20, maxDelayMs: 500 }, onRetry: (i) => retries.push(i) });
  const queryClient = new QueryClient({ defaultOptions: projektQueryDefaults(client) });
  queryClient.mount();

  // queryFn calls and the errors they rejected with, per test.
  const calls = {};
  const seen = {};
  const counted = (name) => async (ctx) => {
    calls[name] = (calls[name] ?? 0) + 1;
    try {
      return await getQuery(client)(ctx);
    } catch (e) {
      seen[name] = e;
      throw e;
    }
  };

  // 1. queryFn passes TanStack's signal: cancelQueries aborts the request.
  {
    const t0 = performance.now();
    const p = queryClient.fetchQuery({ queryKey: ["/slow", { ms: 5000 }], queryFn: counted("slow") });
    await sleep(200);
    await queryClient.cancelQueries({ queryKey: ["/slow"] });
    await p.catch(() => {});
    const took = performance.now() - t0;
    check("cancelQueries aborts the client's request (TanStack's signal reached client.get)", pc.isAbortError(seen.slow), seen.slow?.name);
    check("… at once, not when the 5 s response comes", took < 2000, `${Math.round(took)} ms`);
  }

  // 2. A 503 on a GET: the client retries, TanStack does not.
  {
    retries.length = 0;
    const { data } = await settle(queryClient, { queryKey: ["/flaky/q503", { fail: 2, code: 503 }], queryFn: counted("q503") });
    check("a GET answered 503, 503, 200 resolves", data?.ok === true && data.attempt === 3, JSON.stringify(data));
    check("the client retried it (onRetry twice)", retries.length === 2 && retries.every((r) => r.reason === "unavailable"), JSON.stringify(retries.map((r) => r.reason)));
    check("TanStack called queryFn once", calls.q503 === 1, calls.q503);
  }

  // 3. A 401 is not retried, by either layer.
  {
    const { error: err } = await settle(queryClient, { queryKey: ["/status/401"], queryFn: counted("q401") });
    check("a 401 rejects with UnauthorizedError", pc.isUnauthorizedError(err), err?.name);
    check("TanStack did not retry the 401", calls.q401 === 1, calls.q401);
    check("the server got one request", (await byPath())["GET /status/401"] === 1);
  }

  // 4. A 429 asking for longer than the client's maxDelayMs (500 ms here):
  //    the client throws at once with retryAfterMs; TanStack waits that long, once.
  {
    const t0 = performance.now();
    const { data } = await settle(queryClient, { queryKey: ["/flaky/q429", { fail: 1, code: 429, retry_after: 1 }], queryFn: counted("q429") });
    const took = performance.now() - t0;
    check("a 429 with Retry-After: 1 over maxDelayMs 500 resolves on TanStack's one retry", data?.ok === true && calls.q429 === 2, `${calls.q429} calls`);
    check("TanStack waited the error's retryAfterMs", took >= 950, `${Math.round(took)} ms`);
    check("the server got 2 requests", (await byPath())["GET /flaky/q429"] === 2);
  }

  // 5. A 304 keeps the data: the client resolves the stored body, TanStack's
  //    structural sharing keeps the very same object (no re-render).
  {
    const obs = new QueryObserver(queryClient, { queryKey: ["/etag304"] });
    const unsubscribe = obs.subscribe(() => {});
    await until(() => obs.getCurrentResult().isSuccess);
    const first = obs.getCurrentResult();
    await sleep(5);
    const second = await obs.refetch();
    unsubscribe();
    check("refetch after a 304 keeps the data (the same object)", second.data === first.data && second.data?.fresh === true, JSON.stringify(second.data));
    check("… and counts as fresh data (dataUpdatedAt moved)", second.dataUpdatedAt > first.dataUpdatedAt && second.isSuccess);
    const logged = (await (await fetch(`${baseUrl}/__log`)).json()).filter((r) => r.path === "/etag304");
    check("the refetch sent If-None-Match (the server answered 304)", logged.length === 2 && logged[1].headers["if-none-match"] === '"x"',
      JSON.stringify(logged.map((r) => r.headers["if-none-match"] ?? null)));
  }

  // 6. A mutation's 422 reaches fieldMessages (and the form).
  {
    const mo = new MutationObserver(queryClient, { mutationFn: (body) => client.post("/validate", body) });
    await mo.mutate(Object.fromEntries(new FormData(form))).catch(() => {});
    const { error, failureCount } = mo.getCurrentResult();
    check("the mutation's error is a ValidationError", pc.isValidationError(error), error?.name);
    check("fieldMessages(error) lists both fields", JSON.stringify(pc.fieldMessages(error)) === JSON.stringify([
      ["title", "The title field is required"],
      ["priority", "The priority must be one of: low, medium, high, urgent"],
    ]), JSON.stringify(pc.fieldMessages(error)));
    pc.bindErrors(form, error);
    check("bindErrors marks the form's title", form.querySelector('[name="title"]').getAttribute("aria-invalid") === "true");
    check("the mutation was not retried", failureCount === 1 && (await byPath())["POST /validate"] === 1, failureCount);
  }

  // 7. A successful mutation then invalidateQueries: the refetch gets the new
  //    list (the client's POST dropped its stored copy: a 200, not a 304).
  {
    const list = new QueryObserver(queryClient, { queryKey: ["/items"] });
    const unsubscribe = list.subscribe(() => {});
    await until(() => list.getCurrentResult().isSuccess);
    const before = list.getCurrentResult().data.data.length;
    const mo = new MutationObserver(queryClient, {
      mutationFn: (body) => client.post("/items", body),
      onSuccess: () => queryClient.invalidateQueries({ queryKey: ["/items"] }),
    });
    await mo.mutate({ title: "from TanStack" });
    await until(() => list.getCurrentResult().data?.data.length === before + 1);
    unsubscribe();
    check("invalidateQueries after a POST shows the new item", true);
  }

  // Figures: one failing GET (503 every time) and one 401, observed as
  // useQuery would, with TanStack's defaults (retry: 3; its delays cut to
  // 1 ms here) and with the recipe.
  {
    const fast = new pc.Client({ baseUrl, retry: { limit: 3, baseDelayMs: 1 } });
    const defaults = new QueryClient({ defaultOptions: { queries: { queryFn: getQuery(fast), retryDelay: 1 } } });
    const recipe = new QueryClient({ defaultOptions: projektQueryDefaults(fast) });
    for (const [name, qc] of [["defaults", defaults], ["recipe", recipe]]) {
      await settle(qc, { queryKey: [`/flaky/${name}503`, { fail: 1000, code: 503 }] });
      await settle(qc, { queryKey: [`/flaky/${name}401`, { fail: 1000, code: 401 }] });
    }
    const by = await byPath();
    state.figures = {
      "503 GET, TanStack defaults": by["GET /flaky/defaults503"],
      "503 GET, recipe": by["GET /flaky/recipe503"],
      "401 GET, TanStack defaults": by["GET /flaky/defaults401"],
      "401 GET, recipe": by["GET /flaky/recipe401"],
    };
    check("requests for one failing GET: 16 with both layers' defaults, 4 with the recipe",
      state.figures["503 GET, TanStack defaults"] === 16 && state.figures["503 GET, recipe"] === 4, JSON.stringify(state.figures));
    check("requests for a 401: 4 with TanStack's defaults, 1 with the recipe",
      state.figures["401 GET, TanStack defaults"] === 4 && state.figures["401 GET, recipe"] === 1);
  }
  queryClient.unmount();
}

main().catch((e) => check("the TanStack page ran", false, e?.stack || e)).finally(() => {
  state.ok = state.checks.every((c) => c.ok);
  state.done = true;
  document.body.insertAdjacentHTML("beforeend", `<pre id="tanstack-result"></pre>`);
  document.getElementById("tanstack-result").textContent = JSON.stringify(state, null, 2);
});
