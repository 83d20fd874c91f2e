/**
 * What a job names in `spec.bundle`: `etl` (the highest stored version at claim time) or
 * `etl@1.4.0` (that version, pinned). Pure: the server checks the version is semver on submit.
 */

/** A bundle name, then optionally `@` and a version (checked as semver by the server). */
export const BUNDLE_REF_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(@[0-9A-Za-z.-]{1,128})?$";

export interface BundleRef {
  name: string;
  /** null: the latest version. */
  version: string | null;
}

export function parseBundleRef(ref: string): BundleRef {
  const at = ref.indexOf("@");
  return at < 0 ? { name: ref, version: null } : { name: ref.slice(0, at), version: ref.slice(at + 1) };
}

/** `name@version`: how a worker lists what it has installed, and how a claim matches it. */
export function bundleKey(name: string, version: string): string {
  return `${name}@${version}`;
}

/** Whether a daemon with `tags` installs the bundle: untagged bundles are for every daemon. */
export function isForTags(bundle: { tags: readonly string[] }, tags: readonly string[]): boolean {
  return bundle.tags.length === 0 || bundle.tags.some((tag) => tags.includes(tag));
}
