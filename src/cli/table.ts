/** Plain-text tables for terminal output: right-aligned numbers, left-aligned text. */

/** A cell: text is left-aligned, numbers right-aligned. */
export type Cell = string | number;

/** Formats rows under a header with columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => r.map((c) => String(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], raw?: readonly Cell[]) =>
    cells
      .map((c, i) => (raw && typeof raw[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...text.map((r, i) => line(r, rows[i]))].join('\n');
}

/** A number with `digits` significant digits, or 'inf'/'nan'. */
export function sig(x: number, digits = 4): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? Number(x.toPrecision(digits)).toString() : x.toExponential(digits - 1);
}
