#!/usr/bin/env node
// Builds examples/leptos-size three ways (canned data, gloo-net,
// projekt-client) for wasm32 in release, runs the project's wasm-bindgen and
// binaryen's wasm-opt -Oz on each, and prints the .wasm sizes and what each
// client adds over the canned build. Figures only.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const TARGET = path.join(ROOT, "target", "examples");
const OUT = path.join(TARGET, "leptos-size");
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
};
const rows = [];
for (const [name, features] of [["canned data", ""], ["gloo-net 0.7", "gloo"], ["projekt-client", "projekt"]]) {
  const t0 = Date.now();
  run("cargo", ["build", "--quiet", "--release", "--target", "wasm32-unknown-unknown",
    "--manifest-path", path.join(HERE, "Cargo.toml"), "--no-default-features", ...(features ? ["--features", features] : [])],
    { CARGO_TARGET_DIR: TARGET });
  const dir = path.join(OUT, features || "canned");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", dir, "--out-name", "app",
    path.join(TARGET, "wasm32-unknown-unknown", "release", "projekt-leptos-size.wasm")]);
  const wasm = path.join(dir, "app_bg.wasm");
  run(path.join(ROOT, "node_modules", ".bin", "wasm-opt"), ["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int",
    "--enable-sign-ext", "--enable-reference-types", "--enable-multivalue", "--enable-mutable-globals", wasm, "-o", wasm]);
  const buf = readFileSync(wasm);
  rows.push({ name, raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length, s: ((Date.now() - t0) / 1000).toFixed(0) });
}
const base = rows[0];
console.log("Leptos 0.8 CSR, release (opt-level z, LTO), wasm-bindgen + wasm-opt -Oz:");
console.log("build             .wasm raw   gzip -9   added over canned (gzip)   build s");
for (const r of rows) {
  console.log(`${r.name.padEnd(16)} ${String(r.raw).padStart(10)} ${String(r.gzip).padStart(9)} ${String(r.gzip - base.gzip).padStart(26)} ${r.s.padStart(9)}`);
}
