#!/usr/bin/env node
// Benchmark harness for projekt-client (issue 7).
//
//   npm ci --prefix bench                      # once: ky, ofetch, axios, esbuild, playwright-core
//   scripts/build-package web dist/web         # the package under test
//   cargo build -p projekt-test-server         # the local API / static server
//   node bench/run.mjs [--quick]
//   node bench/run.mjs --calls-only [--pkg DIR]   # only step 5, in seconds
//
// 1. Sizes: dist/web's projekt_client_bg.wasm + its JS glue (index.js, client.js and what
//    it imports, bundled and minified by esbuild) beside ky, ofetch and axios
//    bundled the same way (esbuild --bundle --minify --format=esm); raw, gzip -9
//    and brotli (q 11) bytes, zlib in node.
// 2. Two test-server instances: the page origin (--static <repo>, serving
//    /dist/web and /bench) and the API origin, so every request is cross-origin
//    (preflights cached: Access-Control-Max-Age 600).
// 3. Headless Chromium (playwright-core, /usr/bin/chromium): start-up (dynamic
//    import → await init() → new Client) over fresh browser contexts, then one
//    run that interleaves the clients in chunks, rotating their order, over the
//    scenarios; per-request times from performance.now() (the page is made
//    cross-origin isolated for 5 µs timer resolution).
// 4. Prints the tables and writes bench/results/latest.json.
// 5. Calls from JS into the .wasm per request, counted per export name in a
//    context of its own (bench/calls.mjs): latest.json's `wasmCalls`, or
//    bench/results/calls.json with --calls-only (--pkg DIR: another build).
//
// Figures only: nothing here asserts a timing. Environment:
//   PROJEKT_TEST_SERVER   server binary (default target/debug/projekt-test-server)
//   CHROMIUM              browser binary (default /usr/bin/chromium)

import { spawn, spawnSync, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, "..");
const BUILD = path.join(BENCH, ".build");
const RESULTS = path.join(BENCH, "results");
const DIST_WEB = path.join(ROOT, "dist", "web");

const USAGE = "usage: node bench/run.mjs [--quick]\n       node bench/run.mjs --calls-only [--pkg DIR]";
const argv = process.argv.slice(2);
if (argv.includes("-h") || argv.includes("--help")) {
  console.log(USAGE);
  process.exit(0);
}
let PKG_ARG = null;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--pkg" && argv[i + 1]) PKG_ARG = argv[++i];
  else if (a !== "--quick" && a !== "--calls-only") {
    console.error(`bench: unknown argument ${a}\n${USAGE}`);
    process.exit(2);
  }
}
const QUICK = argv.includes("--quick");
// --calls-only: only the count of calls into the .wasm per request (seconds);
// --pkg DIR: the web package it counts (default dist/web).
const CALLS_ONLY = argv.includes("--calls-only");
if (PKG_ARG && !CALLS_ONLY) {
  console.error(`bench: --pkg goes with --calls-only\n${USAGE}`);
  process.exit(2);
}

const CONFIG = QUICK
  ? { chunks: 6, perChunk: 10, perChunkBig: 4, concBatches: 2, warmup: 1, startupLoads: 5, budgetMs: 35_000 }
  : { chunks: 30, perChunk: 20, perChunkBig: 8, concBatches: 4, warmup: 2, startupLoads: 9, budgetMs: 140_000 };
// budgetMs: the timed run stops after the chunk that crosses it (only a loaded machine gets there).
// BENCH_BUDGET_S overrides it (a noisy VM needs more chunks for stable medians).
if (Number(process.env.BENCH_BUDGET_S) > 0) CONFIG.budgetMs = Number(process.env.BENCH_BUDGET_S) * 1000;
// Hard stop, whatever hangs.
const WATCHDOG_MS = Math.max(QUICK ? 300_000 : 600_000, CONFIG.budgetMs + 400_000);

const CLIENTS = ["fetch", "projekt", "projekt-nocache", "ky", "ofetch", "axios", "projekt-rust", "gloo-net"];
const CLIENT_LABEL = {
  fetch: "fetch + res.json()",
  projekt: "projekt-client",
  "projekt-nocache": "  (cache: false)",
  ky: "ky",
  ofetch: "ofetch",
  axios: "axios",
  "projekt-rust": "projekt-client (Rust)",
  "gloo-net": "gloo-net (Rust)",
};
const SCENARIOS = ["small", "big", "v422", "r304", "conc"];
const SCENARIO_LABEL = {
  small: "small JSON 200",
  big: "230 KB JSON 200",
  v422: "422, 10-field map",
  r304: "304 revalidation",
  conc: "16 concurrent, per req",
};

