/** Runs `npm start` for real and writes its output into docs/getting-started.md (see quickstart-sample.ts). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DOC,
  normaliseQuickstartOutput,
  sampleIsComplete,
  spawnQuickstart,
  withSample,
} from "./quickstart-sample.ts";

const devDir = mkdtempSync(join(tmpdir(), "flowy-start-docs-"));
const env: NodeJS.ProcessEnv = { ...process.env, FLOWY_DEV_DIR: devDir, HOME: devDir };
for (const key of Object.keys(env)) if (key.startsWith("FLOWY_") && key !== "FLOWY_DEV_DIR") delete env[key];
const { child, output } = spawnQuickstart(env);
const done = await new Promise<boolean>((resolve) => {
  child.stdout?.on("data", () => {
    if (sampleIsComplete(output())) resolve(true);
  });
  child.once("exit", () => resolve(sampleIsComplete(output())));
});
child.kill("SIGINT");
await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(null)));
rmSync(devDir, { recursive: true, force: true });
if (!done) {
  process.stderr.write(`npm start did not finish its sample:\n${output()}\n`);
  process.exit(1);
}
writeFileSync(DOC, withSample(readFileSync(DOC, "utf8"), normaliseQuickstartOutput(output())));
process.stdout.write(`wrote the npm start sample into ${DOC}\n`);
