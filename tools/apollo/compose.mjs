// Compose subgraph SDLs with Apollo's @apollo/composition.
// Usage: node compose.mjs NAME=FILE.graphql [NAME=URL ...]
// Prints {"supergraph": "..."} on success, {"errors": [...], "hints": [...]} otherwise (exit 1).
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { composeServices } from "@apollo/composition";

const services = process.argv.slice(2).map((arg) => {
  const eq = arg.indexOf("=");
  const name = arg.slice(0, eq);
  const file = arg.slice(eq + 1);
  const sdl = readFileSync(file, "utf8");
  return { name, url: `http://${name}.invalid/graphql`, typeDefs: parse(sdl) };
});
const result = composeServices(services);
const hints = (result.hints || []).map((h) => h.toString());
if (result.errors && result.errors.length) {
  console.log(JSON.stringify({ errors: result.errors.map((e) => e.message), hints }));
  process.exit(1);
}
console.log(JSON.stringify({ supergraph: result.supergraphSdl, hints }));
