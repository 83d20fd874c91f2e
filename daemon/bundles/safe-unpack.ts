/**
 * Unpacks a bundle archive someone else made, refusing it whole at the first entry that could
 * reach outside the target directory or fill the disk: an absolute path, a `..` segment, a link
 * (symbolic or hard) whose target leaves the directory, a device, FIFO or other special file, or
 * more bytes (a decompression bomb) or entries than the limit. It is read twice: a listing pass
 * that decides, from the headers, before anything is written (so a refused archive leaves
 * nothing), then the extraction, which checks every entry again and counts the bytes it writes.
 */
import { isAbsolute, posix } from "node:path";
import * as tar from "tar";

export interface UnpackLimits {
  /** Total bytes of the files, unpacked. */
  maxBytes: number;
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;
const ALLOWED_TYPES = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

export class UnsafeArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsafeArchiveError";
  }
}

interface EntryHeader {
  path: string;
  type: string;
  size: number;
  linkpath?: string;
}

/** Why the entry may not be unpacked; undefined when it may. */
export function refusalOf(entry: EntryHeader): string | undefined {
  const path = entry.path;
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path)) return `absolute path ${path}`;
  if (path.split(/[\\/]/).includes("..")) return `path ${path} climbs out with ".."`;
  if (!ALLOWED_TYPES.has(entry.type)) return `${path} is a ${entry.type} (only files, directories and links)`;
  if (entry.type === "SymbolicLink" || entry.type === "Link") {
    const target = entry.linkpath ?? "";
    if (isAbsolute(target)) return `link ${path} points at the absolute path ${target}`;
    // A symlink resolves from its own directory; a hard link's target is a path in the archive.
    const base = entry.type === "SymbolicLink" ? posix.dirname(path) : ".";
    const resolved = posix.normalize(posix.join(base, target));
    if (resolved === ".." || resolved.startsWith("../"))
      return `link ${path} -> ${target} leaves the directory`;
  }
  return undefined;
}

/** Unpacks `file` (a .tar.gz) into the existing, empty directory `dir`, or throws UnsafeArchiveError. */
export async function unpackSafely(file: string, dir: string, limits: UnpackLimits): Promise<void> {
  await unreadableAsUnsafe(checkArchive(file, limits));
  let written = 0;
  let refusal: string | undefined;
  const extracting = tar.extract({
    file,
    cwd: dir,
    strict: true,
    preserveOwner: false,
    filter: (_path, entry) => {
      const header = entry as unknown as EntryHeader;
      refusal ??= refusalOf(header);
      written += header.size ?? 0;
      if (written > limits.maxBytes) refusal ??= `unpacks to more than ${limits.maxBytes} bytes`;
      return refusal === undefined;
    },
  });
  await unreadableAsUnsafe(extracting);
  if (refusal) throw new UnsafeArchiveError(`refused the archive: ${refusal}`);
}

/** tar's own refusals (a corrupt stream, its decompression-ratio guard) refuse the archive too. */
async function unreadableAsUnsafe(work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (error instanceof UnsafeArchiveError) throw error;
    throw new UnsafeArchiveError(`refused the archive: ${(error as Error).message}`);
  }
}

/** The listing pass: every header checked, sizes summed, before anything is written. */
async function checkArchive(file: string, limits: UnpackLimits): Promise<void> {
  let total = 0;
  let entries = 0;
  let refusal: string | undefined;
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
  await tar.list({
    file,
    strict: true,
    onReadEntry: (entry) => {
      const header = entry as unknown as EntryHeader;
      entries++;
      total += header.size ?? 0;
      refusal ??= refusalOf(header);
      if (total > limits.maxBytes) refusal ??= `unpacks to more than ${limits.maxBytes} bytes`;
      if (entries > maxEntries) refusal ??= `holds more than ${maxEntries} entries`;
      entry.resume();
    },
  });
  if (refusal) throw new UnsafeArchiveError(`refused the archive: ${refusal}`);
}
