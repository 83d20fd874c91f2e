import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..", "..");

function sourceFolders(dir: string): string[] {
  const here = relative(ROOT, dir);
  const subfolders = readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isDirectory());
  return [here, ...subfolders.flatMap(sourceFolders)];
}

it("docs/architecture.md's layout table names every source folder, and only those", () => {
  const doc = readFileSync(join(ROOT, "docs", "architecture.md"), "utf8");
  const section = doc.slice(doc.indexOf("## Layout"), doc.indexOf("## How a write happens"));
  const listed = [...section.matchAll(/^\| `([^`]+)\/` *\|/gm)].map((m) => m[1]);
  const onDisk = ["shared", "server", "daemon", "client"].flatMap((top) => sourceFolders(join(ROOT, top)));
  expect(listed.sort()).toEqual(onDisk.sort());
});
