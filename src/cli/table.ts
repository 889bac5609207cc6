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

/** Exponents beyond which a power of two prints as 2^e (its decimal form is long or inexact in print). */
const POW2_BIG = 2 ** 24;
const POW2_SMALL = 2 ** -10;

/**
 * A value printed exactly: the shortest decimal that reads back as the same f64 (57344, 1.984375,
 * 0.001953125), and 2^e for powers of two beyond 2^24 or below 2^-10 (2^127, 2^-16), whose
 * shortest decimals are long or rounded. For limits and representable values, not measurements.
 */
export function exact(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const a = Math.abs(x);
  const e = Math.log2(a);
  if (Number.isInteger(e) && (a > POW2_BIG || a < POW2_SMALL)) return `${x < 0 ? '-' : ''}2^${e}`;
  return String(x);
}
