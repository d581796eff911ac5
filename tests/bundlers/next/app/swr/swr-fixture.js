"use client";
// SWR with projekt-client (docs/tanstack-query.md, "SWR"): the client does
// the retrying, so SWR retries only errors that are not the client's.
import { useEffect, useRef, useState } from "react";
import useSWR, { SWRConfig } from "swr";
import useSWRMutation from "swr/mutation";
import { Client, bindErrors, fieldMessages, isProjektError, isUnauthorizedError, isValidationError } from "projekt-client";
import { pageParams } from "../scenario";

const swrOptions = {
  // Everything the client throws was already retried where retrying is safe.
  shouldRetryOnError: (err) => !isProjektError(err),
  errorRetryInterval: 100, // (short here, so that a retry would show within the test)
};

const state = { done: false, ok: false, checks: [] };
const check = (name, ok, detail) => state.checks.push({ name, ok: !!ok, detail: detail === undefined ? undefined : String(detail) });

function Checks({ client, baseUrl }) {
  const plainCalls = useRef(0);
  const echo = useSWR("/echo", (path) => client.get(path));
  const denied = useSWR("/status/401", (path) => client.get(path));
  // A control: an error of the app's own (not the client's) is still retried by SWR.
  const plain = useSWR("plain", () => { plainCalls.current++; throw new Error("the app's own error"); });
  const save = useSWRMutation("/validate", (path, { arg }) => client.post(path, arg));
  const form = useRef(null);
  const [phase, setPhase] = useState("loading");

  useEffect(() => {
    if (phase !== "loading" || !echo.data || !denied.error) return;
    setPhase("checking");
    (async () => {
      check("useSWR + client.get: the GET's data", echo.data.method === "GET", JSON.stringify(echo.data?.method));
      check("the 401 is an UnauthorizedError", isUnauthorizedError(denied.error), denied.error?.name);
      await new Promise((r) => setTimeout(r, 1200));
      const counts = await (await fetch(`${baseUrl}/__counts`)).json();
      check("SWR did not retry the 401 (1 request in 1.2 s at a 100 ms retry interval)", counts.by_path["GET /status/401"] === 1, JSON.stringify(counts.by_path));
      check("SWR still retries the app's own errors", plainCalls.current >= 2, `${plainCalls.current} calls`);
      try {
        await save.trigger({ title: "", priority: "nope" });
        check("the mutation's 422 rejects", false);
      } catch (e) {
        check("useSWRMutation: the 422 is a ValidationError", isValidationError(e), e?.name);
        check("fieldMessages reach the form state", JSON.stringify(fieldMessages(e).map(([f]) => f)) === '["title","priority"]', JSON.stringify(fieldMessages(e)));
        bindErrors(form.current, e);
        check("bindErrors marks the form", form.current.querySelector('[name="title"]').getAttribute("aria-invalid") === "true");
      }
      state.ok = state.checks.every((c) => c.ok);
      state.done = true;
      setPhase("done");
    })().catch((e) => { check("the SWR checks ran", false, e?.stack || e); state.done = true; setPhase("done"); });
  }, [phase, echo.data, denied.error, save, baseUrl]);

  return (
    <div>
      <p id="echo">{echo.data ? `GET ${echo.data.path}` : "…"}</p>
      <p id="denied">{denied.error ? denied.error.name : "…"}</p>
      <p id="plain">{plain.error ? "plain error" : "…"}</p>
      <form ref={form} id="issue" noValidate>
        <input name="title" defaultValue="" />
        <input name="priority" defaultValue="nope" />
      </form>
      <pre id="result">{phase === "done" ? JSON.stringify(state, null, 2) : phase}</pre>
    </div>
  );
}

export default function SwrFixture() {
  const [ctx, setCtx] = useState(null);
  useEffect(() => {
    globalThis.__projekt = state;
    const { baseUrl } = pageParams();
    // A fresh SWR cache per page, the client made in the browser only.
    setCtx({ baseUrl, client: new Client({ baseUrl, retry: { limit: 3, baseDelayMs: 50 } }) });
  }, []);
  if (!ctx) return <p>starting</p>;
  return (
    <SWRConfig value={{ ...swrOptions, provider: () => new Map() }}>
      <Checks client={ctx.client} baseUrl={ctx.baseUrl} />
    </SWRConfig>
  );
}
