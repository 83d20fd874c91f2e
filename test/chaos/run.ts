/**
 * `npm run chaos`: a fault-injection run after the Jepsen total-queue check. Jobs append to a
 * ledger when they start and finish; meanwhile daemons are SIGKILLed and restarted, SIGSTOPped
 * past their lease and resumed, the server is SIGKILLed and restarted (on PostgreSQL: one of two
 * replicas), a TCP proxy between daemons and server adds latency and drops connections, and on
 * PostgreSQL one replica is restarted with its host clock 30–90 s off (skew-clock). Then every fault is healed, every job is waited on, and check.ts decides; exit 1 on any
 * violation.
 *
 *   node test/chaos/run.ts [--quick] [--seed N] [--faults a,b] [--minutes M] [--jobs N] [--store sqlite,postgres]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { type Blackout, type FinalJob, formatTable, parseLedger, verdict } from "./check.ts";
import { type ChaosProxy, startProxy } from "./proxy.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const NODE = join(ROOT, "node_modules", ".bin", "node");
const FAULTS = [
  "kill-daemon",
  "stop-daemon",
  "kill-server",
  "proxy-latency",
  "proxy-drop",
  "skew-clock",
] as const;
type Fault = (typeof FAULTS)[number];
/** Faults that need two replicas: with one server, its own clock is the only clock there is. */
const POSTGRES_ONLY: readonly Fault[] = ["skew-clock"];
const LEASE_S = 4;
const DAEMONS = 3;

interface Options {
  seed: number;
  faults: Fault[];
  seconds: number;
  jobs: number;
  store: "sqlite" | "postgres";
}

/** mulberry32: a seeded generator, so a failing run can be replayed with its --seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), "flowy-chaos-"));
  readonly ledger = join(this.dir, "ledger");
  readonly blackouts: Blackout[] = [];
  servers: Array<{ port: number; child?: ChildProcess }> = [];
  daemons: Array<{ id: string; child?: ChildProcess; stopped: boolean }> = [];
  proxy!: ChaosProxy;
  private readonly db: string;
  private readonly schema: string;
  readonly options: Options;

  constructor(options: Options) {
    this.options = options;
    const pg = process.env.FLOWY_TEST_PG_URL;
    if (options.store === "postgres" && !pg) throw new Error("--store postgres needs FLOWY_TEST_PG_URL");
    this.schema = `chaos_${options.seed}_${process.pid}`;
    this.db =
      options.store === "postgres"
        ? `${pg}${pg!.includes("?") ? "&" : "?"}schema=${this.schema}`
        : join(this.dir, "flowy.db");
    writeFileSync(this.ledger, "");
  }

  async start(): Promise<void> {
    const replicas = this.options.store === "postgres" ? 2 : 1;
    for (let i = 0; i < replicas; i++) this.servers.push({ port: await freePort() });
    for (const server of this.servers) await this.startServer(server);
    this.proxy = await startProxy(this.servers.map((s) => s.port));
    for (let i = 0; i < DAEMONS; i++) {
      this.daemons.push({ id: `chaos-${i + 1}`, stopped: false });
      this.startDaemon(this.daemons[i]!);
    }
  }

  /** `skewMs` sets the replica's host clock that far off (FLOWY_FAKE_CLOCK_SKEW_MS). */
  async startServer(server: { port: number; child?: ChildProcess }, skewMs = 0): Promise<void> {
    const log = openSync(join(this.dir, `server-${server.port}.log`), "a");
    const env = { ...process.env, FLOWY_LOG_LEVEL: "warn", FLOWY_FAKE_CLOCK_SKEW_MS: String(skewMs) };
    server.child = spawn(
      NODE,
      [join(ROOT, "server", "cli.ts"), "start", "--port", String(server.port), "--db", this.db],
      { stdio: ["ignore", log, log], env },
    );
    await waitUntil(`the server on ${server.port}`, 60_000, async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/readyz`).catch(() => undefined);
      return res?.ok === true;
    });
  }

  startDaemon(daemon: { id: string; child?: ChildProcess; stopped: boolean }): void {
    const log = openSync(join(this.dir, `${daemon.id}.log`), "a");
    daemon.child = spawn(
      NODE,
      [
        join(ROOT, "daemon", "cli.ts"),
        ...["--server", `http://127.0.0.1:${this.proxy.port}`, "--worker-id", daemon.id],
        ...["--state-dir", join(this.dir, daemon.id), "--max-jobs", "4", "--kill-grace", "0.5"],
        ...["--claim-wait", "2", "--log-level", "info"],
      ],
      { stdio: ["ignore", log, log], env: cleanEnv() },
    );
    daemon.stopped = false;
  }

  /** Every client call goes straight to a live server, retried (with its idempotency key) until answered. */
  async api(path: string, init: RequestInit & { idempotencyKey?: string } = {}): Promise<any> {
    for (let i = 0; ; i++) {
      const server = this.servers[i % this.servers.length]!;
      try {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (init.idempotencyKey) headers["idempotency-key"] = init.idempotencyKey;
        const res = await fetch(`http://127.0.0.1:${server.port}/api/v1${path}`, { ...init, headers });
        if (res.status < 500) return await res.json();
      } catch {
        // down or restarting: the next one, or again
      }
      await sleep(200);
    }
  }

  async stopAll(): Promise<void> {
    for (const d of this.daemons) {
      d.child?.kill("SIGCONT");
      d.child?.kill("SIGKILL");
    }
    for (const s of this.servers) s.child?.kill("SIGKILL");
    await this.proxy?.close();
    if (this.options.store === "postgres") await dropSchema(this.schema);
  }
}

