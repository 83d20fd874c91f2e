/**
 * The layering rules of DESIGN §2, checked on every lint: shared/ imports nothing local;
 * server/http never reaches the store; server/service never touches HTTP; daemon/ and client/
 * reach the server only over HTTP (they may use shared/); and no local import cycles.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const SOURCES = ["shared", "server", "daemon", "client"];

interface Rule {
  from: string;
  forbid: string[];
  why: string;
}
const RULES: Rule[] = [
  { from: "shared/", forbid: ["server/", "daemon/", "client/"], why: "shared/ imports nothing local" },
  { from: "server/http/", forbid: ["server/store/"], why: "routes call the service, never the store" },
  { from: "server/service/", forbid: ["server/http/", "fastify"], why: "the service never touches HTTP" },
  {
    from: "server/store/",
    forbid: ["server/http/", "server/service/"],
    why: "the store knows nothing above it",
  },
  {
    from: "daemon/",
    forbid: ["server/"],
    why: "the daemon reaches the server only over HTTP (client/ is HTTP)",
  },
  { from: "client/", forbid: ["server/", "daemon/"], why: "the client reaches the server only over HTTP" },
];

function walk(dir: string): string[] {
  const out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? "");
}

const files = SOURCES.flatMap((s) => walk(join(ROOT, s)));
const graph = new Map<string, string[]>();
const problems: string[] = [];

for (const file of files) {
  const rel = relative(ROOT, file);
  const locals: string[] = [];
  for (const spec of importsOf(file)) {
    const target = spec.startsWith(".") ? relative(ROOT, resolve(dirname(file), spec)) : spec;
    if (spec.startsWith(".")) locals.push(target);
    for (const rule of RULES) {
      if (rel.startsWith(rule.from) && rule.forbid.some((f) => target === f || target.startsWith(f))) {
        problems.push(`${rel} imports ${spec}: ${rule.why}`);
      }
    }
  }
  graph.set(rel, locals);
}

// Cycle check: depth-first search over local imports.
const state = new Map<string, "visiting" | "done">();
function visit(node: string, path: string[]): void {
  if (state.get(node) === "done") return;
  if (state.get(node) === "visiting") {
    problems.push(`import cycle: ${[...path.slice(path.indexOf(node)), node].join(" -> ")}`);
    return;
  }
  state.set(node, "visiting");
  for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
  state.set(node, "done");
}
for (const node of graph.keys()) visit(node, []);

if (problems.length) {
  process.stderr.write(`Layering check failed:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exit(1);
}
process.stdout.write(`Layering check: ${files.length} files, no forbidden imports, no cycles.\n`);
