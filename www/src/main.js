// projekt-client demo: plain DOM, every server-provided string set with
// textContent (never innerHTML).
import { Client, bindErrors, clearErrors, isProjektError, isValidationError } from "projekt-client";

const $ = (sel) => document.querySelector(sel);

// `?api=` picks the API base (absolute, or relative to this page); the
// default is this origin's `/s/demo` (the test server serves both).
const api = new URL(new URLSearchParams(location.search).get("api") || "/s/demo", location.href)
  .href.replace(/\/+$/, "");
$("#api-base").textContent = api;

let retryTimer = 0;
let client, panelClient, timeoutClient;
try {
  client = new Client({
    baseUrl: api,
    onRetry: ({ attempt, delayMs, reason, status }) => showRetry(attempt, delayMs, reason, status),
  });
  // The error panel shows each failure as it comes: no retries, no cache; its
  // "timeout" button uses a client that gives up after 1 s.
  panelClient = new Client({ baseUrl: api, retry: false, cache: false });
  timeoutClient = new Client({ baseUrl: api, retry: false, cache: false, timeoutMs: 1000 });
} catch (e) {
  // A bad ?api= (relative to nothing, not http(s)): the constructor's TypeError.
  $("#api-base").textContent = `${api} — ${e.message}`;
  throw e;
}

function describe(e) {
  if (!isProjektError(e)) return String(e);
  return `${e.name} (${e.kind}, status ${e.status}): ${e.message}`;
}

// (a) Items, fetched with ETag: the second fetch is a 304 served from the cache.
async function loadItems() {
  const status = $("[data-items-status]");
  const badge = $("[data-cache-badge]");
  status.textContent = "Loading…";
  try {
    const res = await client.request({ method: "GET", path: "/items" });
    const list = $("[data-items-list]");
    list.replaceChildren(
      ...(res.data?.data ?? []).map((item) => {
        const li = document.createElement("li");
        li.textContent = `#${item.id} ${item.title}`;
        return li;
      }),
    );
    badge.hidden = !res.fromCache;
    status.textContent = `HTTP ${res.status}, ETag ${res.etag ?? "none"}, ` +
      `${res.attempts} attempt(s), ${res.fromCache ? "from cache" : "fresh"}`;
  } catch (e) {
    badge.hidden = true;
    status.textContent = describe(e);
  }
}
$("[data-refresh]").addEventListener("click", loadItems);

// (b) The issue form: a 422 is bound to the fields by bindErrors.
const form = $("[data-issue-form]");
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const out = $("[data-form-result]");
  const data = new FormData(form);
  const body = {
    title: data.get("title"),
    priority: data.get("priority"),
    items: [{ name: data.get("items[0][name]") }],
  };
  out.textContent = "Sending…";
  try {
    const created = await client.post("/validate", body);
    clearErrors(form);
    out.textContent = `Created #${created.id}`;
  } catch (e) {
    if (isValidationError(e)) {
      const unmatched = bindErrors(form, e);
      out.textContent = `${e.message}: ${e.fields().length} field(s)` +
        (unmatched.length ? `, ${unmatched.length} shown above the form` : "");
    } else {
      out.textContent = describe(e);
    }
  }
});

// (c) A rate-limited endpoint: the client waits what X-RateLimit-Reset says.
function showRetry(attempt, delayMs, reason, status) {
  const el = $("[data-ratelimit-status]");
  clearInterval(retryTimer);
  const until = Date.now() + delayMs;
  const tick = () => {
    const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    el.textContent = `${reason} (${status}): retrying in ${left} s (attempt ${attempt})`;
    if (left === 0) clearInterval(retryTimer);
  };
  tick();
  retryTimer = setInterval(tick, 250);
}
$("[data-ratelimit]").addEventListener("click", async () => {
  const el = $("[data-ratelimit-status]");
  el.textContent = "Calling…";
  try {
    const res = await client.request({ path: "/ratelimit/demo", query: { reset: 3, limit: 1 } });
    clearInterval(retryTimer);
    el.textContent = `ok after ${res.attempts} attempt(s) (call #${res.data.n} in this window)`;
  } catch (e) {
    clearInterval(retryTimer);
    el.textContent = describe(e);
  }
});

// (d) The error panel: one button per failure the server can produce.
const failures = [
  ...[400, 401, 403, 404, 405, 409, 422, 429, 500, 502, 503, 504].map((code) => [String(code), `/status/${code}`]),
  ["network", "/drop"],
  ["timeout", "/slow?ms=10000"],
];
const buttons = $("[data-error-buttons]");
for (const [label, path] of failures) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.status = label;
  b.addEventListener("click", () => showError(label, path));
  buttons.append(b);
}

function extraOf(e) {
  switch (e.kind) {
    case "forbidden": return `reason: ${e.reason}`;
    case "method_not_allowed": return `allow: ${e.allow.join(", ")}`;
    case "validation": return `fieldErrors: ${JSON.stringify(e.fieldErrors)}`;
    case "rate_limited": return `retryAfterMs: ${e.retryAfterMs}`;
    case "network": return `cause: ${e.cause}`;
    default: return `attempts: ${e.attempts}`;
  }
}

async function showError(label, path) {
  const out = (k, v) => { $(`[data-out="${k}"]`).textContent = v; };
  const panel = $("[data-error-out]");
  panel.dataset.done = "";
  for (const k of ["class", "kind", "status", "message", "extra"]) out(k, "");
  out("class", "…");
  try {
    const data = await (label === "timeout" ? timeoutClient : panelClient).get(path);
    out("class", "(no error)");
    out("message", JSON.stringify(data));
  } catch (e) {
    if (!isProjektError(e)) {
      out("class", e?.name ?? typeof e);
      out("message", String(e));
      return;
    }
    out("class", e.name);
    out("kind", e.kind);
    out("status", String(e.status));
    out("message", e.message);
    out("extra", extraOf(e));
  } finally {
    panel.dataset.done = label;
  }
}

loadItems();
