/**
 * What one bundle sync does, decided without I/O: which versions this daemon should have (the
 * latest stored version of every name whose tags meet the daemon's, and every version that
 * unfinished jobs pin; untagged bundles are for every daemon), which of those to install now (not installed, not waiting out a failure's
 * backoff), and which installed versions to remove (no longer wanted and no running job uses
 * them). A version a running job uses is never removed, so a job always finishes on the version
 * it started with; and a version directory is never replaced, only added or removed whole.
 */
import semver from "semver";
import { bundleKey, isForTags } from "../../shared/bundle-ref.ts";
import type { Bundle } from "../../shared/bundle-protocol.ts";

export interface SyncInputs {
  /** Every version the server stores. */
  available: Bundle[];
  /** The daemon's tags. */
  tags: string[];
  /** Installed versions, as name@version. */
  installed: ReadonlySet<string>;
  /** Installed versions a running job uses (name@version). */
  inUse: ReadonlySet<string>;
  /** name@version → when its next install attempt is due (after a failure). */
  retryAt: ReadonlyMap<string, number>;
  now: number;
}

export interface SyncPlan {
  /** The versions this daemon should have (name@version). */
  wanted: Set<string>;
  install: Bundle[];
  /** name@version of installed versions to remove. */
  remove: string[];
}

/** The highest version of each name among `bundles`. */
export function latestOfEachName(bundles: Bundle[]): Bundle[] {
  const latest = new Map<string, Bundle>();
  for (const bundle of bundles) {
    const seen = latest.get(bundle.name);
    if (!seen || semver.gt(bundle.version, seen.version)) latest.set(bundle.name, bundle);
  }
  return [...latest.values()];
}

export function planSync(inputs: SyncInputs): SyncPlan {
  const latest = latestOfEachName(inputs.available);
  const pinned = inputs.available.filter((b) => (b.pinned_jobs ?? 0) > 0 && !latest.includes(b));
  const mine = [...latest, ...pinned].filter((bundle) => isForTags(bundle, inputs.tags));
  const wanted = new Set(mine.map((b) => bundleKey(b.name, b.version)));
  const install = mine.filter((b) => {
    const key = bundleKey(b.name, b.version);
    return !inputs.installed.has(key) && (inputs.retryAt.get(key) ?? 0) <= inputs.now;
  });
  const remove = [...inputs.installed].filter((key) => !wanted.has(key) && !inputs.inUse.has(key));
  return { wanted, install, remove };
}

/**
 * The installed version a job runs on: its pinned one, or for a job naming only the bundle the
 * highest installed (the daemon keeps the latest, plus the versions unfinished jobs pin or run on).
 */
export function pickInstalled(
  name: string,
  version: string | null,
  installed: Iterable<string>,
): string | undefined {
  const versions = [...installed]
    .filter((key) => key.startsWith(`${name}@`))
    .map((key) => key.slice(name.length + 1));
  if (version !== null) return versions.includes(version) ? version : undefined;
  return versions.sort(semver.rcompare)[0];
}
