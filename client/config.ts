/**
 * flowy-client's settings: `server` and the API key. Precedence: flag > FLOWY_* env > ~/.flowy >
 * default, the same file and variables as daemon-flowy. The key may be given inline (`api_key`,
 * FLOWY_API_KEY, --api-key) or as a private file (`api_key_file`, FLOWY_API_KEY_FILE,
 * --api-key-file); whichever comes from the higher layer wins, inline on a tie.
 */
import { type Static, Type as T } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { FlowyError } from "../shared/errors.ts";
import { readApiKeyFile } from "../shared/api-key-file.ts";
import { readFlowyConfigFile } from "./config-file.ts";
import { DEFAULT_SERVER } from "./flowy-client.ts";

export const ClientConfigSchema = T.Object({
  server: T.Optional(T.String({ pattern: "^https?://\\S+$", description: "base URL of flowy-server" })),
  api_key: T.Optional(T.String({ minLength: 1 })),
  api_key_file: T.Optional(T.String({ minLength: 1 })),
});
export type ClientConfigValues = Static<typeof ClientConfigSchema>;
type Key = keyof ClientConfigValues;
const KEYS: Key[] = ["server", "api_key", "api_key_file"];

export interface ClientConfig {
  server: string;
  apiKey: string | undefined;
  /** Where `server` came from, for error messages ("--server", "FLOWY_SERVER", a file, "default"). */
  serverSource: string;
}

export interface LoadClientConfigOptions {
  flags?: ClientConfigValues;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

interface Layer {
  name: (key: Key) => string;
  values: ClientConfigValues;
}

export async function loadClientConfig(options: LoadClientConfigOptions = {}): Promise<ClientConfig> {
  const env = options.env ?? process.env;
  const file = await readFlowyConfigFile(env, options.home);
  const fromEnv = Object.fromEntries(
    KEYS.map((key) => [key, env[envName(key)] || undefined]).filter(([, v]) => v !== undefined),
  );
  // Highest precedence first.
  const layers: Layer[] = [
    { name: (key) => `--${key.replaceAll("_", "-")}`, values: options.flags ?? {} },
    { name: envName, values: fromEnv },
  ];
  if (file) {
    const known = Object.fromEntries(KEYS.filter((k) => k in file.values).map((k) => [k, file.values[k]]));
    layers.push({ name: (key) => `${key} in ${file.path}`, values: known });
  }
  for (const layer of layers) check(layer);
  const pick = (key: Key) => {
    const rank = layers.findIndex((layer) => layer.values[key] !== undefined);
    return rank < 0
      ? undefined
      : { value: layers[rank]!.values[key]!, rank, source: layers[rank]!.name(key) };
  };
  const server = pick("server");
  const inline = pick("api_key");
  const keyFile = pick("api_key_file");
  const useFile = keyFile && (!inline || keyFile.rank < inline.rank);
  return {
    server: (server?.value ?? DEFAULT_SERVER).replace(/\/+$/, ""),
    serverSource: server?.source ?? "default",
    apiKey: useFile ? readApiKeyFile(keyFile.value) : inline?.value,
  };
}

function envName(key: Key): string {
  return `FLOWY_${key.toUpperCase()}`;
}

function check({ name, values }: Layer): void {
  const first = Value.Errors(ClientConfigSchema, values).First();
  if (!first) return;
  const key = (first.path.split("/")[1] ?? "server") as Key;
  const hint =
    key === "server"
      ? "The server is a URL such as http://127.0.0.1:7411."
      : "Set it to the key printed by `flowy-server keys create`, or leave it out.";
  throw new FlowyError(
    "invalid-request",
    `Invalid ${name(key)}: ${first.message} (got ${JSON.stringify(values[key])})`,
    hint,
  );
}
