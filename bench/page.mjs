// The in-browser half of the benchmark (driven by bench/run.mjs through
// playwright-core). Nothing is imported statically, so the start-up probe
// times the package's very first import.
//
//   window.startup({ api, url, wasm, wasmUrl, peer }) → { importMs, initMs, constructMs, totalMs, fetchWasmMs }
//       url: the entry to import (dist/web's by default); wasm: when given,
//       the .wasm's bytes are fetched first (fetchWasmMs, outside totalMs)
//       and init() gets them, so initMs is compile + instantiate only;
//       wasmUrl: when given, init() fetches the .wasm from there (a
//       versioned URL the HTTP cache may keep) instead of beside the entry;
//       peer ("ky" | "axios"): url is that peer's bundle, timed import →
//       an instance (ky.create / axios.create), with no init.
//   window.runBench(config)   → { samples, errors, checks, env }

const PROJEKT_URL = "/dist/web/index.js";

/** The 10-field map the 422 scenario asks the server to send back. */
export const FIELD_MAP = {
  email: ["is invalid"],
  name: ["can't be blank"],
  password: ["is too short (minimum is 12 characters)"],
  password_confirmation: ["doesn't match password"],
  username: ["has already been taken"],
  age: ["must be greater than or equal to 18"],
  country: ["is not included in the list"],
  phone: ["is not a valid phone number"],
  website: ["is not a valid URL"],
  terms: ["must be accepted"],
};

const SCENARIOS = ["small", "big", "v422", "r304", "conc"];

function paths() {
  const errors = encodeURIComponent(JSON.stringify(FIELD_MAP));
  return {
    small: "/json",
    big: "/json?kb=230",
    v422: `/status/422?errors=${errors}`,
    r304: "/items/1",
    // Distinct URLs: every client makes 16 real requests (the package would
    // otherwise share one response among identical concurrent GETs).
    conc: Array.from({ length: 16 }, (_, i) => `/json?c=${i}`),
  };
}

// ---- start-up ----------------------------------------------------------------

window.startup = async ({ api, url, wasm, wasmUrl, peer }) => {
  if (peer) {
    // A peer's bundle (bench/.build/<peer>.js): nothing to init.
    const t0 = performance.now();
    const mod = await import(url);
    const t1 = performance.now();
    const instance = peer === "ky" ? mod.ky.create({ prefixUrl: api, retry: 0 }) : mod.axios.create({ baseURL: api });
    const t2 = performance.now();
    if (typeof instance.get !== "function") throw new Error(`${peer} instance has no get()`);
    return { importMs: t1 - t0, initMs: 0, constructMs: t2 - t1, totalMs: t2 - t0, fetchWasmMs: 0 };
  }
  let bytes;
  let fetchWasmMs = 0;
  if (wasm) {
    const f0 = performance.now();
    bytes = await (await fetch(wasm)).arrayBuffer();
    fetchWasmMs = performance.now() - f0;
  }
  const t0 = performance.now();
  const mod = await import(url || PROJEKT_URL);
  const t1 = performance.now();
  const source = bytes || wasmUrl;
  await (source ? mod.default({ module_or_path: source }) : mod.default());
  const t2 = performance.now();
  const client = new mod.Client({ baseUrl: api, retry: false });
  const t3 = performance.now();
  if (typeof client.get !== "function") throw new Error("Client has no get()");
  return { importMs: t1 - t0, initMs: t2 - t1, constructMs: t3 - t2, totalMs: t3 - t0, fetchWasmMs };
};

// ---- the clients ---------------------------------------------------------------

function httpError(name, what, status) {
  return new Error(`${name}: ${what} answered ${status}`);
}

