/**
 * Installing one bundle version on a daemon: download the archive (resuming a partial download
 * with Range), check its sha256, unpack it safely into a staging directory beside the target,
 * run its setup command there (with a timeout), and only then rename the staging directory into
 * place: `ROOT/NAME/VERSION` either does not exist or is complete, whatever fails or crashes.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { execa } from "execa";
import { got } from "got";
import { signalGroup } from "../process/process-group.ts";
import { unpackSafely } from "./safe-unpack.ts";

export interface BundleToInstall {
  name: string;
  version: string;
  sha256: string;
  size: number;
  setup: string | null;
}

export interface InstallOptions {
  /** Base URL of the server's API (…/api/v1). */
  api: string;
  apiKey?: string;
  /** Where bundles live: ROOT/NAME/VERSION. */
  root: string;
  /** Largest the unpacked bundle may be, in bytes. */
  maxBytes: number;
  setupTimeoutMs: number;
}

export class BundleInstallError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BundleInstallError";
  }
}

export function bundleDir(root: string, name: string, version: string): string {
  return join(root, name, version);
}

/** Installs the version unless it is installed already; returns its directory. */
export async function installBundle(bundle: BundleToInstall, options: InstallOptions): Promise<string> {
  const target = bundleDir(options.root, bundle.name, bundle.version);
  if (await exists(target)) return target;
  const archive = await downloadArchive(bundle, options);
  await mkdir(join(options.root, bundle.name), { recursive: true });
  const staging = await mkdtemp(join(options.root, bundle.name, `.staging-${bundle.version}-`));
  try {
    await unpackSafely(archive, staging, { maxBytes: options.maxBytes });
    if (bundle.setup) await runSetup(bundle, staging, options.setupTimeoutMs);
    // mkdtemp makes it 0700: jobs that run as another user (job_user) must be able to enter it.
    await chmod(staging, 0o755);
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  await rm(archive, { force: true });
  return target;
}

/**
 * ROOT/.downloads/NAME-VERSION.tar.gz, complete and verified. A partial file left by an earlier
 * attempt is continued from its length; one whose bytes do not match the checksum is removed.
 */
async function downloadArchive(bundle: BundleToInstall, options: InstallOptions): Promise<string> {
  const dir = join(options.root, ".downloads");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${bundle.name}-${bundle.version}.tar.gz`);
  const have = (await stat(file).catch(() => undefined))?.size ?? 0;
  if (have < bundle.size) {
    const url = `${options.api}/bundles/${encodeURIComponent(bundle.name)}/${encodeURIComponent(bundle.version)}/archive`;
    const headers: Record<string, string> = have > 0 ? { range: `bytes=${have}-` } : {};
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    await pipeline(
      got.stream(url, { headers, retry: { limit: 0 }, timeout: { connect: 10_000, response: 30_000 } }),
      createWriteStream(file, { flags: have > 0 ? "a" : "w" }),
    );
  }
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  const sha256 = hash.digest("hex");
  if (sha256 !== bundle.sha256) {
    await rm(file, { force: true });
    throw new BundleInstallError(
      `${bundle.name}@${bundle.version}: the download's sha256 is ${sha256}, the server said ${bundle.sha256}`,
    );
  }
  return file;
}

/**
 * Runs the setup command in its own process group, so a timeout stops everything it started (a
 * child left holding the output pipe would otherwise keep the install waiting).
 */
async function runSetup(bundle: BundleToInstall, dir: string, timeoutMs: number): Promise<void> {
  const child = execa("sh", ["-c", bundle.setup as string], {
    cwd: dir,
    reject: false,
    all: true,
    detached: true,
    env: { FLOWY_BUNDLE_DIR: dir },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
  }, timeoutMs);
  const result = await child.finally(() => clearTimeout(timer));
  if (timedOut) {
    throw new BundleInstallError(
      `${bundle.name}@${bundle.version}: setup did not finish within ${timeoutMs} ms`,
    );
  }
  if (result.exitCode !== 0) {
    const tail = String(result.all ?? "").slice(-2000);
    throw new BundleInstallError(
      `${bundle.name}@${bundle.version}: setup "${bundle.setup}" exited with ${result.exitCode}${tail ? `:\n${tail}` : ""}`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}
