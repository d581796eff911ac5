#!/usr/bin/env node
// Builds the same page with every bundler users build with, from the packed
// npm tarballs, and runs it in headless Chromium against the test server.
//
//   node tests/bundlers/run.mjs [--only vite,webpack,…] [--matrix] [--clean] [--dist DIR]
//
// Fixtures (tests/bundlers/<name>/, each a standalone app): vite, webpack,
// rollup, esbuild (with the TanStack Query recipe page, tanstack.html),
// parcel, next (app router, `next build` + `next start`; also a server
// component using the client at request time, /ssr, and an SWR page, /swr),
// web (a plain <script type="module"> page on the web build) and node
// (Node's own import, server-side). For each one the driver
//
//   1. copies the fixture into its work directory ($PROJEKT_BUNDLERS_WORK,
//      default ~/.cache/projekt-client/bundlers-<checkout digest>/<name>:
//      outside the repository, as an app would be) with
//      tests/bundlers/shared/*.js in its source folder; node_modules stays
//      there between runs;
//   2. `npm install`s its dependencies from its package-lock.json when they
//      changed (npm's own cache dir is the one cache all fixtures share),
//      then `npm install --no-save <tarball>`: the `npm pack` output of
//      dist/bundler (dist/web for `web`; --dist DIR for another pair),
//      installed by path as a registry install would;
//   3. builds it with its own build script (`npm run build`);
//   4. serves the output (projekt-test-server --static, or `next start`) and
//      opens the page in Chromium (playwright-core, /usr/bin/chromium) with
//      the API on another origin: a GET arrives, a 429 is retried (onRetry,
//      and the count at the server), a click on the form's Save button gets
//      a 422 whose messages bindErrors puts on the controls (read from the
//      DOM), typing clears them;
//   5. sums the gzip -9 size of every script and .wasm the page loaded.
// The node fixture runs `node ssr.mjs` instead (the same checks without a
// DOM, and that Node exits by itself afterwards).
//
// --matrix builds each bundler both ways, importing the main entry and the
// inline entry (Parcel also without its packageExports line), and prints
// which build and run, with their sizes: the figures for docs/bundlers.md's
// export-map decision. Its failures are expected ones (exit 0); not part of
// scripts/test.
// --clean removes the work directories first (a cold run; npm's cache stays).
//
// Prints one line per fixture and a table; exits 1 if any fixture failed,
// naming it. Needs dist/bundler and dist/web (scripts/build-package) and the
// test server (cargo build -p projekt-test-server). Environment:
// PROJEKT_TEST_SERVER_BIN, CHROMIUM_BIN, PROJEKT_BUNDLERS_WORK.

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");
// Outside the repository: an app there would see the repository's own
// package-lock.json above it (Next.js then takes the repository for its
// workspace root and warns). One directory per checkout, kept between runs.
const WORK = path.resolve(process.env.PROJEKT_BUNDLERS_WORK ||
  path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache"), "projekt-client",
    `bundlers-${createHash("sha256").update(ROOT).digest("hex").slice(0, 8)}`));
const SERVER_BIN = process.env.PROJEKT_TEST_SERVER_BIN || path.join(ROOT, "target", "debug", "projekt-test-server");
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const T0 = Date.now();

// ---------------------------------------------------------------- fixtures

/**
 * name → how it is laid out. `pkg`: which build's tarball it installs.
 * `shared`: where shared/*.js go. `serve`: the directories the static
 * server serves (first match wins), or "next". `pages`: the pages the
 * driver opens (the first is the common scenario, whose sizes are shown).
 */
