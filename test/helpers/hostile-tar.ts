/**
 * Builds .tar.gz archives entry by entry from raw headers, so tests can make the archives a
 * careful packer never would: absolute paths, `..`, links out of the directory, devices, bombs.
 */
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { Header } from "tar";

export interface RawEntry {
  path: string;
  type?: "File" | "Directory" | "SymbolicLink" | "Link" | "CharacterDevice" | "BlockDevice" | "FIFO";
  data?: Buffer;
  linkpath?: string;
}

export function writeTarGz(file: string, entries: RawEntry[]): void {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data ?? Buffer.alloc(0);
    const header = new Header({
      path: entry.path,
      type: entry.type ?? "File",
      size: entry.type === undefined || entry.type === "File" ? data.byteLength : 0,
      mode: entry.type === "Directory" ? 0o755 : 0o644,
      mtime: new Date(0),
      linkpath: entry.linkpath,
      uid: 0,
      gid: 0,
    });
    const block = Buffer.alloc(512);
    header.encode(block);
    blocks.push(block);
    if (data.byteLength > 0) {
      blocks.push(data, Buffer.alloc((512 - (data.byteLength % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  writeFileSync(file, gzipSync(Buffer.concat(blocks)));
}
