/** Writes docs/cli.md from the flowy-client program (see client/cli/cli-reference.ts). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderCliReference } from "../client/cli/cli-reference.ts";

const path = join(import.meta.dirname, "..", "docs", "cli.md");
writeFileSync(path, renderCliReference());
process.stdout.write(`wrote ${path}\n`);
