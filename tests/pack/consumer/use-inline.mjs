// Loaded by tests/pack/check.mjs: the inline entry, imported by its package
// subpath, instantiates without a fetch.
import * as entry from "projekt-client/inline";
import { exercise } from "./exercise.mjs";

await entry.default();
await exercise(entry, process.argv[2]);
