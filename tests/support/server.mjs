// Starts the project's test server (tests/server) for the end-to-end
// drivers (www/e2e.mjs, examples/leptos/e2e.mjs, tests/citizen/run.mjs,
// tests/bundlers/run.mjs): builds it when its binary is missing, runs it on
// a free loopback port with the given arguments (`--static DIR`, `--host`),
// and resolves its base URL once it says it is listening. The server exits
// when its stdin closes, so it never outlives the driver; `stop()` closes it.

import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** `{ url, process, stop() }` of a test server started with `args`. */
export async function startTestServer(args = []) {
  const bin = process.env.PROJEKT_TEST_SERVER_BIN || path.join(ROOT, "target/debug/projekt-test-server");
  if (!existsSync(bin)) execFileSync("cargo", ["build", "-q", "-p", "projekt-test-server"], { cwd: ROOT, stdio: "inherit" });
  const child = spawn(bin, [...args, "--port", "0", "--exit-on-stdin-eof"], { stdio: ["pipe", "pipe", "inherit"] });
  const stop = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try { child.stdin.end(); } catch { /* gone */ }
    try { child.kill("SIGTERM"); } catch { /* gone */ }
  };
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("test server did not start in 10 s")), 10_000);
    child.once("exit", (code) => reject(new Error(`test server exited (${code})`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      m ? resolve(m[1]) : reject(new Error(`unexpected server output: ${line}`));
    });
  });
  return { url, process: child, stop };
}
