/** `bundle upload|list|show|history|delete`: publish the code jobs run, and see what is published. */
import type { Command } from "commander";
import type { Bundle, BundleEvent } from "../../shared/bundle-protocol.ts";
import type { Act } from "./act.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { collectList, positiveInteger } from "./option-parsers.ts";
import { renderTable } from "./table.ts";

interface UploadFlags {
  tags?: string[];
  setup?: string;
}

export function registerBundleCommands(program: Command, act: Act): void {
  const bundle = program.command("bundle").summary("publish versioned code for the workers to install");
  bundle
    .command("upload")
    .summary("upload a version of a bundle (PATH: a directory, packed here, or a .tar.gz)")
    .argument("<name>", "bundle name")
    .argument("<version>", "semver, above every version the name had (e.g. 1.4.0)")
    .argument("<path>", "a directory or a .tar.gz")
    .option("--tags <tags>", "only daemons with one of these tags install it (comma-separated)", collectList)
    .option("--setup <command>", "shell command each daemon runs in the unpacked directory first")
    .action(act<[string, string, string, UploadFlags]>(upload));
  bundle.command("list").summary("list stored bundles and their versions").action(act<[]>(list));
  bundle
    .command("show")
    .summary("show the stored versions of a bundle")
    .argument("<name>", "bundle name")
    .action(act<[string]>(show));
  bundle
    .command("history")
    .summary("uploads and deletes: who, when, from where (newest first)")
    .option("--limit <n>", "at most this many entries", positiveInteger, 50)
    .action(act<[{ limit: number }]>(history));
  bundle
    .command("delete")
    .summary("delete a version of a bundle (its number is not reused)")
    .argument("<name>", "bundle name")
    .argument("<version>", "version")
    .action(act<[string, string]>(remove));
}

async function upload(ctx: CliContext, name: string, version: string, path: string, flags: UploadFlags) {
  const stored = await ctx.client.uploadBundle(name, version, path, { tags: flags.tags, setup: flags.setup });
  const { printer } = ctx;
  if (printer.style === "json") printer.json(stored);
  else if (printer.quiet) printer.out(`${stored.name}@${stored.version}`);
  else {
    printer.out(
      `${printer.icon("📦")}Uploaded ${stored.name}@${stored.version} (${formatSize(stored.size)}, sha256 ${stored.sha256.slice(0, 12)}…)`,
    );
  }
  return EXIT.succeeded;
}

async function list(ctx: CliContext) {
  const all = await ctx.client.listBundles();
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ bundles: all });
  else if (printer.quiet) for (const b of all) printer.out(`${b.name}@${b.version}`);
  else if (all.length === 0)
    printer.note("No bundles yet. Upload one with: flowy-client bundle upload NAME VERSION DIR");
  else printer.out(bundleTable(all));
  return EXIT.succeeded;
}

async function show(ctx: CliContext, name: string) {
  const shown = await ctx.client.getBundle(name);
  const { printer } = ctx;
  if (printer.style === "json") printer.json(shown);
  else if (printer.quiet) for (const b of shown.versions) printer.out(b.version);
  else {
    const workers = shown.workers ?? [];
    const onWorkers = workers.length
      ? `\n\n${renderTable(
          ["WORKER", "VERSION", "STATUS", "ERROR"],
          workers.map((w) => [w.worker_id, w.version, w.status, w.error ?? "-"]),
        )}`
      : "\n\nNo worker has reported this bundle yet.";
    printer.out(`${shown.name}: latest ${shown.latest}\n\n${bundleTable(shown.versions)}${onWorkers}`);
  }
  return EXIT.succeeded;
}

async function history(ctx: CliContext, flags: { limit: number }) {
  const events = await ctx.client.bundleHistory({ limit: flags.limit });
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ events });
  else if (events.length === 0) printer.note("No bundle has been uploaded or deleted yet.");
  else printer.out(historyTable(events));
  return EXIT.succeeded;
}

async function remove(ctx: CliContext, name: string, version: string) {
  await ctx.client.deleteBundle(name, version);
  const { printer } = ctx;
  if (printer.style === "json") printer.json({ name, version, deleted: true });
  else if (!printer.quiet) printer.out(`${printer.icon("🗑️")}Deleted ${name}@${version}.`);
  return EXIT.succeeded;
}

export function bundleTable(bundles: Bundle[]): string {
  const rows = bundles.map((b) => [
    b.name,
    b.version,
    formatSize(b.size),
    b.tags.join(",") || "(all)",
    b.setup ?? "-",
    b.created_at,
    b.uploaded_by ?? "-",
  ]);
  return renderTable(["NAME", "VERSION", "SIZE", "TAGS", "SETUP", "UPLOADED", "BY"], rows);
}

function historyTable(events: BundleEvent[]): string {
  const rows = events.map((e) => [
    e.at,
    e.action,
    `${e.name}@${e.version}`,
    e.key_name ?? "-",
    e.address ?? "-",
    e.user_agent ?? "-",
  ]);
  return renderTable(["AT", "ACTION", "BUNDLE", "KEY", "ADDRESS", "USER AGENT"], rows);
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
