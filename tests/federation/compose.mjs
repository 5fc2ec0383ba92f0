// Composes the hub's subgraph SDL with Apollo's composer and the Guild's, as a gateway would.
// Usage: node compose.mjs SDL_FILE  — prints one JSON line; exits 1 when composition fails.
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { composeServices } from "@apollo/composition";
import { composeServices as composeGuild } from "@theguild/federation-composition";

const sdl = readFileSync(process.argv[2], "utf8");
const services = [{ name: "lcs-hub", url: "http://127.0.0.1:8000/graphql", typeDefs: parse(sdl) }];
const apollo = composeServices(services);
const guild = composeGuild(services);
const errors = [...(apollo.errors ?? []), ...(guild.errors ?? [])].map((e) => e.message);
// The entities are what the composed supergraph joins by key: its types with a
// @join__type(..., key: ...) directive.
const keyed = (definition) =>
  (definition.directives ?? []).some(
    (d) => d.name.value === "join__type" && d.arguments.some((a) => a.name.value === "key"),
  );
const supergraph = apollo.supergraphSdl ? parse(apollo.supergraphSdl) : { definitions: [] };
console.log(JSON.stringify({
  errors,
  apollo: Boolean(apollo.supergraphSdl),
  guild: Boolean(guild.supergraphSdl),
  entities: supergraph.definitions
    .filter((d) => d.kind === "ObjectTypeDefinition" && keyed(d))
    .map((d) => d.name.value),
}));
process.exit(errors.length ? 1 : 0);
