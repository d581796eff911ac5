#!/usr/bin/env node
// End-to-end check of the www/ demo in headless Chromium (Playwright).
//
//   node www/e2e.mjs
//
// Builds the demo (npm install in www/ when node_modules is missing, then
// `vite build` into www/dist), starts the test server serving www/dist and
// the API on one origin (port 0), drives the page and checks what a person
// would see. Prints `ok …` / `not ok …` lines and `N passed, N failed`;
// exits 1 on any failure. Needs dist/bundler (scripts/build-package bundler
// dist/bundler) and playwright-core from the repository root's node_modules.
//
// Environment: PROJEKT_TEST_SERVER_BIN, CHROMIUM_BIN (default /usr/bin/chromium),
// E2E_SKIP_BUILD=1 (reuse www/dist as it is).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { startTestServer } from "../tests/support/server.mjs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const WWW = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(WWW, "..");
const SHOT_DIR = path.join(WWW, "test-results");
const SHOT = path.join(SHOT_DIR, "e2e-screenshot.png");
const T0 = Date.now();
const since = () => `${((Date.now() - T0) / 1000).toFixed(1)} s`;

let server = null;
let browser = null;
function cleanup() {
  if (server) server.stop();
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => { cleanup(); process.exit(130); });
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

// ---------------------------------------------------------------- build

function build() {
  if (!existsSync(path.join(ROOT, "dist/bundler/index.js"))) {
    throw new Error("dist/bundler/index.js missing: run scripts/build-package bundler dist/bundler");
  }
  if (process.env.E2E_SKIP_BUILD === "1" && existsSync(path.join(WWW, "dist/index.html"))) return;
  if (!existsSync(path.join(WWW, "node_modules/.bin/vite")) || !existsSync(path.join(WWW, "node_modules/projekt-client"))) {
    // `npm install`, not `npm ci`: vite 8 lists an optional Windows-only
    // dependency that the registry here lacks, so the lock never has it and
    // `npm ci` refuses the lock as out of sync. `npm install` keeps to the lock.
    console.error("e2e: npm install in www/");
    run("npm", ["install", "--no-audit", "--no-fund"], { cwd: WWW, stdio: ["ignore", "ignore", "inherit"] });
  }
  run(path.join(WWW, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], { cwd: WWW });
  console.error(`e2e: demo built (${since()})`);
}


