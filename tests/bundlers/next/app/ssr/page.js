// A server component using the client at request time (Next.js resolves
// "projekt-client" with its "node" condition on the server): the same
// scenario as tests/bundlers/node, its result handed to the page.
import * as pc from "projekt-client";
import { ssrScenario } from "../ssr-scenario";

export const dynamic = "force-dynamic";

export default async function Page({ searchParams }) {
  const { api, scope } = await searchParams;
  const state = await ssrScenario(pc, `${api}/s/${scope}`, "projekt-client (server component)");
  const json = JSON.stringify(state).replace(/</g, "\\u003c");
  return (
    <>
      <pre id="result">{JSON.stringify(state, null, 2)}</pre>
      <script dangerouslySetInnerHTML={{ __html: `window.__projekt = ${json};` }} />
    </>
  );
}
