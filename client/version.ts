/** flowy's version, from the package.json above this file (in the source tree and in dist/ alike). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The name flowy is published under on npm (`flowy` is someone else's package). */
export const PACKAGE_NAME = "flowy-jobs";

export function flowyVersion(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return "0.0.0";
  }
}
