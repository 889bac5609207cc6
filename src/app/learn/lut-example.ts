/**
 * The numbers of the Learn page's LUT mpGEMM walkthrough (LUT Tensor Core, T-MAC) on a tiny
 * example, X [1, 8] · W [2, 8]ᵀ with one quant group per row: the library's quantizer, bit-plane
 * layout and table builder, then the lookups and the rescale in the order and f32 roundings of
 * the lut-f32 kernel (src/cpu/lut.ts, lutF32Core: per plane, lookups summed left to right; planes
 * weighted by a_i; + c0 · Σx; × scale), so the walkthrough's y equals the kernel's bit for bit.
 */
import { getScheme } from '../../quant/schemes.js';
import { quantize, dequantize } from '../../quant/quantize.js';
import { unpackCodes } from '../../format/pack.js';
import { toBitPlanes } from '../../format/bitplanes.js';
import type { QuantizedTensor } from '../../format/quantized-tensor.js';
import { buildLutF32, lutDecode, lutSupport, matmulLutF32, LUT_ENTRIES, LUT_GROUP, type LutDecode } from '../../cpu/lut.js';
import { matmulRef } from '../../cpu/matmul-ref.js';
import { sampleWeights } from '../../io/sample.js';

/** K of the example: two 4-groups. */
export const LUT_K = 8;
/** N of the example: two rows of W. */
export const LUT_N = 2;
/** The activations x [1, 8]. */
export const LUT_X: Float32Array = Float32Array.from([0.5, -1.25, 2, 0.75, -0.5, 1.5, -2.25, 1]);
/** Seed of the tiny weight matrix (sampleWeights). */
export const LUT_SEED = 7;
/** Schemes offered (those the lut kernels take). */
export const LUT_SCHEMES: readonly string[] = ['int2', 'int3', 'int4', 'ternary', 'binary', 'int2_asym', 'int4_asym'].filter((s) => lutSupport(s) === true);

/** One lookup: 4-group t, the index read from the plane, the table entry. */
export interface Lookup {
  readonly t: number;
  readonly idx: number;
  readonly value: number;
}

/** Plane i of a row: its lookups, their f32 sum P_i, the weight a_i and the running Σ a_i P_i. */
export interface PlaneStep {
  readonly row: number;
  readonly plane: number;
  readonly lookups: readonly Lookup[];
  readonly sum: number;
  readonly a: number;
  /** f32(previous running + a_i · P_i). */
  readonly running: number;
}

/** Everything the walkthrough shows for one row's result. */
export interface RowResult {
  readonly row: number;
  /** Σ_i a_i · P_i (f32, plane order). */
  readonly p: number;
  /** c0 of the row (the affine offset minus the zero point). */
  readonly c0: number;
  /** f32(p + c0 · Σx). */
  readonly group: number;
  readonly scale: number;
  /** f32(group · scale): the walkthrough's y. */
  readonly y: number;
  /** The lut-f32 kernel's y (matmulLutF32). */
  readonly kernel: number;
  /** The f64 oracle (matmulRef). */
  readonly oracle: number;
}

/** The whole example for one scheme. */
export interface LutExample {
  readonly scheme: string;
  readonly w: Float32Array;
  readonly qt: QuantizedTensor;
  readonly elementType: string;
  /** Codes as stored, row-major [N, K]. */
  readonly codes: Uint8Array;
  /** Dequantized weights. */
  readonly deq: Float32Array;
  readonly dec: LutDecode;
  /** Bits per code = planes. */
  readonly bits: number;
  /** XOR applied to a stored code to get the offset-binary q (2^(b−1) for two's complement, else 0). */
  readonly flip: number;
  /** plane bit of (row, plane, k). */
  planeBit(row: number, plane: number, k: number): 0 | 1;
  /** The 4-bit table index of (row, plane, 4-group t): bit j = planeBit(row, plane, 4t + j). */
  index(row: number, plane: number, t: number): number;
  /** T_t[idx] for every 4-group t (f32, buildLutF32). */
  readonly tables: Float32Array;
  /** a_i = α · 2^(i−1). */
  readonly a: readonly number[];
  /** Σ_i a_i · (−1) … the affine constant α (2^b − 1) / 2 + β before the zero point. */
  readonly c0Base: number;
  /** f32 Σ x over the group (left to right). */
  readonly xsum: number;
  readonly planes: readonly PlaneStep[];
  readonly rows: readonly RowResult[];
}

/** Computes the example for `scheme` (one of LUT_SCHEMES). */
export function lutExample(scheme: string): LutExample {
  const f = Math.fround;
  const w = sampleWeights({ rows: LUT_N, cols: LUT_K, seed: LUT_SEED }).data;
  const qt = quantize(w, LUT_N, LUT_K, getScheme(scheme).name, { group: LUT_K });
  const elementType = qt.elementTypes[0] as string;
  const dec = lutDecode(elementType);
  if (typeof dec === 'string') throw new Error(dec);
  const codes = unpackCodes(qt.codes, LUT_N, LUT_K, qt.bits);
  const deq = dequantize(qt);
  const bp = toBitPlanes(qt);
  const bits = bp.bits;
  const flip = bp.msbFlipped ? 1 << (bits - 1) : 0;
  // planes[(row * bits + plane) * wordsPerRow + word], bit k % 32 of the word is weight k.
  const planeWord = (row: number, plane: number): number => bp.planes[(row * bits + plane) * bp.wordsPerRow] as number;
  const planeBit = (row: number, plane: number, k: number): 0 | 1 => ((planeWord(row, plane) >>> k) & 1) as 0 | 1;
  const index = (row: number, plane: number, t: number): number => (planeWord(row, plane) >>> (t * LUT_GROUP)) & (LUT_ENTRIES - 1);
  const groups = LUT_K / LUT_GROUP;
  const tables = new Float32Array(groups * LUT_ENTRIES);
  for (let t = 0; t < groups; t++) buildLutF32(LUT_X, t * LUT_GROUP, LUT_GROUP, tables, t * LUT_ENTRIES);
  const a = Array.from({ length: bits }, (_, i) => dec.alpha * 2 ** (i - 1));
  const c0Base = (dec.alpha * (2 ** bits - 1)) / 2 + dec.beta;
  let xsum = 0;
  for (let k = 0; k < LUT_K; k++) xsum = f(xsum + (LUT_X[k] as number));
  const yKernel = matmulLutF32(LUT_X, 1, qt);
  const ref = matmulRef(LUT_X, qt, 1);
  const planes: PlaneStep[] = [];
  const rows: RowResult[] = [];
  for (let r = 0; r < LUT_N; r++) {
    let p = 0;
    for (let i = 0; i < bits; i++) {
      const lookups: Lookup[] = [];
      let sum = 0;
      for (let t = 0; t < groups; t++) {
        const idx = index(r, i, t);
        const value = tables[t * LUT_ENTRIES + idx] as number;
        lookups.push({ t, idx, value });
        sum = f(sum + value);
      }
      p = f(p + (a[i] as number) * sum);
      planes.push({ row: r, plane: i, lookups, sum, a: a[i] as number, running: p });
    }
    const c0 = qt.zeros ? c0Base - (qt.zeros[r] as number) : c0Base;
    const group = f(p + c0 * xsum);
    const scale = qt.scales[r] as number;
    rows.push({ row: r, p, c0, group, scale, y: f(group * scale), kernel: yKernel[r] as number, oracle: ref.y[r] as number });
  }
  return { scheme, w, qt, elementType, codes, deq, dec, bits, flip, planeBit, index, tables, a, c0Base, xsum, planes, rows };
}
