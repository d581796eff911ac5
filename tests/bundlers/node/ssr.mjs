// Server-side rendering, as an Express handler, a Next.js server component
// or an Astro page would do it: Node imports the package by name (its
// "node" condition: no flag needed), fetches with it, and renders HTML. Run
// by tests/bundlers/run.mjs as `node ssr.mjs <baseUrl>`; prints its checks
// as one JSON line.
import * as pc from "projekt-client";
import { ssrScenario } from "./src/ssr-scenario.js";

const state = await ssrScenario(pc, process.argv[2], "projekt-client");
console.log(JSON.stringify(state));
