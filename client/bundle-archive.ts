/**
 * What `bundle upload` sends: a .tar.gz as it is, or a directory packed into one first (in a
 * temporary file, so the upload streams from disk and knows its length). Packed portably: no
 * owner, group or modes beyond the permission bits, so the archive does not depend on who packed it.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowyError } from "../shared/errors.ts";

export interface PreparedArchive {
  file: string;
  /** Removes what packing made (nothing for a file given as it is). */
  cleanup(): Promise<void>;
}

export async function prepareArchive(path: string): Promise<PreparedArchive> {
  const info = await stat(path).catch(() => {
    throw new FlowyError("invalid-request", `${path} does not exist`, "Pass a directory or a .tar.gz file.");
  });
  if (info.isFile()) return { file: path, cleanup: async () => {} };
  if (!info.isDirectory()) {
    throw new FlowyError(
      "invalid-request",
      `${path} is neither a file nor a directory`,
      "Pass a directory or a .tar.gz file.",
    );
  }
  const entries = await readdir(path);
  if (entries.length === 0) {
    throw new FlowyError("invalid-request", `${path} is empty`, "Put the files the jobs need in it first.");
  }
  const dir = await mkdtemp(join(tmpdir(), "flowy-bundle-"));
  const file = join(dir, "bundle.tar.gz");
  // Loaded here, not at the top: every flowy-client command loads this module, few pack.
  const tar = await import("tar");
  await tar.create({ gzip: true, file, cwd: path, portable: true }, entries.sort());
  return { file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
