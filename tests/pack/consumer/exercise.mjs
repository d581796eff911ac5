// What tests/pack/check.mjs asks of an entry, imported by name: a 404
// rejects with NotFoundError (the class the entry exports), a GET resolves.
// Prints the facts as one JSON line.
export async function exercise({ Client, NotFoundError, isNotFoundError, isProjektError }, baseUrl) {
  const client = new Client({ baseUrl, retry: false });
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
}
