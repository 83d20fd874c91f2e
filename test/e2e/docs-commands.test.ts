/**
 * The docs, followed word for word, work. Every shell command of README.md and the getting-started
 * and operator pages names commands, options and npm scripts that exist (checked against the
 * programs' own definitions: the flowy-client program in process, `--help` of the real
 * flowy-server and daemon-flowy); and getting-started's examples run, block by block, in a fresh
 * directory against a real server with its daemon, as a new user would paste them.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { CANCEL_DELAY_DOC } from "../../client/cli/cancel-delay.ts";
import { createProgram } from "../../client/cli/program.ts";
import { clientOnPath, flowyClient } from "../helpers/client-cli.ts";
import {
  checkArgs,
  helpCommands,
  invocations,
  type ShellBlock,
  shellBlocks,
} from "../helpers/doc-commands.ts";
import { cleanEnv, NODE } from "../helpers/processes.ts";
import { spawnServerProcess } from "../helpers/server-process.ts";
import { tmpDir } from "../helpers/tmp.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const PAGES = [
  "README.md",
  "docs/getting-started.md",
  "docs/postgres.md",
  "docs/security.md",
  "docs/operations.md",
  "docs/schedules.md",
  "docs/rate-limits.md",
];
const read = (page: string) => readFileSync(join(ROOT, page), "utf8");
const SCRIPTS = Object.keys(JSON.parse(read("package.json")).scripts as Record<string, string>);
const NPM_BUILTINS = ["ci", "install", "link", "test", "start"];

function clientHelp(path: string[]): string {
  const quiet = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
  let command: Command = createProgram(quiet, { exitCode: 0 });
  for (const name of path) command = command.commands.find((c) => c.name() === name)!;
  return command.helpInformation();
}

/** No FLOWY_* setting of the developer's changes what --help says (defaults come from them). */
const HELP_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("FLOWY_")));

/** `--help` of every command of a real binary, keyed by command path ("", "keys", "keys create"). */
async function helpTree(cli: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  let level: string[][] = [[]];
  while (level.length > 0) {
    const helps = await Promise.all(
      level.map((path) =>
        execa(NODE, [join(ROOT, cli), ...path, "--help"], { env: HELP_ENV, extendEnv: false }),
      ),
    );
    const next: string[][] = [];
    helps.forEach(({ stdout }, i) => {
      tree.set(level[i]!.join(" "), stdout);
      for (const name of helpCommands(stdout)) if (name !== "help") next.push([...level[i]!, name]);
    });
    level = next;
  }
  return tree;
}

const binaries = new Map<string, Map<string, string>>();
function binaryHelp(cli: string, path: string[]): string {
  return binaries.get(cli)?.get(path.join(" ")) ?? "";
}

function problemWith(program: string, args: string[]): string | undefined {
  if (program === "flowy-client") return checkArgs(args, clientHelp);
  if (program === "flowy-server") return checkArgs(args, (p) => binaryHelp("server/cli.ts", p));
  if (program === "daemon-flowy") return checkArgs(args, (p) => binaryHelp("daemon/cli.ts", p));
  const words = args.filter((a) => !a.startsWith("-"));
  const script = words[0] === "run" ? words[1] : words[0];
  if (words[0] === "run" ? !SCRIPTS.includes(script!) : !NPM_BUILTINS.includes(script!))
    return `npm has no script or command ${script}`;
  if ((script === "start" || script === "test") && !SCRIPTS.includes(script))
    return `no npm script ${script}`;
  return undefined;
}

describe("the commands in the docs", () => {
  // Under load each start of a binary takes seconds: all at once, before the checks.
  beforeAll(async () => {
    for (const cli of ["server/cli.ts", "daemon/cli.ts"]) binaries.set(cli, await helpTree(cli));
  }, 120_000);

  it("name only commands, options and npm scripts that exist", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const page of PAGES) {
      for (const block of shellBlocks(read(page))) {
        for (const call of invocations(block.script)) {
          checked++;
          const problem = problemWith(call.program, call.args);
          if (problem) problems.push(`${page} (${block.heading}): ${call.line}\n    ${problem}`);
        }
      }
    }
    expect(problems, problems.join("\n")).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it("catch a command or an option that does not exist", () => {
    expect(problemWith("flowy-client", ["submit", "--wiat", "--", "echo"])).toBe(
      "submit has no option --wiat",
    );
    expect(problemWith("flowy-client", ["sumbit"])).toBe("there is no command sumbit");
    expect(problemWith("flowy-server", ["keys", "create", "--role", "admin", "--database", "x"])).toBe(
      "keys create has no option --database",
    );
    expect(problemWith("npm", ["run", "-s", "nope"])).toBe("npm has no script or command nope");
  });

  it("say how long a cancel takes as the CLI does", () => {
    const page = read("docs/getting-started.md").replace(/\s+/g, " ");
    expect(page.includes(CANCEL_DELAY_DOC), `getting-started.md must say: ${CANCEL_DELAY_DOC}`).toBe(true);
  });
});

