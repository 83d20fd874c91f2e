/**
 * The Node.js every flowy command needs: node:sqlite without a flag (22.13). The bins check it
 * before loading anything else, so an older Node gets one line saying what to install instead of
 * a stack trace from a module it lacks. Kept equal to package.json's `engines` by a test.
 */
export const REQUIRED_NODE = "22.13.0";

function parts(version: string): number[] {
  return version
    .replace(/^v/, "")
    .split(".")
    .map((n) => Number.parseInt(n, 10) || 0);
}

export function isNodeTooOld(version: string, required = REQUIRED_NODE): boolean {
  const have = parts(version);
  const need = parts(required);
  for (let i = 0; i < need.length; i++) {
    if ((have[i] ?? 0) !== need[i]) return (have[i] ?? 0) < (need[i] ?? 0);
  }
  return false;
}

export function nodeVersionProblem(command: string, version: string): string | undefined {
  if (!isNodeTooOld(version)) return undefined;
  return (
    `${command}: needs Node.js ${REQUIRED_NODE} or newer, but this is Node.js ${version.replace(/^v/, "")}` +
    ` (${process.execPath}); install Node.js 22 or 24 (https://nodejs.org, or nvm install 24) and run it again`
  );
}

/** Exits with the one-line message when the running Node is too old. */
export function requireNode(command: string): void {
  const problem = nodeVersionProblem(command, process.versions.node);
  if (!problem) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
