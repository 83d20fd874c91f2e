/** Aligned text columns; the last column is not padded so lines carry no trailing spaces. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + " ".repeat(widths[i]! - width(cell))))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Display width: emoji take two columns, variation selectors none. */
function width(text: string): number {
  let w = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code === 0xfe0f || code === 0x200d) continue;
    w += code >= 0x1f000 || (code >= 0x2300 && code <= 0x2bff) ? 2 : 1;
  }
  return w;
}
