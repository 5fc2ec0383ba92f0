// lcs-hub's federation gateway: the Hive Gateway configuration (npm @graphql-hive/gateway, MIT).
//
// Production runs the gateway's own CLI with this file:
//     hive-gateway supergraph supergraph.graphql -c hub/deploy/gateway/gateway.config.mjs
// (or the ghcr.io/graphql-hive/gateway image with this file and the supergraph mounted; see
// ../compose.yaml). tests/federation/test_gateway.py starts the same CLI with this same file
// on 127.0.0.1, so the configuration kept here is the one the tests prove.
//
// The supergraph is composed ahead of time from each subgraph's SDL (compose-supergraph.mjs
// beside this file): the gateway reads a file, never a schema registry (no GraphOS, no Hive
// cloud), and runs on a closed network.
//
// Who decides what a caller sees: the hub, never the gateway. The gateway verifies nothing
// and caches nothing; it forwards the end user's bearer token and stated purpose to the hub,
// which verifies the token and applies its own audience schema, field policy and row rules,
// so a request through the gateway gets exactly what the same user gets at the hub (a child
// they may not see is absent, a field their audience may not see is refused).

// The hub's subgraph name in the supergraph (compose-supergraph.mjs NAME=URL=SDL).
const HUB = process.env.LCS_GATEWAY_HUB_SUBGRAPH ?? "lcs-hub";

// The end user's identity and purpose, for the hub only: another subgraph never receives a
// user's token (it would be a credential to the hub in a third party's hands).
const FORWARDED_TO_HUB = ["authorization", "x-purpose"];

function forwardedTo(subgraphName, request) {
  if (subgraphName !== HUB) return {};
  const headers = {};
  for (const name of FORWARDED_TO_HUB) {
    const value = request.headers.get(name);
    if (value) headers[name] = value;
  }
  return headers;
}

export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs: ({ request, subgraphName }) => forwardedTo(subgraphName, request),
  },
  // The supergraph is the hub's internal schema. A partner must not learn that a field it may
  // not see exists (DOMAIN.md): the gateway neither describes its schema nor suggests field
  // names in errors. Each audience's own schema is introspected at the hub itself.
  disableIntrospection: true,
  blockFieldSuggestions: true,
  graphiql: false,
  landingPage: false,
  // Bounded waits: a slow subgraph fails its part of the answer, it does not hold the caller.
  upstreamTimeout: Number(process.env.LCS_GATEWAY_UPSTREAM_TIMEOUT_MS ?? 30000),
  requestDeadline: Number(process.env.LCS_GATEWAY_REQUEST_DEADLINE_MS ?? 60000),
};
