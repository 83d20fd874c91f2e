import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadClientConfig } from "../../../client/config.ts";
import { tmpDir } from "../../helpers/tmp.ts";

function home(config?: string): string {
  const dir = tmpDir();
  if (config !== undefined) writeFileSync(join(dir, ".flowy"), config);
  return dir;
}

function keyFile(key: string): string {
  const path = join(tmpDir(), "key");
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return path;
}

describe("flowy-client config", () => {
  it("defaults to the local server without a key", async () => {
    expect(await loadClientConfig({ env: {}, home: home() })).toEqual({
      server: "http://127.0.0.1:7411",
      serverSource: "default",
      apiKey: undefined,
    });
  });

  it("takes flag over FLOWY_* env over ~/.flowy (YAML), ignoring the daemon's keys", async () => {
    const dir = home("server: http://file:1/\napi_key: from-file\nmax_jobs: 4\ntags: [gpu]\n");
    expect(await loadClientConfig({ env: {}, home: dir })).toMatchObject({
      server: "http://file:1",
      apiKey: "from-file",
    });
    const env = { FLOWY_SERVER: "http://env:2", FLOWY_API_KEY: "from-env" };
    expect(await loadClientConfig({ env, home: dir })).toMatchObject({
      server: "http://env:2",
      apiKey: "from-env",
    });
    expect(
      await loadClientConfig({ env, home: dir, flags: { server: "http://flag:3", api_key: "from-flag" } }),
    ).toMatchObject({ server: "http://flag:3", serverSource: "--server", apiKey: "from-flag" });
  });

  it("reads a JSON file named by FLOWY_CONFIG", async () => {
    const path = join(tmpDir(), "client.json");
    writeFileSync(path, JSON.stringify({ server: "https://flowy.example.com" }));
    const config = await loadClientConfig({ env: { FLOWY_CONFIG: path }, home: home() });
    expect(config).toMatchObject({ server: "https://flowy.example.com", serverSource: `server in ${path}` });
  });

  it("uses api_key_file when it comes from a higher layer than api_key", async () => {
    const dir = home("api_key: from-file\n");
    const file = keyFile("from-key-file");
    expect((await loadClientConfig({ env: { FLOWY_API_KEY_FILE: file }, home: dir })).apiKey).toBe(
      "from-key-file",
    );
    const both = await loadClientConfig({
      env: { FLOWY_API_KEY_FILE: file, FLOWY_API_KEY: "inline" },
      home: dir,
    });
    expect(both.apiKey).toBe("inline");
  });

  it("names the bad key, where it came from, and how to fix it", async () => {
    await expect(loadClientConfig({ env: { FLOWY_SERVER: "127.0.0.1:7411" }, home: home() })).rejects.toThrow(
      /Invalid FLOWY_SERVER: .*\(got "127.0.0.1:7411"\)/,
    );
    await expect(loadClientConfig({ env: {}, home: home("api_key: ''\n") })).rejects.toThrow(
      /Invalid api_key in .*\.flowy/,
    );
    await expect(loadClientConfig({ env: {}, home: home("- a\n- b\n") })).rejects.toThrow(
      /must hold a mapping/,
    );
    await expect(loadClientConfig({ env: {}, home: home("server: [\n") })).rejects.toThrow(
      /Cannot read the config file/,
    );
  });
});
