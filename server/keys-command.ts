/** `flowy-server keys create|list|revoke`: key management straight on the database. */
import { existsSync } from "node:fs";
import { type Command, Option } from "commander";
import { createLogger } from "../shared/logging.ts";
import type { Role } from "./model/records.ts";
import { systemClock } from "./service/clock.ts";
import { KeyService, offlineAdminKeyHint, ROLES } from "./service/key-service.ts";
import { openStore } from "./store/open-store.ts";
import { isPostgresUrl } from "./store/postgres/pg-config.ts";

interface KeyCommandOptions {
  db: string;
}

async function withKeys<T>(db: string, run: (keys: KeyService) => Promise<T>): Promise<T> {
  if (!isPostgresUrl(db) && !existsSync(db)) warnNewDatabase(db);
  const store = await openStore(db, createLogger("flowy-server", "warn"));
  try {
    return await run(new KeyService(store, systemClock));
  } finally {
    await store.close();
  }
}

/** Keys live in the database: one the server does not read makes keys it never sees. */
function warnNewDatabase(db: string): void {
  process.stderr.write(
    `warning: ${db} did not exist: creating a new database there. A server started with another ` +
      "--db (or FLOWY_DB) will not see these keys: give keys commands the server's --db.\n",
  );
}

export function addKeysCommand(program: Command, dbOption: () => Option): void {
  const keys = program
    .command("keys")
    .description(
      "Manage API keys (roles: admin, client, worker). Keys live in the database: give the server's --db (or FLOWY_DB).",
    );
  keys
    .command("create")
    .description("Create a key and print it. It is shown only this once: store it now.")
    .requiredOption("--name <name>", "a name to tell the key by (letters, digits, . _ -)")
    .addOption(new Option("--role <role>", "what the key may do").choices(ROLES).makeOptionMandatory())
    .addOption(dbOption())
    .action(async (opts: KeyCommandOptions & { name: string; role: Role }) => {
      const { key, record } = await withKeys(opts.db, (k) => k.create(opts.name, opts.role));
      process.stderr.write(`Created ${record.role} key "${record.name}". It will not be shown again:\n`);
      process.stdout.write(`${key}\n`);
    });
  keys
    .command("list")
    .description("List active keys: name, role, created, last used (never the key).")
    .addOption(dbOption())
    .action(async (opts: KeyCommandOptions) => {
      const list = await withKeys(opts.db, (k) => k.list());
      if (list.length === 0) {
        process.stdout.write(
          "No active keys. A server on loopback runs without authentication; one that required keys still does.\n",
        );
        return;
      }
      const rows = list.map((k) => [
        k.name,
        k.role,
        `${k.prefix}…`,
        new Date(k.createdAt).toISOString(),
        k.lastUsedAt === null ? "never" : new Date(k.lastUsedAt).toISOString(),
      ]);
      printTable(["NAME", "ROLE", "PREFIX", "CREATED", "LAST USED"], rows);
    });
  keys
    .command("revoke")
    .description("Revoke a key by name; requests with it are refused from then on.")
    .argument("<name>")
    .addOption(dbOption())
    .action(async (name: string, opts: KeyCommandOptions) => {
      const anyLeft = await withKeys(opts.db, async (k) => {
        await k.revoke(name);
        return k.anyActive();
      });
      process.stdout.write(`Revoked key "${name}".\n`);
      if (!anyLeft) {
        process.stderr.write(
          `No active key is left: a server that required keys still does. To get back in, ${offlineAdminKeyHint(opts.db)}\n`,
        );
      }
    });
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    process.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd()}\n`,
    );
  }
}
