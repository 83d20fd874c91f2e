/**
 * flowy-client, the real binary, against a real server: every command in every output mode
 * (plain when piped, pretty with --pretty, JSON), and the exit codes of mistakes with their hints.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { fakeWorker } from "../helpers/fake-worker.ts";
import { get, post } from "../helpers/http.ts";
import { makeJobSpec } from "../helpers/jobs.ts";
import { startServer } from "../helpers/server.ts";
import { tmpDir } from "../helpers/tmp.ts";

const ID = /^[0-9a-z]{26}$/;

describe("flowy-client submit", () => {
  it("submits a command after -- and prints the id in plain text when piped", async () => {
    const { url, api } = await startServer();
    const run = await flowyClient(url, [
      "submit",
      "--tag",
      "linux,gpu",
      "--priority",
      "5",
      "--",
      "echo",
      "-n",
      "hi",
    ]);
    expect(run.exitCode).toBe(0);
    const id = /Job submitted: (\S+) \(/.exec(run.stdout)?.[1];
    expect(id).toMatch(ID);
    expect(run.stdout).toContain(`View status: flowy-client show ${id}`);
    expect(run.stdout).not.toMatch(/🚀/u);
    const job = (await get(`${api}/jobs/${id}`)).body;
    expect(job).toMatchObject({
      spec: { command: ["echo", "-n", "hi"] },
      priority: 5,
    });
    expect([...job.tags].sort()).toEqual(["gpu", "linux"]);
  });

  it("submits every job of a JSON Lines file with --from-file, and names the lines it could not", async () => {
    const { url, api } = await startServer();
    const file = join(tmpDir(), "jobs.jsonl");
    const lines = [
      "# nightly exports",
      JSON.stringify(makeJobSpec({ name: "export-1", tags: ["etl"], idempotency_key: "e1" })),
      "",
      JSON.stringify(makeJobSpec({ name: "export-2", idempotency_key: "e2" })),
      JSON.stringify(makeJobSpec({ name: "orphan", parent_id: "01nosuchjob0000000000000000" })),
    ];
    writeFileSync(file, `${lines.join("\n")}\n`);
    const run = await flowyClient(url, ["submit", "--from-file", file]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("Submitted 2 job(s).");
    expect(run.stderr).toContain(`${file} line 5: parent_id 01nosuchjob0000000000000000 is not a job`);
    const again = await flowyClient(url, ["submit", "--from-file", file]);
    expect(again.stdout).toContain("Submitted 0 job(s), 2 already there under their idempotency keys.");
    const names = (await get(`${api}/jobs`)).body.jobs.map((j: { name: string }) => j.name);
    expect(names.sort()).toEqual(["export-1", "export-2"]);

    writeFileSync(file, `${JSON.stringify(makeJobSpec())}\n{"spec": \n`);
    const broken = await flowyClient(url, ["submit", "--from-file", file]);
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toContain("line 2 is not JSON");
    const mixed = await flowyClient(url, ["submit", "--from-file", file, "--tag", "gpu"]);
    expect(mixed.exitCode).toBe(1);
    expect(mixed.stderr).toContain("--tag cannot be added to it");
    expect((await get(`${api}/jobs`)).body.jobs).toHaveLength(2);
  });

  it("merges --params-file, --params and --param in that order and sends --shell, --at, --after, --timeout", async () => {
    const { url, api } = await startServer();
    const parent = JSON.parse((await flowyClient(url, ["-o", "json", "submit", "--", "true"])).stdout);
    const file = join(tmpDir(), "params.yaml");
    writeFileSync(file, "a: from-file\nb: from-file\nc: from-file\n");
    const run = await flowyClient(url, [
      "submit",
      "-q",
      "--shell",
      "echo $FLOWY_INPUTS",
      "--params-file",
      file,
      "--params",
      '{"b": "from-json", "c": "from-json"}',
      "--param",
      "c=3",
      "--param",
      "d=true",
      "--param",
      "c=last",
      "--at",
      "+1h",
      "--after",
      parent.id,
      "--timeout",
      "1m30s",
      "--max-attempts",
      "2",
      "--name",
      "my-job",
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(ID);
    const job = (await get(`${api}/jobs/${run.stdout.trim()}`)).body;
    expect(job).toMatchObject({
      name: "my-job",
      spec: { shell: "echo $FLOWY_INPUTS" },
      inputs: { a: "from-file", b: "from-json", c: "last", d: true },
      parent_id: parent.id,
      timeout_s: 90,
      max_attempts: 2,
    });
    expect(Date.parse(job.run_at) - Date.now()).toBeGreaterThan(50 * 60_000);
  });

  it("reads a workflow file (YAML) and sends its text as spec.workflow", async () => {
    const { url, api } = await startServer();
    const file = join(tmpDir(), "flow.yaml");
    writeFileSync(file, "version: 1\ntasks:\n  hello:\n    run: echo hello\n");
    const run = await flowyClient(url, ["-q", "submit", "--workflow", file]);
    expect(run.exitCode, run.stderr).toBe(0);
    const job = (await get(`${api}/jobs/${run.stdout.trim()}`)).body;
    expect(job.spec.workflow).toEqual({ source: "version: 1\ntasks:\n  hello:\n    run: echo hello\n" });
  });

  it("dedupes with --idempotency-key", async () => {
    const { url } = await startServer();
    const args = ["-q", "submit", "--idempotency-key", "nightly-2030-01-01", "--", "true"];
    const first = await flowyClient(url, args);
    const second = await flowyClient(url, args);
    expect(second.stdout).toBe(first.stdout);
  });

  it("prints the job as JSON with --output json and with emoji with --pretty", async () => {
    const { url } = await startServer();
    const json = await flowyClient(url, ["submit", "--output", "json", "--", "true"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      state: "pending",
      spec: { command: ["true"] },
      attempt: 0,
    });
    const pretty = await flowyClient(url, ["submit", "--pretty", "--", "true"]);
    expect(pretty.stdout).toMatch(
      /^🚀 Job submitted: \S+ \(true\)\n📋 View status: flowy-client show \S+\n$/u,
    );
  });

  it("refuses the common mistakes with exit 1 and a hint, before calling the server", async () => {
    const cases: Array<[string[], RegExp, RegExp]> = [
      [
        ["--params", "{bad json}", "--", "true"],
        /--params is not valid JSON/,
        /--params '\{"name": "ada", "n": 3\}'/,
      ],
      [[], /Nothing to run/, /flowy-client submit --command -- echo hello/],
      [["--command"], /--command needs the command after --/, /Put the command after --/],
      [["ls", "-la"], /unknown option '-la'/, /put it after --: flowy-client submit -- ls -la/],
      [["--at", "tomorrowish", "--", "true"], /--at "tomorrowish" is not a time/, /--at \+10m/],
      [
        ["--priority", "high", "--", "true"],
        /'--priority <n>' argument 'high' is invalid/,
        /flowy-client submit --help/,
      ],
    ];
    // Nothing listens on port 9: a run that got as far as the server would exit 5, not 1.
    const runs = await Promise.all(
      cases.map(([args]) => flowyClient("http://127.0.0.1:9", ["submit", ...args])),
    );
    runs.forEach((run, i) => {
      const [args, error, hint] = cases[i]!;
      expect(run.exitCode, args.join(" ")).toBe(1);
      expect(run.stderr).toMatch(error);
      expect(run.stderr).toMatch(new RegExp(`hint: .*${hint.source}`));
      expect(run.stdout).toBe("");
    });
  });

  it("passes the server's validation error and hint through (exit 1)", async () => {
    const { url } = await startServer();
    const run = await flowyClient(url, ["submit", "--priority", "5000", "--", "true"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error: .*priority/m);
  });
});

describe("flowy-client show, list, cancel, requeue, delete", () => {
  it("shows a job with its error, tasks as a tree, and history, in plain, pretty and JSON", async () => {
    const { url, api } = await startServer();
    const id = (
      await flowyClient(url, ["-q", "submit", "--max-attempts", "1", "--", "make", "build"])
    ).stdout.trim();
    const worker = fakeWorker(api, "w-1");
    const job = await worker.claim();
    const tasks = [
      { name: "fetch", state: "succeeded" },
      { name: "clean", state: "failed", needs: ["fetch"], message: "exit 2" },
      { name: "enrich", state: "succeeded", needs: ["fetch"] },
      { name: "save", state: "skipped", needs: ["clean", "enrich"] },
    ];
    await worker.heartbeat(job, tasks);
    await worker.fail(job, { message: "task clean failed", exit_code: 2, stderr_tail: "boom\nbang" });

    const plain = await flowyClient(url, ["show", id]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toContain(`Job ${id} (make build)`);
    expect(plain.stdout).toMatch(/^State: +failed$/m);
    expect(plain.stdout).toMatch(/^Attempt: +1 of 1$/m);
    expect(plain.stdout).toMatch(/^Worker: +w-1$/m);
    expect(plain.stdout).toContain("error: task clean failed (exit code 2)");
    expect(plain.stdout).toContain("  | bang");
    expect(plain.stdout).toContain("Tasks (4/4 done):");
    expect(plain.stdout).toMatch(/^ {2}\[succeeded\] +fetch$/m);
    expect(plain.stdout).toMatch(/^ {4}\[failed\] +clean +exit 2$/m);
    expect(plain.stdout).toMatch(/^ {6}\[skipped\] +save +<- clean, enrich$/m);
    expect(plain.stdout).toMatch(/running -> failed +fail_final \(attempt 1, worker w-1\)/);
    expect(plain.stdout).not.toMatch(/[✅❌]/u);

    const pretty = await flowyClient(url, ["show", "--pretty", id]);
    expect(pretty.stdout).toMatch(/^🐇 Job /u);
    expect(pretty.stdout).toMatch(/State: +❌ failed/u);
    expect(pretty.stdout).toMatch(/^ {2}\[✅\] fetch/mu);
    expect(pretty.stdout).toMatch(/^ {6}\[⏭️\] save/mu);

    const json = JSON.parse((await flowyClient(url, ["show", id, "--output", "json"])).stdout);
    expect(json).toMatchObject({ id, state: "failed", error: { message: "task clean failed" } });
    expect(json.history.map((h: { to: string }) => h.to)).toEqual(["pending", "running", "failed"]);
  });

  it("says plainly that a job id is unknown (exit 1, hint), in text and JSON", async () => {
    const { url } = await startServer();
    const missing = "01nosuchjob0000000000000000";
    const commands = ["show", "wait", "logs", "cancel", "requeue", "delete"];
    const runs = await Promise.all(commands.map((command) => flowyClient(url, [command, missing])));
    runs.forEach((run, i) => {
      expect(run.exitCode, commands[i]).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^error: Job ${missing} does not exist$`, "m"));
      expect(run.stderr).toMatch(/^hint: List them with: flowy-client list$/m);
    });
    const json = await flowyClient(url, ["-o", "json", "show", missing]);
    expect(JSON.parse(json.stderr)).toEqual({
      error: {
        code: "not-found",
        message: `Job ${missing} does not exist`,
        hint: "List them with: flowy-client list",
      },
    });
  });

  it("lists jobs newest first with filters, as a table, ids or JSON", async () => {
    const { url, api } = await startServer();
    const ids: string[] = [];
    for (const tag of ["a", "b", "a"])
      ids.push((await post(`${api}/jobs`, makeJobSpec({ tags: [tag] }))).body.id);
    await post(`${api}/jobs/${ids[0]}/cancel`);
    const [table, filtered, limited, json, pretty, none, bad] = await Promise.all([
      flowyClient(url, ["list"]),
      flowyClient(url, ["list", "-q", "--tag", "a", "--state", "pending"]),
      flowyClient(url, ["list", "-q", "--limit", "2"]),
      flowyClient(url, ["list", "--output", "json", "--state", "pending,canceled"]),
      flowyClient(url, ["list", "--pretty", "--output", "table"]),
      flowyClient(url, ["list", "--state", "running"]),
      flowyClient(url, ["list", "--state", "runing"]),
    ]);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID +STATE +NAME +ATTEMPT +WORKER +CREATED +DURATION$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([...ids].reverse());
    expect(table.stdout).toMatch(new RegExp(`^${ids[0]} +canceled +true +- +- +\\S+ ago +-$`, "m"));
    expect(filtered.stdout).toBe(`${ids[2]}\n`);
    expect(limited.stdout).toBe(`${ids[2]}\n${ids[1]}\n`);
    expect(JSON.parse(json.stdout).jobs.map((j: { id: string }) => j.id)).toEqual([...ids].reverse());
    expect(pretty.stdout).toMatch(/🛑 canceled/u);
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([0, "", "No jobs match.\n"]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/Unknown state: runing\nhint: States are: scheduled,/);
  });

  it("searches every job on the server: name part, all tags, id prefix, error text, time, sort", async () => {
    const { url, api } = await startServer();
    const submit = async (name: string, tags: string[]) =>
      (await post(`${api}/jobs`, { ...makeJobSpec({ tags }), name })).body.id as string;
    const daily = await submit("etl-daily", ["etl", "gpu"]);
    const hourly = await submit("ETL-hourly", ["etl"]);
    const report = await submit("report", []);
    const [byName, byTags, byId, recent, old, sorted, badSince] = await Promise.all([
      flowyClient(url, ["list", "-q", "--name", "etl"]),
      flowyClient(url, ["list", "-q", "--tag", "etl,gpu"]),
      flowyClient(url, ["list", "-q", "--id", hourly.toUpperCase()]),
      flowyClient(url, ["list", "-q", "--since", "1h"]),
      flowyClient(url, ["list", "--until", "1h"]),
      flowyClient(url, ["list", "-q", "--asc", "--limit", "2"]),
      flowyClient(url, ["list", "--since", "yesterday-ish"]),
    ]);
    expect(byName.stdout).toBe(`${hourly}\n${daily}\n`);
    expect(byTags.stdout).toBe(`${daily}\n`);
    expect(byId.stdout).toBe(`${hourly}\n`);
    expect(recent.stdout).toBe(`${report}\n${hourly}\n${daily}\n`);
    expect([old.stdout, old.stderr]).toEqual(["", "No jobs match.\n"]);
    expect(sorted.stdout).toBe(`${daily}\n${hourly}\n`);
    expect(badSince.exitCode).toBe(1);
    expect(badSince.stderr).toMatch(/--since "yesterday-ish" is not a time\nhint: Give how long ago/);
  });

  it("requeues every job a search matches, after a confirmation (--yes without a terminal)", async () => {
    const { url, api } = await startServer();
    const ids: string[] = [];
    for (const tag of ["etl", "etl", "other"]) {
      const id = (await post(`${api}/jobs`, makeJobSpec({ tags: [tag] }))).body.id as string;
      await post(`${api}/jobs/${id}/cancel`);
      ids.push(id);
    }
    const unasked = await flowyClient(url, ["requeue", "--state", "canceled", "--tag", "etl"]);
    expect(unasked.exitCode).toBe(1);
    expect(unasked.stderr).toMatch(/Requeue 2 jobs\? Not without a confirmation\nhint: Add --yes/);
    const both = await flowyClient(url, ["cancel", ids[0]!, "--state", "pending"]);
    expect(both.stderr).toMatch(/Give a job id or search flags, not both/);
    const neither = await flowyClient(url, ["delete"]);
    expect(neither.stderr).toMatch(/delete needs a job id, or search flags/);
    const run = await flowyClient(url, ["requeue", "--state", "canceled", "--tag", "etl", "--yes"]);
    expect([run.exitCode, run.stdout]).toEqual([0, "Requeued 2 of 2 jobs.\n"]);
    const states = await Promise.all(ids.map(async (id) => (await get(`${api}/jobs/${id}`)).body.state));
    expect(states).toEqual(["pending", "pending", "canceled"]);
    const none = await flowyClient(url, ["delete", "--name", "no-such-job", "--yes"]);
    expect([none.exitCode, none.stderr]).toEqual([0, "No jobs match.\n"]);
  });

  it("cancels, requeues and deletes, and explains an illegal move (exit 1)", async () => {
    const { url, api } = await startServer();
    const running = (await post(`${api}/jobs`, makeJobSpec())).body.id;
    const idle = (await post(`${api}/jobs`, makeJobSpec())).body.id;
    await fakeWorker(api).claim();

    const cancel = await flowyClient(url, ["cancel", running, "--pretty"]);
    expect(cancel.stdout).toBe(
      `🛑 Cancellation requested for job ${running}: its worker stops it at its next heartbeat, within 30s (half the job's lease).\n`,
    );
    const deleteRunning = await flowyClient(url, ["delete", running]);
    expect(deleteRunning.exitCode).toBe(1);
    expect(deleteRunning.stderr).toMatch(/^error: .*cancelling/m);
    expect(deleteRunning.stderr).toMatch(/^hint: /m);

    expect((await flowyClient(url, ["cancel", idle])).stdout).toBe(`Job ${idle} canceled.\n`);
    expect((await flowyClient(url, ["requeue", idle])).stdout).toBe(`Job ${idle} requeued: pending.\n`);
    const deleted = await flowyClient(url, ["delete", idle, "-o", "json"]);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ id: idle, state: "deleted" });
    expect((await flowyClient(url, ["delete", idle, "-q"])).stdout).toBe("");
  });
});

describe("flowy-client workers, stats, logs", () => {
  it("shows workers and stats in text and JSON", async () => {
    const { url, api } = await startServer();
    expect((await flowyClient(url, ["workers"])).stderr).toContain("No workers yet");
    await flowyClient(url, ["submit", "--tag", "gpu", "--", "true"]);
    await flowyClient(url, ["submit", "--", "true"]);
    const worker = fakeWorker(api, "w-7");
    await worker.register(["gpu"]);
    await worker.claim();

    const workers = await flowyClient(url, ["workers", "--pretty"]);
    expect(workers.stdout).toMatch(/^ID +STATUS +RUNNING +TAGS +HOST +LAST SEEN$/m);
    expect(workers.stdout).toMatch(/^w-7 +🐜 active +1\//mu);
    expect(JSON.parse((await flowyClient(url, ["workers", "-o", "json"])).stdout).workers[0]).toMatchObject({
      id: "w-7",
    });

    const stats = await flowyClient(url, ["stats"]);
    expect(stats.stdout).toMatch(/^running +1$/m);
    expect(stats.stdout).toMatch(/^pending +1$/m);
    expect(stats.stdout).toMatch(/^gpu +1$/m);
    expect(stats.stdout).toContain("Workers: 1 active, 0 lost");
    expect(JSON.parse((await flowyClient(url, ["stats", "-o", "json"])).stdout)).toMatchObject({
      states: { running: 1, pending: 1 },
      workers: { active: 1 },
    });
  });

  it("prints a job's log, an earlier attempt's with --attempt, and NDJSON chunks with --output json", async () => {
    const { url, api } = await startServer();
    const id = (await flowyClient(url, ["-q", "submit", "--", "true"])).stdout.trim();
    const worker = fakeWorker(api);
    const first = await worker.claim();
    await worker.log(first, 0, "one\n");
    await worker.fail(first, { message: "flaky" });
    await get(`${api}/jobs/${id}`);
    // The retry is scheduled with backoff; requeue-free way to run it again: wait until it is due.
    const second = await worker.claim(15);
    await worker.log(second, 0, "two\n");
    await worker.complete(second);

    expect((await flowyClient(url, ["logs", id])).stdout).toBe("two\n");
    expect((await flowyClient(url, ["logs", id, "--attempt", "1"])).stdout).toBe("one\n");
    const json = await flowyClient(url, ["logs", id, "-o", "json"]);
    expect(
      json.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([{ attempt: 2, data: "two\n" }]);
  });
});

describe("flowy-client logs --task", () => {
  it("prints one workflow task's output lines without their prefix, and names the tasks there are", async () => {
    const { url, api } = await startServer();
    const source =
      "version: 1\ntasks:\n  fetch:\n    run: echo one\n  save:\n    run: echo two\n    needs: [fetch]\n";
    const { body: flow } = await post(`${api}/jobs`, { spec: { workflow: { source } } });
    const worker = fakeWorker(api);
    const job = await worker.claim();
    expect(job.id).toBe(flow.id);
    // A line cut between two chunks of the log still comes out whole.
    const first = "flow main: fetch, save\nfetch | one\nsave | tw";
    await worker.log(job, 0, first);
    await worker.log(job, Buffer.byteLength(first), "o\nfetch | three\nfetch: succeeded\n");
    await worker.complete(job);
    const command = (await flowyClient(url, ["-q", "submit", "--", "true"])).stdout.trim();

    const [save, fetch, json, unknown, notFlow] = await Promise.all([
      flowyClient(url, ["logs", flow.id, "--task", "save"]),
      flowyClient(url, ["logs", flow.id, "--task", "fetch"]),
      flowyClient(url, ["logs", flow.id, "--task", "fetch", "-o", "json"]),
      flowyClient(url, ["logs", flow.id, "--task", "nope"]),
      flowyClient(url, ["logs", command, "--task", "fetch"]),
    ]);
    expect(save.stdout).toBe("two\n");
    expect(fetch.stdout).toBe("one\nthree\n");
    const chunks = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { attempt: number; data: string });
    expect(chunks.map((c) => c.data).join("")).toBe("one\nthree\n");
    expect(chunks.every((c) => c.attempt === 1)).toBe(true);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain(`error: Job ${flow.id} has no task "nope"`);
    expect(unknown.stderr).toContain("hint: Its tasks: fetch, save.");
    expect(notFlow.exitCode).toBe(1);
    expect(notFlow.stderr).toContain("runs a command, not a workflow");
  });
});

describe("flowy-client without a server, with config, help and completion", () => {
  it("exits 5 with a hint when the server cannot be reached", async () => {
    const run = await flowyClient("http://127.0.0.1:9", ["list"]);
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toMatch(
      /^error: Cannot reach the flowy server at http:\/\/127.0.0.1:9\/api\/v1: ECONNREFUSED$/m,
    );
    expect(run.stderr).toMatch(
      /^hint: Is flowy-server running there\? That URL comes from FLOWY_SERVER: fix it there/m,
    );
  });

  it("names ~/.flowy in the unreachable hint when the URL came from there", async () => {
    const home = tmpDir();
    writeFileSync(join(home, ".flowy"), "server: http://127.0.0.1:9\n");
    const run = await flowyClient(undefined, ["list"], { env: { HOME: home } });
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toContain(
      `hint: Is flowy-server running there? That URL comes from server in ${join(home, ".flowy")}: fix it there`,
    );
  });

  it("takes the server from --server over FLOWY_SERVER over ~/.flowy, and refuses a bad config", async () => {
    const { url } = await startServer();
    const home = tmpDir();
    writeFileSync(join(home, ".flowy"), `server: ${url}\n`);
    const json = join(tmpDir(), "flowy.json");
    writeFileSync(json, JSON.stringify({ server: "localhost:7411", tags: ["daemon-only keys are ignored"] }));
    const down = "http://127.0.0.1:9";
    const [fromFile, envWins, flagWins, bad] = await Promise.all([
      flowyClient(undefined, ["list"], { env: { HOME: home } }),
      flowyClient(down, ["list"], { env: { HOME: home } }),
      flowyClient(down, ["--server", url, "list"], { env: { HOME: home } }),
      flowyClient(undefined, ["list"], { env: { FLOWY_CONFIG: json } }),
    ]);
    expect([fromFile.exitCode, envWins.exitCode, flagWins.exitCode]).toEqual([0, 5, 0]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/^error: Invalid server in .*flowy.json: .*\(got "localhost:7411"\)$/m);
    expect(bad.stderr).toMatch(/^hint: The server is a URL such as http:\/\/127.0.0.1:7411.$/m);
  });

  it("sends the API key from --api-key, FLOWY_API_KEY or a private --api-key-file", async () => {
    const { url, server } = await startServer();
    const { key } = await server.keys.create("me", "client");
    const dir = tmpDir();
    const privateFile = join(dir, "key");
    writeFileSync(privateFile, `${key}\n`, { mode: 0o600 });
    const sharedFile = join(dir, "shared-key");
    writeFileSync(sharedFile, key, { mode: 0o644 });
    const [none, flag, env, file, shared] = await Promise.all([
      flowyClient(url, ["list"]),
      flowyClient(url, ["--api-key", key, "list"]),
      flowyClient(url, ["list"], { env: { FLOWY_API_KEY: key } }),
      flowyClient(url, ["list", "--api-key-file", privateFile]),
      flowyClient(url, ["list"], { env: { FLOWY_API_KEY_FILE: sharedFile } }),
    ]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/^hint: .*--api-key/m);
    expect([flag.exitCode, env.exitCode, file.exitCode]).toEqual([0, 0, 0]);
    expect(shared.exitCode).toBe(1);
    expect(shared.stderr).toContain(`hint: Make it private: chmod 600 ${sharedFile}`);
  });

  it("shows help with the exit codes (exit 0) and refuses an unknown command (exit 1)", async () => {
    const help = await flowyClient(undefined, ["--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n +0 +success/);
    expect(help.stdout).toMatch(/^ +5 +the server could not be reached/m);
    const unknown = await flowyClient(undefined, ["lsit"]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command 'lsit'\n\(Did you mean list\?\)/);
    expect(unknown.stderr).toMatch(/^hint: See the commands with: flowy-client --help$/m);
    expect((await flowyClient(undefined, ["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