// ---- helpers -------------------------------------------------------------------

function fail(msg) {
  console.error(`bench: ${msg}`);
  cleanup();
  process.exit(1);
}

async function need(name) {
  try {
    return await import(name);
  } catch (e) {
    fail(`cannot load ${name} (${e.code || e.message}); install the bench's devDependencies: npm ci --prefix bench`);
  }
}

function sizesOf(buf) {
  return {
    raw: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }).length,
  };
}

function addSizes(a, b) {
  return { raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli };
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function stats(values) {
  const s = [...values].sort((x, y) => x - y);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    mean,
    min: s[0],
  };
}

/**
 * A 95 % interval for `median(client) / median(base)` by a paired block
 * bootstrap: whole chunks (`block` samples each, in run order) are drawn
 * with replacement, the same chunk indexes for both, so the interval carries
 * the drift between chunks as well as the spread within them. Seeded: the
 * same samples give the same interval. `null` with fewer than 5 chunks.
 */
function ratioInterval(client, base, block, draws = 1000) {
  const chunks = Math.min(Math.floor(client.length / block), Math.floor(base.length / block));
  if (chunks < 5) return null;
  let seed = 0x9e3779b9;
  const rand = () => {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    return seed / 4294967296;
  };
  const a = new Float64Array(chunks * block);
  const b = new Float64Array(chunks * block);
  const mid = (xs) => {
    xs.sort();
    const h = xs.length >> 1;
    return xs.length % 2 ? xs[h] : (xs[h - 1] + xs[h]) / 2;
  };
  const ratios = [];
  for (let d = 0; d < draws; d++) {
    for (let i = 0; i < chunks; i++) {
      const c = Math.floor(rand() * chunks) * block;
      for (let j = 0; j < block; j++) {
        a[i * block + j] = client[c + j];
        b[i * block + j] = base[c + j];
      }
    }
    ratios.push(mid(a) / mid(b));
  }
  ratios.sort((x, y) => x - y);
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)];
}

const kb = (n) => (n / 1024).toFixed(1);
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const r1 = (x) => Math.round(x * 10) / 10;

function pkgVersion(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

/**
 * The Rust face's clients (bench/rust: projekt-client's Rust `Client` and
 * gloo-net, typed serde bodies) as a wasm module in bench/.build/rust/, which
 * the page loads beside the JS clients: release build for wasm32 (opt-level
 * z, LTO, as a frontend ships), then the project's wasm-bindgen.
 */
function buildRust() {
  const dir = path.join(ROOT, "bench", "rust");
  const target = path.join(ROOT, "target", "bench-rust");
  const out = path.join(BENCH, ".build", "rust");
  const run = (cmd, args, env = {}) => {
    const r = spawnSync(cmd, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", env: { ...process.env, ...env } });
    if (r.status !== 0) fail(`${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  };
  run("cargo", ["build", "--quiet", "--release", "--target", "wasm32-unknown-unknown"], { CARGO_TARGET_DIR: target });
  fs.rmSync(out, { recursive: true, force: true });
  run("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", out, "--out-name", "bench_rust",
    path.join(target, "wasm32-unknown-unknown", "release", "projekt_bench_rust.wasm")]);
}

// ---- processes we start --------------------------------------------------------

const children = [];
let browser = null;

function cleanup() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.stdin.end();
      } catch {}
      try {
        c.kill("SIGTERM");
      } catch {}
    }
  }
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    console.error(`bench: ${sig}, stopping`);
    cleanup();
    process.exit(130);
  });
}

function startServer(bin, extra, label) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["--port", "0", "--exit-on-stdin-eof", ...extra], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    children.push(child);
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`${label} server did not start in 10 s: ${err || out}`)), 10_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.removeAllListeners("data");
        child.stdout.resume();
        resolve({ child, origin: m[1] });
      }
    });
    child.stderr.on("data", (d) => {
      err += d;
      if (err.length > 10_000) err = err.slice(-5_000);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${label} server exited (${code ?? sig}): ${err.trim()}`));
    });
  });
}

