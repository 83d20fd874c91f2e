/**
 * The real `flowy-server` binary in a child process, for crash and end-to-end tests. Resolves
 * once it prints its address; killed when the test finishes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { onTestFinished } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
export const NODE = join(ROOT, "node_modules", ".bin", "node");

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  api: string;
  output: () => string;
}

export async function spawnServerProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> {
  const child = spawn(
    NODE,
    [join(ROOT, "server", "cli.ts"), "start", "--port", "0", "--log-level", "warn", ...args],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) =>
      reject(new Error(`flowy-server exited with ${code} before listening:\n${output}`)),
    );
  });
  return { child, url, api: `${url}/api/v1`, output: () => output };
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}