/** The run's PostgreSQL schema goes with it (its files stay, for a look after a failure). */
async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.FLOWY_TEST_PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("FLOWY_")) env[k] = v;
  return env;
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`chaos: timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A job: note the start, work a little, note the end (one append each, shorter than PIPE_BUF). */
function jobSpec(ledger: string, seconds: number) {
  const line = `"$FLOWY_JOB_ID $FLOWY_ATTEMPT $s`;
  return {
    shell: `s=$(date +%s%3N); echo ${line}" >> '${ledger}'; sleep ${seconds}; echo ${line} $(date +%s%3N)" >> '${ledger}'`,
  };
}

/** Most jobs are short; one in six outlives its lease, so it lives on heartbeats through the faults. */
function jobSeconds(random: () => number): number {
  const seconds = random() < 1 / 6 ? LEASE_S * (0.5 + random()) : 0.05 + random() * 0.4;
  return Number(seconds.toFixed(2));
}

async function submitAll(cluster: Cluster, random: () => number, until: number): Promise<Set<string>> {
  const acknowledged = new Set<string>();
  const { jobs } = cluster.options;
  for (let n = 0; n < jobs; n++) {
    const body = {
      spec: jobSpec(cluster.ledger, jobSeconds(random)),
      lease_s: LEASE_S,
      max_attempts: 25,
      backoff: { initial_s: 0.2, max_s: 1, factor: 2 },
    };
    const job = await cluster.api("/jobs", {
      method: "POST",
      body: JSON.stringify(body),
      idempotencyKey: `chaos-${cluster.options.seed}-${n}`,
    });
    if (job.id) acknowledged.add(job.id);
    // Spread over the fault phase.
    const left = until - Date.now();
    if (left > 0) await sleep(Math.min(200, left / Math.max(1, jobs - n)));
  }
  return acknowledged;
}

async function injectFault(
  cluster: Cluster,
  fault: Fault,
  random: () => number,
  log: string[],
): Promise<void> {
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const now = Date.now();
  if (fault === "kill-daemon") {
    const daemon = pick(cluster.daemons.filter((d) => !d.stopped));
    if (!daemon) return;
    daemon.child?.kill("SIGKILL");
    await sleep(500 + random() * 2_000);
    cluster.startDaemon(daemon);
    // Until the new process has reconciled, the old one's jobs run unwatched.
    cluster.blackouts.push({ workerId: daemon.id, from: now, to: Date.now() + 10_000 });
  } else if (fault === "stop-daemon") {
    const daemon = pick(cluster.daemons.filter((d) => !d.stopped));
    if (!daemon) return;
    daemon.stopped = true;
    daemon.child?.kill("SIGSTOP");
    await sleep(LEASE_S * 1000 + 1_000 + random() * 1_000);
    daemon.child?.kill("SIGCONT");
    daemon.stopped = false;
    cluster.blackouts.push({ workerId: daemon.id, from: now, to: Date.now() + 2_000 });
  } else if (fault === "kill-server") {
    const server = pick(cluster.servers);
    server.child?.kill("SIGKILL");
    await sleep(300 + random() * 1_500);
    await cluster.startServer(server);
  } else if (fault === "skew-clock") {
    // One replica restarted with its clock a minute or so off, either way, for a few seconds:
    // leases it stamps must still be on the database's clock, so none is reaped early or late.
    const server = pick(cluster.servers);
    const skewMs = Math.round((random() < 0.5 ? -1 : 1) * (30_000 + random() * 60_000));
    server.child?.kill("SIGKILL");
    await cluster.startServer(server, skewMs);
    await sleep(3_000 + random() * 5_000);
    server.child?.kill("SIGKILL");
    await cluster.startServer(server);
    log.push(`${new Date(now).toISOString()} ${fault} ${skewMs}`);
    return;
  } else if (fault === "proxy-latency") {
    cluster.proxy.setLatencyMs(Math.round(20 + random() * 200));
    await sleep(2_000 + random() * 3_000);
    cluster.proxy.setLatencyMs(0);
  } else {
    cluster.proxy.dropAll();
  }
  log.push(`${new Date(now).toISOString()} ${fault}`);
}

