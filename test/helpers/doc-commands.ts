/**
 * The shell commands of a Markdown page, as a reader would copy them: its ```sh blocks, under the
 * heading they sit in, with each call of a flowy program (flowy-client, flowy-server,
 * daemon-flowy) or npm found in them and split into words as the shell would.
 */

export interface ShellBlock {
  /** The nearest `##`/`###` heading above the block. */
  heading: string;
  /** The block's text, as it would be pasted into a shell. */
  script: string;
}

export interface Invocation {
  program: string;
  args: string[];
  /** The line it came from, for failure messages. */
  line: string;
}

export const PROGRAMS = ["flowy-client", "flowy-server", "daemon-flowy", "npm"];

export function shellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  let heading = "";
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{2,3} /.test(line)) heading = line.replace(/^#+ /, "");
    const fence = /^(\s*)```sh\s*$/.exec(line);
    if (!fence) continue;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++)
      body.push(lines[i]!.slice(fence[1]!.length));
    blocks.push({ heading, script: body.join("\n") });
  }
  return blocks;
}

/** Shell words and operators of one script; comments dropped, `\`-newlines joined. */
export function shellTokens(script: string): Array<{ word: string } | { op: string }> {
  const tokens: Array<{ word: string } | { op: string }> = [];
  const text = script.replace(/\\\n/g, " ");
  let word: string | undefined;
  const end = () => {
    if (word !== undefined) tokens.push({ word });
    word = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      word = (word ?? "") + text.slice(i + 1, close < 0 ? undefined : close);
      i = close < 0 ? text.length : close;
    } else if (c === "#" && word === undefined) {
      while (i < text.length && text[i] !== "\n") i++;
      tokens.push({ op: "\n" });
    } else if (/\s/.test(c)) {
      end();
      if (c === "\n") tokens.push({ op: "\n" });
    } else if ("|&;()<>".includes(c) || (c === "$" && text[i + 1] === "(")) {
      end();
      tokens.push({ op: c });
    } else word = (word ?? "") + c;
  }
  end();
  return tokens;
}

/** Every call of a flowy program or npm in `script`, with the words up to the next operator. */
export function invocations(script: string): Invocation[] {
  const found: Invocation[] = [];
  const tokens = shellTokens(script);
  const lines = script.replace(/\\\n/g, " ").split("\n");
  let lineNo = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if ("op" in token) {
      if (token.op === "\n") lineNo++;
      continue;
    }
    if (!PROGRAMS.includes(token.word)) continue;
    const args: string[] = [];
    let j = i + 1;
    for (; j < tokens.length && "word" in tokens[j]!; j++) args.push((tokens[j] as { word: string }).word);
    found.push({ program: token.word, args, line: lines[lineNo]?.trim() ?? "" });
    i = j - 1;
  }
  return found;
}

/** The options a commander help text lists: name → whether it takes a value. */
export function helpOptions(help: string): Map<string, boolean> {
  const options = new Map<string, boolean>();
  for (const line of help.split("\n")) {
    const match = /^\s+((?:-\w, )?--[\w-]+)( [<[])?/.exec(line);
    if (!match) continue;
    for (const name of match[1]!.split(", ")) options.set(name, Boolean(match[2]));
  }
  return options;
}

/** The subcommand names a commander help text lists. */
export function helpCommands(help: string): string[] {
  const at = help.indexOf("\nCommands:\n");
  if (at < 0) return [];
  return help
    .slice(at + 11)
    .split("\n")
    .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/**
 * What is wrong with `args` for a program whose help `helpFor(path)` gives: an unknown command
 * or option. Options are checked up to `--`; values of options that take one are skipped.
 */
export function checkArgs(args: string[], helpFor: (path: string[]) => string): string | undefined {
  const path: string[] = [];
  let options = helpOptions(helpFor(path));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return undefined;
    if (arg.startsWith("-") && arg !== "-") {
      const name = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
      const names = /^-\w\w+$/.test(name) ? [...name.slice(1)].map((c) => `-${c}`) : [name];
      for (const n of names) {
        if (!options.has(n)) return `${[...path].join(" ") || "(top level)"} has no option ${n}`;
        if (options.get(n) && !arg.includes("=")) i++;
      }
      continue;
    }
    const commands = helpCommands(helpFor(path));
    if (commands.includes(arg)) {
      path.push(arg);
      // Options given before the command (global ones) stay valid after it, as in commander.
      options = new Map([...options, ...helpOptions(helpFor(path))]);
    } else if (commands.length > 0 && path.length === 0) return `there is no command ${arg}`;
  }
  return undefined;
}
