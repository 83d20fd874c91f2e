#!/usr/bin/env node
/**
 * daemon-flowy: the worker daemon. `daemon-flowy [options]` runs it in the foreground;
 * `daemon-flowy config` prints the effective config and where each value came from.
 *
 * Exit codes (docs/operations.md):
 *   0    stopped cleanly: every running job finished and was reported
 *   1    could not start: bad config, state dir unusable or locked, server refused us
 *   3    drain timeout passed: the jobs still running were stopped and reported failed (retried)
 *   130  a second SIGTERM/SIGINT: stopped at once, jobs killed
 */
import { join } from "node:path";
import { Command } from "commander";
import { FlowyError } from "../shared/errors.ts";
import { createLogger } from "../shared/logging.ts";
import { CONFIG_KEYS, type ConfigKey } from "./config-schema.ts";
import { describeConfig, type LoadedConfig, loadConfig } from "./config.ts";
import { DAEMON_VERSION, type Daemon, startDaemon } from "./daemon.ts";
import { readPersistedWorkerId } from "./state-dir.ts";
import { watchParent } from "../shared/parent-pipe.ts";

export const EXIT = { ok: 0, startFailed: 1, drainTimedOut: 3, stoppedAtOnce: 130 } as const;
/** How long reports of killed jobs may take when told to stop at once. */
const STOP_NOW_REPORT_MS = 1_000;

/** A flag for every key; the help of secret ones warns that a flag shows in `ps`. */
const FLAG_KEYS = CONFIG_KEYS;

function flagsFrom(opts: Record<string, string | undefined>): Partial<Record<ConfigKey, string>> {
  const flags: Partial<Record<ConfigKey, string>> = {};
  for (const spec of FLAG_KEYS) {
    const value = opts[camel(spec.key)];
    if (value !== undefined) flags[spec.key] = value;
  }
  return flags;
}

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

async function run(opts: Record<string, string | undefined>): Promise<void> {
  const loaded = await loadConfig({ flags: flagsFrom(opts) });
  const logger = createLogger("daemon-flowy", loaded.config.log_level);
  const starting = new AbortController();
  let daemon: Daemon | undefined;
  let signals = 0;
  let drainAsked = false;
  const drain = (running: Daemon, why: string) => {
    logger.info(
      { why, drain_timeout_s: loaded.config.drain_timeout },
      "draining: no new jobs; waiting for running ones",
    );
    void running.drain(loaded.config.drain_timeout * 1000).then((result) => {
      // A second signal decides the exit: the drain ends too once it kills the jobs.
      if (signals > 1) return;
      logger.info({ result }, "daemon-flowy stopped");
      exitAfterLogs(logger, result === "drained" ? EXIT.ok : EXIT.drainTimedOut);
    });
  };
  // Asked by the server (flowy-client workers drain): like a first SIGTERM, once start-up is done.
  const onDrainRequested = () => {
    if (drainAsked || signals > 0) return;
    drainAsked = true;
    if (daemon) drain(daemon, "an operator asked");
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (!daemon) {
      logger.info({ signal }, "stopping before start-up finished");
      starting.abort();
      process.exit(signals > 1 ? EXIT.stoppedAtOnce : EXIT.ok);
    }
    if (signals === 1 && !drainAsked) {
      drain(daemon, signal);
    } else if (signals === 1) {
      logger.info(
        { signal },
        "already draining (an operator asked); a second signal stops every job at once",
      );
    } else {
      logger.warn({ signal }, "second signal: stopping every job at once");
      void daemon.stopNow(STOP_NOW_REPORT_MS).then(() => exitAfterLogs(logger, EXIT.stoppedAtOnce));
    }
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  // Started by flowy-server --with-daemon: its server is gone, so drain as on a first SIGTERM.
  // A drain already under way (the server's own SIGTERM) goes on as it is.
  watchParent(() => {
    logger.warn("the server that started this daemon is gone");
    if (signals === 0 && !drainAsked) onSignal("SIGTERM");
  });
  logSources(logger, loaded);
  daemon = await startDaemon({ config: loaded.config, logger, signal: starting.signal, onDrainRequested });
  if (drainAsked) drain(daemon, "an operator asked");
}

function logSources(logger: ReturnType<typeof createLogger>, loaded: LoadedConfig): void {
  logger.debug({ config_file: loaded.file, sources: loaded.sources }, "config loaded");
}

/** Unset in the config, the worker id is the one the state dir keeps: show that one. */
async function showPersistedWorkerId(loaded: LoadedConfig): Promise<void> {
  if (loaded.config.worker_id !== undefined) return;
  const persisted = await readPersistedWorkerId(loaded.config.state_dir);
  if (persisted === undefined) return;
  loaded.config.worker_id = persisted;
  loaded.sources.worker_id = { kind: "state_dir", path: join(loaded.config.state_dir, "worker-id") };
}

function exitAfterLogs(logger: ReturnType<typeof createLogger>, code: number): void {
  logger.flush(() => process.exit(code));
}

function fail(error: unknown): never {
  const text =
    error instanceof FlowyError
      ? `${error.message}${error.hint ? `\nhint: ${error.hint}` : ""}`
      : String((error as Error)?.stack ?? error);
  process.stderr.write(`daemon-flowy: ${text}\n`);
  process.exit(EXIT.startFailed);
}

const program = new Command("daemon-flowy")
  .description(
    "The flowy worker daemon: claims jobs from flowy-server, runs each in its own process group, " +
      "keeps their leases and reports how they ended. Config: flag > FLOWY_* env > ~/.flowy > default.",
  )
  .version(DAEMON_VERSION);
for (const spec of FLAG_KEYS)
  program.option(`${spec.flag} <${spec.kind === "list" ? "a,b" : "value"}>`, `${spec.help} [${spec.env}]`);
program.action((opts: Record<string, string | undefined>) => run(opts).catch(fail));

program
  .command("config")
  .description("print the effective config and where each value came from")
  .option("--json", "print JSON")
  .action(async (_opts: { json?: boolean }, command: Command) => {
    try {
      const all = command.optsWithGlobals() as Record<string, string | undefined> & { json?: boolean };
      const loaded = await loadConfig({ flags: flagsFrom(all) });
      await showPersistedWorkerId(loaded);
      if (all.json) {
        const config = { ...loaded.config, api_key: loaded.config.api_key ? "[redacted]" : undefined };
        process.stdout.write(
          `${JSON.stringify({ config, sources: loaded.sources, file: loaded.file ?? null }, null, 2)}\n`,
        );
      } else {
        process.stdout.write(`config file: ${loaded.file ?? "(none)"}\n${describeConfig(loaded)}`);
      }
    } catch (error) {
      fail(error);
    }
  });

await program.parseAsync(process.argv);