const FIXTURES = {
  vite: { label: "Vite", pkg: "bundler", shared: "src", serve: ["dist"] },
  webpack: { label: "webpack 5", pkg: "bundler", shared: "src", serve: ["public", "dist"] },
  rollup: { label: "Rollup 4", pkg: "bundler", shared: "src", serve: ["public", "dist"] },
  esbuild: { label: "esbuild", pkg: "bundler", shared: "src", serve: ["."], pages: ["/index.html", "/tanstack.html"] },
  parcel: { label: "Parcel 2", pkg: "bundler", shared: "src", serve: ["dist"] },
  next: { label: "Next.js (app router)", pkg: "bundler", shared: "app", serve: "next", pages: ["/", "/ssr", "/swr"] },
  web: { label: "<script type=module> (web build)", pkg: "web", shared: "src", serve: ["."], build: false },
  node: { label: `Node ${process.versions.node.split(".")[0]} (server-side import)`, pkg: "bundler", shared: "src", serve: null, build: false },
};

// ---------------------------------------------------------------- arguments

const args = process.argv.slice(2);
let only = null;
let matrix = false;
let clean = false;
let dist = path.join(ROOT, "dist");
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--only") only = args[++i].split(",");
  else if (a.startsWith("--only=")) only = a.slice(7).split(",");
  else if (a === "--matrix") matrix = true;
  else if (a === "--clean") clean = true;
  else if (a === "--dist") dist = path.resolve(args[++i]);
  else {
    console.error(`usage: node tests/bundlers/run.mjs [--only ${Object.keys(FIXTURES).join(",")}] [--matrix] [--clean] [--dist DIR]`);
    process.exit(2);
  }
}
const names = only ?? Object.keys(FIXTURES);
for (const n of names) if (!FIXTURES[n]) { console.error(`run.mjs: no fixture ${n}`); process.exit(2); }

// ---------------------------------------------------------------- processes

const children = new Set();
function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}
function killAll() {
  for (const child of children) {
    try { child.stdin?.end(); } catch { /* gone */ }
    try { process.kill(-child.pid, "SIGTERM"); } catch { try { child.kill("SIGTERM"); } catch { /* gone */ } }
  }
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => { killAll(); process.exit(130); });

const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const log = (msg) => console.error(`bundlers [${secs(Date.now() - T0)}]: ${msg}`);

/** Runs a command to completion; throws with its output's tail on failure. Returns ms and output. */
function run(cmd, argv, opts = {}) {
  const t = Date.now();
  const r = spawnSync(cmd, argv, {
    encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"], timeout: 600_000, killSignal: "SIGKILL",
    ...opts, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...opts.env },
  });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) {
    const why = r.error?.code === "ETIMEDOUT" ? `still running after ${secs(Date.now() - t)}, killed` : r.error?.message ?? `exit ${r.status ?? r.signal}`;
    const err = new Error(`${cmd} ${argv.join(" ")} failed (${why}):\n${out.trim().split("\n").slice(-25).join("\n")}`);
    err.output = out;
    err.stdout = r.stdout ?? "";
    err.timedOut = r.error?.code === "ETIMEDOUT";
    throw err;
  }
  return { ms: Date.now() - t, out };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Starts projekt-test-server (API, or static files); resolves its origin. */
function startTestServer(extra = []) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(SERVER_BIN, [...extra, "--port", "0", "--exit-on-stdin-eof"], { stdio: ["pipe", "pipe", "inherit"] }));
    const timer = setTimeout(() => reject(new Error("test server did not start in 10 s")), 10_000);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`test server exited (${code})`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      m ? resolve({ origin: m[1], child }) : reject(new Error(`unexpected server output: ${line}`));
    });
  });
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch { try { child.kill("SIGKILL"); } catch {} } }, 5000);
    child.once("exit", () => { clearTimeout(timer); resolve(); });
    try { child.stdin?.end(); } catch {}
    try { process.kill(-child.pid, "SIGTERM"); } catch { try { child.kill("SIGTERM"); } catch {} }
  });
}

