import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readApiKeyFile } from "../../../shared/api-key-file.ts";
import { tmpDir } from "../../helpers/tmp.ts";

describe("api_key_file", () => {
  it("reads a private key file", () => {
    const path = join(tmpDir(), "key");
    writeFileSync(path, "flowy_abc\n", { mode: 0o600 });
    expect(readApiKeyFile(path)).toBe("flowy_abc");
  });

  it("refuses a file others can read, saying how to fix it", () => {
    const path = join(tmpDir(), "key");
    writeFileSync(path, "flowy_abc\n");
    chmodSync(path, 0o644);
    expect(() => readApiKeyFile(path)).toThrow(/readable by other users/);
    try {
      readApiKeyFile(path);
    } catch (error) {
      expect((error as { hint: string }).hint).toBe(`Make it private: chmod 600 ${path}`);
    }
  });

  it("names a missing file", () => {
    expect(() => readApiKeyFile("/nonexistent/flowy-key")).toThrow(
      /Cannot read api_key_file \/nonexistent\/flowy-key: ENOENT/,
    );
  });
});
