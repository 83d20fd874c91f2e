#!/usr/bin/env node
/** flowy-client: the command line of the FlowyClient SDK. See docs/cli.md or `flowy-client --help`. */
import { enableCompileCache } from "node:module";

// A short-lived CLI pays for compiling its modules on every run; Node's on-disk compile cache
// makes the second run start faster. Loaded below, after the cache is on.
enableCompileCache?.();
const { runCli } = await import("./cli/program.ts");

// A reader that goes away (`flowy-client list | head`) is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