/** One object per client: an async function per scenario, returning the value a caller wants. */
async function makeClients(api) {
  const P = paths();
  const U = (p) => api + p;
  const [{ default: init, Client }, { ky }, { ofetch }, { axios }, rust] = await Promise.all([
    import(PROJEKT_URL),
    import("/bench/.build/ky.js"),
    import("/bench/.build/ofetch.js"),
    import("/bench/.build/axios.js"),
    import("/bench/.build/rust/bench_rust.js"),
  ]);
  await init();
  await rust.default();

  // Each client keeps its own copy for the 304 scenario (the package keeps its own in its cache).
  const conditional = () => ({ etag: null, body: undefined });

  // raw fetch + res.json()
  const rawStore = conditional();
  const fetchClient = {
    small: async () => {
      const r = await fetch(U(P.small));
      if (!r.ok) throw httpError("fetch", P.small, r.status);
      return r.json();
    },
    big: async () => {
      const r = await fetch(U(P.big));
      if (!r.ok) throw httpError("fetch", P.big, r.status);
      return r.json();
    },
    v422: async () => {
      const r = await fetch(U(P.v422));
      if (r.ok) throw httpError("fetch", "422", r.status);
      return (await r.json()).errors;
    },
    r304: async () => {
      const r = await fetch(U(P.r304), rawStore.etag ? { headers: { "If-None-Match": rawStore.etag } } : undefined);
      if (r.status === 304) return rawStore.body;
      if (!r.ok) throw httpError("fetch", P.r304, r.status);
      rawStore.body = await r.json();
      rawStore.etag = r.headers.get("ETag");
      return rawStore.body;
    },
    conc: () => Promise.all(P.conc.map((p) => fetch(U(p)).then((r) => {
      if (!r.ok) throw httpError("fetch", p, r.status);
      return r.json();
    }))),
    probe304: async () => (await fetch(U(P.r304), { headers: { "If-None-Match": rawStore.etag } })).status,
  };

  // this package, as documented (retry off; the ETag cache on, its default)
  const ours = new Client({ baseUrl: api, retry: false });
  const ourClient = {
    small: () => ours.get(P.small),
    big: () => ours.get(P.big),
    v422: async () => {
      try {
        await ours.get(P.v422);
      } catch (e) {
        if (!e || !e.fieldErrors) throw e;
        return e.fieldErrors;
      }
      throw new Error("projekt: 422 resolved");
    },
    r304: () => ours.get(P.r304),
    conc: () => Promise.all(P.conc.map((p) => ours.get(p))),
    probe304: async () => {
      const r = await ours.request({ path: P.r304 });
      return r.status === 304 && r.fromCache ? 304 : `${r.status} fromCache=${r.fromCache}`;
    },
  };

  // diagnostic: the same package with its cache off (no dedup, no stored text)
  const bare = new Client({ baseUrl: api, retry: false, cache: false });
  const bareStore = conditional();
  const bareClient = {
    small: () => bare.get(P.small),
    big: () => bare.get(P.big),
    v422: async () => {
      try {
        await bare.get(P.v422);
      } catch (e) {
        if (!e || !e.fieldErrors) throw e;
        return e.fieldErrors;
      }
      throw new Error("projekt (cache:false): 422 resolved");
    },
    r304: async () => {
      const r = await bare.request({ path: P.r304, headers: bareStore.etag ? { "If-None-Match": bareStore.etag } : undefined });
      if (r.status === 304) return bareStore.body;
      bareStore.body = r.data;
      bareStore.etag = r.etag;
      return bareStore.body;
    },
    conc: () => Promise.all(P.conc.map((p) => bare.get(p))),
    probe304: async () => (await bare.request({ path: P.r304, headers: { "If-None-Match": bareStore.etag } })).status,
  };

  // ky 2 (its HTTPError has already read the body into e.data: e.response.json() would throw)
  const k = ky.create({ prefix: api, retry: 0 });
  const kyStore = conditional();
  const kyClient = {
    small: () => k.get(P.small).json(),
    big: () => k.get(P.big).json(),
    v422: async () => {
      try {
        await k.get(P.v422).json();
      } catch (e) {
        if (!e || !e.response) throw e;
        return e.data.errors;
      }
      throw new Error("ky: 422 resolved");
    },
    r304: async () => {
      const r = await k.get(P.r304, {
        headers: kyStore.etag ? { "If-None-Match": kyStore.etag } : undefined,
        throwHttpErrors: false,
      });
      if (r.status === 304) return kyStore.body;
      if (!r.ok) throw httpError("ky", P.r304, r.status);
      kyStore.body = await r.json();
      kyStore.etag = r.headers.get("ETag");
      return kyStore.body;
    },
    conc: () => Promise.all(P.conc.map((p) => k.get(p).json())),
    probe304: async () => (await k.get(P.r304, { headers: { "If-None-Match": kyStore.etag }, throwHttpErrors: false })).status,
  };

  // ofetch
  const o = ofetch.create({ baseURL: api, retry: 0 });
  const ofStore = conditional();
  const ofetchClient = {
    small: () => o(P.small),
    big: () => o(P.big),
    v422: async () => {
      try {
        await o(P.v422);
      } catch (e) {
        if (!e || !e.data) throw e;
        return e.data.errors;
      }
      throw new Error("ofetch: 422 resolved");
    },
    r304: async () => {
      const r = await o.raw(P.r304, { headers: ofStore.etag ? { "If-None-Match": ofStore.etag } : undefined });
      if (r.status === 304) return ofStore.body;
      ofStore.body = r._data;
      ofStore.etag = r.headers.get("ETag");
      return ofStore.body;
    },
    conc: () => Promise.all(P.conc.map((p) => o(p))),
    probe304: async () => (await o.raw(P.r304, { headers: { "If-None-Match": ofStore.etag } })).status,
  };

  // axios (its browser default adapter: XMLHttpRequest)
  const ax = axios.create({ baseURL: api });
  const axStore = conditional();
  const ok304 = (s) => (s >= 200 && s < 300) || s === 304;
  const axiosClient = {
    small: async () => (await ax.get(P.small)).data,
    big: async () => (await ax.get(P.big)).data,
    v422: async () => {
      try {
        await ax.get(P.v422);
      } catch (e) {
        if (!e || !e.response) throw e;
        return e.response.data.errors;
      }
      throw new Error("axios: 422 resolved");
    },
    r304: async () => {
      const r = await ax.get(P.r304, {
        headers: axStore.etag ? { "If-None-Match": axStore.etag } : undefined,
        validateStatus: ok304,
      });
      if (r.status === 304) return axStore.body;
      axStore.body = r.data;
      axStore.etag = r.headers.etag;
      return axStore.body;
    },
    conc: () => Promise.all(P.conc.map((p) => ax.get(p).then((r) => r.data))),
    probe304: async () => (await ax.get(P.r304, { headers: { "If-None-Match": axStore.etag }, validateStatus: ok304 })).status,
  };

  // The Rust face (bench/rust): projekt-client's Rust `Client` (retry off,
  // its cache on) and gloo-net, each reading typed serde bodies.
  const rc = new rust.RustClients(api, JSON.stringify(FIELD_MAP));
  const rustClient = (call) =>
    Object.fromEntries([...SCENARIOS, "probe304"].map((s) => [s, () => call(s)]));

  return {
    fetch: fetchClient,
    projekt: ourClient,
    "projekt-nocache": bareClient,
    ky: kyClient,
    ofetch: ofetchClient,
    axios: axiosClient,
    "projekt-rust": rustClient((s) => rc.projekt(s)),
    "gloo-net": rustClient((s) => rc.gloo(s)),
  };
}

