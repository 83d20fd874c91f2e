/** Runs the real flowy-client binary (on the Node 24 of node_modules) in a child process. */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { tmpDir } from "./tmp.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const NODE = join(ROOT, "node_modules", ".bin", "node");
const CLI = join(ROOT, "client", "cli.ts");

export interface CliOptions {
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** The directory it runs in (default: the test's). */
  cwd?: string;
}

/**
 * `flowy-client ARGS…` against `server` (via FLOWY_SERVER). Never rejects: the test reads
 * exitCode, stdout and stderr. HOME points at an empty directory so no ~/.flowy leaks in, and
 * CI/NO_COLOR are cleared so each test picks its output mode with flags.
 */
export function flowyClient(server: string | undefined, args: string[], options: CliOptions = {}) {
  return execa(NODE, [CLI, ...args], {
    reject: false,
    timeout: options.timeoutMs ?? 30_000,
    extendEnv: true,
    env: {
      HOME: tmpDir("flowy-home-"),
      FLOWY_CONFIG: undefined,
      FLOWY_SERVER: server,
      FLOWY_API_KEY: undefined,
      FLOWY_API_KEY_FILE: undefined,
      CI: undefined,
      NO_COLOR: undefined,
      ...options.env,
    },
    stdin: "ignore",
    cwd: options.cwd,
    stripFinalNewline: false,
  });
}

/** Puts a `flowy-client` command in `<dir>/.bin` (for shell snippets from the docs); answers that directory. */
export function clientOnPath(dir: string): string {
  const bin = join(dir, ".bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "flowy-client"), `#!/bin/sh\nexec "${NODE}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, "flowy-client"), 0o755);
  return bin;
}