// ---------------------------------------------------------------- checks

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok ${passed + failed} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${passed + failed} - ${name}\n  ${String(e?.message ?? e).split("\n").join("\n  ")}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
function eq(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function main() {
  build();
  server = await startTestServer(["--static", path.join(WWW, "dist")]);
  const base = server.url;
  const api = `${base}/s/e2e-${process.pid}-${Date.now()}`;
  console.error(`e2e: server ${base} (${since()})`);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  page.setDefaultTimeout(20_000);
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") pageErrors.push(`console: ${m.text()}`); });

  await check("the demo page loads the package (wasm) from the production build", async () => {
    const resp = await page.goto(`${base}/?api=${encodeURIComponent(api)}`);
    eq(resp.status(), 200, "page status");
    eq(await page.textContent("#api-base"), api, "API base shown");
  });

  const status = page.locator("[data-items-status]");
  const badge = page.locator("[data-cache-badge]");
  await check("the item list loads (fresh, no cache badge)", async () => {
    await page.locator("[data-items-list] li").nth(2).waitFor();
    const items = await page.locator("[data-items-list] li").allTextContents();
    eq(items.join(" | "), "#1 Item 1 | #2 Item 2 | #3 Item 3", "items");
    assert(/HTTP 200/.test(await status.textContent()), `status line: ${await status.textContent()}`);
    assert(await badge.isHidden(), "cache badge visible on the first load");
  });

  await check("Refresh gets a 304 and shows the \"served from cache\" badge", async () => {
    await page.click("[data-refresh]");
    await badge.waitFor({ state: "visible" });
    eq((await badge.textContent()).trim(), "served from cache", "badge text");
    assert(/HTTP 304/.test(await status.textContent()), `status line: ${await status.textContent()}`);
    eq(await page.locator("[data-items-list] li").count(), 3, "items after refresh");
  });

  const form = page.locator("[data-issue-form]");
  const field = (name) => form.locator(`[name="${name}"]`);
  const described = (name) => field(name).evaluate((el) =>
    (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? "").join(" "));

  await check("submitting the empty form shows messages next to the fields", async () => {
    await form.locator("button[type=submit]").click();
    await page.waitForSelector('[name="title"][aria-invalid="true"]');
    const expected = {
      title: "The title field is required",
      priority: "The priority must be one of: low, medium, high, urgent",
      "items[0][name]": "The items.0.name field is required",
    };
    for (const [name, msg] of Object.entries(expected)) {
      eq(await field(name).getAttribute("aria-invalid"), "true", `${name} aria-invalid`);
      eq(await field(name).evaluate((el) => el.validationMessage), msg, `${name} validationMessage`);
      eq(await described(name), msg, `${name} aria-describedby text`);
    }
    eq(await page.evaluate(() => document.activeElement?.getAttribute("name")), "title", "focused control");
    eq(await form.locator("[data-error-for]:visible").count(), 3, "visible message elements");
  });

  await check("typing a title clears the title's message, priority's stays", async () => {
    await field("title").pressSequentially("Fix the login page");
    eq(await field("title").getAttribute("aria-invalid"), null, "title aria-invalid");
    eq(await field("title").evaluate((el) => el.validationMessage), "", "title validationMessage");
    eq(await form.locator('[data-error-for="title"]:visible').count(), 0, "title message element");
    eq(await field("priority").getAttribute("aria-invalid"), "true", "priority aria-invalid");
    assert((await field("priority").evaluate((el) => el.validationMessage)).includes("priority"), "priority message gone");
  });

  await check("a valid submit shows \"Created #id\" and clears the marks", async () => {
    await field("priority").selectOption("high");
    await field("items[0][name]").fill("Login form");
    await form.locator("button[type=submit]").click();
    await page.waitForFunction(() => /^Created #\d+$/.test(document.querySelector("[data-form-result]").textContent));
    eq(await form.locator("[aria-invalid]").count(), 0, "controls still marked");
  });

  const expectedErrors = {
    400: ["BadRequestError", "bad_request"], 401: ["UnauthorizedError", "unauthorized"],
    403: ["ForbiddenError", "forbidden"], 404: ["NotFoundError", "not_found"],
    405: ["MethodNotAllowedError", "method_not_allowed"], 409: ["ConflictError", "conflict"],
    422: ["ValidationError", "validation"], 429: ["RateLimitError", "rate_limited"],
    500: ["ServerError", "server"], 502: ["UnavailableError", "unavailable"],
    503: ["UnavailableError", "unavailable"], 504: ["UnavailableError", "unavailable"],
    network: ["NetworkError", "network"], timeout: ["TimeoutError", "timeout"],
  };
  const out = (k) => page.textContent(`[data-out="${k}"]`);
  for (const [label, [cls, kind]] of Object.entries(expectedErrors)) {
    await check(`error panel: ${label} → ${cls}`, async () => {
      await page.click(`[data-error-buttons] [data-status="${label}"]`);
      await page.waitForSelector(`[data-error-out][data-done="${label}"]`);
      eq(await out("class"), cls, "class");
      eq(await out("kind"), kind, "kind");
      eq(await out("status"), /^\d+$/.test(label) ? label : "0", "status");
      assert((await out("message")).length > 0, "empty message");
      if (label === "404") eq(await out("message"), "Not found", "message");
      if (label === "422") assert((await out("extra")).includes("The title field is required"), `extra: ${await out("extra")}`);
    });
  }

  await check("the rate-limited button shows \"retrying in N s\", then succeeds", async () => {
    const rl = page.locator("[data-ratelimit-status]");
    await page.click("[data-ratelimit]");
    await page.waitForFunction(() => /^ok after 1 attempt/.test(document.querySelector("[data-ratelimit-status]").textContent));
    await page.click("[data-ratelimit]");
    await page.waitForFunction(() => /retrying in [1-3] s/.test(document.querySelector("[data-ratelimit-status]").textContent));
    await page.screenshot({ path: path.join(SHOT_DIR, "e2e-retrying.png") });
    await page.waitForFunction(
      () => /^ok after 2 attempt/.test(document.querySelector("[data-ratelimit-status]").textContent),
      null, { timeout: 10_000 });
    assert(/ok after 2/.test(await rl.textContent()), "final text");
  });

  await check("a screenshot is saved and is a non-empty PNG", async () => {
    // Show a bound form in the picture: submit it empty once more.
    await field("title").fill("");
    await field("priority").selectOption("");
    await form.locator("button[type=submit]").click();
    await page.waitForSelector('[name="title"][aria-invalid="true"]');
    await page.click('[data-error-buttons] [data-status="422"]');
    await page.waitForSelector('[data-error-out][data-done="422"]');
    rmSync(SHOT, { force: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    const st = statSync(SHOT);
    assert(st.size > 1000, `screenshot is ${st.size} bytes`);
    eq(readFileSync(SHOT).subarray(1, 4).toString(), "PNG", "PNG signature");
  });

  await check("no uncaught errors in the page", async () => {
    // The console reports the deliberate failures' HTTP errors as resource
    // loads; only script errors count.
    const real = pageErrors.filter((e) => !/Failed to load resource|net::ERR_/.test(e));
    assert(real.length === 0, real.join("\n"));
  });
}

mkdirSync(SHOT_DIR, { recursive: true });
try {
  await main();
} catch (e) {
  failed++;
  console.log(`not ok - setup: ${e?.message ?? e}`);
} finally {
  await browser?.close().catch(() => {});
  cleanup();
}
console.log(`e2e: screenshot ${path.relative(ROOT, SHOT)} (${since()})`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
