/**
 * cgroup v2 containment: each attempt runs in a cgroup of its own, so a process that leaves its
 * process group (`setsid`, a double fork) still cannot outlive its job — `cgroup.kill` takes
 * everything in the cgroup at once, wherever it moved in the process tree.
 *
 * Layout, under the cgroup root (`cgroup_root`, else the daemon's own cgroup when it may write
 * there: as root, or under systemd with `Delegate=yes`):
 *
 *   <root>/flowy-<worker id>/                 this daemon's subtree
 *   <root>/flowy-<worker id>/<job id>.<attempt>   one attempt; its shim joins it before exec
 *
 * Why it is shaped this way (a first version halved the daemon's job rate): nothing per job runs
 * on the daemon's thread but one mkdir (cheap on cgroupfs) and, when the job ends, one write of
 * `cgroup.kill`. The shim moves itself in (`echo $p > cgroup.procs`, a shell builtin), so the
 * daemon never writes a pid per job, and every child it forks starts inside. Empty cgroups are
 * removed later, in batches, off the job's critical path.
 */
import {
  accessSync,
  constants,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { JobResources } from "../../shared/protocol.ts";
import { isGroupAlive, signalGroup } from "./process-group.ts";

/** `cgroup_root: none` turns containment by cgroup off. */
export const CGROUP_NONE = "none";
const REMOVE_EVERY_MS = 1_000;
/** An attempt's cgroup still busy after this many sweeps is left for the next start to clean. */
const REMOVE_TRIES = 30;
const LIMIT_CONTROLLERS = ["memory", "cpu", "pids"] as const;

export interface Containment {
  readonly kind: "cgroup" | "process-group";
  /** Creates the cgroup for one attempt (with its limits) and answers its path; none without cgroups. */
  prepare(jobId: string, attempt: number, resources?: JobResources): string | undefined;
  /** The path of an attempt's cgroup (made earlier, maybe by a previous daemon process). */
  pathFor(jobId: string, attempt: number): string | undefined;
  /** Kills every process in the cgroup (SIGKILL, cgroup.kill); false when it is already empty or gone. */
  kill(path: string | undefined): boolean;
  /** Whether any process is left in the cgroup. */
  isPopulated(path: string | undefined): boolean;
  /** The pids in the cgroup (to send them SIGTERM first). */
  pids(path: string | undefined): number[];
  /** Removes the cgroup once it is empty, later and in a batch with others. */
  release(path: string | undefined): void;
  close(): void;
}

export interface ContainmentOptions {
  /** `cgroup_root` from the config: a cgroup v2 directory, `none`, or undefined (find one). */
  root: string | undefined;
  workerId: string;
  logger: Logger;
}

/**
 * Sets up containment for this daemon: a cgroup subtree where one can be made, else process
 * groups only — said once, with the reason, because a job can then outlive its stop.
 */
export function createContainment(options: ContainmentOptions): Containment {
  const found = findCgroupRoot(options.root);
  if ("reason" in found) {
    options.logger.warn(
      { event: "containment", kind: "process-group", reason: found.reason },
      "jobs are contained by process group only: a job process that calls setsid can outlive its job; " +
        `${found.reason}`,
    );
    return processGroupsOnly;
  }
  try {
    if (found.own) leaveForLeaf(found.root);
    const subtree = join(found.root, `flowy-${options.workerId}`);
    mkdirSync(subtree, { recursive: true });
    const controllers = enableControllers(found.root, subtree);
    options.logger.info(
      { event: "containment", kind: "cgroup", cgroup: subtree, controllers },
      "each job runs in a cgroup of its own",
    );
    const containment = new CgroupContainment(subtree, controllers, options.logger);
    containment.releaseLeftovers();
    return containment;
  } catch (error) {
    const reason = `cannot create a cgroup under ${found.root}: ${(error as Error).message}`;
    options.logger.warn(
      { event: "containment", kind: "process-group", reason },
      `jobs are contained by process group only: a job process that calls setsid can outlive its job; ${reason}`,
    );
    return processGroupsOnly;
  }
}

/** The configured root, or the daemon's own cgroup on the cgroup2 mount when it is writable. */
export function findCgroupRoot(
  configured: string | undefined,
): { root: string; own: boolean } | { reason: string } {
  if (configured === CGROUP_NONE) return { reason: "cgroup_root is none" };
  if (process.platform !== "linux") return { reason: `cgroups are Linux only (this is ${process.platform})` };
  const root = configured ?? ownCgroup();
  if (!root) return { reason: "no cgroup v2 hierarchy is mounted (cgroup v1 only, or none)" };
  try {
    accessSync(join(root, "cgroup.procs"), constants.W_OK);
  } catch {
    return {
      reason:
        `${root} is not a writable cgroup v2 directory (run as root, give the unit Delegate=yes, ` +
        "or set cgroup_root to a delegated cgroup)",
    };
  }
  return { root, own: configured === undefined };
}

/**
 * Under systemd (Delegate=yes) the daemon sits in the cgroup it was given, and cgroup v2 lets a
 * cgroup pass controllers down only while it holds no process: the daemon moves itself into a
 * leaf of its own, so job cgroups beside it can have limits. The hierarchy's root is exempt.
 */
function leaveForLeaf(root: string): void {
  if (readFileSync("/proc/self/cgroup", "utf8").includes("0::/\n")) return;
  const leaf = join(root, "daemon");
  mkdirSync(leaf, { recursive: true });
  writeFileSync(join(leaf, "cgroup.procs"), String(process.pid));
}

/** Where this process sits in the cgroup2 hierarchy, as a directory; undefined without one. */
function ownCgroup(): string | undefined {
  let mount: string | undefined;
  try {
    for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
      const [before, after] = line.split(" - ");
      if (after?.startsWith("cgroup2 ")) {
        mount = before!.split(" ")[4];
        break;
      }
    }
    const entry = readFileSync("/proc/self/cgroup", "utf8")
      .split("\n")
      .find((l) => l.startsWith("0::"));
    if (!mount || !entry) return undefined;
    return join(mount, entry.slice(3));
  } catch {
    return undefined;
  }
}

