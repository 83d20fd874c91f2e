/**
 * Bundles end to end: a real flowy-server, real daemon-flowy processes syncing bundles into
 * their state dirs, and jobs running from them. A new version uploaded while a job runs on the
 * old one leaves that job on the old one and gives the next job the new one; tags decide which
 * daemons install what; a job pinned to an older version gets it installed, and one whose bundle
 * no daemon of its tags installs waits, and explain says why.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tar from "tar";
import { describe, expect, it } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { get } from "../helpers/http.ts";
import { spawnDaemon, spawnServer, waitFor } from "../helpers/processes.ts";
import { tmpDir } from "../helpers/tmp.ts";

/**
 * A bundle whose run.sh writes its VERSION, $FLOWY_BUNDLE_DIR and cwd to the job's outputs; with
 * $HOLD set it first waits for that file, so a test can keep it running.
 */
async function packBundle(version: string): Promise<Buffer> {
  const dir = tmpDir("flowy-bundle-src-");
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "VERSION"), `${version}\n`);
  writeFileSync(
    join(dir, "bin", "run.sh"),
    [
      "#!/bin/sh",
      'if [ -n "$HOLD" ]; then touch "$HOLD.started"; while [ ! -e "$HOLD" ]; do sleep 0.05; done; fi',
      'printf \'{"version":"%s","dir":"%s","cwd":"%s"}\' "$(cat VERSION)" "$FLOWY_BUNDLE_DIR" "$(pwd)" > "$FLOWY_OUTPUTS"',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const file = join(tmpDir("flowy-bundle-tgz-"), "bundle.tar.gz");
  await tar.create({ gzip: true, file, cwd: dir, portable: true }, ["."]);
  return readFileSync(file);
}

async function upload(
  api: string,
  name: string,
  version: string,
  tags: string[] = [],
  setup?: string,
): Promise<void> {
  const params = new URLSearchParams(tags.length ? { tags: tags.join(",") } : {});
  if (setup) params.set("setup", setup);
  const query = params.size ? `?${params}` : "";
  const res = await fetch(`${api}/bundles/${name}/${version}${query}`, {
    method: "PUT",
    body: new Uint8Array(await packBundle(version)),
    headers: { "content-type": "application/gzip" },
  });
  if (res.status !== 201) throw new Error(`upload ${name}@${version}: ${res.status} ${await res.text()}`);
}

/** A job's claim, run and report through real processes: generous, for a loaded 2-core machine. */
const LOADED_MS = 30_000;

interface WorkerView {
  id: string;
  tags: string[];
  bundles?: Array<{ name: string; version: string; status: string }>;
}

/** The worker with these tags, once it reports exactly `installed` (name@version, sorted). */
function waitForInstalled(api: string, tag: string, installed: string[]): Promise<WorkerView> {
  return waitFor(
    `the ${tag} worker to report ${installed.join(", ") || "nothing"}`,
    async () => {
      const { workers } = (await get<{ workers: WorkerView[] }>(`${api}/workers`)).body;
      const worker = workers.find((w) => w.tags.includes(tag));
      const have = (worker?.bundles ?? [])
        .filter((b) => b.status === "installed")
        .map((b) => `${b.name}@${b.version}`)
        .sort();
      return worker && JSON.stringify(have) === JSON.stringify(installed) ? worker : undefined;
    },
    LOADED_MS,
  );
}

const RUN = { shell: "./bin/run.sh" };

describe("daemon-flowy runs jobs from bundles", () => {
  it("runs from v1; a v1 job keeps v1 while v2 arrives, and the next job runs on v2", async () => {
    const server = await spawnServer();
    await upload(server.api, "etl", "1.0.0", ["cpu"]);
    const daemon = spawnDaemon(server.url, ["--tags", "cpu", "--max-jobs", "2", "--bundle-sync", "0"]);
    const root = join(daemon.stateDir, "bundles", "etl");

    const first = await server.submit({ spec: { ...RUN, bundle: "etl" } });
    const done = await server.waitForState(first, ["succeeded", "failed"], LOADED_MS);
    expect(done.state).toBe("succeeded");
    expect(done.result.outputs).toEqual({
      version: "1.0.0",
      dir: join(root, "1.0.0"),
      cwd: join(root, "1.0.0"),
    });

    // A v1 job that keeps running while v2 is uploaded and installed.
    const hold = join(tmpDir(), "hold");
    const held = await server.submit({ spec: { ...RUN, bundle: "etl", env: { HOLD: hold } } });
    await waitFor("the held job to start", () => existsSync(`${hold}.started`), LOADED_MS);
    await upload(server.api, "etl", "2.0.0", ["cpu"]);
    const next = await server.submit({ spec: { ...RUN, bundle: "etl" } });
    const nextDone = await server.waitForState(next, ["succeeded", "failed"], LOADED_MS);
    expect(nextDone.result.outputs).toMatchObject({ version: "2.0.0", dir: join(root, "2.0.0") });
    // Both versions are installed while the v1 job runs; it still sees v1's files.
    expect(existsSync(join(root, "1.0.0", "VERSION"))).toBe(true);
    expect((await get(`${server.api}/jobs/${held}`)).body.state).toBe("running");
    writeFileSync(hold, "");
    const heldDone = await server.waitForState(held, ["succeeded", "failed"], LOADED_MS);
    expect(heldDone.result.outputs).toMatchObject({ version: "1.0.0", dir: join(root, "1.0.0") });
    // Once no job uses it, v1 is removed; only the latest stays.
    await waitForInstalled(server.api, "cpu", ["etl@2.0.0"]);
    await waitFor("v1's directory to be removed", () => !existsSync(join(root, "1.0.0")), LOADED_MS);
  }, 120_000);

  it("runs a workflow's tasks from the bundle's directory", async () => {
    const server = await spawnServer();
    await upload(server.api, "etl", "1.0.0");
    const daemon = spawnDaemon(server.url, ["--bundle-sync", "0"]);
    const dir = join(daemon.stateDir, "bundles", "etl", "1.0.0");
    const workflow = {
      version: 1,
      flows: { main: { graph: "check >> nested" } },
      tasks: {
        check: { run: `test "$(cat VERSION)" = 1.0.0 && test "$(pwd)" = "$FLOWY_BUNDLE_DIR"` },
        nested: { run: `test "$(pwd)" = "$FLOWY_BUNDLE_DIR/bin"`, cwd: "bin" },
      },
    };
    const id = await server.submit({ spec: { workflow, bundle: "etl" } });
    const job = await server.waitForState(id, ["succeeded", "failed"], LOADED_MS);
    expect(job.state, JSON.stringify(job.error)).toBe("succeeded");
    expect(existsSync(dir)).toBe(true);
  }, 120_000);

  it("installs an untagged bundle on every daemon and a tagged one only where tags meet", async () => {
    const server = await spawnServer();
    await upload(server.api, "common", "1.0.0");
    await upload(server.api, "cuda", "1.0.0", ["gpu"]);
    const cpu = spawnDaemon(server.url, ["--tags", "cpu", "--bundle-sync", "0"]);
    const gpu = spawnDaemon(server.url, ["--tags", "gpu,linux", "--bundle-sync", "0"]);
    await waitForInstalled(server.api, "cpu", ["common@1.0.0"]);
    const gpuWorker = await waitForInstalled(server.api, "gpu", ["common@1.0.0", "cuda@1.0.0"]);
    expect(existsSync(join(cpu.stateDir, "bundles", "cuda"))).toBe(false);
    // bundle show names the workers that have it.
    const shown = (await get(`${server.api}/bundles/cuda`)).body;
    expect(shown.workers).toEqual([
      { worker_id: gpuWorker.id, version: "1.0.0", status: "installed", error: null, at: null },
    ]);
    expect(existsSync(join(gpu.stateDir, "bundles", "cuda", "1.0.0", "bin", "run.sh"))).toBe(true);

    // A job that needs cuda (and no tags) can only go to the gpu daemon.
    const ids = await Promise.all([1, 2, 3].map(() => server.submit({ spec: { ...RUN, bundle: "cuda" } })));
    for (const id of ids) {
      const job = await server.waitForState(id, ["succeeded", "failed"], LOADED_MS);
      expect(job).toMatchObject({ state: "succeeded", worker_id: gpuWorker.id });
    }
  }, 120_000);

  it("installs a version a waiting job pins, removes it once no job needs it; explain names what is in the way", async () => {
    const server = await spawnServer();
    await upload(server.api, "etl", "1.0.0");
    await upload(server.api, "etl", "2.0.0");
    await upload(server.api, "cuda", "1.0.0", ["gpu"]);
    spawnDaemon(server.url, ["--tags", "cpu", "--bundle-sync", "0"]);
    await waitForInstalled(server.api, "cpu", ["etl@2.0.0"]);

    // An older version a job pins is installed beside the latest, runs the job, and goes after.
    const pinned = await server.submit({ spec: { ...RUN, bundle: "etl@1.0.0" } });
    const old = await server.waitForState(pinned, ["succeeded", "failed"], LOADED_MS);
    expect(old.result.outputs).toMatchObject({ version: "1.0.0" });
    await waitForInstalled(server.api, "cpu", ["etl@2.0.0"]);
    const latest = await server.submit({ spec: { ...RUN, bundle: "etl" } });
    const ran = await server.waitForState(latest, ["succeeded", "failed"], LOADED_MS);
    expect(ran.result.outputs).toMatchObject({ version: "2.0.0" });

    // A bundle for gpu daemons never reaches the cpu one: its job waits, and explain says why.
    const gpuOnly = await server.submit({ spec: { ...RUN, bundle: "cuda" } });
    const explain = (await get(`${server.api}/jobs/${gpuOnly}/explain`)).body;
    expect(explain).toMatchObject({ reason: "no_bundle", details: { bundle: "cuda", version: "1.0.0" } });
    expect(explain.message).toMatch(/no live worker with its tags has bundle cuda@1\.0\.0 installed/);
    expect(explain.message).toMatch(/for daemons tagged gpu/);
    expect((await get(`${server.api}/jobs/${gpuOnly}`)).body.state).toBe("pending");

    const unknown = await server.submit({ spec: { ...RUN, bundle: "nope" } });
    const why = (await get(`${server.api}/jobs/${unknown}/explain`)).body;
    expect(why.message).toMatch(/No version of bundle nope is stored/);
  }, 120_000);

  it("runs docs/bundles.md's example: upload the hello bundle, submit --wait --bundle hello", async () => {
    const server = await spawnServer();
    spawnDaemon(server.url, ["--bundle-sync", "0"]);
    const example = join(import.meta.dirname, "..", "..", "docs", "examples", "hello-bundle");
    const up = await flowyClient(server.url, [
      "bundle",
      "upload",
      "hello",
      "1.0.0",
      example,
      "--setup",
      "chmod +x bin/hello.sh",
    ]);
    expect(up.exitCode, up.stderr).toBe(0);
    const run = await flowyClient(server.url, [
      "submit",
      "--wait",
      "-f",
      "--shell",
      "./bin/hello.sh",
      "--bundle",
      "hello",
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain("hello from hello (1.0.0)");
  }, 120_000);

  it("reports a failed install to the server, shown per worker in bundle show", async () => {
    const server = await spawnServer();
    await upload(server.api, "broken", "1.0.0", [], "echo no compiler >&2; exit 3");
    const daemon = spawnDaemon(server.url, ["--bundle-sync", "0"]);
    const shown = await waitFor("the failed install to be reported", async () => {
      const body = (await get(`${server.api}/bundles/broken`)).body;
      return body.workers?.length ? body : undefined;
    });
    expect(shown.workers).toEqual([
      {
        worker_id: expect.any(String),
        version: "1.0.0",
        status: "failed",
        error: expect.stringMatching(/setup "echo no compiler >&2; exit 3" exited with 3:\s+no compiler/),
        at: expect.any(String),
      },
    ]);
    expect(existsSync(join(daemon.stateDir, "bundles", "broken", "1.0.0"))).toBe(false);
    const id = await server.submit({ spec: { ...RUN, bundle: "broken" } });
    const why = (await get(`${server.api}/jobs/${id}/explain`)).body;
    expect(why).toMatchObject({ reason: "no_bundle" });
    expect(why.message).toMatch(/Its install failed on .*no compiler/);
  }, 120_000);

  it("refuses a spec.bundle that is not a name or name@semver", async () => {
    const server = await spawnServer();
    for (const bundle of ["etl@v1", "etl@1.0", "../etl", "etl@"]) {
      const res = await fetch(`${server.api}/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ spec: { ...RUN, bundle } }),
      });
      expect(res.status, bundle).toBe(400);
    }
  });
});
