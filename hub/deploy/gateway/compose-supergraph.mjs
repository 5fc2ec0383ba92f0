// Composes the supergraph the gateway serves, offline, from each subgraph's SDL, with the
// Guild's composer (@theguild/federation-composition, the one Hive Gateway is built on).
//
// Usage:
//   node compose-supergraph.mjs OUT_FILE NAME=URL=SDL_FILE [NAME=URL=SDL_FILE ...]
//                               [--contract police|health|education]
// e.g. lcs-hub sdl > lcs-hub.graphql
//      node compose-supergraph.mjs supergraph.graphql \
//           lcs-hub=http://hub:8000/graphql=lcs-hub.graphql
// With --contract AUDIENCE it writes that partner audience's contract instead: every field
// the hub tags `hidden-from-AUDIENCE` (auth/policy.py) is left out of the served schema.
// Exits 1 with the composer's errors, one per line, if the subgraphs do not compose.
import { readFileSync, writeFileSync } from "node:fs";
import { parse } from "graphql";
import { composeSchemaContract, composeServices } from "@theguild/federation-composition";

const args = process.argv.slice(2);
const contractAt = args.indexOf("--contract");
const audience = contractAt >= 0 ? args.splice(contractAt, 2)[1] : null;
const [out, ...specs] = args;
if (!out || specs.length === 0 || (contractAt >= 0 && !audience)) {
  console.error("usage: compose-supergraph.mjs OUT_FILE NAME=URL=SDL_FILE... [--contract AUDIENCE]");
  process.exit(2);
}

const services = specs.map((spec) => {
  const first = spec.indexOf("=");
  const last = spec.lastIndexOf("=");
  if (first <= 0 || last === first) {
    console.error(`not NAME=URL=SDL_FILE: ${spec}`);
    process.exit(2);
  }
  return {
    name: spec.slice(0, first),
    url: spec.slice(first + 1, last),
    typeDefs: parse(readFileSync(spec.slice(last + 1), "utf8")),
  };
});

const result = audience
  ? composeSchemaContract(
      services,
      { include: new Set(), exclude: new Set([`hidden-from-${audience}`]) },
      // Types no contract field reaches stay declared but unreachable: the composer's own
      // pruning (true here) fails on this schema with federation-composition 0.27.0.
      false,
    )
  : composeServices(services);
if (result.errors?.length) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl);
