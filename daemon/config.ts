/**
 * Loads the daemon's effective config and remembers where each value came from, so
 * `daemon-flowy config` can say it. Precedence: flag > FLOWY_* env > config file > default.
 * The file is ~/.flowy (YAML or JSON, found with cosmiconfig) unless FLOWY_CONFIG names one.
 * Every layer is checked against the same TypeBox schema; an error names the key and its origin.
 */
import { homedir } from "node:os";
import { resolve } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { cosmiconfig, defaultLoaders } from "cosmiconfig";
import { FlowyError } from "../shared/errors.ts";
import {
  CONFIG_KEYS,
  type ConfigKey,
  type DaemonConfig,
  type DaemonFileConfig,
  DaemonFileConfigSchema,
  defaultConfig,
  type KeySpec,
} from "./config-schema.ts";

export type Source =
  | { kind: "flag"; name: string }
  | { kind: "env"; name: string }
  | { kind: "file"; path: string }
  | { kind: "state_dir"; path: string }
  | { kind: "default" };

export interface LoadedConfig {
  config: DaemonConfig;
  sources: Record<ConfigKey, Source>;
  /** The config file that was read, if any. */
  file: string | undefined;
}

export interface LoadConfigOptions {
  /** Flag values as commander parsed them (strings), keyed by config key. */
  flags?: Partial<Record<ConfigKey, string>>;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const file = await readConfigFile(env, options.home ?? homedir());
  const config = defaultConfig(env) as unknown as Record<string, unknown>;
  const sources = Object.fromEntries(CONFIG_KEYS.map((k) => [k.key, { kind: "default" }])) as Record<
    ConfigKey,
    Source
  >;
  const layers: Array<{ values: DaemonFileConfig; source: (spec: KeySpec) => Source }> = [];
  if (file) layers.push({ values: file.values, source: () => ({ kind: "file", path: file.path }) });
  layers.push({
    values: fromStrings(
      env,
      (spec) => spec.env,
      (spec) => spec.env,
    ),
    source: (spec) => ({ kind: "env", name: spec.env }),
  });
  layers.push({
    values: fromStrings(
      options.flags ?? {},
      (spec) => spec.key,
      (spec) => spec.flag,
    ),
    source: (spec) => ({ kind: "flag", name: spec.flag }),
  });
  for (const layer of layers) {
    for (const spec of CONFIG_KEYS) {
      const value = layer.values[spec.key];
      if (value === undefined) continue;
      config[spec.key] = value;
      sources[spec.key] = layer.source(spec);
    }
  }
  const result = config as unknown as DaemonConfig;
  result.state_dir = resolve(result.state_dir);
  result.server = result.server.replace(/\/+$/, "");
  return { config: result, sources, file: file?.path };
}

async function readConfigFile(
  env: NodeJS.ProcessEnv,
  home: string,
): Promise<{ path: string; values: DaemonFileConfig } | undefined> {
  const explorer = cosmiconfig("flowy", {
    searchPlaces: [".flowy"],
    searchStrategy: "none",
    // JSON is YAML, so one loader reads both; the file has no extension.
    loaders: { noExt: defaultLoaders[".yaml"] },
    cache: false,
  });
  let found: { filepath: string; config: unknown; isEmpty?: boolean } | null;
  try {
    found = env.FLOWY_CONFIG ? await explorer.load(resolve(env.FLOWY_CONFIG)) : await explorer.search(home);
  } catch (error) {
    const where = env.FLOWY_CONFIG ?? `${home}/.flowy`;
    throw new FlowyError(
      "invalid-request",
      `Cannot read the config file ${where}: ${(error as Error).message}`,
      "Fix the file (YAML or JSON), or point FLOWY_CONFIG at another one.",
    );
  }
  if (!found || found.isEmpty || found.config === null || found.config === undefined) return undefined;
  const raw = found.config as Record<string, unknown>;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw configError(`${found.filepath} must hold a mapping of keys to values`, found.filepath);
  }
  refuseUnknownKeys(raw, found.filepath);
  // ~/.flowy is shared with flowy-client, whose keys (server, api_key, api_key_file) are the daemon's too.
  const known = Object.fromEntries(CONFIG_KEYS.filter((k) => k.key in raw).map((k) => [k.key, raw[k.key]]));
  assertValid(known, (key) => `${key} in ${found.filepath}`, found.filepath);
  return { path: found.filepath, values: known as DaemonFileConfig };
}

