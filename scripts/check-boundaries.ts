/**
 * The layering rules of DESIGN §2, checked on every lint: shared/ imports nothing local;
 * server/http never reaches the store; server/service never touches HTTP; daemon/ and client/
 * reach the server only over HTTP (they may use shared/); the daemon uses nothing of client/ but
 * its HTTP transport, the client nothing of daemon/ but the workflow runner's entry; and no
 * import cycles, between files or between sibling folders.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const SOURCES = ["shared", "server", "daemon", "client"];

interface Rule {
  from: string;
  forbid: string[];
  /** Files under a forbidden prefix that may still be imported: the rule's named entries. */
  allow?: string[];
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
  { from: "daemon/", forbid: ["server/"], why: "the daemon reaches the server only over HTTP" },
  {
    from: "daemon/",
    forbid: ["client/"],
    allow: ["client/transport.ts"],
    why: "the daemon uses nothing of client/ but its HTTP transport (client/transport.ts)",
  },
  { from: "client/", forbid: ["server/"], why: "the client reaches the server only over HTTP" },
  {
    from: "client/",
    forbid: ["daemon/"],
    allow: ["daemon/workflow/runner.ts"],
    why: "the client uses nothing of daemon/ but the workflow runner's entry (daemon/workflow/runner.ts)",
  },
];

const SEAMS = new Set(RULES.flatMap((rule) => rule.allow ?? []));

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
      if (rule.allow?.includes(target)) continue;
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
checkFolderCycles();

/**
 * Folder cycles: an import from a file in folder A to one in folder B, where neither folder
 * holds the other, is an edge between the two sibling folders under their common parent that
 * contain them (server/http/routes -> server/service is server/http -> server/service). A folder
 * and its own subfolders are one part and may use each other; siblings must form no cycle. The
 * rules' named entries (the daemon's HTTP transport, the workflow runner) are seams, each a file
 * that imports nothing back, and do not count as using their folder.
 */
function checkFolderCycles(): void {
  const edges = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    for (const target of targets) {
      if (SEAMS.has(target)) continue;
      const edge = siblingEdge(dirname(file).split("/"), dirname(target).split("/"));
      if (!edge) continue;
      if (!edges.has(edge[0])) edges.set(edge[0], new Set());
      edges.get(edge[0])!.add(edge[1]);
    }
  }
  const seen = new Map<string, "visiting" | "done">();
  const walkFolders = (node: string, path: string[]): void => {
    if (seen.get(node) === "done") return;
    if (seen.get(node) === "visiting") {
      problems.push(`folder import cycle: ${[...path.slice(path.indexOf(node)), node].join(" -> ")}`);
      return;
    }
    seen.set(node, "visiting");
    for (const next of edges.get(node) ?? []) walkFolders(next, [...path, node]);
    seen.set(node, "done");
  };
  for (const node of edges.keys()) walkFolders(node, []);
}

function siblingEdge(from: string[], to: string[]): [string, string] | undefined {
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  if (common === from.length || common === to.length) return undefined; // same folder, or one holds the other
  return [from.slice(0, common + 1).join("/"), to.slice(0, common + 1).join("/")];
}

if (problems.length) {
  process.stderr.write(`Layering check failed:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exit(1);
}
process.stdout.write(`Layering check: ${files.length} files, no forbidden imports, no cycles.\n`);