async function runOnce(options: Options): Promise<boolean> {
  const random = rng(options.seed);
  const cluster = new Cluster(options);
  const faultLog: string[] = [];
  console.log(
    `chaos: ${options.store}, seed ${options.seed}, ${options.jobs} jobs, ${options.seconds}s of faults (${options.faults.join(",")}); files in ${cluster.dir}`,
  );
  try {
    await cluster.start();
    const until = Date.now() + options.seconds * 1000;
    const submitted = submitAll(cluster, random, until);
    while (Date.now() < until && options.faults.length > 0) {
      await injectFault(
        cluster,
        options.faults[Math.floor(random() * options.faults.length)]!,
        random,
        faultLog,
      );
      await sleep(500 + random() * 1_500);
    }
    const acknowledged = await submitted;
    const jobs = await settle(cluster, acknowledged);
    const rows = verdict({
      acknowledged,
      jobs,
      ledger: parseLedger(readFileSync(cluster.ledger, "utf8")),
      blackouts: cluster.blackouts,
    });
    const counts = new Map<string, number>();
    for (const line of faultLog) counts.set(line.split(" ")[1]!, (counts.get(line.split(" ")[1]!) ?? 0) + 1);
    console.log(`faults injected: ${[...counts].map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
    writeFileSync(join(cluster.dir, "faults.log"), faultLog.map((line) => `${line}\n`).join(""));
    console.log(formatTable(rows));
    return rows.every((r) => r.reportedOnly || r.count === 0);
  } finally {
    await cluster.stopAll();
  }
}

/** Waits (generously: correctness, not timing) for every job to end, then reads them all. */
async function settle(cluster: Cluster, ids: Set<string>): Promise<Map<string, FinalJob>> {
  const jobs = new Map<string, FinalJob>();
  const deadline = Date.now() + 5 * 60_000;
  const terminal = ["succeeded", "failed", "timed_out", "canceled"];
  for (const id of ids) {
    for (;;) {
      const job = (await cluster.api(`/jobs/${id}`)) as FinalJob;
      if (terminal.includes(job.state) || Date.now() > deadline) {
        if (job.id) jobs.set(id, job);
        break;
      }
      await sleep(250);
    }
  }
  return jobs;
}

function parseOptions(): Options[] {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      seed: { type: "string" },
      faults: { type: "string", default: FAULTS.join(",") },
      minutes: { type: "string" },
      jobs: { type: "string" },
      store: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(readFileSync(import.meta.filename, "utf8").split("*/")[0]);
    process.exit(0);
  }
  const faults = values.faults.split(",").filter(Boolean) as Fault[];
  const unknown = faults.filter((f) => !FAULTS.includes(f));
  if (unknown.length) throw new Error(`unknown fault ${unknown.join(",")}; known: ${FAULTS.join(", ")}`);
  const stores = (values.store ?? (process.env.FLOWY_TEST_PG_URL ? "sqlite,postgres" : "sqlite")).split(",");
  const seconds = values.minutes ? Number(values.minutes) * 60 : values.quick ? 25 : 600;
  const jobs = Number(values.jobs ?? (values.quick ? 100 : 2_000));
  const seed = Number(values.seed ?? Date.now() % 100_000);
  return stores.map((store) => ({
    seed,
    faults: store === "postgres" ? faults : faults.filter((f) => !POSTGRES_ONLY.includes(f)),
    seconds,
    jobs,
    store: store as Options["store"],
  }));
}

let ok = true;
for (const options of parseOptions()) ok = (await runOnce(options)) && ok;
console.log(ok ? "chaos: every invariant held" : "chaos: VIOLATIONS (see the table above)");
process.exit(ok ? 0 : 1);