/** A misspelt key (`max-jobs:`) would be ignored without a word: refuse it, naming the nearest. */
function refuseUnknownKeys(raw: Record<string, unknown>, file: string): void {
  const names = CONFIG_KEYS.map((k) => k.key as string);
  const unknown = Object.keys(raw).find((key) => !names.includes(key));
  if (unknown === undefined) return;
  const nearest = names.reduce((best, name) =>
    editDistance(normalise(unknown), name) < editDistance(normalise(unknown), best) ? name : best,
  );
  const near = editDistance(normalise(unknown), nearest) <= Math.max(2, nearest.length / 3);
  throw new FlowyError(
    "invalid-request",
    `Invalid daemon config: unknown key ${JSON.stringify(unknown)} in ${file}`,
    `${near ? `Did you mean ${nearest}? ` : ""}Keys are: ${names.join(", ")} (snake_case).`,
  );
}

const normalise = (key: string) => key.toLowerCase().replaceAll("-", "_");

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length]!;
}

/** Turns string values (env vars, flags) into typed ones and checks them. */
function fromStrings(
  strings: Record<string, string | undefined>,
  lookup: (spec: KeySpec) => string,
  origin: (spec: KeySpec) => string,
): DaemonFileConfig {
  const out: Record<string, unknown> = {};
  for (const spec of CONFIG_KEYS) {
    const text = strings[lookup(spec)];
    if (text === undefined || text === "") continue;
    out[spec.key] = parseString(spec, text);
  }
  assertValid(out, (key) => origin(CONFIG_KEYS.find((k) => k.key === key)!));
  return out as DaemonFileConfig;
}

function parseString(spec: KeySpec, text: string): unknown {
  if (spec.kind === "list")
    return text
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  if (spec.kind === "int" || spec.kind === "number") {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  return text;
}

function assertValid(values: Record<string, unknown>, name: (key: string) => string, file?: string): void {
  const first = Value.Errors(DaemonFileConfigSchema, values).First();
  if (!first) return;
  const key = first.path.split("/")[1] ?? first.path;
  const value = JSON.stringify(values[key]);
  throw configError(`${name(key)}: ${first.message} (got ${value})`, file);
}

function configError(detail: string, file?: string): FlowyError {
  return new FlowyError(
    "invalid-request",
    `Invalid daemon config: ${detail}`,
    file
      ? `Fix ${file}, or override the key with its flag or FLOWY_* variable. See: daemon-flowy --help`
      : "See: daemon-flowy --help",
  );
}

/** The lines `daemon-flowy config` prints: key, value, where it came from. Secrets are masked. */
export function describeConfig(loaded: LoadedConfig): string {
  const rows = CONFIG_KEYS.map((spec) => {
    const value = loaded.config[spec.key];
    const shown =
      value === undefined
        ? spec.key === "worker_id"
          ? "(a new one on first start)"
          : "(unset)"
        : spec.secret
          ? "[redacted]"
          : Array.isArray(value)
            ? value.join(",") || "(none)"
            : String(value);
    return [spec.key, shown, describeSource(loaded.sources[spec.key])] as const;
  });
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  return rows.map(([k, v, s]) => `${k.padEnd(width)}  ${v.padEnd(valueWidth)}  ${s}`).join("\n") + "\n";
}

function describeSource(source: Source): string {
  if (source.kind === "flag") return `flag ${source.name}`;
  if (source.kind === "env") return `env ${source.name}`;
  if (source.kind === "file") return `file ${source.path}`;
  if (source.kind === "state_dir") return `persisted in ${source.path}`;
  return "default";
}
