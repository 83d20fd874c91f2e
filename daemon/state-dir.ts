/**
 * The daemon's state directory: its persisted worker id (so a restart re-registers as the same
 * worker and can re-adopt its jobs) and a pid lock (two daemons sharing one state dir would
 * re-adopt each other's jobs).
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { FlowyError } from "../shared/errors.ts";
import { newWorkerId } from "../shared/ids.ts";
import { isProcessAlive } from "./process/process-group.ts";

export async function prepareStateDir(stateDir: string): Promise<void> {
  try {
    await mkdir(join(stateDir, "jobs"), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new FlowyError(
      "invalid-request",
      `Cannot create the state directory ${stateDir}: ${(error as Error).message}`,
      "Give daemon-flowy a writable --state-dir (or FLOWY_STATE_DIR).",
    );
  }
}

/** The worker id: the configured one, else the one persisted here, else a new one (persisted). */
export async function resolveWorkerId(stateDir: string, configured: string | undefined): Promise<string> {
  const path = join(stateDir, "worker-id");
  const persisted = (await readFile(path, "utf8").catch(() => "")).trim();
  const id = configured ?? (persisted || newWorkerId(hostname()));
  if (id !== persisted) await writeFile(path, `${id}\n`);
  return id;
}

/** Takes the state dir's pid lock; resolves to a function that releases it. */
export async function lockStateDir(stateDir: string): Promise<() => Promise<void>> {
  const path = join(stateDir, "daemon.pid");
  const holder = Number((await readFile(path, "utf8").catch(() => "")).trim());
  if (holder && holder !== process.pid && isProcessAlive(holder)) {
    throw new FlowyError(
      "invalid-request",
      `Another daemon-flowy (pid ${holder}) is using the state directory ${stateDir}`,
      "Stop it first, or give this one its own --state-dir.",
    );
  }
  await writeFile(path, `${process.pid}\n`);
  return () => rm(path, { force: true });
}
