/**
 * A stop that lands while the shim is still starting its command (between taking SIGTERM/SIGINT
 * and the exec) must end the job there: before, the shim's `trap :` swallowed it, the command
 * ran anyway and the stop waited out the whole kill grace for a SIGKILL.
 *
 * The signal is made to land at exactly that point, not by timing: the shell running the shim
 * has a function `echo` (functions come before builtins) that sends the shell the signal when the
 * shim says "S" on fd 3, the step right before it starts the command.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shimScript } from "../../../../daemon/process/shim-script.ts";
import { tmpDir } from "../../../helpers/tmp.ts";

function runShim(shell: string, signal: "TERM" | "INT" | null) {
  const dir = tmpDir();
  const marker = join(dir, "command-ran");
  const script = shimScript({
    token: "t1",
    argv: ["/bin/sh", "-c", `echo yes > '${marker}'`],
    cwd: dir,
    env: {},
    files: { pid: join(dir, "pid"), exitStatus: join(dir, "exit_status") },
  });
  writeFileSync(join(dir, "run"), script);
  const hook = signal ? `echo() { case "$1" in S*) kill -${signal} $p;; esac; command echo "$@"; }; ` : "";
  const result = spawnSync(shell, ["-c", `p=$$; ${hook}. '${join(dir, "run")}'`], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    encoding: "utf8",
  });
  return { status: result.status, ran: existsSync(marker), notes: String(result.output[3] ?? "") };
}

describe.each(["sh", "bash"])("the job shim under %s", (shell) => {
  it("runs the command and reports its status when nothing stops it", () => {
    const { status, ran, notes } = runShim(shell, null);
    expect(ran).toBe(true);
    expect(status).toBe(0);
    expect(notes).toMatch(/^S t1 \d+\nE t1 0\n$/);
  });

  it.each([
    ["TERM", 143],
    ["INT", 130],
  ] as const)("ends at once, without running the command, on a SIG%s before the exec", (signal, code) => {
    const { status, ran, notes } = runShim(shell, signal);
    expect(ran).toBe(false);
    expect(status).toBe(code);
    expect(notes).toContain(`E t1 ${code}`);
  });
});
