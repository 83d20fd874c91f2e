/**
 * Job names and log lines come from whoever submits and runs jobs: flowy-client prints their
 * control and escape sequences escaped, unless --raw.
 */
import { describe, expect, it } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { post } from "../helpers/http.ts";
import { makeJobSpec } from "../helpers/jobs.ts";
import { startServer } from "../helpers/server.ts";

const HOSTILE = "evil\u001b]0;pwned\u0007\u001b[2J\u202eown";

async function jobWithHostileText() {
  const { url, api } = await startServer();
  const job = (await post(`${api}/jobs`, makeJobSpec({ name: HOSTILE }))).body;
  const claim = await post(`${api}/jobs/claim`, { worker_id: "w1", capacity: 1, wait_s: 0 });
  const token = claim.body.jobs[0].lease_token;
  await post(`${api}/jobs/${job.id}/logs`, {
    worker_id: "w1",
    lease_token: token,
    offset: 0,
    data: `${HOSTILE}\n`,
  });
  return { url, id: job.id as string };
}

describe("flowy-client and hostile text", () => {
  it("prints names and logs with their escape sequences escaped in list, show and logs", async () => {
    const { url, id } = await jobWithHostileText();
    for (const args of [
      ["list", "--plain"],
      ["show", id, "--plain"],
      ["logs", id, "--plain"],
    ]) {
      const result = await flowyClient(url, args);
      expect([args, result.exitCode]).toEqual([args, 0]);
      for (const char of ["\u001b", "\u0007", "\u202e"]) expect(result.stdout).not.toContain(char);
      expect(result.stdout).toContain("evil\\x1b]0;pwned\\x07\\x1b[2J\\u202eown");
    }
  });

  it("prints them as they are with --raw", async () => {
    const { url, id } = await jobWithHostileText();
    const result = await flowyClient(url, ["logs", id, "--raw"]);
    expect(result.stdout).toBe(`${HOSTILE}\n`);
  });
});
