import { readFileSync, writeFileSync } from "node:fs";
import { openApiText } from "../gateway/openapi-document.js";
import { parseCli } from "./usage.js";

const HELP = `usage: npm run openapi [-- --check]

Generates openapi/openapi.json (OpenAPI 3.1) from the protos' google.api.http bindings and merges
openapi/v1-users.json into it. The server serves the result at GET /openapi.json.

  --check   write nothing; exit 1 if the committed file differs from a fresh generation
  --help    this text`;

const args = parseCli(process.argv.slice(2), HELP, { flags: ["--check"], positionals: 0 });
const OUT = new URL("../../openapi/openapi.json", import.meta.url);
const text = openApiText();
if (args.flags.has("--check")) {
  const committed = readFileSync(OUT, "utf8");
  if (committed !== text) {
    console.error("openapi/openapi.json is out of date: run 'npm run openapi' and commit the result");
    process.exit(1);
  }
  console.log("openapi/openapi.json is up to date");
} else {
  writeFileSync(OUT, text);
  console.log(`wrote openapi/openapi.json (${Object.keys(JSON.parse(text).paths).length} paths)`);
}

