// projekt-client/inline (web build): the same surface as the package, with
// an init() that takes nothing (the .wasm is inside the module).
import init, { initSync, Client, isValidationError } from "projekt-client/inline";

export async function start(): Promise<Client> {
  await init();
  initSync();
  // @ts-expect-error nothing to fetch: init() takes no URL or bytes
  await init("/projekt_client_bg.wasm");
  const client = new Client({ baseUrl: "https://api.example.com/v1" });
  try {
    await client.get<{ id: number }>("/items/1");
  } catch (e) {
    if (isValidationError(e)) console.log(e.fieldErrors);
  }
  return client;
}