// ---- 1. sizes ------------------------------------------------------------------

async function buildAndMeasure(esbuild) {
  fs.mkdirSync(BUILD, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    logLevel: "error",
    absWorkingDir: BENCH,
  };
  const peers = {
    ky: 'export { default as ky } from "ky";\n',
    ofetch: 'export { ofetch } from "ofetch";\n',
    axios: 'export { default as axios } from "axios";\n',
  };
  const rows = [];
  // Ours: the .wasm as built, and the glue (index.js + projekt_client.js + snippets) bundled and minified.
  const wasm = fs.readFileSync(path.join(DIST_WEB, "projekt_client_bg.wasm"));
  const gluePath = path.join(BUILD, "projekt-glue.js");
  await esbuild.build({ ...common, entryPoints: [path.join(DIST_WEB, "index.js")], outfile: gluePath });
  const glue = fs.readFileSync(gluePath);
  // The bundle finds its .wasm beside itself (`new URL(…, import.meta.url)`),
  // as in a bundled app: the start-up's "bundled" loads import this file.
  fs.copyFileSync(path.join(DIST_WEB, "projekt_client_bg.wasm"), path.join(BUILD, "projekt_client_bg.wasm"));
  const shippedGlue = listGlue().reduce((n, f) => n + fs.statSync(f).size, 0);
  const ws = sizesOf(wasm);
  const gs = sizesOf(glue);
  const version = pkgVersion(DIST_WEB);
  rows.push({ name: `projekt-client ${version} .wasm`, part: true, ...ws });
  rows.push({ name: `projekt-client ${version} JS glue (min)`, part: true, ...gs });
  rows.push({ name: `projekt-client ${version} total`, ours: true, ...addSizes(ws, gs) });
  // The inline entry (dist/web/inline.js): the same package as one file,
  // the .wasm inside it as base64; what an app ships that imports it.
  const inlinePath = path.join(BUILD, "projekt-inline.js");
  await esbuild.build({ ...common, entryPoints: [path.join(DIST_WEB, "inline.js")], outfile: inlinePath });
  rows.push({ name: `projekt-client ${version} inline entry`, inline: true, ...sizesOf(fs.readFileSync(inlinePath)) });
  for (const [name, src] of Object.entries(peers)) {
    const entry = path.join(BUILD, `entry-${name}.mjs`);
    fs.writeFileSync(entry, src);
    const outfile = path.join(BUILD, `${name}.js`);
    await esbuild.build({ ...common, entryPoints: [entry], outfile });
    const v = pkgVersion(path.join(BENCH, "node_modules", name));
    rows.push({ name: `${name} ${v}`, ...sizesOf(fs.readFileSync(outfile)) });
  }
  return { rows, shippedGlueRaw: shippedGlue };
}

function listGlue() {
  const out = ["index.js", "client.js", "projekt_client.js"].map((f) => path.join(DIST_WEB, f));
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".js")) out.push(p);
    }
  };
  const snippets = path.join(DIST_WEB, "snippets");
  if (fs.existsSync(snippets)) walk(snippets);
  return out.filter((f) => fs.existsSync(f));
}

