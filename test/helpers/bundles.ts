import type { Bundle } from "../../shared/bundle-protocol.ts";

/** A stored bundle as the server lists it; the checksum and size do not matter to the daemon's plans. */
export function bundle(name: string, version: string, tags: string[] = []): Bundle {
  return {
    name,
    version,
    tags,
    sha256: "0".repeat(64),
    size: 1,
    setup: null,
    created_at: "",
    uploaded_by: null,
  };
}
