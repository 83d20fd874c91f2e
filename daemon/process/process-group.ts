/**
 * Process groups: each job's shim leads its own group (daemon/process/launcher.ts), and
 * stopping a job means stopping the whole group: SIGTERM, a grace period, then SIGKILL, so a
 * child that ignores SIGTERM cannot outlive its job.
 */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Signals the whole group; false when it no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!(pgid > 1)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/**
 * Whether any process of the group is still running. Zombies do not count: where nothing reaps
 * orphans (a container whose init does not), a dead job's processes can linger as zombies.
 */
export function isGroupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  return groupMembers(pgid).some((pid) => !isZombie(pid));
}

export function isProcessAlive(pid: number): boolean {
  if (!(pid > 1)) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/** The pids in a group, from /proc (Linux); elsewhere the group leader is all we know. */
function groupMembers(pgid: number): number[] {
  try {
    const stat = readFileSync(`/proc/${pgid}/stat`, "utf8");
    // Fast path: the leader is alive and not a zombie, so the group is alive.
    if (!/\) Z /.test(stat)) return [pgid];
  } catch {
    // the leader is gone; look at the others below
  }
  return scanProcForGroup(pgid);
}

function scanProcForGroup(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [pgid];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && Number(fields[2]) === pgid) members.push(Number(entry));
  }
  return members;
}

function isZombie(pid: number): boolean {
  const fields = statFields(pid);
  return fields === undefined || fields[0] === "Z";
}

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, ... */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return process.platform === "linux" ? undefined : ["R"];
  }
}

/**
 * SIGTERM to the group, then SIGKILL once `graceMs` passes with any member still alive.
 * Resolves when the group is gone (or after SIGKILL, which cannot be refused).
 */
export async function stopGroup(pgid: number, graceMs: number, pollMs = 25): Promise<"exited" | "killed"> {
  if (!signalGroup(pgid, "SIGTERM")) return "exited";
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isGroupAlive(pgid)) return "exited";
    await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
  if (!isGroupAlive(pgid)) return "exited";
  signalGroup(pgid, "SIGKILL");
  return "killed";
}