// ---- checks --------------------------------------------------------------------

/** What each scenario must return; a string says what is wrong. */
function check(scenario, v) {
  switch (scenario) {
    case "small":
      return v && v.id === 1 && v.title === "hello" ? null : `unexpected body ${JSON.stringify(v)?.slice(0, 80)}`;
    case "big":
      return v && Array.isArray(v.items) && v.items.length > 2000 ? null : "no items[] of the 230 KB body";
    case "v422": {
      const keys = v && typeof v === "object" ? Object.keys(v) : [];
      const ok = keys.length === 10 && keys.every((k) => Array.isArray(v[k]) && v[k][0] === FIELD_MAP[k][0]);
      return ok ? null : `field map ${JSON.stringify(v)?.slice(0, 120)}`;
    }
    case "r304":
      return v && v.id === 1 && v.title === "Item 1" ? null : `cached body ${JSON.stringify(v)?.slice(0, 80)}`;
    case "conc":
      return Array.isArray(v) && v.length === 16 && v.every((x) => x && x.id === 1) ? null : "16 bodies expected";
    default:
      return "unknown scenario";
  }
}

function timerResolutionUs() {
  // Smallest non-zero step of performance.now() (5 µs when cross-origin isolated, 100 µs otherwise).
  let min = Infinity;
  for (let i = 0; i < 200; i++) {
    const a = performance.now();
    let b = a;
    while (b === a) b = performance.now();
    min = Math.min(min, b - a);
  }
  return Math.round(min * 1000 * 10) / 10;
}