/**
 * Turns on the limit controllers the root offers for the subtree and its children (for per-job
 * `resources`); what cannot be enabled is simply not offered to jobs. The root itself can pass
 * controllers down only while it holds no processes (cgroup v2's rule), so this often finds none.
 */
function enableControllers(root: string, subtree: string): string[] {
  const enabled: string[] = [];
  for (const controller of LIMIT_CONTROLLERS) {
    try {
      writeFileSync(join(root, "cgroup.subtree_control"), `+${controller}`);
      writeFileSync(join(subtree, "cgroup.subtree_control"), `+${controller}`);
      enabled.push(controller);
    } catch {
      // not available here
    }
  }
  return enabled;
}

class CgroupContainment implements Containment {
  readonly kind = "cgroup";
  private readonly subtree: string;
  private readonly controllers: Set<string>;
  private readonly logger: Logger;
  private readonly toRemove = new Map<string, number>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(subtree: string, controllers: string[], logger: Logger) {
    this.subtree = subtree;
    this.controllers = new Set(controllers);
    this.logger = logger;
  }

  pathFor(jobId: string, attempt: number): string {
    return join(this.subtree, `${jobId}.${attempt}`);
  }

  prepare(jobId: string, attempt: number, resources?: JobResources): string {
    const path = this.pathFor(jobId, attempt);
    this.toRemove.delete(path);
    try {
      mkdirSync(path);
    } catch (error) {
      // Left by an earlier start of this attempt: whatever runs there is not this start's.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      this.kill(path);
    }
    if (resources) this.limit(path, jobId, resources);
    return path;
  }

  private limit(path: string, jobId: string, resources: JobResources): void {
    const wanted: Array<[string, string, string | undefined]> = [
      ["memory", "memory.max", ifSet(resources.memory_mb, (mb) => String(mb * 1024 * 1024))],
      ["cpu", "cpu.max", ifSet(resources.cpus, (cpus) => `${Math.round(cpus * 100_000)} 100000`)],
      ["pids", "pids.max", ifSet(resources.pids, String)],
    ];
    for (const [controller, file, value] of wanted) {
      if (value === undefined) continue;
      if (!this.controllers.has(controller)) {
        this.logger.warn(
          { event: "limit_not_applied", job_id: jobId, controller },
          `the ${controller} controller is not available to this daemon's cgroup: the job runs without that limit`,
        );
        continue;
      }
      writeFileSync(join(path, file), value);
    }
  }

  kill(path: string | undefined): boolean {
    if (!path) return false;
    try {
      writeFileSync(join(path, "cgroup.kill"), "1");
      return true;
    } catch {
      return false; // gone already
    }
  }

  isPopulated(path: string | undefined): boolean {
    if (!path) return false;
    try {
      return readFileSync(join(path, "cgroup.events"), "utf8").includes("populated 1");
    } catch {
      return false;
    }
  }

  pids(path: string | undefined): number[] {
    if (!path) return [];
    try {
      return readFileSync(join(path, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Empty cgroups a previous daemon process left (it died first); busy ones belong to re-adopted jobs. */
  releaseLeftovers(): void {
    for (const entry of readdirSync(this.subtree, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      try {
        rmdirSync(join(this.subtree, entry.name));
      } catch {
        // still running: its job is re-adopted or discarded by reconcile
      }
    }
  }

  release(path: string | undefined): void {
    if (!path) return;
    this.toRemove.set(path, 0);
    this.sweeper ??= setInterval(() => this.sweep(), REMOVE_EVERY_MS).unref();
  }

  private sweep(): void {
    for (const [path, tries] of this.toRemove) {
      try {
        rmdirSync(path);
        this.toRemove.delete(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || tries >= REMOVE_TRIES) this.toRemove.delete(path);
        else {
          this.toRemove.set(path, tries + 1);
          this.kill(path); // EBUSY: something is still in there
        }
      }
    }
    if (this.toRemove.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  close(): void {
    this.sweep();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

/**
 * Stops one job's processes: SIGTERM to its process group and to everything in its cgroup, then,
 * once `graceMs` passes with any of them still alive, SIGKILL to the group and cgroup.kill to the
 * rest. Resolves when they are gone (or after the kill, which cannot be refused).
 */
export async function stopJobProcesses(
  pgid: number,
  containment: Containment,
  cgroup: string | undefined,
  graceMs: number,
  pollMs = 25,
): Promise<"exited" | "killed"> {
  signalGroup(pgid, "SIGTERM");
  for (const pid of containment.pids(cgroup)) signalPid(pid, "SIGTERM");
  const alive = () => isGroupAlive(pgid) || containment.isPopulated(cgroup);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!alive()) return "exited";
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
  if (!alive()) return "exited";
  signalGroup(pgid, "SIGKILL");
  containment.kill(cgroup);
  return "killed";
}

function ifSet(value: number | undefined, format: (value: number) => string): string | undefined {
  return value === undefined ? undefined : format(value);
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    if (pid > 1) process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** No cgroups: every call does nothing, and a job is its process group. */
export const processGroupsOnly: Containment = {
  kind: "process-group",
  prepare: () => undefined,
  pathFor: () => undefined,
  kill: () => false,
  isPopulated: () => false,
  pids: () => [],
  release: () => undefined,
  close: () => undefined,
};
