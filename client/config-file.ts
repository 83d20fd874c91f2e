/**
 * Finds and reads ~/.flowy (YAML or JSON, with cosmiconfig), or the file FLOWY_CONFIG names. The
 * file is shared by flowy-client and daemon-flowy, so this only reads it; each program checks the
 * keys it knows against its own schema and leaves the others alone.
 */
import { homedir } from "node:os";
import { resolve } from "node:path";
import { cosmiconfig, defaultLoaders } from "cosmiconfig";
import { FlowyError } from "../shared/errors.ts";

export interface ConfigFile {
  path: string;
  values: Record<string, unknown>;
}

export async function readFlowyConfigFile(
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): Promise<ConfigFile | undefined> {
  const explorer = cosmiconfig("flowy", {
    searchPlaces: [".flowy"],
    searchStrategy: "none",
    // JSON is YAML, so one loader reads both; the file has no extension.
    loaders: { noExt: defaultLoaders[".yaml"] },
    cache: false,
  });
  const where = env.FLOWY_CONFIG ? resolve(env.FLOWY_CONFIG) : resolve(home, ".flowy");
  let found: { filepath: string; config: unknown; isEmpty?: boolean } | null;
  try {
    found = env.FLOWY_CONFIG ? await explorer.load(where) : await explorer.search(home);
  } catch (error) {
    throw new FlowyError(
      "invalid-request",
      `Cannot read the config file ${where}: ${(error as Error).message}`,
      "Fix the file (YAML or JSON), or point FLOWY_CONFIG at another one.",
    );
  }
  if (!found || found.isEmpty || found.config === null || found.config === undefined) return undefined;
  if (typeof found.config !== "object" || Array.isArray(found.config)) {
    throw new FlowyError(
      "invalid-request",
      `The config file ${found.filepath} must hold a mapping of keys to values`,
      "Write it as `key: value` lines (YAML) or one JSON object, e.g. `server: http://127.0.0.1:7411`.",
    );
  }
  return { path: found.filepath, values: found.config as Record<string, unknown> };
}
