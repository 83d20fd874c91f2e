/**
 * Job names, outputs and log lines come from whoever submitted or ran the job: written to a
 * terminal raw, escape sequences in them could retitle the window, rewrite what was printed
 * before, hide text or reorder it (bidi overrides). They are printed escaped (`\x1b`, `\u202e`)
 * unless the person asks for the bytes with --raw. Newlines and tabs are kept.
 */

// C0 controls but \t and \n, DEL, C1 controls, and the bidi embedding/override/isolate marks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escaped(char: string): string {
  const code = char.codePointAt(0)!;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

export function neutralize(text: string): string {
  return text.replace(UNSAFE, escaped);
}
