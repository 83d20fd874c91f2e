/**
 * `npm start`: flowy on this machine in one command. Starts flowy-server on embedded SQLite in
 * ./.flowy-dev with a local daemon-flowy (`flowy-server start --with-daemon`), submits a sample
 * job with flowy-client and follows it to the end, then says where to look next and keeps both
 * running until Ctrl-C. Port 7411 (flowy-client's default) when it is free, else any free port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const DEV_DIR = resolve(process.env.FLOWY_DEV_DIR ?? join(ROOT, ".flowy-dev"));
const PREFERRED_PORT = 7411;
/** The sample is a small workflow (docs/examples/report.yaml): four tasks, two of them in parallel. */
const SAMPLE = [
  "--name",
  "hello-flowy",
  "--workflow",
  join(ROOT, "docs", "examples", "report.yaml"),
  "--param",
  "topic=your first flowy job",
];

function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer()
      .once("error", () => done(false))
      .listen(port, "127.0.0.1", () => probe.close(() => done(true)));
  });
}

/** Starts flowy-server with its daemon; resolves with the URL it printed. */
function startServer(port: number): Promise<{ child: ChildProcess; url: string }> {
  mkdirSync(DEV_DIR, { recursive: true });
  const args = ["start", "--with-daemon", "--port", String(port), "--db", join(DEV_DIR, "flowy.db")];
  const child = spawn(process.execPath, [join(ROOT, "server", "cli.ts"), ...args], {
    // Own process group: Ctrl-C reaches this script, which stops the server exactly once.
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
    env: { FLOWY_LOG_LEVEL: "warn", FLOWY_STATE_DIR: join(DEV_DIR, "daemon"), ...process.env },
  });
  return new Promise((done, fail) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) done({ child, url });
    });
    child.once("exit", (code) =>
      fail(new Error(`flowy-server exited (${code}) before it listened:\n${output}`)),
    );
  });
}

/** flowy-client, on this Node, talking to `url`; resolves with its exit code. */
function flowyClient(url: string, args: string[]): Promise<number> {
  const child = spawn(process.execPath, [join(ROOT, "client", "cli.ts"), ...args], {
    stdio: "inherit",
    env: { ...process.env, FLOWY_SERVER: url },
  });
  return new Promise((done) => child.once("exit", (code) => done(code ?? 1)));
}

function nextSteps(url: string, port: number): string {
  const server = port === PREFERRED_PORT ? "" : ` --server ${url}`;
  return `
✨ flowy is running here:
   server + dashboard  ${url}   (API: ${url}/api/v1, OpenAPI: ${url}/openapi.json)
   worker              one local daemon-flowy
   data                ${relative(process.cwd(), DEV_DIR) || "."}/ (SQLite; delete it to start over)

Try, in another terminal:
   npm run -s client --${server} list
   npm run -s client --${server} submit --wait -- echo hi
   npm run -s client --${server} submit --follow --shell 'for i in 1 2 3; do echo $i; sleep 1; done'
   npm run -s client -- --help
More: docs/getting-started.md and docs/cli.md.

Ctrl-C stops the server and the daemon.
`;
}

const port = (await portIsFree(PREFERRED_PORT)) ? PREFERRED_PORT : 0;
const { child: server, url } = await startServer(port);
const stopServer = () => {
  if (server.exitCode === null) server.kill("SIGTERM");
};
process.once("SIGINT", stopServer);
process.once("SIGTERM", stopServer);
process.once("exit", stopServer);
server.once("exit", (code) => process.exit(code ?? 0));

process.stdout.write(
  `🐇 flowy-server with a local daemon on ${url}\n🚀 Submitting a sample job and following it:\n\n`,
);
const outcome = await flowyClient(url, ["submit", "--follow", ...SAMPLE]);
if (outcome !== 130) {
  const port = Number(new URL(url).port);
  process.stdout.write(
    outcome === 0 ? nextSteps(url, port) : `\nThe sample job did not succeed (exit ${outcome}).\n`,
  );
}