/** `next start` on a free loopback port; resolves its origin once it answers. */
async function startNext(dir) {
  const port = await freePort();
  const bin = path.join(dir, "node_modules", ".bin", "next");
  const child = track(spawn(bin, ["start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
  }));
  let out = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { out += d; });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${out}`);
    try { if ((await fetch(`${origin}/`)).ok) return { origin, child, output: () => out }; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`next start did not answer in 60 s:\n${out}`);
}

// ---------------------------------------------------------------- package

/** `npm pack` of one build into WORK/pack/<build>/; returns the tarball's path and size. */
function pack(build) {
  const src = path.join(dist, build);
  if (!existsSync(path.join(src, "package.json"))) {
    throw new Error(`${src} missing: run scripts/build-package ${build} ${path.relative(ROOT, src)}`);
  }
  const dest = path.join(WORK, "pack", build);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const { out } = run("npm", ["pack", src, "--json", "--pack-destination", dest]);
  const info = JSON.parse(out.slice(out.indexOf("[")))[0];
  return { file: path.join(dest, info.filename), size: info.size };
}

const hashFiles = (files) => {
  const h = createHash("sha256");
  for (const f of files) h.update(existsSync(f) ? readFileSync(f) : "-");
  return h.digest("hex");
};

/** The fixture's sources (no node_modules, no build output) into its work dir, shared/*.js beside them. */
function syncSources(name, fx, overrides = {}, jsonEdits = {}) {
  const src = path.join(HERE, name);
  const dir = path.join(WORK, name);
  mkdirSync(dir, { recursive: true });
  // Drop what a previous run left, except installed packages.
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules") continue;
    rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
  cpSync(src, dir, { recursive: true, filter: (p) => !p.split(path.sep).includes("node_modules") });
  for (const f of readdirSync(path.join(HERE, "shared"))) {
    cpSync(path.join(HERE, "shared", f), path.join(dir, fx.shared, f));
  }
  for (const [rel, edit] of Object.entries(jsonEdits)) {
    const p = path.join(dir, rel);
    const j = JSON.parse(readFileSync(p, "utf8"));
    edit(j);
    writeFileSync(p, JSON.stringify(j, null, 2) + "\n");
  }
  for (const [rel, text] of Object.entries(overrides)) {
    const p = path.join(dir, rel);
    if (text === null) rmSync(p, { force: true });
    else { mkdirSync(path.dirname(p), { recursive: true }); writeFileSync(p, text); }
  }
  return dir;
}

/** Dependencies from the fixture's lock when they changed, then the tarball by path. */
function install(dir, tarball, extra = []) {
  const stampFile = path.join(dir, "node_modules", ".projekt-deps-stamp");
  const stamp = hashFiles([path.join(dir, "package.json"), path.join(dir, "package-lock.json")]);
  let depsMs = 0;
  const npm = ["--no-audit", "--no-fund", "--loglevel=error"];
  if (!existsSync(stampFile) || readFileSync(stampFile, "utf8") !== stamp) {
    depsMs = run("npm", ["install", ...npm], { cwd: dir }).ms;
    mkdirSync(path.dirname(stampFile), { recursive: true });
    writeFileSync(stampFile, stamp);
  }
  const pkgMs = run("npm", ["install", "--no-save", ...npm, tarball, ...extra], { cwd: dir }).ms;
  return { depsMs, pkgMs };
}

// ---------------------------------------------------------------- browser

let chromium;
let browser;
async function getBrowser() {
  if (browser) return browser;
  ({ chromium } = await import(path.join(ROOT, "node_modules", "playwright-core", "index.mjs")));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-quic", "--no-first-run"],
  });
  return browser;
}

/** Opens `url` in a fresh context; records every script and .wasm it loads (from `origin`) with its gzip -9 size. */
async function openPage(url, origin) {
  const context = await (await getBrowser()).newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const loaded = [];
  const errors = [];
  // An uncaught error on the page ends the wait for its result at once.
  let fail;
  const failed = new Promise((_, reject) => { fail = reject; });
  failed.catch(() => {});
  page.on("pageerror", (e) => { errors.push(String(e?.stack || e)); fail(new Error(`uncaught error on the page: ${e?.message || e}`)); });
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("response", (resp) => {
    const u = resp.url();
    if (!u.startsWith(origin)) return;
    const type = resp.request().resourceType();
    const ct = resp.headers()["content-type"] || "";
    const isWasm = /\.wasm(\?|$)/.test(u) || ct.includes("application/wasm");
    if (type !== "script" && !isWasm) return;
    loaded.push(resp.body().then((b) => ({ url: u, wasm: isWasm, raw: b.length, gz: gzipSync(b, { level: 9 }).length }), () => null));
  });
  const resp = await page.goto(url);
  page.waitDone = (timeout) => Promise.race([
    page.waitForFunction(() => globalThis.__projekt?.done === true, null, { timeout }),
    failed,
  ]);
  return { page, context, errors, status: resp?.status(), sizes: async () => (await Promise.all(loaded)).filter(Boolean) };
}

async function serverJson(api, scope, what) {
  return (await fetch(`${api}/s/${scope}/${what}`)).json();
}

// ---------------------------------------------------------------- checks

class Checks {
  constructor() { this.list = []; }
  ok(cond, name, detail) { this.list.push({ ok: !!cond, name, detail }); return !!cond; }
  eq(actual, expected, name) { return this.ok(actual === expected, name, actual === expected ? undefined : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`); }
  get failed() { return this.list.filter((c) => !c.ok); }
}

