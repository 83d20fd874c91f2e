/**
 * The daemon's bundle sync: at start and between claims (at most every `intervalMs`), it lists
 * the server's bundles, installs the latest version of each name meant for its tags, removes
 * versions it no longer needs (sync-plan.ts decides), and tells the server what it has and what
 * failed. A failed install is retried with backoff, never in a tight loop. Jobs take a hold on
 * the version they run on (`hold`), which keeps it installed until they end.
 *
 * It runs inside the claim loop, before each claim, so the list a claim sends is exactly what is
 * installed while that claim is answered, and a job is held before the next sync can remove its
 * version.
 */
import { readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { bundleKey, parseBundleRef } from "../../shared/bundle-ref.ts";
import type { Bundle, WorkerBundleStatus } from "../../shared/bundle-protocol.ts";
import { retryDelayMs } from "../../shared/retry-policy.ts";
import { bundleDir } from "./bundle-install.ts";
import { pickInstalled, planSync } from "./sync-plan.ts";

export interface BundleSyncOptions {
  /** Where versions live: ROOT/NAME/VERSION. */
  root: string;
  tags: string[];
  list: () => Promise<Bundle[]>;
  install: (bundle: Bundle) => Promise<string>;
  report: (statuses: WorkerBundleStatus[]) => Promise<void>;
  logger: Logger;
  /** Least time between two syncs. */
  intervalMs: number;
  now?: () => number;
}

/** A job's hold on the version it runs on. */
export interface BundleHold {
  dir: string;
  release(): void;
}

const INSTALL_BACKOFF = { initial_s: 2, max_s: 300, factor: 2 };

interface Failure {
  attempts: number;
  retryAt: number;
  message: string;
  at: number;
}

export class BundleSync {
  private readonly options: BundleSyncOptions;
  private readonly now: () => number;
  private readonly installedSet = new Set<string>();
  private readonly holds = new Map<string, number>();
  private readonly failures = new Map<string, Failure>();
  private lastSyncAt = Number.NEGATIVE_INFINITY;
  private lastReport = "";

  constructor(options: BundleSyncOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Finds what an earlier run of the daemon installed (complete directories only). */
  async load(): Promise<void> {
    const names = await readdir(this.options.root, { withFileTypes: true }).catch(() => []);
    for (const name of names) {
      if (!name.isDirectory() || name.name.startsWith(".")) continue;
      const versions = await readdir(join(this.options.root, name.name), { withFileTypes: true });
      for (const v of versions) {
        // Staging directories start with "." and are left by an install a crash cut short.
        if (v.name.startsWith("."))
          await rm(join(this.options.root, name.name, v.name), { recursive: true, force: true });
        else if (v.isDirectory()) this.installedSet.add(bundleKey(name.name, v.name));
      }
    }
  }

  /** What the claim says this worker has: name@version of every installed version. */
  installed(): string[] {
    return [...this.installedSet].sort();
  }

  /** Syncs unless the last sync was less than the interval ago; never throws. */
  async syncIfDue(): Promise<void> {
    if (this.now() - this.lastSyncAt < this.options.intervalMs) return;
    await this.sync();
  }

  async sync(): Promise<void> {
    this.lastSyncAt = this.now();
    const { logger } = this.options;
    let available: Bundle[];
    try {
      available = await this.options.list();
    } catch (error) {
      logger.warn(
        { event: "bundle_list_failed", err: describe(error) },
        "could not list bundles; keeping what is installed",
      );
      return;
    }
    const retryAt = new Map([...this.failures].map(([key, f]) => [key, f.retryAt]));
    const inUse = new Set([...this.holds].filter(([, n]) => n > 0).map(([key]) => key));
    const plan = planSync({
      available,
      tags: this.options.tags,
      installed: this.installedSet,
      inUse,
      retryAt,
      now: this.now(),
    });
    for (const bundle of plan.install) await this.installOne(bundle);
    for (const key of plan.remove) await this.removeOne(key);
    for (const key of this.failures.keys()) if (!plan.wanted.has(key)) this.failures.delete(key);
    await this.reportIfChanged();
  }

  /**
   * Holds the installed version `spec.bundle` names (the pinned one, else the highest installed)
   * until the job ends; undefined when it is not installed.
   */
  hold(ref: string): BundleHold | undefined {
    const { name, version } = parseBundleRef(ref);
    const picked = pickInstalled(name, version, this.installedSet);
    return picked === undefined ? undefined : this.holdKey(bundleKey(name, picked));
  }

  /** Holds the version installed at `dir` (a re-adopted job's), whether or not it is known. */
  holdDir(dir: string): BundleHold | undefined {
    const [name, version] = dir.slice(this.options.root.length + 1).split("/");
    if (!name || !version || bundleDir(this.options.root, name, version) !== dir) return undefined;
    return this.holdKey(bundleKey(name, version));
  }

  private holdKey(key: string): BundleHold {
    this.holds.set(key, (this.holds.get(key) ?? 0) + 1);
    const { name, version } = parseBundleRef(key);
    let released = false;
    return {
      dir: bundleDir(this.options.root, name, version as string),
      release: () => {
        if (released) return;
        released = true;
        const left = (this.holds.get(key) ?? 1) - 1;
        if (left > 0) this.holds.set(key, left);
        else this.holds.delete(key);
      },
    };
  }

  private async installOne(bundle: Bundle): Promise<void> {
    const key = bundleKey(bundle.name, bundle.version);
    const log = this.options.logger.child({ bundle: key });
    try {
      await this.options.install(bundle);
      this.installedSet.add(key);
      this.failures.delete(key);
      log.info({ event: "bundle_installed", sha256: bundle.sha256, size: bundle.size }, "bundle installed");
    } catch (error) {
      const attempts = (this.failures.get(key)?.attempts ?? 0) + 1;
      const delay = retryDelayMs(attempts, INSTALL_BACKOFF);
      const message = describe(error);
      this.failures.set(key, { attempts, retryAt: this.now() + delay, message, at: this.now() });
      log.warn(
        { event: "bundle_install_failed", err: message, attempts, retry_in_ms: delay },
        "bundle install failed; will retry",
      );
    }
  }

  /** Moved aside first, so the version disappears at once and a crash mid-delete leaves no half. */
  private async removeOne(key: string): Promise<void> {
    const { name, version } = parseBundleRef(key);
    const dir = bundleDir(this.options.root, name, version as string);
    const trash = join(this.options.root, name, `.removing-${version}-${process.pid}`);
    try {
      await rename(dir, trash);
      this.installedSet.delete(key);
      await rm(trash, { recursive: true, force: true });
      this.options.logger.info(
        { event: "bundle_removed", bundle: key },
        "bundle version removed (no longer needed)",
      );
    } catch (error) {
      this.options.logger.warn(
        { event: "bundle_remove_failed", bundle: key, err: describe(error) },
        "could not remove a bundle version",
      );
    }
  }

  /** Tells the server what is installed and what failed, when that changed since the last report. */
  private async reportIfChanged(): Promise<void> {
    const statuses: WorkerBundleStatus[] = [
      ...this.installed().map((key) => ({
        ...splitKey(key),
        status: "installed" as const,
        error: null,
        at: null,
      })),
      ...[...this.failures].map(([key, f]) => ({
        ...splitKey(key),
        status: "failed" as const,
        error: f.message,
        at: new Date(f.at).toISOString(),
      })),
    ];
    const text = JSON.stringify(statuses.map((s) => [s.name, s.version, s.status, s.error]));
    if (text === this.lastReport) return;
    try {
      await this.options.report(statuses);
      this.lastReport = text;
    } catch (error) {
      this.options.logger.warn(
        { event: "bundle_report_failed", err: describe(error) },
        "could not report bundle status; will try again",
      );
    }
  }
}

function splitKey(key: string): { name: string; version: string } {
  const { name, version } = parseBundleRef(key);
  return { name, version: version as string };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
