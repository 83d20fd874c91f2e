/**
 * Shell completion scripts generated from the commander program, so they never fall behind the
 * commands: subcommands, their options, the values of options with choices, files for options
 * that take one, and recent job ids (from `flowy-client list -q`) for commands that take an id.
 */
import type { Command, Option } from "commander";
import { JOB_STATES } from "../../shared/states.ts";

interface OptionInfo {
  flags: string[];
  description: string;
  takesValue: boolean;
  values?: readonly string[];
  file: boolean;
}

interface CommandInfo {
  name: string;
  summary: string;
  options: OptionInfo[];
  takesId: boolean;
  choices?: readonly string[];
}

/** Options whose value is a path. */
const FILE_OPTIONS = new Set(["--workflow", "--params-file", "--api-key-file"]);

function optionInfo(option: Option): OptionInfo {
  const long = option.long ?? "";
  const values = option.argChoices ?? (long === "--state" ? JOB_STATES : undefined);
  return {
    flags: [option.short, option.long].filter((f): f is string => Boolean(f)),
    description: option.description,
    takesValue: option.required || option.optional,
    values,
    file: FILE_OPTIONS.has(long),
  };
}

function describe(program: Command): { global: OptionInfo[]; commands: CommandInfo[] } {
  const commands = program.commands.map((cmd) => {
    const first = cmd.registeredArguments[0];
    return {
      name: cmd.name(),
      summary: cmd.summary() || cmd.description().split("\n")[0]!,
      options: cmd.options.map(optionInfo),
      takesId: first?.name() === "id",
      choices: cmd.name() === "completion" ? ["bash", "zsh"] : undefined,
    };
  });
  return { global: program.options.map(optionInfo), commands };
}

export function bashCompletion(program: Command): string {
  const { global, commands } = describe(program);
  const all = [...global, ...commands.flatMap((c) => c.options)];
  const flags = (opts: OptionInfo[]) => opts.flatMap((o) => o.flags).join(" ");
  const valueFlags = [...new Set(all.filter((o) => o.takesValue).flatMap((o) => o.flags))].join("|");
  const valueCases = uniqueBy(
    all.filter((o) => o.values),
    (o) => o.flags.join("|"),
  )
    .map(
      (o) =>
        `    ${o.flags.join("|")}) COMPREPLY=($(compgen -W "${o.values!.join(" ")}" -- "$cur")); return ;;`,
    )
    .join("\n");
  const fileFlags = [...new Set(all.filter((o) => o.file).flatMap((o) => o.flags))].join("|");
  const commandCases = commands.map((c) => `    ${c.name}) opts="${flags(c.options)}" ;;`).join("\n");
  const idCommands = commands
    .filter((c) => c.takesId)
    .map((c) => c.name)
    .join("|");
  return `# flowy-client completion for bash. Install:
#   flowy-client completion bash > ~/.local/share/bash-completion/completions/flowy-client
_flowy_client() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" opts="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${valueFlags}) ((i++)) ;;
      --) break ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
${valueCases}
    ${fileFlags}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${valueFlags}) COMPREPLY=(); return ;;
  esac
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(" ")} ${flags(global)}" -- "$cur"))
    return
  fi
  case "$cmd" in
${commandCases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts ${flags(global)}" -- "$cur"))
    return
  fi
  case "$cmd" in
    ${idCommands}) COMPREPLY=($(compgen -W "$(flowy-client list -q --limit 50 2>/dev/null)" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")) ;;
  esac
}
complete -F _flowy_client flowy-client
`;
}

export function zshCompletion(program: Command): string {
  const { global, commands } = describe(program);
  const specs = (opts: OptionInfo[]) =>
    opts
      .map(zshOptionSpec)
      .map((s) => `          ${s}`)
      .join(" \\\n");
  const commandList = commands.map((c) => `    '${c.name}:${zshDescribeEscape(c.summary)}'`).join("\n");
  const cases = commands
    .map((c) => {
      const rest = c.takesId
        ? "'1:job id:_flowy_client_jobs'"
        : c.choices
          ? `'1:shell:(${c.choices.join(" ")})'`
          : c.name === "submit"
            ? "'*::command:_normal'"
            : "";
      return `      (${c.name})\n        _arguments -s \\\n${specs([...c.options, ...global])}${rest ? ` \\\n    ${rest}` : ""}\n        ;;`;
    })
    .join("\n");
  return `#compdef flowy-client
# flowy-client completion for zsh. Install:
#   flowy-client completion zsh > "\${fpath[1]}/_flowy-client"   (or: source <(flowy-client completion zsh))
_flowy_client_jobs() {
  local -a ids
  ids=(\${(f)"$(flowy-client list -q --limit 50 2>/dev/null)"})
  _describe 'job id' ids
}

_flowy-client() {
  local -a commands
  commands=(
${commandList}
  )
  local curcontext="$curcontext" state line
  _arguments -C -s \\
${specs(global)} \\
    '1:command:->command' \\
    '*::arg:->args'
  case $state in
    (command) _describe 'command' commands ;;
    (args)
      case $line[1] in
${cases}
      esac
      ;;
  esac
}

if [[ "$funcstack[1]" == "_flowy-client" ]]; then
  _flowy-client "$@"
else
  compdef _flowy-client flowy-client
fi
`;
}

function zshOptionSpec(option: OptionInfo): string {
  const names =
    option.flags.length > 1 ? `(${option.flags.join(" ")})'{${option.flags.join(",")}}'` : option.flags[0]!;
  const action = !option.takesValue
    ? ""
    : option.values
      ? `:value:(${option.values.join(" ")})`
      : option.file
        ? ":file:_files"
        : ":value: ";
  const repeat =
    option.flags.includes("--param") || option.flags.includes("--tag") || option.flags.includes("--state");
  return `'${repeat ? "*" : ""}${names}[${zshEscape(option.description)}]${action}'`;
}

/** Text inside a single-quoted _arguments spec: brackets would end the description. */
function zshEscape(text: string): string {
  return text.replaceAll("'", "'\\''").replaceAll("[", "(").replaceAll("]", ")");
}

/** A _describe item is `name:description`, so colons in the description are escaped too. */
function zshDescribeEscape(text: string): string {
  return zshEscape(text).replaceAll(":", "\\:");
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(key(item)) && Boolean(seen.add(key(item))));
}
