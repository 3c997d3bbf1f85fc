// Apollo Gateway in front of Federation v2 subgraphs, as the reference Guichet's gateway
// is compared with (tests/federation, bench/federation.py).
//
// Usage:
//   node gateway.mjs --port P [--host 127.0.0.1] [--subgraph-timeout SECONDS]
//                    --subgraph NAME=URL [--subgraph NAME=URL ...]
//   node gateway.mjs --port P --supergraph FILE
//
// With --subgraph, each subgraph's `_service { sdl }` is fetched once and the supergraph is
// composed with @apollo/composition (a composition error is printed, exit 1). The caller's
// Authorization header is forwarded to every subgraph fetch. GraphQL is served on
// http://HOST:P/graphql (@apollo/server standalone: it answers on any path). The request
// header `Apollo-Query-Plan-Experimental: 1` adds the query plan to
// `extensions.__queryPlanExperimental`. When listening, prints one line on stdout:
//   ready http://HOST:P/graphql
// SIGTERM / SIGINT stop the server (in-flight requests drained) and exit 0.
// Nothing but the given subgraph URLs is contacted: no Apollo key, no uplink, no reporting.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse } from "graphql";
import { composeServices } from "@apollo/composition";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string", default: "127.0.0.1" },
        subgraph: { type: "string", multiple: true, default: [] },
        supergraph: { type: "string" },
        "sdl-timeout": { type: "string", default: "10" },
        "subgraph-timeout": { type: "string", default: "10" },
      },
    }).values;
  } catch (err) {
    fail(err.message);
  }
  const port = Number(parsed.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`--port: expected a port number, got ${JSON.stringify(parsed.port)}`);
  }
  const subgraphs = parsed.subgraph.map((arg) => {
    const eq = arg.indexOf("=");
    if (eq <= 0) fail(`--subgraph: expected NAME=URL, got ${JSON.stringify(arg)}`);
    const name = arg.slice(0, eq);
    const url = arg.slice(eq + 1);
    try {
      new URL(url);
    } catch {
      fail(`--subgraph ${name}: not a URL: ${JSON.stringify(url)}`);
    }
    return { name, url };
  });
  if (!parsed.supergraph === !subgraphs.length) {
    fail("give either --supergraph FILE or at least one --subgraph NAME=URL");
  }
  const subgraphTimeout = Number(parsed["subgraph-timeout"]);
  if (!(subgraphTimeout > 0)) {
    fail(`--subgraph-timeout: expected a positive number of seconds, got ${JSON.stringify(parsed["subgraph-timeout"])}`);
  }
  return {
    ...parsed,
    port,
    subgraphs,
    sdlTimeout: Number(parsed["sdl-timeout"]) * 1000,
    subgraphTimeoutMs: subgraphTimeout * 1000,
  };
}

async function fetchSdl({ name, url }, timeoutMs) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ _service { sdl } }" }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    fail(`subgraph ${name} (${url}): unreachable: ${err.message}`);
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`subgraph ${name} (${url}): HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== "string") {
    fail(`subgraph ${name} (${url}): no _service.sdl in ${text.slice(0, 300)}`);
  }
  return { name, url, typeDefs: parse(sdl) };
}

async function supergraphSdl(opts) {
  if (opts.supergraph) return readFileSync(opts.supergraph, "utf8");
  const services = await Promise.all(opts.subgraphs.map((s) => fetchSdl(s, opts.sdlTimeout)));
  const result = composeServices(services);
  if (result.errors?.length) {
    fail(`composition failed:\n  ${result.errors.map((e) => e.message).join("\n  ")}`);
  }
  return result.supergraphSdl;
}

class ForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    const authorization = context?.authorization;
    if (authorization) request.http.headers.set("authorization", authorization);
  }
}

async function main() {
  const opts = options();
  for (const name of ["APOLLO_KEY", "APOLLO_GRAPH_REF", "APOLLO_SCHEMA_CONFIG_DELIVERY_ENDPOINT"]) {
    delete process.env[name];
  }
  const gateway = new ApolloGateway({
    supergraphSdl: await supergraphSdl(opts),
    // each subgraph fetch gives up after --subgraph-timeout seconds (10, as Guichet's
    // gateway): a stopped node then fails its fetch instead of hanging the request
    buildService: ({ url }) =>
      new ForwardingDataSource({
        url,
        fetcher: (input, init) =>
          fetch(input, { ...init, signal: AbortSignal.timeout(opts.subgraphTimeoutMs) }),
      }),
    __exposeQueryPlanExperimental: true,
  });
  const server = new ApolloServer({
    gateway,
    introspection: true,
    includeStacktraceInErrorResponses: false,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { host: opts.host, port: opts.port },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  const address = new URL(url);
  console.log(`ready http://${opts.host}:${address.port}/graphql`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await server.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => fail(err?.stack || String(err)));
