// Loaded by tests/pack/check.mjs for the web build's tarball: the inline
// entry, imported by its package subpath, instantiates without a fetch.
import init, { Client, NotFoundError, isNotFoundError, isProjektError } from "projekt-client/inline";

await init();
const client = new Client({ baseUrl: process.argv[2], retry: false });
let notFound = false;
let classesAreShared = false;
try {
  await client.get("/status/404");
} catch (e) {
  notFound = isNotFoundError(e) && e.status === 404;
  classesAreShared = e instanceof NotFoundError && isProjektError(e);
}
const echo = await client.get("/echo");
console.log(JSON.stringify({ notFound, classesAreShared, echoMethod: echo?.method }));
