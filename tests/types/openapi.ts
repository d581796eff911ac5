// A TypeScript user with an OpenAPI document: types generated from the test
// server's own document (tests/server/openapi.json) by openapi-typescript,
// then `new Client<paths>(…)`. Every call below must compile, and every
// `@ts-expect-error` line must not: a wrong path, a method the path lacks, a
// missing path parameter, a wrong body field, a misread response field.
// Only type-checked (tsc --strict), never run; the run-time side (path
// parameters encoded as one segment) is in the browser suites.
//
//   node_modules/.bin/openapi-typescript tests/server/openapi.json -o target/openapi/api.d.ts
//   node_modules/.bin/tsc -p tests/types/openapi.tsconfig.json
import { Client, isValidationError } from "projekt-client";
import type { FieldsOf, Operation, PathsWithMethod, SuccessBody } from "projekt-client";
import type { components, paths } from "../../target/openapi/api";

type Item = components["schemas"]["Item"];
declare const signal: AbortSignal;

const api = new Client<paths>({ baseUrl: "https://api.example.com/s/x", token: "pjk_live_…" });

export async function typedCalls(): Promise<void> {
  // Paths, parameters, bodies and responses from the document.
  const list = await api.get("/items");
  const total: number = list.meta.total;
  const first: Item | undefined = list.data[0];
  const item = await api.get("/items/{id}", { params: { path: { id: 7 } }, signal });
  const title: string = item.title;
  const created = await api.post("/items", { title: "new", labels: ["ui"] });
  const id: number = created.id;
  const replaced = await api.put("/items/{id}", { title: "again" }, { params: { path: { id } } });
  const changed = await api.patch("/items/{id}", { labels: [] }, { params: { path: { id } } });
  const gone: undefined = await api.delete("/items/{id}", { params: { path: { id } } });
  const file = await api.get("/files/{name}", { params: { path: { name: "a/b" } } });
  const raw: string = file.raw;
  const me = await api.get("/whoami");
  const who: string = me.who;
  const result = await api.request({ method: "PATCH", path: "/items/{id}", params: { path: { id } }, body: { title: "t" } });
  const status: number = result.status;
  const got: string = result.data.title;
  for await (const page of api.paginate("/pages/{kind}", { params: { path: { kind: "cursor" } }, query: { per_page: 10 } })) {
    const name: string = page.name;
    void name;
  }
  const updated = await api.update("/items/{id}", (current) => ({ title: current.title + "!" }), { params: { path: { id } } });
  const version: number = updated.version;

  // A 422's field names, narrowed to the document's.
  try {
    await api.post("/items", { title: "" });
  } catch (e) {
    if (isValidationError<FieldsOf<Operation<paths, "/items", "post">>>(e)) {
      const hint: string | undefined = e.first("title");
      // @ts-expect-error "tilte" is not a field the document lists
      e.first("tilte");
      void hint;
    }
  }

  // What the helpers name.
  const readable: PathsWithMethod<paths, "get">[] = ["/items", "/items/{id}", "/files/{name}", "/pages/{kind}", "/whoami"];
  // @ts-expect-error /whoami has no POST
  const writable: PathsWithMethod<paths, "post"> = "/whoami";
  const body: SuccessBody<Operation<paths, "/whoami", "get">> = { who: "me" };

  // ------------------------------------------------ what must not compile

  // @ts-expect-error a typo in the path
  await api.get("/itmes");
  // @ts-expect-error a path the document lacks for this method (no PUT on /items)
  await api.put("/items", { title: "x" });
  // @ts-expect-error the path parameter is missing
  await api.get("/items/{id}");
  // @ts-expect-error the path parameter has the wrong name
  await api.get("/items/{id}", { params: { path: { ID: 7 } } });
  // @ts-expect-error the path parameter has the wrong type
  await api.get("/items/{id}", { params: { path: { id: "seven" } } });
  // @ts-expect-error a body field the schema does not have
  await api.post("/items", { title: "x", colour: "red" });
  // @ts-expect-error a required body field missing
  await api.post("/items", { labels: [] });
  // @ts-expect-error a response field the schema does not have
  const nope: string = (await api.get("/items/{id}", { params: { path: { id: 7 } } })).name;
  // @ts-expect-error a misread response field type
  const wrong: string = (await api.get("/items")).meta.total;
  // @ts-expect-error a query parameter of the wrong type
  api.paginate("/pages/{kind}", { params: { path: { kind: "cursor" } }, query: { per_page: "ten" } });
  // @ts-expect-error a typed client takes no free type argument
  await api.get<Item>("/anything");

  void [total, first, title, replaced, changed, gone, raw, who, status, got, version, readable, writable, body, nope, wrong];
}

// Without a `paths` type nothing changes: any path, `any` or your own type.
export async function untypedCalls(): Promise<void> {
  const plain = new Client({ baseUrl: "https://api.example.com/v1" });
  const anyThing = await plain.get("/anything/at/all");
  const mine = await plain.get<Item>("/items/7");
  const filled = await plain.get<Item>("/items/{id}", { params: { path: { id: 7 } } });
  const r = await plain.request<Item>({ method: "POST", path: "/items", body: { title: "x" } });
  void [anyThing, mine.title, filled.id, r.data.version];
}
