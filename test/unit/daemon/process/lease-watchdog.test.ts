/**
 * The lease watchdog's loop, for real: a bash process reading the files the daemon writes, and
 * process groups it kills. Linux only (it needs /proc), like the watchdog itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { watchdogKillPoint } from "../../../../daemon/leases/lease-keeper.ts";
import { identify } from "../../../../daemon/process/process-identity.ts";
import { type LeaseWatchdog, startLeaseWatchdog } from "../../../../daemon/process/lease-watchdog.ts";
import { exited, isAlive, waitFor } from "../../../helpers/processes.ts";
import { tmpDir } from "../../../helpers/tmp.ts";

const linux = existsSync("/proc/uptime");
const clock = () => performance.now();
const children: ChildProcess[] = [];

/** A process group of its own (a shell and its sleep), as a job's shim makes. */
function group(): ChildProcess {
  const child = spawn("/bin/sh", ["-c", "sleep 600 & wait"], { detached: true, stdio: "ignore" });
  children.push(child);
  return child;
}

function watchdog(): { dog: LeaseWatchdog; dir: string } {
  const stateDir = tmpDir("flowy-watchdog-");
  const dog = startLeaseWatchdog({ stateDir, clock, logger: pino({ level: "silent" }), jobIds: () => [] });
  if (!dog) throw new Error("no watchdog on a Linux machine");
  return { dog, dir: dog.dir };
}

/** The watchdog's log line about the job: written just after the kill, so waited for. */
function loggedKill(dir: string, jobId: string): Promise<string> {
  const log = join(dir, "watchdog.log");
  return waitFor(`the watchdog to log the kill of ${jobId}`, () =>
    existsSync(log)
      ? readFileSync(log, "utf8")
          .split("\n")
          .find((line) => line.includes(` ${jobId} `))
      : undefined,
  );
}

afterEach(() => {
  for (const child of children.splice(0))
    if (child.pid && isAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
});

describe.skipIf(!linux)("the lease watchdog", () => {
  it("kills a job's whole process group at its kill point, and logs it", async () => {
    const { dog, dir } = watchdog();
    const job = group();
    const armedAt = clock();
    dog.attach("job-a", job.pid!);
    // A 2 s lease: the kill point is killMargin(2000) / 4 = 125 ms before its end.
    dog.deadline("job-a", watchdogKillPoint(armedAt + 2_000, 2_000));
    await exited(job);
    const tookMs = clock() - armedAt;
    expect(tookMs).toBeGreaterThanOrEqual(1_800);
    expect(await loggedKill(dir, "job-a")).toMatch(new RegExp(` killed ${job.pid} job-a \\d+$`));
  });

  it("moves the kill point with each renewal, and lets a job whose process ended alone", async () => {
    const { dog, dir } = watchdog();
    const renewed = group();
    const ended = group();
    dog.attach("renewed", renewed.pid!);
    dog.attach("ended", ended.pid!);
    dog.deadline("renewed", watchdogKillPoint(clock() + 600, 2_000));
    dog.deadline("ended", watchdogKillPoint(clock() + 600, 2_000));
    dog.deadline("renewed", watchdogKillPoint(clock() + 60_000, 2_000));
    dog.detach("ended");
    expect(existsSync(join(dir, "job-ended"))).toBe(false);
    // A third job past its kill point at once: once it is dead, the loop has passed the other two.
    const marker = group();
    dog.attach("marker", marker.pid!);
    dog.deadline("marker", watchdogKillPoint(clock() + 700, 2_000));
    await exited(marker);
    await loggedKill(dir, "marker");
    expect([isAlive(renewed.pid!), isAlive(ended.pid!)]).toEqual([true, true]);
  });

  it("never signals a reused pid, nor acts on a line it did not write", async () => {
    const { dir } = watchdog();
    const job = group();
    const start = identify(job.pid!)!.start_time;
    const pwned = join(tmpDir(), "pwned");
    const past = 1;
    // The same pid with another start time: a process that came after the job's.
    writeFileSync(join(dir, "job-reused"), `${past} ${job.pid} ${Number(start) + 1}\n`);
    // Arithmetic that would run a command if the loop evaluated what it reads.
    writeFileSync(join(dir, "job-hostile"), `a[$(touch ${pwned})] ${job.pid} ${start}\n`);
    writeFileSync(join(dir, "job-all"), `${past} 1 ${start}\n`);
    const marker = group();
    const markerStart = identify(marker.pid!)!.start_time;
    writeFileSync(join(dir, "job-marker"), `${past} ${marker.pid} ${markerStart}\n`);
    await exited(marker);
    await loggedKill(dir, "marker");
    expect(isAlive(job.pid!)).toBe(true);
    expect(existsSync(pwned)).toBe(false);
    expect(readFileSync(join(dir, "watchdog.log"), "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("leaves when a newer watchdog takes its directory over", async () => {
    const stateDir = tmpDir("flowy-watchdog-");
    const options = { stateDir, clock, logger: pino({ level: "silent" }), jobIds: () => [] };
    startLeaseWatchdog(options);
    const pidFile = join(stateDir, "lease-watchdog", "watchdog.pid");
    const first = await waitFor(
      "the first watchdog's pid",
      () => Number(readFileSync(pidFile, "utf8")) || undefined,
    );
    startLeaseWatchdog(options);
    await waitFor("the second watchdog's pid", () => Number(readFileSync(pidFile, "utf8")) !== first);
    await waitFor("the first watchdog to leave", () => !isAlive(first), 5_000);
  });
});
