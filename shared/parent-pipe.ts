/**
 * A child that must not outlive the process that started it (flowy-server --with-daemon's
 * daemon): the parent hands it a pipe as stdin and sets this variable; the child watches for
 * the pipe's end, which comes however the parent dies, SIGKILL included.
 */
export const EXIT_WITH_PARENT_ENV = "FLOWY_EXIT_WITH_PARENT";

/** Calls `onParentGone` once when stdin ends, if the parent asked for it; otherwise does nothing. */
export function watchParent(onParentGone: () => void, env: NodeJS.ProcessEnv = process.env): void {
  if (env[EXIT_WITH_PARENT_ENV] !== "1") return;
  // Not handed on to the jobs this process starts.
  delete env[EXIT_WITH_PARENT_ENV];
  let gone = false;
  const once = () => {
    if (gone) return;
    gone = true;
    onParentGone();
  };
  process.stdin.on("end", once);
  process.stdin.on("close", once);
  process.stdin.on("error", once);
  process.stdin.resume();
}
