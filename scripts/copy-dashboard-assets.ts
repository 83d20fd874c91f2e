/**
 * `npm run build` step: the dashboard's browser files (plain ES modules, CSS, SVG) are served as
 * they are, so they are copied beside the compiled server module that serves them.
 */
import { cpSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const from = join(ROOT, "server", "http", "dashboard", "assets");
const to = join(ROOT, "dist", "server", "http", "dashboard", "assets");

rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true, filter: (source) => !source.endsWith("tsconfig.json") });
process.stdout.write(`Dashboard assets copied to ${to}\n`);
