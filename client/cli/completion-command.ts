/** `flowy-client completion bash|zsh`: prints a completion script made from the program itself. */
import { type Command, InvalidArgumentError } from "commander";
import { bashCompletion, zshCompletion } from "./completion.ts";
import type { Io } from "./output.ts";

const INSTALL = `
Install:
  bash:  flowy-client completion bash > ~/.local/share/bash-completion/completions/flowy-client
  zsh:   add to ~/.zshrc:  source <(flowy-client completion zsh)
`;

const SHELLS = { bash: bashCompletion, zsh: zshCompletion } as const;

export function registerCompletion(program: Command, io: Io): void {
  program
    .command("completion")
    .summary("print a shell completion script (bash or zsh)")
    .description("Print a completion script for your shell.")
    .addHelpText("after", INSTALL)
    .argument("<shell>", "bash or zsh", (value: string) => {
      if (!(value in SHELLS)) throw new InvalidArgumentError("must be bash or zsh");
      return value as keyof typeof SHELLS;
    })
    .action((shell: keyof typeof SHELLS) => {
      io.stdout.write(SHELLS[shell](program));
    });
}
