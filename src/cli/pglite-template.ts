import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { TEMPLATE_FILE, writePgliteTemplate } from "../db/pglite.js";
import { parseCli } from "./usage.js";

const HELP = `usage: tsx src/cli/pglite-template.ts DIR   (run by npm run build:server)

Writes DIR/${TEMPLATE_FILE}: an empty PGlite data directory as initdb leaves it. The bundled server loads
it on an empty DATA_DIR (and on every :memory: start) instead of running initdb, whose second in-process
PostgreSQL made start-up the process's memory peak. Kept while newer than the installed PGlite.`;

const [dir] = parseCli(process.argv.slice(2), HELP, { positionals: 1 }).positionals;
const target = join(dir, TEMPLATE_FILE);
const pgliteInstalled = join(createRequire(import.meta.url).resolve("@electric-sql/pglite"), "../../package.json");
if (!existsSync(target) || statSync(target).mtimeMs < statSync(pgliteInstalled).mtimeMs) await writePgliteTemplate(target);
