#!/usr/bin/env node
// The npm package as a user gets it: `npm pack` of dist/bundler, installed
// into an empty project from the tarball, imported by its package name.
//
//   node tests/pack/check.mjs [dist/bundler | dist/web]
//
// Checks: the tarball holds exactly what a user needs (no sources, tests,
// maps or build files); every path package.json names (main, module, types,
// exports, sideEffects, files) exists in it; `npm pkg fix` finds nothing to
// fix; TypeScript resolves `import … from "projekt-client"` to the shipped
// declarations; and Node (no flag: the bundler build's "node" export
// condition is inline/node.js, the embedded .wasm instantiated on import)
// loads the package by name and makes real requests
// to the test server: a 404 rejects with NotFoundError, a 200 resolves. It
// does so for the bundler build's main entry and, in both builds, for
// "projekt-client/inline" (the .wasm inside the module: no flag, no fetch).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const pkgDir = path.resolve(ROOT, process.argv[2] || "dist/bundler");
const work = mkdtempSync(path.join(tmpdir(), "projekt-pack-"));
let failures = 0;
const ok = (cond, what) => {
  console.log(`${cond ? "ok" : "not ok"} - ${what}`);
  if (!cond) failures++;
};
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });

let server;
try {
  // 1. npm pack → the file list.
  const packed = JSON.parse(run("npm", ["pack", pkgDir, "--json", "--pack-destination", work]))[0];
  const files = packed.files.map((f) => f.path).sort();
  console.log(`# ${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${files.length} files`);
  const web = existsSync(path.join(pkgDir, "inline.js"));
  const inlineEntry = web ? "inline.js" : "inline/inline.js";
  const allowed = /^(README\.md|LICENSE[^/]*|package\.json|index\.js|client\.js|citizen\.js|persist\.js|forms\.js|index\.d\.ts|(inline\/)?inline\.(js|d\.ts)|inline\/(index\.(js|d\.ts)|node\.js|client\.js|citizen\.js|persist\.js|forms\.js|projekt_client\.js|snippets\/[^/]+\/src\/js\/[a-z_]+\.js)|projekt_client(_bg)?\.(js|d\.ts)|projekt_client_bg\.wasm(\.d\.ts)?|snippets\/[^/]+\/src\/js\/[a-z_]+\.js)$/;
  const stray = files.filter((f) => !allowed.test(f));
  ok(stray.length === 0, `the tarball holds only what a user needs${stray.length ? ` (stray: ${stray.join(", ")})` : ""}`);
  for (const need of ["package.json", "index.js", "client.js", "citizen.js", "persist.js", "forms.js", "index.d.ts", "projekt_client_bg.wasm", "README.md"]) {
    ok(files.includes(need), `the tarball has ${need}`);
  }
  ok(files.some((f) => f.endsWith("/runtime.js")), "the tarball has the error classes snippet");
  ok(files.includes(inlineEntry), `the tarball has the inline entry (${inlineEntry})`);

  // 2. package.json paths exist in the tarball.
  const pj = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  const rel = (p) => p.replace(/^\.\//, "");
  const named = [pj.main, pj.module, pj.types];
  const walk = (v) => (typeof v === "string" ? named.push(v) : v && typeof v === "object" && Object.values(v).forEach(walk));
  walk(pj.exports);
  for (const p of named.filter(Boolean)) ok(files.includes(rel(p)), `package.json names ${p}, and it is in the tarball`);
  ok(pj.type === "module", 'package.json has "type": "module"');
  ok(pj.exports?.["."]?.types === "./index.d.ts", 'exports["."] lists types first');
  for (const side of pj.sideEffects || []) {
    const re = new RegExp(`^${rel(side).replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
    ok(files.some((f) => re.test(f)), `sideEffects entry ${side} matches a shipped file`);
  }

  // 3. `npm pkg fix` on a copy changes nothing.
  const fixDir = path.join(work, "fix");
  cpSync(path.join(pkgDir, "package.json"), path.join(fixDir, "package.json"), { recursive: true });
  run("npm", ["pkg", "fix"], { cwd: fixDir });
  const fixed = JSON.parse(readFileSync(path.join(fixDir, "package.json"), "utf8"));
  ok(JSON.stringify(fixed) === JSON.stringify(pj), "npm pkg fix finds nothing to fix");

  // 4. Install the tarball into an empty project.
  const app = path.join(work, "app");
  cpSync(path.join(ROOT, "tests", "pack", "consumer"), app, { recursive: true });
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", path.join(work, packed.filename)], { cwd: app });
  ok(existsSync(path.join(app, "node_modules", "projekt-client", "package.json")), "npm installs the tarball");

  // 5. TypeScript resolves the package by name.
  const tsc = path.join(ROOT, "node_modules", ".bin", "tsc");
  let tscOut = "";
  try { run(tsc, ["-p", app]); } catch (e) { tscOut = `${e.stdout}${e.stderr}`; }
  ok(tscOut === "", `tsc type-checks imports of "projekt-client" and "projekt-client/inline"${tscOut ? `:\n${tscOut}` : ""}`);

  // 6. Node loads it by name and talks to the test server.
  const bin = process.env.PROJEKT_TEST_SERVER_BIN || path.join(ROOT, "target", "debug", "projekt-test-server");
  server = spawn(bin, ["--port", "0", "--exit-on-stdin-eof"], { stdio: ["pipe", "pipe", "inherit"] });
  const base = await new Promise((resolve, reject) => {
    server.stdout.once("data", (d) => resolve(String(d).trim().replace(/^listening on /, "")));
    server.once("error", reject);
  });
  const use = (args) => {
    let out = "";
    try {
      out = run(process.execPath, [...args, `${base}/s/pack-${Date.now()}`], { cwd: app });
    } catch (e) {
      out = `${e.stdout}${e.stderr}`;
    }
    const result = (() => { try { return JSON.parse(out.trim().split("\n").pop()); } catch { return null; } })();
    return { out, result };
  };
  // The bundler build's main entry (Node resolves it through the "node"
  // condition to inline/node.js: no flag needed), then
  // "projekt-client/inline" (both builds have it), each by name.
  const ways = web ? [] : [["projekt-client", ["use.mjs"]]];
  ways.push(["projekt-client/inline", ["use-inline.mjs"]]);
  for (const [name, args] of ways) {
    const { out, result } = use(args);
    ok(result?.notFound === true, `${name}: a 404 rejects with NotFoundError when imported by name (${out.trim().slice(0, 300)})`);
    ok(result?.echoMethod === "GET", `${name}: a GET resolves with the parsed body`);
    ok(result?.classesAreShared === true, `${name}: the error classes exported by name are the ones the client throws`);
  }
} catch (e) {
  ok(false, `pack check crashed: ${e.stack || e}${e.stderr ? `\n${e.stderr}` : ""}`);
} finally {
  if (server) server.stdin.end();
  rmSync(work, { recursive: true, force: true });
}
console.log(failures ? `pack: ${failures} failed` : "pack: all passed");
process.exit(failures ? 1 : 0);
