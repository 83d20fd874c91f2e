/** CPU time and resident memory of a process, read from /proc (Linux), for the idle and depth scenarios. */
import { readFileSync } from "node:fs";

/** Kernel clock ticks per second; 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS = 100;

export interface ProcessUsage {
  cpuMs: number;
  rssMb: number;
}

export function readUsage(pid: number): ProcessUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return { cpuMs: (ticks * 1000) / CLOCK_TICKS, rssMb: rssKb / 1024 };
}

/** CPU used over a window as a percentage of one core. */
export function cpuPercent(before: ProcessUsage, after: ProcessUsage, wallMs: number): number {
  return ((after.cpuMs - before.cpuMs) / wallMs) * 100;
}
