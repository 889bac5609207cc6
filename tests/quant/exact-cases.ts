/** Shared test data for the bit-exactness tests of the fast and threaded quantizers against the reference. */
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { expect } from 'vitest';
import { getDType } from '../../src/dtype/registry.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';
import { getScheme, type SchemeSpec } from '../../src/quant/schemes.js';
import { storeScale } from '../../src/quant/scale.js';
import type { QuantizeOptions } from '../../src/quant/quantize-plan.js';
import { mulberry32, normals } from '../dtype/prng.js';

/** Largest finite f32 and the smallest subnormal / normal. */
export const F32_MAX = (2 - 2 ** -23) * 2 ** 127;
export const F32_MIN_SUB = 2 ** -149;
export const F32_MIN_NORMAL = 2 ** -126;

const bitsOf = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0] as number;
const fromBits = (b: number): number => new Float32Array(new Uint32Array([b >>> 0]).buffer)[0] as number;
/** The f32 neighbours of a finite f32 value. */
export const nextUp = (x: number): number => (x === 0 ? F32_MIN_SUB : x > 0 ? fromBits(bitsOf(x) + 1) : fromBits(bitsOf(x) - 1));
export const nextDown = (x: number): number => -nextUp(-x);

/** The first difference between two tensors in any field (scales and tensorScale as bit patterns), or ''. */
export function tensorDifference(got: QuantizedTensor, want: QuantizedTensor): string {
  const keys = (q: QuantizedTensor) => Object.keys(q).sort().join(',');
  if (keys(got) !== keys(want)) return `fields: got {${keys(got)}}, expected {${keys(want)}}`;
  const plain = ['scheme', 'rows', 'cols', 'bits', 'groupSize', 'granularity', 'wordsPerRow', 'idBits', 'scaleDType', 'hasTensorScale'] as const;
  for (const k of plain) if (got[k] !== want[k]) return `${k}: got ${String(got[k])}, expected ${String(want[k])}`;
  if (!Object.is(got.tensorScale, want.tensorScale)) return `tensorScale: got ${got.tensorScale}, expected ${want.tensorScale}`;
  if (got.elementTypes.join() !== want.elementTypes.join()) return `elementTypes: got ${got.elementTypes.join()}, expected ${want.elementTypes.join()}`;
  const arrays: [string, ArrayLike<number> | undefined, ArrayLike<number> | undefined][] = [
    ['codes', got.codes, want.codes],
    ['scale bits', got.scales && Array.from(got.scales, bitsOf), want.scales && Array.from(want.scales, bitsOf)],
    ['zeros', got.zeros, want.zeros],
    ['dtypeIds', got.dtypeIds, want.dtypeIds],
  ];
  for (const [name, a, b] of arrays) {
    if ((a === undefined) !== (b === undefined)) return `${name}: present ${a !== undefined}, expected ${b !== undefined}`;
    if (!a || !b) continue;
    if (a.length !== b.length) return `${name}: ${a.length} entries, expected ${b.length}`;
    for (let i = 0; i < b.length; i++) {
      if (a[i] !== b[i]) {
        const extra = name === 'scale bits' ? ` (${got.scales[i]} vs ${want.scales[i]})` : '';
        return `${name}[${i}]: got ${a[i]}, expected ${b[i]}${extra}`;
      }
    }
  }
  return '';
}

/** Expects two tensors to be identical, naming the first difference. */
export function expectSameTensor(got: QuantizedTensor, want: QuantizedTensor, what: string): void {
  const diff = tensorDifference(got, want);
  expect(diff, `${what}: ${diff}`).toBe('');
}

/** N(0, 1) data with 1% outliers x20, as f32. */
export function seededWeights(rows: number, cols: number, seed: number): Float32Array {
  const w = normals(rows * cols, seed);
  const rnd = mulberry32(seed + 1);
  for (let i = 0; i < w.length; i++) if (rnd() < 0.01) w[i] = (w[i] as number) * 20;
  return w;
}

/**
 * Random finite f32 values: each run of `g` gets an exponent centre in [lo, hi], each element a
 * random sign, mantissa and exponent up to 12 below the centre; one in 16 is +0 or -0.
 */
export function randomBits(n: number, g: number, lo: number, hi: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += g) {
    const centre = lo + Math.floor(rng() * (hi - lo + 1));
    for (let i = start; i < Math.min(n, start + g); i++) {
      if (rng() < 1 / 16) {
        out[i] = rng() < 0.5 ? 0 : -0;
        continue;
      }
      const e = centre - Math.floor(rng() * 13);
      const v = Math.min(F32_MAX, (1 + Math.floor(rng() * 2 ** 23) / 2 ** 23) * 2 ** e);
      out[i] = rng() < 0.5 ? -v : v;
    }
  }
  return out;
}

