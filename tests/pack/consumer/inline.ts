// Type-checked by tests/pack/check.mjs: "projekt-client/inline" resolves to
// the shipped declarations, and its init() takes no argument.
import init, { Client, isNotFoundError } from "projekt-client/inline";

export async function ready(): Promise<Client> {
  await init();
  // @ts-expect-error nothing to fetch: init() takes no URL or bytes
  await init("/projekt_client_bg.wasm");
  const client = new Client({ baseUrl: "https://api.example.test/v1" });
  try {
    await client.get("/items/1");
  } catch (e) {
    if (isNotFoundError(e)) console.log(e.status);
  }
  return client;
}