/** The common page: scenario.js's own checks, the form's DOM after a click, the server's counts. */
async function checkScenarioPage(c, page, api, scope, errors) {
  await page.waitDone(60_000);
  const state = await page.evaluate(() => globalThis.__projekt);
  c.ok(state.checks.length > 0, "the page ran its checks");
  for (const k of state.checks) c.ok(k.ok, `page: ${k.name}`, k.detail);

  await page.click("form#issue button[type=submit]");
  await page.waitForFunction(() => globalThis.__projekt?.submitted, null, { timeout: 30_000 });
  const sub = await page.evaluate(() => globalThis.__projekt.submitted);
  c.ok(sub.isValidationError && sub.instanceOf, "the 422 is a ValidationError (guard and instanceof the exported class)", JSON.stringify(sub));
  c.eq(sub.status, 422, "its status");
  c.eq(JSON.stringify(sub.fieldMessages), JSON.stringify([
    ["title", "The title field is required"],
    ["priority", "The priority must be one of: low, medium, high, urgent"],
  ]), "fieldMessages(e)");
  c.eq(JSON.stringify(sub.unmatched), "[]", "bindErrors matched every field");
  const dom = await page.evaluate(() => {
    const f = (n) => document.querySelector(`form#issue [name="${n}"]`);
    const described = (el) => (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
    return {
      titleInvalid: f("title").getAttribute("aria-invalid"),
      titleValidity: f("title").validationMessage,
      titleDescribed: described(f("title")),
      priorityInvalid: f("priority").getAttribute("aria-invalid"),
      focused: document.activeElement?.getAttribute("name"),
    };
  });
  c.eq(dom.titleInvalid, "true", "the title control is aria-invalid");
  c.eq(dom.titleValidity, "The title field is required", "its validationMessage");
  c.eq(dom.titleDescribed, "The title field is required", "its aria-describedby message");
  c.eq(dom.priorityInvalid, "true", "the priority control is aria-invalid");
  c.eq(dom.focused, "title", "focus on the first invalid control");
  await page.locator('form#issue [name="title"]').pressSequentially("Fix it");
  c.eq(await page.locator('form#issue [name="title"]').getAttribute("aria-invalid"), null, "typing clears the title's mark");

  const counts = await serverJson(api, scope, "__counts");
  const by = counts.by_path || {};
  c.ok((by["GET /echo"] || 0) >= 1, "the server got the GET", JSON.stringify(by));
  c.eq(by["GET /ratelimit/page"], 3, "the server saw the 429's retry (3 GETs for 2 calls)");
  c.eq(counts.rate_limited, 1, "one 429 answered");
  c.eq(by["POST /validate"], 1, "one POST (a 422 is never retried)");
  c.eq(errors.filter((e) => !/Failed to load resource.*(422|429)/.test(e)).join("\n"), "", "no page errors");
}

// ---------------------------------------------------------------- one fixture

async function runFixture(name, tarballs, api, variant = null) {
  const fx = FIXTURES[name];
  const c = new Checks();
  const res = { name, label: fx.label, variant: variant?.name ?? null, c, times: {}, sizes: null, extra: {}, warnings: [] };
  const dir = syncSources(name, fx, variant?.files ?? {}, variant?.json ?? {});
  try {
    const inst = install(dir, tarballs[fx.pkg].file, variant?.deps ?? []);
    res.times.deps = inst.depsMs;
    res.times.pkg = inst.pkgMs;
  } catch (e) {
    c.ok(false, "npm install", e.message);
    return res;
  }
  if (fx.build !== false) {
    try {
      const built = run("npm", ["run", "build"], { cwd: dir });
      res.times.build = built.ms;
      // eslint-disable-next-line no-control-regex
      res.warnings = built.out.replace(/\x1b\[[0-9;]*m/g, "").split("\n").filter((l) => /\bwarn(ing)?\b|⚠/i.test(l) && !/^npm warn/i.test(l)).map((l) => l.trim());
    } catch (e) {
      c.ok(false, "the build", e.message);
      return res;
    }
  }
  if (name === "node") return runNode(res, dir, api, variant);

  let server;
  try {
    server = fx.serve === "next" ? await startNext(dir) : await startTestServer(fx.serve.flatMap((d) => ["--static", path.join(dir, d)]));
  } catch (e) {
    c.ok(false, "serving the build", e.message);
    return res;
  }
  try {
    const pages = (fx.pages ?? ["/index.html"]).slice(0, variant?.pagesOnly ?? Infinity);
    for (const [i, p] of pages.entries()) {
      const scope = `${name}-${variant?.name ?? "main"}-${i}-${Date.now()}`.replace(/[^A-Za-z0-9_-]/g, "_");
      const url = `${server.origin}${p}?api=${encodeURIComponent(api)}&scope=${scope}`;
      const t = Date.now();
      let opened;
      try {
        opened = await openPage(url, server.origin);
        c.eq(opened.status, 200, `${p} loads`);
        if (i === 0) await checkScenarioPage(c, opened.page, api, scope, opened.errors);
        else await checkExtraPage(c, name, p, opened.page, api, scope, opened.errors, res);
        if (i === 0) res.sizes = await opened.sizes();
      } catch (e) {
        c.ok(false, `${p}: the page ran`, `${e.message}${opened?.errors.length ? `\npage errors:\n${opened.errors.join("\n")}` : ""}`);
      } finally {
        await opened?.context.close();
      }
      res.times[i === 0 ? "page" : `page ${p}`] = Date.now() - t;
    }
  } finally {
    if (c.failed.length && server.output) res.serverOutput = server.output();
    await stopChild(server.child);
  }
  return res;
}

/** Node: the fixture's script imports the package by name and talks to the API; it prints one JSON line. */
function runNode(res, dir, api, variant) {
  const { c } = res;
  const scope = `node-${variant?.name ?? "main"}-${Date.now()}`.replace(/[^A-Za-z0-9_-]/g, "_");
  let out;
  const t = Date.now();
  try {
    out = run(process.execPath, [...(variant?.nodeArgs ?? []), "ssr.mjs", `${api}/s/${scope}`], { cwd: dir, timeout: 30_000 }).out;
    c.ok(true, "node exits by itself once the work is done");
  } catch (e) {
    // A script that printed its result but never ended: something the
    // package opened keeps Node's event loop alive.
    if (!e.timedOut || !e.stdout.trim()) {
      c.ok(false, "node ssr.mjs", e.message);
      return res;
    }
    c.ok(false, "node exits by itself once the work is done", "ssr.mjs printed its result but was still running 30 s later (a handle keeps the event loop alive)");
    out = e.stdout;
  }
  res.times.page = Date.now() - t;
  let state = null;
  try { state = JSON.parse(out.trim().split("\n").pop()); } catch { /* below */ }
  if (!c.ok(state, "ssr.mjs printed its result", out.slice(-2000))) return res;
  for (const k of state.checks) c.ok(k.ok, `node: ${k.name}`, k.detail);
  return res;
}

// Pages beyond the common one (TanStack Query, SWR): they report checks the same way.
async function checkExtraPage(c, name, p, page, api, scope, errors, res) {
  await page.waitDone(90_000);
  const state = await page.evaluate(() => globalThis.__projekt);
  c.ok(state.checks.length > 0, `${p}: the page ran its checks`);
  for (const k of state.checks) c.ok(k.ok, `${p}: ${k.name}`, k.detail);
  if (state.figures) res.extra[p] = state.figures;
  const counts = await serverJson(api, scope, "__counts");
  if (state.expectCounts) {
    for (const [key, n] of Object.entries(state.expectCounts)) {
      c.eq(counts.by_path?.[key] ?? 0, n, `${p}: the server got ${n} × ${key}`);
    }
  }
  c.eq(errors.filter((e) => !/Failed to load resource/.test(e)).join("\n"), "", `${p}: no page errors`);
}

// ---------------------------------------------------------------- main

function sizeSummary(sizes) {
  if (!sizes) return null;
  const sum = (f) => sizes.filter(f).reduce((a, s) => a + s.gz, 0);
  return { js: sum((s) => !s.wasm), wasm: sum((s) => s.wasm), total: sum(() => true), files: sizes.length };
}
const kb = (n) => (n == null ? "–" : `${(n / 1000).toFixed(1)} KB`);

async function main() {
  if (!existsSync(SERVER_BIN)) run("cargo", ["build", "-q", "-p", "projekt-test-server"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (clean) for (const n of names) rmSync(path.join(WORK, n), { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const tarballs = {
    bundler: names.some((n) => FIXTURES[n].pkg === "bundler") ? pack("bundler") : null,
    web: names.some((n) => FIXTURES[n].pkg === "web") ? pack("web") : null,
  };
  log(`packed ${Object.values(tarballs).filter(Boolean).map((t) => `${path.relative(ROOT, t.file)} (${t.size} B)`).join(", ")}`);
  const { origin: api, child: apiServer } = await startTestServer();
  log(`API server ${api}`);

  const jobs = [];
  for (const n of names) {
    if (matrix && VARIANTS[n]) for (const v of VARIANTS[n]) jobs.push([n, v]);
    else jobs.push([n, null]);
  }
  const results = [];
  for (const [n, v] of jobs) {
    const t = Date.now();
    log(`${n}${v ? ` (${v.name})` : ""}: start`);
    const res = await runFixture(n, tarballs, api, v);
    res.times.total = Date.now() - t;
    res.size = sizeSummary(res.sizes);
    results.push(res);
    const f = res.c.failed;
    const times = Object.entries(res.times).map(([k, ms]) => `${k} ${secs(ms)}`).join(", ");
    console.log(`${f.length ? "not ok" : "ok"} - ${n}${v ? ` [${v.name}]` : ""}: ${res.c.list.length - f.length}/${res.c.list.length} checks; ${times}` +
      (res.size ? `; gzip shipped ${kb(res.size.total)} (JS ${kb(res.size.js)} + wasm ${kb(res.size.wasm)})` : ""));
    for (const x of f) console.log(`    not ok: ${x.name}${x.detail ? `\n      ${String(x.detail).split("\n").join("\n      ")}` : ""}`);
    if (f.length && res.serverOutput) console.log(`    server output:\n      ${res.serverOutput.trim().split("\n").slice(-30).join("\n      ")}`);
    for (const [p, fig] of Object.entries(res.extra)) console.log(`    ${p}: ${JSON.stringify(fig)}`);
    for (const w of res.warnings.slice(0, 3)) console.log(`    build warning: ${w.slice(0, 200)}`);
  }
  await browser?.close();
  await stopChild(apiServer);

  console.log("\n| setup | result | install (deps + package) | build | build warnings | gzip shipped (JS + wasm) |\n|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(`| ${r.label}${r.variant ? ` [${r.variant}]` : ""} | ${r.c.failed.length ? "FAILED" : "ok"} | ${secs((r.times.deps || 0) + (r.times.pkg || 0))} | ${r.times.build != null ? secs(r.times.build) : "–"} | ${r.times.build != null ? r.warnings.length : "–"} | ` +
      (r.size ? `${kb(r.size.total)} (${kb(r.size.js)} + ${kb(r.size.wasm)})` : "–") + " |");
  }
  const failed = results.filter((r) => r.c.failed.length);
  console.log(`\nbundlers: ${results.length - failed.length} passed, ${failed.length} failed (${secs(Date.now() - T0)})` +
    (failed.length ? `: ${failed.map((r) => r.name + (r.variant ? `[${r.variant}]` : "")).join(", ")}` : ""));
  return failed.length && !matrix ? 1 : 0;
}

// ---------------------------------------------------------------- matrix

const mainJs = (spec, { init = false, entry = spec } = {}) => (init
  ? `import init, * as pc from "${spec}";\nimport { mount } from "./scenario.js";\n\ninit().then(() => mount(pc, document.getElementById("app"), "${entry}"));\n`
  : `import * as pc from "${spec}";\nimport { mount } from "./scenario.js";\n\nmount(pc, document.getElementById("app"), "${entry}");\n`);
const nextFixture = (spec, init) => `"use client";
import { useEffect, useRef } from "react";
${init ? `import init, * as pc from "${spec}";` : `import * as pc from "${spec}";`}
import { mount } from "./scenario";

export default function Fixture() {
  const root = useRef(null);
  useEffect(() => {
    ${init ? `init().then(() => mount(pc, root.current, "${spec}"));` : `mount(pc, root.current, "${spec}");`}
  }, []);
  return <div id="app" ref={root} />;
}
`;
const nodeSsr = (spec, init) => `import ${init ? "init, " : ""}* as pc from "${spec}";
import { ssrScenario } from "./src/ssr-scenario.js";
${init ? "await init();\n" : ""}console.log(JSON.stringify(await ssrScenario(pc, process.argv[2], "${spec}")));
`;
/** --matrix: each bundler with the main entry (no config) and with the inline entry. */
const bundlerVariants = (entryFile, configFiles = []) => [
  { name: "main entry", files: { [entryFile]: mainJs("projekt-client"), ...Object.fromEntries(configFiles.map((f) => [f, null])) } },
  { name: "inline entry", files: { [entryFile]: mainJs("projekt-client/inline", { init: true }), ...Object.fromEntries(configFiles.map((f) => [f, null])) } },
];
const VARIANTS = {
  vite: bundlerVariants("src/main.js", ["vite.config.js"]),
  webpack: bundlerVariants("src/index.js", ["webpack.config.js"]),
  rollup: bundlerVariants("src/main.js"),
  esbuild: bundlerVariants("src/main.js").map((v) => ({ ...v, pagesOnly: 1 })),
  parcel: [
    ...bundlerVariants("src/main.js"),
    // Parcel resolves package "exports" only when asked: without it,
    // "projekt-client/inline" is the directory inline/ (its index.js, whose init() wants a .wasm URL).
    { name: "inline entry, without packageExports", files: { "src/main.js": mainJs("projekt-client/inline", { init: true }) }, json: { "package.json": (p) => { delete p["@parcel/resolver-default"]; } } },
  ],
  next: [
    { name: "main entry", files: { "app/fixture.js": nextFixture("projekt-client", false) }, pagesOnly: 1 },
    { name: "inline entry", files: { "app/fixture.js": nextFixture("projekt-client/inline", true) }, pagesOnly: 1 },
  ],
  node: [
    { name: "main entry", files: { "ssr.mjs": nodeSsr("projekt-client", false) } },
    { name: "inline entry", files: { "ssr.mjs": nodeSsr("projekt-client/inline", true) } },
  ],
};

main().then((code) => process.exit(code), (e) => {
  console.error(e.stack || e);
  killAll();
  process.exit(1);
});