/** The raw scale rule's maximum |value| of an element type within a scheme. */
function maxAbsOf(sc: SchemeSpec, name: string): number {
  const dt = getDType(name);
  if (dt.spec.kind === 'int' && dt.spec.signed) return (2 ** (dt.bits - 1) - 1) * dt.info.eps;
  if (sc.scaleRule === 'minmax') return 2 ** dt.bits - 1;
  return Math.max(Math.abs(dt.info.min), Math.abs(dt.info.max));
}

/**
 * Adversarial groups of `g` values for a scheme: for each element type and a few scale
 * exponents, a group whose amax makes the stored scale s exactly a power of two, filled with
 * the grid values, every exact midpoint between neighbours and its f32 neighbours (all times s,
 * both signs); groups whose amax / maxAbs is not a representable scale, with the midpoints of the
 * rounded scale; all-zero and -0 groups; subnormal groups; the f32 maximum.
 */
export function adversarialGroups(scheme: AnySchemeName, g: number, opts: QuantizeOptions): number[][] {
  const sc = getScheme(scheme);
  const sdt = opts.scaleDType ?? sc.defaultScaleDType;
  const f16 = sdt === 'f16';
  const groups: number[][] = [];
  const push = (anchor: number, vals: number[]): void => {
    const finite = vals.filter((v) => Number.isFinite(v) && Math.abs(v) <= Math.abs(anchor));
    for (let i = 0; i < finite.length || i === 0; i += g - 1) {
      const grp = [anchor, ...finite.slice(i, i + g - 1)];
      while (grp.length < g) grp.push(grp.length % 3 === 0 ? -0 : 0);
      groups.push(grp.map((v) => Math.fround(v)));
    }
  };
  const exps = f16 ? [0, -8, 6] : [0, -30, 40, -120];
  for (const name of sc.elementTypes) {
    const dt = getDType(name);
    const maxAbs = maxAbsOf(sc, name);
    const vals = Array.from(dt.values);
    const mids = vals.slice(1).map((v, i) => (v + (vals[i] as number)) / 2);
    for (const p of exps) {
      const s = 2 ** p;
      const anchor = maxAbs * s;
      const ties = mids.map((m) => m * s);
      const near = ties.flatMap((t) => [nextUp(Math.fround(t)), nextDown(Math.fround(t))]);
      push(anchor, [...vals.map((v) => v * s), ...ties, ...near]);
      push(-anchor, [...ties.map((t) => -t), ...near.map((t) => -t)]);
    }
    // Scales that round: amax / maxAbs is not representable in the storage type.
    for (const a0 of [1, 0.1, 1000.7, 3e-3]) {
      const amax = Math.fround(a0);
      const s = storeScale(amax / maxAbs, sdt === 'f16' ? 'f16' : 'f32');
      const ties = mids.map((m) => Math.fround(m * s));
      push(amax, [...ties, ...ties.map(nextUp), ...ties.map(nextDown), ...vals.map((v) => -v * s)]);
    }
  }
  if (f16) {
    // amax / maxAbs exactly halfway between two f16 values (normal and subnormal): the scale
    // itself is a tie (to even), and the elements sit at the midpoints of the rounded scale.
    const maxAbs = maxAbsOf(sc, sc.elementTypes[0] as string);
    for (const t of [1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -25, 3 * 2 ** -25, 5 * 2 ** -25, 2 ** -14 + 2 ** -25]) {
      const amax = Math.fround(maxAbs * t);
      const s = storeScale(amax / maxAbs, 'f16');
      const dt = getDType(sc.elementTypes[0] as string);
      const vals = Array.from(dt.values);
      push(amax, vals.slice(1).map((v, i) => Math.fround(((v + (vals[i] as number)) / 2) * s)));
    }
  }
  groups.push(new Array<number>(g).fill(0), new Array<number>(g).fill(-0));
  // Subnormal and tiny groups (f16 scales flush them to a zero scale; f32 ones keep subnormal scales).
  for (const k of [1, 3, 7, 255]) groups.push(Array.from({ length: g }, (_, j) => ((j % 5) - 2) * k * F32_MIN_SUB));
  groups.push(Array.from({ length: g }, (_, j) => (j % 2 ? -1 : 1) * F32_MIN_NORMAL * (1 + j / g)));
  if (!f16) groups.push(Array.from({ length: g }, (_, j) => (j % 2 ? -1 : 1) * F32_MAX * (1 - j / (2 * g))));
  else groups.push(Array.from({ length: g }, (_, j) => (j % 2 ? -1 : 1) * 1000 * (1 - j / (2 * g))));
  return groups;
}

/** Lays groups of g values out as rows of `perRow` groups (the last row padded with zeros). */
export function groupsToMatrix(groups: readonly number[][], g: number, perRow: number): { w: Float32Array; rows: number; cols: number } {
  const rows = Math.ceil(groups.length / perRow);
  const cols = g * perRow;
  const w = new Float32Array(rows * cols);
  groups.forEach((vals, i) => w.set(vals, i * g));
  return { w, rows, cols };
}
