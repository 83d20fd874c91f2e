/**
 * `flowy-server start --with-daemon`: one daemon-flowy child process pointed at this server, for
 * a single box or a first try. It runs in its own process group, so Ctrl-C in a terminal reaches
 * only the server, which then asks the daemon to drain exactly once (a second signal would make
 * the daemon kill its jobs) and closes itself after the daemon has reported them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { FlowyError } from "../shared/errors.ts";
import { EXIT_WITH_PARENT_ENV } from "../shared/parent-pipe.ts";

export interface DaemonChild {
  child: ChildProcess;
  /** SIGTERM (drain), then resolves when the daemon has exited. */
  stop(): Promise<void>;
}

/** daemon/cli next to this file: .ts in the source tree, .js in the installed package. */
export function daemonCliPath(): string {
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  return fileURLToPath(new URL(`../daemon/cli.${ext}`, import.meta.url));
}

export function startDaemonChild(serverUrl: string, logger: Logger): DaemonChild {
  const cli = daemonCliPath();
  if (!existsSync(cli)) {
    throw new FlowyError(
      "invalid-request",
      `--with-daemon: ${cli} is missing`,
      "Start daemon-flowy yourself: daemon-flowy --server URL",
    );
  }
  // Its stdin is a pipe from this process: when the server dies, even by SIGKILL, the pipe
  // closes and the daemon drains and exits instead of living on without its server.
  const child = spawn(process.execPath, [cli, "--server", serverUrl], {
    stdio: ["pipe", "inherit", "inherit"],
    detached: true,
    env: { ...process.env, [EXIT_WITH_PARENT_ENV]: "1" },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopping = false;
  child.once("exit", (code, signal) => {
    if (!stopping) logger.error({ code, signal }, "daemon-flowy exited; the server keeps running without it");
  });
  // If the server goes away without stopping it (an uncaught error, process.exit), take it along.
  const orphan = () => child.exitCode === null && child.kill("SIGKILL");
  process.once("exit", orphan);
  logger.info({ pid: child.pid, server: serverUrl }, "started daemon-flowy");
  return {
    child,
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      process.off("exit", orphan);
    },
  };
}
