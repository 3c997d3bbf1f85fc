#!/bin/sh
# Vendors GraphiQL's browser builds into the package (connector/graphql/static/graphiql),
# so that nodes and the gateway serve their GraphQL IDE with nothing loaded from outside.
# The versions are pinned in package.json / package-lock.json here; run after changing them:
#   sh tools/graphiql/vendor.sh
# It installs them from the npm registry, then writes each build gzip-compressed (served
# as is with Content-Encoding: gzip), each package's licence, and SOURCES.md with the
# version and the SHA-256 of each build as npm ships it.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../connector/graphql/static/graphiql"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
mkdir -p "$out"
nm="$here/node_modules"
version() { node -p "require('$nm/$1/package.json').version"; }
{
    echo "# GraphiQL's browser builds (vendored by tools/graphiql/vendor.sh; do not edit)"
    echo
    echo "Served by every node and the gateway under \`/static/graphiql/<graphiql version>/\`."
    echo "Each file is the npm package's build, unmodified, stored gzip-compressed (\`.gz\`)."
    echo
    echo "| file | npm package | version | licence | SHA-256 of the build as shipped |"
    echo "|---|---|---|---|---|"
} > "$out/SOURCES.md"
for spec in graphiql:graphiql.min.js graphiql:graphiql.min.css \
            react:umd/react.production.min.js react-dom:umd/react-dom.production.min.js; do
    pkg="${spec%%:*}"; file="${spec#*:}"; name="$(basename "$file")"
    gzip -9 -n -c "$nm/$pkg/$file" > "$out/$name.gz"
    cp "$nm/$pkg/LICENSE" "$out/LICENSE-$pkg"
    sum="$(sha256sum "$nm/$pkg/$file" | cut -d' ' -f1)"
    echo "| \`$name.gz\` | [\`$pkg\`](https://www.npmjs.com/package/$pkg) | $(version "$pkg") | MIT (\`LICENSE-$pkg\`) | \`$sum\` |" >> "$out/SOURCES.md"
done
{
    echo
    echo "graphiql's build bundles its own dependencies (CodeMirror, markdown-it, graphql-js and"
    echo "others, all under permissive licences; their notices are kept inside the build)."
} >> "$out/SOURCES.md"
echo "$(version graphiql)" > "$out/VERSION"
echo "vendored GraphiQL $(version graphiql) into $out"