/** getting-started's sections whose blocks run as they are (1 is `npm start`, 6 a remote server). */
const RUNNABLE = /^(2\.|Inputs|When and where|3\.|4\.|5\.|7\.)/;
const SCRIPT_STUBS = ["deploy.sh", "job.sh", "nightly.sh", "publish.sh", "train.sh", "flaky.sh", "build.sh"];

/** A fresh directory as a clone would have it, with the files the examples name. */
function userDirectory(): { cwd: string; bin: string; home: string } {
  const cwd = tmpDir("flowy-docs-");
  cpSync(join(ROOT, "docs", "examples"), join(cwd, "docs", "examples"), { recursive: true });
  for (const name of SCRIPT_STUBS) {
    writeFileSync(join(cwd, name), `#!/bin/sh\necho "${name} ran"\n`);
    chmodSync(join(cwd, name), 0o755);
  }
  writeFileSync(join(cwd, "train.py"), 'print("trained")\n');
  writeFileSync(join(cwd, "defaults.yaml"), "region: us\nretries: 1\n");
  const bin = clientOnPath(cwd);
  // Jobs here run `python3 train.py`; a machine without Python gets a stand-in for it.
  if (execaSyncOk("python3", ["-c", "0"]) === false) {
    writeFileSync(join(bin, "python3"), '#!/bin/sh\necho "python3 $*"\n');
    chmodSync(join(bin, "python3"), 0o755);
  }
  return { cwd, bin, home: tmpDir("flowy-docs-home-") };
}

function execaSyncOk(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("getting-started's examples", () => {
  it("run as written against a fresh server and daemon", { timeout: 240_000 }, async () => {
    const { cwd, bin, home } = userDirectory();
    const path = `${bin}:${process.env.PATH}`;
    const server = await spawnServerProcess(["--with-daemon", "--db", join(tmpDir(), "flowy.db")], {
      ...cleanEnv({ HOME: home, PATH: path }),
      FLOWY_STATE_DIR: tmpDir("flowy-docs-state-"),
      FLOWY_LOG_LEVEL: "warn",
    });
    const env = { FLOWY_SERVER: server.url, HOME: home, PATH: path };
    // 01k9… stands for a job id: a finished job, or (to cancel, requeue and delete) one that
    // stays pending, since no worker offers its tag.
    const finished = await flowyClient(server.url, ["submit", "-q", "--wait", "--", "echo", "done"]);
    expect(finished.exitCode, finished.stderr).toBe(0);
    const parked = await flowyClient(server.url, ["submit", "-q", "--tag", "docs-test-parked", "--", "true"]);
    const ids = { finished: finished.stdout.trim(), parked: parked.stdout.trim() };

    const blocks = shellBlocks(read("docs/getting-started.md")).filter((b) => RUNNABLE.test(b.heading));
    expect(blocks.map((b) => b.heading)).toEqual(expect.arrayContaining(["2. Submit work and wait for it"]));
    for (const block of blocks) {
      const id = block.heading.startsWith("4.") ? ids.parked : ids.finished;
      const result = await runBlock(block, id, { cwd, env });
      expect(result.exitCode, `${block.heading}:\n${block.script}\n---\n${result.all}`).toBe(0);
      if (block.script.includes("echo deployed")) expect(result.stdout).toContain("deployed");
    }
    const completion = readFileSync(
      join(home, ".local/share/bash-completion/completions/flowy-client"),
      "utf8",
    );
    expect(completion).toContain("_flowy_client");
  });
});

function runBlock(block: ShellBlock, id: string, options: { cwd: string; env: Record<string, string> }) {
  const script = block.script.replaceAll("01k9…", id);
  return execa("bash", ["-euo", "pipefail", "-c", script], {
    cwd: options.cwd,
    env: { ...cleanEnv(options.env) },
    reject: false,
    all: true,
    timeout: 120_000,
    stdin: "ignore",
  });
}
