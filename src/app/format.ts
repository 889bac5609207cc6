/**
 * Number formats of the app. The scheme table uses exactly the formats of the CLI's table
 * (src/cli/cmd-quantize.ts `schemeTable`, through the same `sig` helper) so a number read in the
 * app and one printed by `lowbit quantize` / `lowbit report` are the same string.
 */
import { sig } from '../cli/table.js';

export { sig };

/** The printed cells of one evaluation, as the CLI prints them. */
export interface PrintedMetrics {
  readonly group: string;
  readonly bits: string;
  readonly nmse: string;
  readonly sqnr: string;
  readonly maxErr: string;
  readonly cosine: string;
  readonly ms: string;
  readonly variants: string;
}

/** What {@link printedMetrics} needs (a SchemeEvaluation without its arrays). */
export interface MetricsLike {
  readonly granularity: string;
  readonly groupSize: number;
  readonly bitsPerWeight: number;
  readonly metrics: { readonly nmse: number; readonly sqnrDb: number; readonly maxAbsErr: number; readonly cosine: number };
  readonly quantizeMs: number;
  readonly variants: Readonly<Record<string, number>>;
}

/** The CLI's cell formats: bits/w 3 decimals, NMSE 3 significant, SQNR 2 decimals, max |err| 3 significant, cosine 5 decimals. */
export function printedMetrics(e: MetricsLike): PrintedMetrics {
  const names = Object.keys(e.variants);
  return {
    group: e.granularity === 'group' ? String(e.groupSize) : e.granularity,
    bits: String(Number(e.bitsPerWeight.toFixed(3))),
    nmse: sig(e.metrics.nmse, 3),
    sqnr: String(Number(e.metrics.sqnrDb.toFixed(2))),
    maxErr: sig(e.metrics.maxAbsErr, 3),
    cosine: String(Number(e.metrics.cosine.toFixed(5))),
    ms: String(Number(e.quantizeMs.toFixed(1))),
    variants: names.length > 1 ? Object.entries(e.variants).map(([k, v]) => `${k}:${v}`).join(' ') : '',
  };
}

/** Milliseconds with a unit, 3 significant digits. */
export function fmtMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? '–' : `${sig(ms, 3)} ms`;
}

/** A number in a fixed-width-friendly short form, or a dash. */
export function fmtNum(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : sig(x, digits);
}

/** `[a × b × c]` */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(' × ')}]`;
}

/** A byte count with a binary unit. */
export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** Binary string of `code` with `bits` digits. */
export function binary(code: number, bits: number): string {
  return code.toString(2).padStart(bits, '0');
}