// ---- main ----------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const watchdog = setTimeout(() => fail(`gave up after ${WATCHDOG_MS / 1000} s`), WATCHDOG_MS);
  watchdog.unref();

  // Preconditions, each with the command that fixes it.
  const pkgDir = CALLS_ONLY && PKG_ARG ? path.resolve(PKG_ARG) : DIST_WEB;
  for (const f of [...(CALLS_ONLY ? [] : ["inline.js"]), "index.js", "projekt_client.js", "projekt_client_bg.wasm"]) {
    if (!fs.existsSync(path.join(pkgDir, f))) {
      fail(`${path.relative(ROOT, path.join(pkgDir, f))} is missing: build the web package first:\n  scripts/build-package web dist/web`);
    }
  }
  const serverBin = path.resolve(ROOT, process.env.PROJEKT_TEST_SERVER || "target/debug/projekt-test-server");
  if (!fs.existsSync(serverBin)) {
    fail(`${path.relative(ROOT, serverBin)} is missing: cargo build -p projekt-test-server`);
  }
  const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
  if (!fs.existsSync(chromiumPath)) fail(`${chromiumPath} is missing (apt-get install chromium)`);
  const { chromium } = await need("playwright-core");
  if (CALLS_ONLY) return callsOnly({ started, serverBin, chromium, chromiumPath, pkgDir });
  const esbuild = await need("esbuild");

  console.log(`projekt-client bench${QUICK ? " (--quick)" : ""}: ${os.hostname()}, ${sh("nproc", []) ?? os.cpus().length} cores, load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const distBuilt = fs.statSync(path.join(DIST_WEB, "projekt_client_bg.wasm")).mtime;
  console.log(`dist/web built ${distBuilt.toISOString()}; server ${path.relative(ROOT, serverBin)}`);

  // 1. Sizes (and the peer bundles the page loads).
  const size = await buildAndMeasure(esbuild);
  phase("sizes");
  buildRust();
  phase("the Rust clients' module");

  // 2. Servers.
  const pageSrv = await startServer(serverBin, ["--static", ROOT], "page");
  const apiSrv = await startServer(serverBin, [], "API");
  const scope = `bench${process.pid}`;
  const api = `${apiSrv.origin}/s/${scope}`;
  const pageUrl = `${pageSrv.origin}/bench/page.html`;
  phase("servers");

  // 3. Browser.
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const chromiumVersion = browser.version();
  phase("browser");
  const pageErrors = [];
  const watch = (page) => {
    page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      // (the expected 422s are logged by Chromium as failed loads)
      if (m.type() === "error" && !/status of 422/.test(m.text())) pageErrors.push(`console: ${m.text()}`);
      else if (process.env.BENCH_VERBOSE && m.text().startsWith("bench-progress")) console.error(`bench: ${m.text()}`);
    });
  };

  // 3a. Start-up: each load in a new browser context (a new renderer process
  // with an empty HTTP cache, so nothing compiled is reused); the first round
  // is thrown away. The ways: the package as shipped (dist/web's five ES
  // modules, fetched unbundled); bundled (the esbuild bundle of step 1, one
  // module, with the .wasm beside it), as an app ships it; bundled with the
  // .wasm's bytes fetched beforehand (as a page that preloads it), which
  // leaves the package's own work: evaluate, compile, instantiate, construct;
  // the inline entry (one module, the .wasm inside); and, for scale, two peers
  // bundled the same way (no .wasm, no init: import, then create an instance).
  // A repeat visit loads versioned URLs (`?v=`, which the test server marks
  // immutable) twice in one context, two kinds: "same" navigates the same tab
  // again (the renderer keeps its in-memory caches and compiled code), "tab"
  // opens a new tab after closing the first (only the HTTP disk cache is left).
  const bundle = "/bench/.build/projekt-glue.js";
  const inline = "/bench/.build/projekt-inline.js";
  const version = `?v=${Date.now()}`;
  const wasmAt = "/bench/.build/projekt_client_bg.wasm";
  const startupWays = [
    { key: "startup", label: "dist/web as shipped (5 modules)", cfg: {} },
    { key: "startupBundled", label: "bundled (1 module + .wasm)", cfg: { url: bundle } },
    { key: "startupPreloaded", label: "bundled, .wasm preloaded", cfg: { url: bundle, wasm: wasmAt } },
    { key: "startupRepeat", label: "bundled, same tab again", repeat: "same", cfg: { url: bundle + version, wasmUrl: wasmAt + version } },
    { key: "startupNewTab", label: "bundled, new tab", repeat: "tab", cfg: { url: bundle + version, wasmUrl: wasmAt + version } },
    { key: "startupInline", label: "inline entry (1 module)", cfg: { url: inline } },
    { key: "startupInlineRepeat", label: "inline entry, same tab again", repeat: "same", cfg: { url: inline + version } },
    { key: "startupInlineNewTab", label: "inline entry, new tab", repeat: "tab", cfg: { url: inline + version } },
    { key: "startupKy", label: "ky, bundled", cfg: { url: "/bench/.build/ky.js", peer: "ky" } },
    { key: "startupKyRepeat", label: "ky, same tab again", repeat: "same", cfg: { url: "/bench/.build/ky.js" + version, peer: "ky" } },
    { key: "startupKyNewTab", label: "ky, new tab", repeat: "tab", cfg: { url: "/bench/.build/ky.js" + version, peer: "ky" } },
    { key: "startupAxios", label: "axios, bundled", cfg: { url: "/bench/.build/axios.js", peer: "axios" } },
    { key: "startupAxiosRepeat", label: "axios, same tab again", repeat: "same", cfg: { url: "/bench/.build/axios.js" + version, peer: "axios" } },
    { key: "startupAxiosNewTab", label: "axios, new tab", repeat: "tab", cfg: { url: "/bench/.build/axios.js" + version, peer: "axios" } },
  ];
  const startupLoads = Object.fromEntries(startupWays.map((w) => [w.key, []]));
  const startupBegan = Date.now();
  for (let i = 0; i <= CONFIG.startupLoads; i++) {
    // Bounded on a loaded machine: never fewer than 5 measured loads, no more after 180 s.
    if (startupLoads.startup.length >= 5 && Date.now() - startupBegan > 180_000) break;
    for (const way of startupWays) {
      const ctx = await browser.newContext();
      let page = await ctx.newPage();
      watch(page);
      // A repeat visit's URLs are its own (`?v=` per way and round), so no
      // other way has put them in this context's cache.
      const cfg = { api, ...way.cfg };
      if (way.repeat) {
        const v = `&w=${way.key}${i}`;
        cfg.url += v;
        if (cfg.wasmUrl) cfg.wasmUrl += v;
      }
      for (const visit of way.repeat ? [0, 1] : [1]) {
        if (visit === 1 && way.repeat === "tab") {
          await page.close();
          page = await ctx.newPage();
          watch(page);
        }
        await page.goto(pageUrl);
        await page.waitForFunction(() => window.benchPageReady === true);
        const r = await page.evaluate((c) => window.startup(c), cfg);
        if (visit === 1 && i > 0) startupLoads[way.key].push(r);
      }
      await ctx.close();
    }
  }
  phase("start-up loads");
  // 3b. The request run, in a cross-origin isolated page (COOP/COEP added to
  // the document; the route is gone before any timed request).
  const ctx = await browser.newContext({ permissions: ["local-network-access"] });
  const page = await ctx.newPage();
  watch(page);
  await isolate(page, pageUrl);
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.benchPageReady === true);
  await page.evaluate(() => 0);
  await unisolate(page);
  phase("bench page loaded");
  const run = await page.evaluate((cfg) => window.runBench(cfg), {
    api,
    clients: CLIENTS,
    scenarios: SCENARIOS,
    ...CONFIG,
  });
  phase("timed run");
  await ctx.close();
  // 3c. Calls into the .wasm per request: a context of its own, a fresh instance.
  const wasmCalls = await countWasmCalls(browser, apiSrv.origin, pageUrl, DIST_WEB);
  phase("calls into the .wasm");
  await browser.close();
  browser = null;
  cleanup();

  // 4. Report.
  const table = {};
  for (const s of SCENARIOS) {
    table[s] = {};
    const base = run.samples[`${s}/fetch`];
    const baseMedian = base && base.length ? stats(base).median : NaN;
    for (const c of CLIENTS) {
      const k = `${s}/${c}`;
      const err = run.errors[k];
      const st = run.samples[k] && run.samples[k].length ? stats(run.samples[k]) : null;
      const block = s === "conc" ? CONFIG.concBatches : s === "big" ? CONFIG.perChunkBig : CONFIG.perChunk;
      const ratioCi = st && c !== "fetch" && base ? ratioInterval(run.samples[k], base, block) : null;
      table[s][c] = st
        ? { ...st, ratio: st.median / baseMedian, ...(ratioCi ? { ratioCi } : {}), ...(err ? { error: err } : {}) }
        : { error: err || "no samples" };
    }
  }

  console.log("");
  if (run.env.chunksDone < CONFIG.chunks) {
    console.log(`NOTE: time budget (${CONFIG.budgetMs / 1000} s) reached: ${run.env.chunksDone} of ${CONFIG.chunks} chunks run (machine loaded? load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")})`);
  }
  console.log(`Chromium ${chromiumVersion}; per-request µs over ${run.env.chunksDone} chunks of ${CONFIG.perChunk} requests`
    + ` (230 KB: ${CONFIG.perChunkBig}; concurrent: ${CONFIG.concBatches} batches of 16) per client, client order rotated per chunk;`);
  console.log(`timer resolution ${run.env.timerResolutionUs} µs (cross-origin isolated: ${run.env.crossOriginIsolated}); timed run ${(run.env.elapsedMs / 1000).toFixed(1)} s`);
  console.log("");
  console.log(`${pad("scenario", 24)}${pad("client", 20)}${lpad("median", 9)}${lpad("p90", 9)}${lpad("× fetch", 9)}${lpad("95 % interval", 15)}${lpad("n", 6)}`);
  for (const s of SCENARIOS) {
    console.log("-".repeat(92));
    for (const c of CLIENTS) {
      const t = table[s][c];
      const head = `${pad(c === CLIENTS[0] ? SCENARIO_LABEL[s] : "", 24)}${pad(CLIENT_LABEL[c], 20)}`;
      if (t.median === undefined) {
        console.log(`${head}  error: ${t.error}`);
        continue;
      }
      const ratio = Number.isFinite(t.ratio) ? t.ratio.toFixed(2) : "—";
      const ci = t.ratioCi ? `${t.ratioCi[0].toFixed(2)}–${t.ratioCi[1].toFixed(2)}` : "";
      console.log(`${head}${lpad(Math.round(t.median), 9)}${lpad(Math.round(t.p90), 9)}${lpad(ratio, 9)}${lpad(ci, 15)}${lpad(t.n, 6)}${t.error ? `  (${t.error})` : ""}`);
    }
  }
  console.log("");
  console.log("95 % interval: of the ratio to fetch, by a paired bootstrap over whole chunks (1,000 draws),");
  console.log("so it carries the drift between chunks; where it holds 1.00 the run cannot tell the two apart.");
  console.log("(cache: false) is a diagnostic row: the same package with its ETag cache off;");
  console.log("its 304 row uses a hand-made If-None-Match like fetch/ky/ofetch/axios.");

  console.log("");
  console.log(`${pad("Sizes, bytes (KB)", 38)}${lpad("raw", 16)}${lpad("gzip -9", 16)}${lpad("brotli", 16)}`);
  for (const r of size.rows) {
    const cell = (n) => lpad(`${n} (${kb(n)})`, 16);
    console.log(`${pad(r.name, 38)}${cell(r.raw)}${cell(r.gzip)}${cell(r.brotli)}`);
  }
  console.log(`(all bundled with esbuild --bundle --minify --format=esm --platform=browser; the package's glue as shipped: ${size.shippedGlueRaw} B unminified)`);

  const startupOf = (loads) => {
    const st = (k) => stats(loads.map((x) => x[k]));
    return {
      loads: loads.length, totalMs: st("totalMs"), importMs: st("importMs"), initMs: st("initMs"),
      constructMs: st("constructMs"), fetchWasmMs: st("fetchWasmMs"),
    };
  };
  const startupStats = Object.fromEntries(startupWays.map((w) => [w.key, startupOf(startupLoads[w.key])]));
  console.log("");
  console.log(`Start-up, import() → await init() → new Client(), ${startupLoads.startup.length} page loads each (a new browser context each; "same tab again" is the second load of the page in its tab, "new tab" the load in a new tab after the first tab closed, both with versioned URLs from the HTTP cache; the peers: import → create an instance):`);
  for (const { key, label } of startupWays) {
    const s = startupStats[key];
    console.log(`  ${pad(label, 36)} median ${s.totalMs.median.toFixed(2)} ms (min ${s.totalMs.min.toFixed(2)}, p90 ${s.totalMs.p90.toFixed(2)});`
      + ` parts (medians): import ${s.importMs.median.toFixed(2)} ms, init ${s.initMs.median.toFixed(2)} ms, new ${s.constructMs.median.toFixed(3)} ms`
      + (key === "startupPreloaded" ? ` (the .wasm fetch before it, not counted: ${s.fetchWasmMs.median.toFixed(2)} ms)` : ""));
  }

  printWasmCalls(wasmCalls);

  if (pageErrors.length) {
    console.log("");
    console.log(`Page errors (${pageErrors.length}):`);
    for (const e of [...new Set(pageErrors)].slice(0, 10)) console.log(`  ${e}`);
  }

  const errs = Object.entries(run.errors);
  if (errs.length) {
    console.log("");
    console.log("Cells left out or cut short:");
    for (const [k, v] of errs) console.log(`  ${k}: ${v}`);
  }

  // JSON.
  const result = {
    date: new Date().toISOString(),
    command: `node bench/run.mjs${QUICK ? " --quick" : ""}`,
    quick: QUICK,
    machine: {
      nproc: Number(sh("nproc", [])) || os.cpus().length,
      cpu: os.cpus()[0]?.model ?? null,
      memGB: r1(os.totalmem() / 2 ** 30),
      loadavgAtStart: loadAtStart,
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      chromium: chromiumVersion,
      userAgent: run.env.userAgent,
    },
    git: { commit: sh("git", ["-C", ROOT, "rev-parse", "HEAD"]), dirty: (sh("git", ["-C", ROOT, "status", "--porcelain"]) ?? "") !== "" },
    distWebBuilt: distBuilt.toISOString(),
    config: { ...CONFIG, clients: CLIENTS, scenarios: SCENARIOS, server: path.relative(ROOT, serverBin) },
    chunksDone: run.env.chunksDone,
    loadavgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    timer: { resolutionUs: run.env.timerResolutionUs, crossOriginIsolated: run.env.crossOriginIsolated },
    units: { requests: "µs per request", startup: "ms", sizes: "bytes" },
    requests: Object.fromEntries(SCENARIOS.map((s) => [s, { label: SCENARIO_LABEL[s], clients: roundAll(table[s]) }])),
    sizes: size.rows.map(({ name, raw, gzip, brotli, ours, inline }) => ({ name, raw, gzip, brotli, ...(ours ? { total: true } : {}), ...(inline ? { inline: true } : {}) })),
    ...Object.fromEntries(startupWays.map((w) => [w.key, { label: w.label, ...roundAll(startupStats[w.key]) }])),
    wasmCalls,
    versions: Object.fromEntries(["ky", "ofetch", "axios", "esbuild", "playwright-core"].map((n) => [n, pkgVersion(path.join(BENCH, "node_modules", n))])),
    errors: run.errors,
    pageErrors,
    wallSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
  fs.mkdirSync(RESULTS, { recursive: true });
  const out = path.join(RESULTS, "latest.json");
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log("");
  console.log(`wrote ${path.relative(process.cwd(), out) || out} (${result.wallSeconds} s wall)`);
}

// ---- calls into the .wasm per request ----------------------------------------------

const CALL_SCENARIOS = {
  r304: "GET 304 from the ETag cache (/items/1, 2nd)",
  v422: "POST 422, 10-field map (/status/422?errors=…)",
  n404: "GET 404 (/status/404)",
  v422again: "POST 422 again (its URL known)",
  n404again: "GET 404 again (its URL known)",
  first: "first GET with an ETag (/items/2)",
  small: "small GET 200, no ETag (/json)",
};

/**
 * Counts, per export name, the calls from JS into the .wasm that each request
 * of CALL_SCENARIOS makes with `new Client({ baseUrl, retry: false })` (bench/calls.mjs),
 * in a browser context of its own. `dir` must be served by the page server
 * (under ROOT); a directory elsewhere is copied to bench/.calls-pkg/ first.
 */
async function countWasmCalls(browser, apiOrigin, pageUrl, dir) {
  let rel = path.relative(ROOT, dir);
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    const copy = path.join(BENCH, ".calls-pkg");
    fs.rmSync(copy, { recursive: true, force: true });
    fs.cpSync(dir, copy, { recursive: true });
    rel = path.relative(ROOT, copy);
  }
  const url = `/${rel.split(path.sep).join("/")}/index.js`;
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // (the 404 and 422 are logged by Chromium as failed loads)
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.benchPageReady === true);
  // Before anything imports the package: calls.mjs wraps WebAssembly.instantiate*.
  await page.evaluate(() => import("/bench/calls.mjs"));
  const r = await page.evaluate((c) => window.countCalls(c), { api: `${apiOrigin}/s/calls${process.pid}`, url });
  await ctx.close();
  const inRoot = path.relative(ROOT, dir);
  return {
    pkg: inRoot && !inRoot.startsWith("..") ? inRoot : dir,
    commit: sh("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]),
    // (bench/ aside: what the package could have been built from)
    dirty: (sh("git", ["-C", ROOT, "status", "--porcelain", "--", ".", ":!bench"]) ?? "") !== "",
    client: "new Client({ baseUrl, retry: false })",
    mallocs: "__wbindgen_malloc + __wbindgen_realloc",
    scenarios: Object.fromEntries(Object.entries(r.scenarios).map(([k, v]) => [k, { label: CALL_SCENARIOS[k], ...v }])),
    init: r.init,
    fill: r.fill,
    problems: [...r.problems, ...errors],
  };
}

