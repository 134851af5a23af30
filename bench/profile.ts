// Summarises V8 CPU profiles (`node --cpu-prof`): where the server's own CPU time went.
// `tsx bench/profile.ts <file.cpuprofile | dir>`; `npm run bench -- --profile` prints it for each server.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Groups a script URL: a package under node_modules, a project folder, or node's own internals. */
function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  const own = url.match(/\/(src|gen|bench)\/(.+?)(?:\/[^/]+)?$/);
  if (own) return `${own[1]}/${own[2].split("/")[0]}`;
  return url.startsWith("node:") ? "node internals" : url;
}

export function summarize(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const fn = `${functionName || "(anonymous)"} ${url.replace(/^.*\/(node_modules|src|gen|bench)\//, "$1/")}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const module = moduleOf(url, functionName);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
  }
  const list = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  return [`total ${(total / 1e6).toFixed(1)} s sampled`, "self time by module:", ...list(byModule, 15), "self time by function:", ...list(byFunction, top)].join("\n");
}

export function summarizePath(path: string): string {
  const files = statSync(path).isDirectory() ? readdirSync(path).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(path, f)) : [path];
  return files.map((f) => `== ${f}\n${summarize(JSON.parse(readFileSync(f, "utf8")) as CpuProfile)}`).join("\n\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(summarizePath(process.argv[2] ?? "bench/results/profiles"));
