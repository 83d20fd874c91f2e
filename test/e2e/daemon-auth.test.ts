import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { http, post } from "../helpers/http.ts";
import { NODE, spawnDaemon, spawnServer, waitFor } from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

const SERVER_CLI = join(import.meta.dirname, "..", "..", "server", "cli.ts");

async function createKey(db: string, name: string, role: string): Promise<string> {
  const { stdout } = await execa(NODE, [
    SERVER_CLI,
    "keys",
    "create",
    "--name",
    name,
    "--role",
    role,
    "--db",
    db,
  ]);
  return stdout.trim();
}

describe("daemon-flowy with API keys", () => {
  it("runs jobs with a worker key, and stops at once with a hint when its key is refused", async () => {
    const db = join(tmpDir(), "flowy.db");
    const workerKey = await createKey(db, "w", "worker");
    const clientKey = await createKey(db, "c", "client");
    const server = await spawnServer(db);

    const refused = spawnDaemon(server.url, [], { env: { FLOWY_API_KEY: clientKey } });
    expect(await refused.exited()).toBe(1);
    expect(refused.output()).toMatch(/A client key may not POST \/api\/v1\/workers\/register/);

    spawnDaemon(server.url, ["--api-key", workerKey]);
    const auth = { authorization: `Bearer ${clientKey}` };
    const { body } = await post(`${server.api}/jobs`, { spec: { shell: "echo authenticated" } }, auth);
    const state = await waitFor(
      "the job to finish",
      async () => {
        const job = (await http("GET", `${server.api}/jobs/${body.id}`, undefined, auth)).body;
        return ["succeeded", "failed"].includes(job.state) ? job.state : undefined;
      },
      20_000,
    );
    expect(state).toBe("succeeded");
  });
});