// ---- the run -------------------------------------------------------------------

window.runBench = async (cfg) => {
  const { api, chunks, perChunk, perChunkBig, concBatches, warmup, budgetMs } = cfg;
  const clients = await makeClients(api);
  const names = cfg.clients.filter((n) => clients[n]);
  const scenarios = cfg.scenarios.filter((s) => SCENARIOS.includes(s));
  const errors = {};
  const checks = {};
  const key = (s, c) => `${s}/${c}`;

  // 1. One call of everything, checked (also primes every client's 304 copy).
  for (const s of scenarios) {
    for (const c of names) {
      try {
        const problem = check(s, await clients[c][s]());
        if (problem) errors[key(s, c)] = problem;
      } catch (e) {
        errors[key(s, c)] = String(e && e.message ? e.message : e);
      }
    }
  }
  // The 304 scenario must really see 304s.
  if (scenarios.includes("r304")) {
    for (const c of names) {
      if (errors[key("r304", c)]) continue;
      try {
        const st = await clients[c].probe304();
        checks[c] = st;
        if (st !== 304) errors[key("r304", c)] = `expected a 304, got ${st}`;
      } catch (e) {
        errors[key("r304", c)] = `304 probe: ${e && e.message ? e.message : e}`;
      }
    }
  }
  const live = (s, c) => !errors[key(s, c)];

  // 2. Warm-up (JIT, connections, preflight cache), untimed.
  for (let w = 0; w < warmup; w++) {
    for (const s of scenarios) {
      for (const c of names) {
        if (!live(s, c)) continue;
        const n = s === "conc" ? 1 : s === "big" ? 2 : 5;
        for (let i = 0; i < n; i++) await clients[c][s]();
      }
    }
  }

  console.debug("bench-progress warm-up done");
  // 3. Timed: chunks of one client at a time, the order rotated every chunk.
  const samples = {};
  for (const s of scenarios) for (const c of names) samples[key(s, c)] = [];
  const t0 = performance.now();
  let chunksDone = 0;
  for (let rep = 0; rep < chunks; rep++) {
    for (let si = 0; si < scenarios.length; si++) {
      const s = scenarios[si];
      const shift = (rep + si) % names.length;
      const order = names.slice(shift).concat(names.slice(0, shift));
      for (const c of order) {
        if (!live(s, c)) continue;
        const fn = clients[c][s];
        const out = samples[key(s, c)];
        try {
          if (s === "conc") {
            for (let b = 0; b < concBatches; b++) {
              const a = performance.now();
              await fn();
              out.push(((performance.now() - a) * 1000) / 16);
            }
          } else {
            const n = s === "big" ? perChunkBig : perChunk;
            for (let i = 0; i < n; i++) {
              const a = performance.now();
              await fn();
              out.push((performance.now() - a) * 1000);
            }
          }
        } catch (e) {
          errors[key(s, c)] = `during the timed run: ${e && e.message ? e.message : e}`;
        }
      }
    }
    chunksDone = rep + 1;
    console.debug(`bench-progress ${rep + 1}/${chunks} ${Math.round(performance.now() - t0)} ms`);
    // A loaded machine must not make the run unbounded: stop after a whole chunk.
    if (budgetMs && performance.now() - t0 > budgetMs) break;
  }
  const elapsedMs = performance.now() - t0;
  return {
    samples,
    errors,
    checks,
    env: {
      crossOriginIsolated: self.crossOriginIsolated === true,
      timerResolutionUs: timerResolutionUs(),
      userAgent: navigator.userAgent,
      elapsedMs,
      chunksDone,
    },
  };
};

window.benchPageReady = true;