function printWasmCalls(w) {
  const line = (label, c) => {
    const parts = Object.entries(c.byExport).map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(`${pad(label, 48)}${lpad(c.total, 6)}${lpad(c.exports, 9)}${lpad(c.mallocs, 9)}  ${parts}${c.late ? `  (+${c.late} after it settled)` : ""}`);
  };
  console.log("");
  console.log(`Calls from JS into the .wasm per request (${w.pkg}; HEAD ${w.commit}${w.dirty ? ", tree dirty outside bench/" : ""}; ${w.client}, a fresh instance in a context of its own):`);
  console.log(`${pad("request", 48)}${lpad("total", 6)}${lpad("exports", 9)}${lpad("mallocs", 9)}  per export`);
  for (const [k, c] of Object.entries(w.scenarios)) line(c.label, c);
  console.log(`(mallocs: ${w.mallocs}; exports: every other exported function. Not counted above:`);
  line("  init() + new Client", w.init);
  line("  the GET /items/1 that fills the cache", w.fill);
  if (w.problems.length) {
    console.log("Problems in the count:");
    for (const p of w.problems) console.log(`  ${p}`);
  }
}

async function callsOnly({ started, serverBin, chromium, chromiumPath, pkgDir }) {
  console.log(`projekt-client bench --calls-only: ${pkgDir} (built ${fs.statSync(path.join(pkgDir, "projekt_client_bg.wasm")).mtime.toISOString()})`);
  const pageSrv = await startServer(serverBin, ["--static", ROOT], "page");
  const apiSrv = await startServer(serverBin, [], "API");
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const wasmCalls = await countWasmCalls(browser, apiSrv.origin, `${pageSrv.origin}/bench/page.html`, pkgDir);
  const chromiumVersion = browser.version();
  await browser.close();
  browser = null;
  cleanup();
  printWasmCalls(wasmCalls);
  // Its own file: latest.json stays the last full run's.
  const result = {
    date: new Date().toISOString(),
    command: ["node bench/run.mjs", ...argv].join(" "),
    chromium: chromiumVersion,
    git: { commit: sh("git", ["-C", ROOT, "rev-parse", "HEAD"]), dirty: (sh("git", ["-C", ROOT, "status", "--porcelain"]) ?? "") !== "" },
    wasmCalls,
  };
  fs.mkdirSync(RESULTS, { recursive: true });
  const out = path.join(RESULTS, "calls.json");
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log("");
  console.log(`wrote ${path.relative(process.cwd(), out) || out} (${Math.round((Date.now() - started) / 100) / 10} s wall)`);
  if (wasmCalls.problems.length) process.exitCode = 1;
}

