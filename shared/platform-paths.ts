/**
 * Where flowy keeps data when no --db / --state-dir says otherwise: systemd's StateDirectory=,
 * else the platform's data directory (XDG on Linux, Application Support on macOS, LOCALAPPDATA
 * on Windows).
 */
import { homedir } from "node:os";
import { join } from "node:path";

export function dataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.STATE_DIRECTORY) return env.STATE_DIRECTORY.split(":")[0]!;
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "flowy");
  if (platform === "win32") return join(env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"), "flowy");
  return join(env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "flowy");
}

export function stateDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.STATE_DIRECTORY) return env.STATE_DIRECTORY.split(":")[0]!;
  if (platform === "linux" || platform === "freebsd") {
    return join(env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"), "flowy");
  }
  return join(dataDir(env, platform), "state");
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDir(env), "flowy.db");
}
