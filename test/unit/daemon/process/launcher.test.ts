/**
 * The launcher and the shims it starts, with each loop (bash `set -m`, sh + setsid): own process
 * groups with default signals, a launcher killed mid-run (restarted, results still collected,
 * a start it lost sent again and run once), the O_EXCL pid fence, stopping the whole group.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { createCommandExecutor } from "../../../../daemon/process/command-executor.ts";
import { JobDir } from "../../../../daemon/process/job-dir.ts";
import { Launcher, type LauncherShell } from "../../../../daemon/process/launcher.ts";
import { fixture, isAlive, readPidFile, waitFor } from "../../../helpers/processes.ts";
import { tmpDir } from "../../../helpers/tmp.ts";

function setup(shell: LauncherShell, options: { startTimeoutMs?: number } = {}) {
  const launcher = new Launcher({ env: process.env, shell });
  onTestFinished(() => {
    launcher.close();
    if (launcher.pid) signal(launcher.pid, "SIGKILL");
  });
  const executor = createCommandExecutor({ launcher, ...options });
  const root = tmpDir();
  let n = 0;
  const start = async (spec: Record<string, unknown>) => {
    const id = `job${++n}`;
    const dir = new JobDir(root, id);
    const job = { id, attempt: 1, inputs: {}, spec, lease_token: "t" } as any;
    await dir.stage(job, Date.now());
    const execution = await executor.start(dir, job);
    onTestFinished(() => signal(-execution.pid, "SIGKILL"));
    return { dir, execution };
  };
  return { launcher, start, root };
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session... */
function stat(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

function runs(file: string): number {
  try {
    return readFileSync(file, "utf8").trim().split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

describe.each(["bash", "sh"] as const)("launcher (%s)", (shell) => {
  it("keeps its memory flat however many jobs it starts", async () => {
    const launcher = new Launcher({ env: process.env, shell });
    onTestFinished(() => {
      launcher.close();
      if (launcher.pid) signal(launcher.pid, "SIGKILL");
    });
    const dir = tmpDir();
    const startMany = async (count: number) => {
      const ended: Array<Promise<void>> = [];
      for (let i = 0; i < count; i++) {
        const token = launcher.token();
        // The smallest job a launcher can start: it says it started and ended.
        writeFileSync(join(dir, "run"), `echo "S ${token} $p" >&3; echo "E ${token} 0" >&3\n`);
        ended.push(
          new Promise((resolve) =>
            launcher.launch(token, dir, { onStarted: () => {}, onEnded: () => resolve() }),
          ),
        );
        await ended.at(-1);
      }
      await Promise.all(ended);
    };
    const rssKb = () =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${launcher.pid}/status`, "utf8"))![1]);
    await startMany(300);
    const before = rssKb();
    await startMany(2_500);
    // bash without disown grew ~100 bytes per job here (about 240 kB over these 2,500).
    expect(rssKb() - before).toBeLessThan(96);
    // 2,800 jobs one after another: seconds on an idle machine, much longer on a loaded one.
  }, 180_000);

  it("starts each job as the leader of its own process group, with the default SIGINT and SIGQUIT", async () => {
    const { start } = setup(shell);
    const out = join(tmpDir(), "seen");
    const { dir, execution } = await start({
      shell: `ps -o pgid= -p $$ > ${out}.tmp; grep SigIgn /proc/$$/status >> ${out}.tmp; mv ${out}.tmp ${out}`,
    });
    expect(await execution.done).toEqual({ exitCode: 0, signal: null });
    const [pgid, sigIgn] = readFileSync(out, "utf8").trim().split("\n");
    expect(Number(pgid)).toBe(execution.pid);
    // Bits 2 and 3 of the mask are SIGINT and SIGQUIT.
    expect(BigInt(`0x${sigIgn!.split(/\s+/)[1]}`) & 0x6n).toBe(0n);
    expect(await dir.readPid()).toBe(execution.pid);
    expect(await dir.readExitStatus()).toBe(0);
  });

  it("keeps jobs running when its launcher is killed, still collects their results, and starts another launcher", async () => {
    const { launcher, start } = setup(shell);
    const { dir, execution } = await start({ shell: "sleep 0.5; exit 7" });
    const first = launcher.pid!;
    process.kill(first, "SIGKILL");
    await waitFor("the launcher to be gone", () => !isAlive(first));
    expect(isAlive(execution.pid)).toBe(true);
    expect(await execution.done).toEqual({ exitCode: 7, signal: null });
    expect(await dir.readExitStatus()).toBe(7);

    const next = await start({ command: ["true"] });
    expect(await next.execution.done).toEqual({ exitCode: 0, signal: null });
    expect(launcher.pid).not.toBe(first);
  });

  it("sends a start again when its launcher died before running it, and the job runs once", async () => {
    const { launcher, start } = setup(shell);
    const warmup = await start({ command: ["true"] });
    await warmup.execution.done;
    const stuck = launcher.pid!;
    process.kill(stuck, "SIGSTOP"); // the next line waits in its pipe, unread
    const runFile = join(tmpDir(), "runs");
    const starting = start({ command: fixture("record-and-sleep.sh", runFile, 0) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.kill(stuck, "SIGKILL");
    const { execution } = await starting;
    expect(await execution.done).toEqual({ exitCode: 0, signal: null });
    expect(runs(runFile)).toBe(1);
  });

  it("a second copy of a shim finds the pid file and runs nothing", async () => {
    const { start } = setup(shell);
    const runFile = join(tmpDir(), "runs");
    const { dir, execution } = await start({ command: fixture("record-and-sleep.sh", runFile, 0) });
    await execution.done;
    execFileSync("/bin/sh", ["-c", `p=$$; . "${dir.path}/run"`], { stdio: "ignore" });
    expect(runs(runFile)).toBe(1);
  });

  it("fences off a start the launcher never confirmed: it fails, and never runs later", async () => {
    const { launcher, start, root } = setup(shell, { startTimeoutMs: 200 });
    const warmup = await start({ command: ["true"] });
    await warmup.execution.done;
    const frozen = launcher.pid!;
    process.kill(frozen, "SIGSTOP");
    const runFile = join(tmpDir(), "runs");
    await expect(start({ command: fixture("record-and-sleep.sh", runFile, 0) })).rejects.toThrow(
      /did not start the job/,
    );
    process.kill(frozen, "SIGCONT"); // it now reads the line and starts the shim, which leaves
    await waitFor("the fenced shim to be started", () => existsSync(join(root, "job2", "output.log")));
    const after = await start({ command: ["true"] }); // started after it, by the same launcher
    await after.execution.done;
    expect(runs(runFile)).toBe(0);
  });

  it("stops the whole group, a child that ignores SIGTERM included", async () => {
    const { start } = setup(shell);
    const childPidFile = join(tmpDir(), "child.pid");
    const { execution } = await start({ command: fixture("ignore-term-child.sh", childPidFile) });
    const child = await waitFor("the child", () => readPidFile(childPidFile));
    expect(Number(stat(child)[2])).toBe(execution.pid);
    const exit = await execution.stop(200);
    expect(exit.exitCode === null || exit.exitCode >= 128).toBe(true);
    await waitFor("the child to be gone", () => !isAlive(child), 5_000);
    await waitFor("the shim to be gone", () => !isAlive(execution.pid), 5_000);
  });

  it("passes argv, env and cwd through untouched by the shell", async () => {
    const { start, root } = setup(shell);
    const cwd = tmpDir();
    writeFileSync(join(root, "marker"), "");
    const { dir, execution } = await start({
      command: ["sh", "-c", 'printf "%s|" "$@" "$PWD" "$ODD"', "x", "it's", "a\nb", "$HOME", "*"],
      env: { ODD: "'; exit 9; '\"$(x)\"" },
      cwd,
    });
    expect(await execution.done).toEqual({ exitCode: 0, signal: null });
    expect(readFileSync(dir.file("log"), "utf8")).toBe(`it's|a\nb|$HOME|*|${cwd}|'; exit 9; '"$(x)"|`);
  });
});