// COOP/COEP on the bench page's response (the test server does not send
// them), for performance.now() at 5 µs instead of 100 µs. A fulfilled
// document has no remote address, so Chromium's Local Network Access takes
// it for a public page: the context grants it loopback access.
async function isolate(page, url) {
  await page.route(url, async (route) => {
    const resp = await route.fetch();
    await route.fulfill({
      response: resp,
      headers: {
        ...resp.headers(),
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
      },
    });
  });
}
async function unisolate(page) {
  // No route left: Playwright stops intercepting, so no timed request goes through it.
  await page.unrouteAll({ behavior: "wait" });
}

let lastPhase = Date.now();
function phase(name) {
  const now = Date.now();
  if (process.env.BENCH_VERBOSE) console.error(`bench: ${name} (+${((now - lastPhase) / 1000).toFixed(1)} s)`);
  lastPhase = now;
}

function roundAll(o) {
  if (typeof o === "number") return Number.isInteger(o) ? o : Math.round(o * 1000) / 1000;
  if (Array.isArray(o)) return o.map(roundAll);
  if (o && typeof o === "object") return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, roundAll(v)]));
  return o;
}

const loadAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);

main().catch(async (e) => {
  console.error(`bench: ${e && e.stack ? e.stack : e}`);
  try {
    if (browser) await browser.close();
  } catch {}
  cleanup();
  process.exit(1);
});
