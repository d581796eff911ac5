#!/usr/bin/env node
// The Leptos example (examples/leptos) built for wasm32 and driven in
// headless Chromium against the test server (issue 25):
//
//   node examples/leptos/e2e.mjs
//
// Builds it (cargo --release for wasm32 into target/examples, then the
// project's wasm-bindgen CLI into examples/leptos/dist), serves dist/ and the
// API from one test server, and checks what a person would see: the list,
// a 422's message next to its input, a 429 waited and retried, a component
// unmounted mid-request with its request aborted and nothing left in
// flight. Prints `ok …` / `not ok …` and `N passed, N failed`; the release
// build's time and the .wasm's size on stderr.

import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, statSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { startTestServer } from "../../tests/support/server.mjs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DIST = path.join(HERE, "dist");
const T0 = Date.now();
const since = () => `${((Date.now() - T0) / 1000).toFixed(1)} s`;

let server = null;
let browser = null;
process.on("exit", () => {
  if (server) server.stop();
});

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

function build() {
  const target = path.join(ROOT, "target", "examples");
  run("cargo", ["build", "--quiet", "--release", "--target", "wasm32-unknown-unknown",
    "--manifest-path", path.join(HERE, "Cargo.toml")], { env: { ...process.env, CARGO_TARGET_DIR: target } });
  const wasm = path.join(target, "wasm32-unknown-unknown", "release", "projekt-leptos-example.wasm");
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  run("wasm-bindgen", ["--target", "web", "--out-dir", DIST, "--out-name", "projekt_leptos_example", "--no-typescript", wasm]);
  cpSync(path.join(HERE, "index.html"), path.join(DIST, "index.html"));
  const out = readFileSync(path.join(DIST, "projekt_leptos_example_bg.wasm"));
  console.error(`e2e(leptos): built in ${since()}; .wasm ${out.length} B, ${gzipSync(out, { level: 9 }).length} B gzip`);
}


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
function eq(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function main() {
  build();
  server = await startTestServer(["--static", DIST]);
  const base = server.url;
  const scope = `leptos-${process.pid}-${Date.now()}`;
  const api = `${base}/s/${scope}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));

  await check("the app lists the items the API has", async () => {
    await page.goto(`${base}/index.html?api=${encodeURIComponent(api)}`);
    await page.locator("#items li[data-id]").nth(2).waitFor();
    eq((await page.locator("#items li[data-id]").allTextContents()).join(" | "), "Item 1 | Item 2 | Item 3", "items");
  });

  await check("a 422's field message shows next to its input (from field_messages() into a signal)", async () => {
    await page.click("#new-item button[type=submit]");
    const msg = page.locator('.field-error[data-for="title"]');
    await page.waitForFunction(() => document.querySelector('.field-error[data-for="title"]').textContent.length > 0);
    eq(await msg.textContent(), "The title field is required", "message");
    await page.fill("#new-item input[name=title]", "From Leptos");
    await page.click("#new-item button[type=submit]");
    await page.waitForFunction(() => /created #\d+/.test(document.querySelector("#created").textContent));
    eq(await msg.textContent(), "", "message cleared after a good submit");
  });

  await check("a 429 is waited out (X-RateLimit-Reset: 1) and retried", async () => {
    const t0 = Date.now();
    await page.click("#rate-limited");
    await page.waitForFunction(() => /retrying in \d+ ms \(rate_limited\)/.test(document.querySelector("#status").textContent));
    await page.waitForFunction(() => /done after 2 attempts/.test(document.querySelector("#status").textContent));
    const ms = Date.now() - t0;
    if (ms < 900) throw new Error(`done after ${ms} ms: the reset was not waited`);
  });

  await check("a component unmounted mid-request aborts it and leaves nothing in flight", async () => {
    await page.click("#toggle");
    await page.locator("#slow").waitFor();
    await page.click("#check");
    eq(await page.textContent("#in-flight"), "1", "calls in flight while the slow request runs");
    await page.click("#toggle"); // unmount
    await page.waitForTimeout(200);
    await page.click("#check");
    eq(await page.textContent("#in-flight"), "0", "calls in flight after the unmount");
    const log = await (await fetch(`${api}/__log`)).json();
    eq(log.filter((e) => e.path === "/slow").length, 1, "requests to /slow");
  });

  await check("no page errors", async () => {
    eq(errors.join("\n"), "", "page errors");
  });

  await browser.close();
  server.stop();
  console.log(`${passed} passed, ${failed} failed (${since()})`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  console.log("0 passed, 1 failed");
  process.exit(1);
});
