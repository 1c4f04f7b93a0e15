#!/bin/sh
# Rebuild ../codemirror.js and ../LICENSES.txt from the exact versions in package-lock.json.
# Needs node and npm; node_modules/ is removed again at the end (the studio serves every file
# under static/).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npx esbuild entry.js --bundle --format=esm --minify --legal-comments=none \
  --outfile=../codemirror.js
# every bundled package's licence, as shipped in the package
node -e '
const fs = require("fs"), path = require("path");
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
let out = "Licences of the packages bundled in codemirror.js (from package-lock.json).\n";
for (const [where, info] of Object.entries(lock.packages)) {
  if (!where || info.dev) continue;
  const dir = where;
  const file = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  out += `\n==== ${where.replace(/^node_modules\//, "")} ${info.version} (${info.license}) ====\n`;
  out += file ? fs.readFileSync(path.join(dir, file), "utf8") : `(no licence file; licence field: ${info.license})\n`;
}
fs.writeFileSync("../LICENSES.txt", out);
'
rm -rf node_modules
