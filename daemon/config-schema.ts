/**
 * The daemon's settings: one TypeBox schema for what a config file may say, and the table of keys
 * with their flag, env var and default. Keys are snake_case everywhere (file, `config` output);
 * flags are the kebab-case of the key, env vars FLOWY_ + the upper-case key.
 */
import { availableParallelism } from "node:os";
import { type Static, Type as T } from "@sinclair/typebox";
import { LOG_LEVELS, type LogLevel } from "../shared/logging.ts";
import { stateDir } from "../shared/platform-paths.ts";

const TagPattern = "^[A-Za-z0-9_.:/=-]+$";

/** What a config file may hold. Unknown top-level keys are left alone: ~/.flowy is shared with flowy-client. */
export const DaemonFileConfigSchema = T.Object({
  server: T.Optional(T.String({ pattern: "^https?://", description: "base URL of flowy-server" })),
  api_key: T.Optional(T.String({ minLength: 1 })),
  api_key_file: T.Optional(T.String({ minLength: 1, description: "a file holding the key (mode 600)" })),
  max_jobs: T.Optional(T.Integer({ minimum: 1, maximum: 1000 })),
  tags: T.Optional(T.Array(T.String({ minLength: 1, maxLength: 64, pattern: TagPattern }), { maxItems: 32 })),
  worker_id: T.Optional(T.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" })),
  state_dir: T.Optional(T.String({ minLength: 1 })),
  drain_timeout: T.Optional(T.Number({ minimum: 0, description: "seconds" })),
  kill_grace: T.Optional(T.Number({ minimum: 0, description: "seconds" })),
  claim_wait: T.Optional(T.Number({ minimum: 0, maximum: 120, description: "seconds" })),
  bundle_sync: T.Optional(T.Number({ minimum: 0, maximum: 86_400, description: "seconds" })),
  log_level: T.Optional(T.Union(LOG_LEVELS.map((l) => T.Literal(l)))),
  job_user: T.Optional(T.String({ minLength: 1, maxLength: 64, description: "user jobs run as" })),
  cgroup_root: T.Optional(
    T.String({ minLength: 1, description: "a writable cgroup v2 directory for job cgroups, or none" }),
  ),
});
export type DaemonFileConfig = Static<typeof DaemonFileConfigSchema>;
export type ConfigKey = keyof DaemonFileConfig;

export interface DaemonConfig {
  server: string;
  api_key: string | undefined;
  api_key_file: string | undefined;
  max_jobs: number;
  tags: string[];
  /** Unset means: the id persisted in the state dir, or a new one. */
  worker_id: string | undefined;
  state_dir: string;
  drain_timeout: number;
  kill_grace: number;
  claim_wait: number;
  /** Least seconds between two bundle syncs (they run at start and between claims). */
  bundle_sync: number;
  log_level: LogLevel;
  /** Unset means: the daemon's own cgroup, where it may create cgroups; `none` turns cgroups off. */
  cgroup_root: string | undefined;
  /** Jobs run as this user (the daemon must be root); unset: as the daemon's own user. */
  job_user: string | undefined;
}

export type ValueKind = "string" | "int" | "number" | "list";

export interface KeySpec {
  key: ConfigKey;
  kind: ValueKind;
  flag: string;
  env: string;
  help: string;
  /** Hidden in `config` output. */
  secret?: boolean;
}

const key = (key: ConfigKey, kind: ValueKind, help: string, secret = false): KeySpec => ({
  key,
  kind,
  flag: `--${key.replaceAll("_", "-")}`,
  env: `FLOWY_${key.toUpperCase()}`,
  help,
  secret,
});

export const CONFIG_KEYS: KeySpec[] = [
  key("server", "string", "flowy-server base URL"),
  key(
    "api_key",
    "string",
    "API key with the worker role (a flag shows in `ps`: prefer FLOWY_API_KEY or api_key_file)",
    true,
  ),
  key("api_key_file", "string", "file holding the API key (must not be readable by others)"),
  key("max_jobs", "int", "jobs run at the same time"),
  key("tags", "list", "comma-separated tags this worker offers (a job's tags must be a subset)"),
  key("worker_id", "string", "worker id (default: persisted in the state dir)"),
  key("state_dir", "string", "where job directories and the worker id live"),
  key("drain_timeout", "number", "seconds running jobs may take to finish on SIGTERM"),
  key("kill_grace", "number", "seconds between SIGTERM and SIGKILL when a job is stopped"),
  key("claim_wait", "number", "seconds one long-poll claim waits for work"),
  key("bundle_sync", "number", "least seconds between two bundle syncs (at start and between claims)"),
  key("log_level", "string", `log level (${LOG_LEVELS.join(", ")})`),
  key(
    "job_user",
    "string",
    "run jobs as this user (needs root; keeps the API key and lease tokens from jobs)",
  ),
  key(
    "cgroup_root",
    "string",
    "cgroup v2 directory under which each job gets a cgroup (default: the daemon's own, when writable; none: process groups only)",
  ),
];

export function defaultConfig(env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  return {
    server: "http://127.0.0.1:7411",
    api_key: undefined,
    api_key_file: undefined,
    max_jobs: availableParallelism(),
    tags: [],
    worker_id: undefined,
    state_dir: stateDir(env),
    drain_timeout: 60,
    kill_grace: 10,
    claim_wait: 20,
    bundle_sync: 10,
    log_level: "info",
    cgroup_root: undefined,
    job_user: undefined,
  };
}
