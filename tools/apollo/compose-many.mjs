// Compose many sets of subgraph SDLs with Apollo's @apollo/composition, in one process.
// Usage: node compose-many.mjs < sets.json
//   sets.json: {"SET": {"SUBGRAPH": "SDL", ...}, ...}
// Prints {"SET": {"ok": true} | {"ok": false, "codes": [...], "messages": [...]}, ...}.
// An SDL that does not parse is refused with the code INVALID_GRAPHQL, as composition would.
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { composeServices } from "@apollo/composition";

function compose(subgraphs) {
  const services = [];
  for (const [name, sdl] of Object.entries(subgraphs)) {
    let typeDefs;
    try {
      typeDefs = parse(sdl);
    } catch (e) {
      return { ok: false, codes: ["INVALID_GRAPHQL"], messages: [String(e.message)] };
    }
    services.push({ name, url: `http://${name}.invalid/graphql`, typeDefs });
  }
  const result = composeServices(services);
  if (result.errors && result.errors.length) {
    const codes = result.errors.map((e) => String(e.extensions?.code ?? "UNKNOWN"));
    return {
      ok: false,
      codes: [...new Set(codes)].sort(),
      messages: result.errors.map((e) => e.message),
    };
  }
  return { ok: true };
}

const sets = JSON.parse(readFileSync(0, "utf8"));
const out = {};
for (const [name, subgraphs] of Object.entries(sets)) out[name] = compose(subgraphs);
console.log(JSON.stringify(out));
