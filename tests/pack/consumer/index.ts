// Type-checked by tests/pack/check.mjs against the installed tarball.
import { Client, isValidationError, type ClientOptions } from "projekt-client";

const options: ClientOptions = { baseUrl: "https://api.example.test/v1", timeoutMs: undefined };
const client = new Client(options);
export async function titleError(): Promise<string | undefined> {
  try {
    await client.post("/issues", { title: "" });
    return undefined;
  } catch (e) {
    return isValidationError(e) ? e.fieldErrors["title"]?.[0] : undefined;
  }
}
