/**
 * Reads an API key from a file named in ~/.flowy (`api_key_file`). Like ssh with private keys, a
 * file that others can read is refused: the key would be theirs too.
 */
import { readFileSync, statSync } from "node:fs";
import { FlowyError } from "./errors.ts";

export function readApiKeyFile(path: string, platform: NodeJS.Platform = process.platform): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    throw new FlowyError(
      "invalid-request",
      `Cannot read api_key_file ${path}: ${(error as NodeJS.ErrnoException).code}`,
      "Check the path in ~/.flowy (api_key_file).",
    );
  }
  if (platform !== "win32" && (mode & 0o077) !== 0) {
    throw new FlowyError(
      "invalid-request",
      `api_key_file ${path} is readable by other users (mode ${(mode & 0o777).toString(8)})`,
      `Make it private: chmod 600 ${path}`,
    );
  }
  const key = readFileSync(path, "utf8").trim();
  if (!key)
    throw new FlowyError(
      "invalid-request",
      `api_key_file ${path} is empty`,
      "Put the key printed by `flowy-server keys create` in it.",
    );
  return key;
}
