/**
 * The rules of bundle names and versions, without I/O: what a name may be, that a version is
 * strict semver, and that an upload must be a strict bump over the highest version the name has
 * ever had (a deleted version is not reused, so one version number never names two archives).
 */
import semver from "semver";
import { FlowyError } from "../../shared/errors.ts";

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TAG_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export function checkBundleName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new FlowyError(
      "invalid-request",
      `Bundle name "${name}" is not allowed`,
      "Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
    );
  }
}

/** A version as semver writes it (1.4.0, 2.0.0-rc.1): no "v" prefix, no build metadata. */
export function checkBundleVersion(version: string): void {
  if (semver.valid(version) !== version) {
    throw new FlowyError(
      "invalid-request",
      `Bundle version "${version}" is not a semantic version`,
      "Use MAJOR.MINOR.PATCH, for example 1.4.0 (an optional -prerelease is allowed; no v prefix, no +build).",
    );
  }
}

export function checkBundleTags(tags: string[]): void {
  const bad = tags.filter((tag) => !TAG_PATTERN.test(tag));
  if (bad.length) {
    throw new FlowyError(
      "invalid-request",
      `Bundle tags not allowed: ${bad.join(", ")}`,
      "Tags are 1-64 letters, digits, '.', '_', ':' or '-', comma-separated.",
    );
  }
}

/** Refuses a version that is not above the name's highest; `latest` null: the name is new. */
export function checkStrictBump(name: string, version: string, latest: string | null): void {
  if (latest !== null && !semver.gt(version, latest)) {
    throw new FlowyError(
      "version-conflict",
      `${name}@${version} is not newer than ${name}@${latest}`,
      `The current version of ${name} is ${latest}: upload a higher one (for example ${semver.inc(latest, "patch")}).`,
      { current_version: latest },
    );
  }
}

/** The highest of the versions (the one a job that names no version gets); undefined for none. */
export function highestVersion(versions: string[]): string | undefined {
  return [...versions].sort(semver.rcompare)[0];
}
