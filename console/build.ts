import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { faviconIco } from "./favicon.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Bundles the console (TypeScript → one ES module) with its page, styles and icon into `outDir`. */
export async function buildConsole(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, "main.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: true,
    outfile: join(outDir, "main.js"),
    logLevel: "warning",
  });
  for (const file of ["index.html", "style.css"]) await copyFile(join(here, file), join(outDir, file));
  await writeFile(join(outDir, "favicon.ico"), faviconIco());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildConsole(process.argv[2] ?? "dist/console");
