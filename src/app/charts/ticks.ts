/**
 * Tick values and labels for the app's charts where the plotting library's defaults do not fit:
 * powers of two on log and symmetric-log axes (datatype value sets span 2^-127..2^127), thinned so
 * labels never crowd, and short exact labels (2⁻¹²⁷ rather than 5.88e-39). Pure functions.
 */

/** Widest label, in CSS pixels, the tick thinning plans for (a label like "−2⁻¹²⁶" at 12 px). */
export const TICK_LABEL_PX = 64;

/** The most ticks an axis of `widthPx` can label without overlap. */
export function maxTicksFor(widthPx: number, labelPx = TICK_LABEL_PX): number {
  return Math.max(2, Math.floor(widthPx / labelPx));
}

const SUPERSCRIPT: Readonly<Record<string, string>> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** "2⁻⁹" for 2^-9. */
export function powerOfTwoLabel(exp: number): string {
  return `2${String(exp)
    .split('')
    .map((c) => SUPERSCRIPT[c] ?? c)
    .join('')}`;
}

/** Exponent e when |v| = 2^e exactly, else undefined. */
export function exactLog2(v: number): number | undefined {
  const a = Math.abs(v);
  if (!(a > 0) || !Number.isFinite(a)) return undefined;
  const e = Math.round(Math.log2(a));
  return 2 ** e === a ? e : undefined;
}

/** Values in [SMALL_PLAIN, LARGE_PLAIN) print as plain decimals; outside, powers of two or exponent form. */
const SMALL_PLAIN = 1e-3;
const LARGE_PLAIN = 1e5;

/**
 * A short tick label: integers whole and other plain decimals to 4 significant digits in [1e-3, 1e5)
 * (a power of two that 4 digits cannot write exactly stays 2ᵏ), a power of two beyond that range
 * when the value is one, else exponent notation. The minus sign is U+2212.
 */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  const sign = v < 0 ? '−' : '';
  const e = exactLog2(a);
  if (a >= SMALL_PLAIN && a < LARGE_PLAIN) {
    const short = Number.isInteger(a) ? a : Number(a.toPrecision(4));
    // A power of two that 4 digits cannot write exactly (2⁻⁸ = 0.00390625) keeps its exact form.
    if (short === a || e === undefined) return sign + String(short);
  }
  if (e !== undefined) return sign + powerOfTwoLabel(e);
  // Exponent form with at most 3 significant digits and no trailing zeros: 1e−6, 2.5e−6.
  return sign + Number(a.toPrecision(3)).toExponential().replace('e-', 'e−').replace('e+', 'e');
}

/** How strongly an exponent asks for a tick: 0 most, then multiples of large powers of two. */
function exponentRank(e: number): number {
  if (e === 0) return 64;
  let r = 0;
  while (r < 63 && e % 2 ** (r + 1) === 0) r++;
  return r;
}

/**
 * Ticks that keep at least `minGapPx` between labels: every value of `must` (the ends, zero),
 * then `candidates` in the order given, each added only when it is far enough from every kept
 * tick. Returned in ascending order.
 */
export function spacedTicks(must: readonly number[], candidates: readonly number[], position: (v: number) => number, minGapPx: number): number[] {
  const kept: number[] = [];
  const far = (v: number): boolean => kept.every((k) => Math.abs(position(k) - position(v)) >= minGapPx);
  for (const v of must) if (!kept.includes(v)) kept.push(v);
  for (const v of candidates) if (!kept.includes(v) && far(v)) kept.push(v);
  return kept.sort((a, b) => a - b);
}

/** Exponents lo..hi ordered by how round they are (0, then ±64, ±32, ...), larger first on ties. */
export function exponentsByRank(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = lo; e <= hi; e++) out.push(e);
  return out.sort((a, b) => exponentRank(b) - exponentRank(a) || Math.abs(b) - Math.abs(a));
}

/** Linear position in [0, widthPx] of t(v) over [t(lo), t(hi)]. */
function positioner(lo: number, hi: number, widthPx: number, t: (v: number) => number): (v: number) => number {
  const a = t(lo);
  const span = t(hi) - a || 1;
  return (v) => ((t(v) - a) / span) * widthPx;
}

/** Ticks for a base-2 log axis over [lo, hi] (0 < lo <= hi): both ends (unless `withEnds` is false) and spaced powers of two. */
export function log2AxisTicks(lo: number, hi: number, widthPx: number, minGapPx = TICK_LABEL_PX, withEnds = true): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const pos = positioner(lo, hi, widthPx, Math.log2);
  const pows = exponentsByRank(Math.ceil(Math.log2(lo)), Math.floor(Math.log2(hi))).map((e) => 2 ** e);
  return spacedTicks(withEnds ? [lo, hi] : [], pows, pos, minGapPx);
}

/** The symlog transform of Plot's 'symlog' scale (d3.scaleSymlog): sign(v) · log1p(|v| / c). */
export function symlogTransform(v: number, constant: number): number {
  return Math.sign(v) * Math.log1p(Math.abs(v) / constant);
}

/**
 * Ticks for a symmetric-log axis over [lo, hi] with constant c: both ends, 0 when inside, and
 * ± powers of two from c outward, spaced so labels never overlap.
 */
export function symlogAxisTicks(lo: number, hi: number, constant: number, widthPx: number, minGapPx = TICK_LABEL_PX): number[] {
  const amax = Math.max(Math.abs(lo), Math.abs(hi));
  if (!(amax > 0) || !(constant > 0)) return [lo, hi];
  const pos = positioner(lo, hi, widthPx, (v) => symlogTransform(v, constant));
  const must = lo <= 0 && hi >= 0 ? [lo, hi, 0] : [lo, hi];
  const cands: number[] = [];
  for (const e of exponentsByRank(Math.ceil(Math.log2(constant)), Math.floor(Math.log2(amax)))) {
    if (2 ** e <= hi) cands.push(2 ** e);
    if (-(2 ** e) >= lo) cands.push(-(2 ** e));
  }
  return spacedTicks(must, cands, pos, minGapPx);
}

/** Up to about `count` round values (1, 2, 2.5, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((st) => st >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** Ticks for a linear axis: both ends (unless `withEnds` is false), 0 when inside, then round values from `nice`, spaced. */
export function linearAxisTicks(lo: number, hi: number, nice: readonly number[], widthPx: number, minGapPx = TICK_LABEL_PX, withEnds = true): number[] {
  const pos = positioner(lo, hi, widthPx, (v) => v);
  const must = [...(withEnds ? [lo, hi] : []), ...(lo <= 0 && hi >= 0 ? [0] : [])];
  return spacedTicks(must, nice, pos, minGapPx);
}

/** Mantissas of the round values on a base-10 log axis, most telling first. */
const LOG10_MANTISSAS = [1, 5, 2, 3];

/**
 * Ticks for a base-10 log axis over [lo, hi] (0 < lo < hi) on `lengthPx` pixels: powers of ten
 * first, then 5·, 2·, 3·10^k while labels keep `minGapPx` apart.
 */
export function log10AxisTicks(lo: number, hi: number, lengthPx: number, minGapPx: number): number[] {
  if (!(lo > 0) || !(hi > lo)) return [];
  const pos = positioner(lo, hi, lengthPx, Math.log10);
  const cands: number[] = [];
  for (const m of LOG10_MANTISSAS) {
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (v >= lo && v <= hi) cands.push(v);
    }
  }
  return spacedTicks([], cands, pos, minGapPx);
}
