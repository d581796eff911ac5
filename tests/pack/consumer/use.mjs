// Loaded by tests/pack/check.mjs from a project that installed the packed tarball.
import * as entry from "projekt-client";
import { exercise } from "./exercise.mjs";

await exercise(entry, process.argv[2]);
