/**
 * The numbers of the Learn page's bit-serial walkthrough (BitMoD): one row of W [1, 8] in one
 * group, each weight an integer q of its grid's unit written as signed power-of-two terms
 * (the bitserial kernel's own bitSerialTerms), and the dot product done term plane by term plane
 * in the kernel's order and f32 roundings (src/cpu/bitserial.ts, bitSerialCore: four interleaved
 * lane sums per plane, planes added, one rescale by scale · unit), so y equals the kernel's.
 */
import { getScheme } from '../../quant/schemes.js';
import { bitSerialSupport, bitSerialTerms, matmulBitSerial, type BitSerialTable, type BitSerialTerm } from '../../cpu/bitserial.js';
import { matmulRef } from '../../cpu/matmul-ref.js';
import { unpackCodes } from '../../format/pack.js';
import type { QuantizedTensor } from '../../format/quantized-tensor.js';
import { sampleWeights } from '../../io/sample.js';
import { quantize } from '../../quant/quantize.js';

/** The activations x [1, 8]. */
export const BS_X: Float32Array = Float32Array.from([0.5, -1.25, 2, 0.75, -0.5, 1.5, -2.25, 1]);
export const BS_K = BS_X.length;
/** Seed of the weight row (sampleWeights). */
export const BS_SEED = 11;
/** Lanes the kernel interleaves (four f32 accumulators per plane). */
export const BS_LANES = 4;
/** Schemes offered (those the bitserial kernel takes). */
export const BS_SCHEMES: readonly string[] = ['bitmod4', 'bitmod3', 'fp4', 'fp3', 'int4', 'int3', 'ternary'].filter((s) => bitSerialSupport(s) === true);

/** One term of one weight in a plane: x_k · sign · 2^shift (exact). */
export interface TermUse {
  readonly k: number;
  readonly term: BitSerialTerm;
  readonly product: number;
}

/** One term plane: its terms, the four lane sums and the plane sum f32(f32(s0 + s1) + f32(s2 + s3)). */
export interface TermPlane {
  readonly plane: number;
  readonly terms: readonly TermUse[];
  readonly lanes: readonly number[];
  readonly sum: number;
  /** f32(previous planes + sum). */
  readonly running: number;
}

/** The example for one scheme. */
export interface BitSerialExample {
  readonly scheme: string;
  readonly qt: QuantizedTensor;
  readonly elementType: string;
  readonly table: BitSerialTable;
  readonly codes: Uint8Array;
  /** Integer q of each weight (value = q · unit · scale). */
  readonly q: readonly number[];
  readonly planes: readonly TermPlane[];
  /** Σ planes (f32). */
  readonly total: number;
  readonly scale: number;
  readonly unit: number;
  /** f32(total · (scale · unit)): the walkthrough's y. */
  readonly y: number;
  readonly kernel: number;
  readonly oracle: number;
}

/** Computes the example for `scheme` (one of BS_SCHEMES). */
export function bitSerialExample(scheme: string): BitSerialExample {
  const f = Math.fround;
  const w = sampleWeights({ rows: 1, cols: BS_K, seed: BS_SEED }).data;
  const qt = quantize(w, 1, BS_K, getScheme(scheme).name, { group: BS_K });
  const codes = unpackCodes(qt.codes, 1, BS_K, qt.bits);
  const elementType = qt.elementTypes[qt.dtypeIds ? (qt.dtypeIds[0] as number) : 0] as string;
  const table = bitSerialTerms(elementType);
  const entries = Array.from(codes, (c) => table.codes[c]);
  // With a zero point the kernel recodes q − zero; the example schemes have none.
  const q = entries.map((e) => e?.q ?? 0);
  const termsOf = entries.map((e) => e?.terms ?? []);
  const nPlanes = Math.max(1, ...termsOf.map((t) => t.length));
  const planes: TermPlane[] = [];
  let running = 0;
  for (let p = 0; p < nPlanes; p++) {
    const lanes = [0, 0, 0, 0];
    const terms: TermUse[] = [];
    for (let k = 0; k < BS_K; k++) {
      const term = termsOf[k]?.[p];
      const mul = term ? term.sign * 2 ** term.shift : 0;
      const product = (BS_X[k] as number) * mul;
      // Lane k % 4 (the kernel adds x · 0 for weights without a p-th term: no change).
      lanes[k % BS_LANES] = f((lanes[k % BS_LANES] as number) + product);
      if (term) terms.push({ k, term, product });
    }
    const sum = f(f((lanes[0] as number) + (lanes[1] as number)) + f((lanes[2] as number) + (lanes[3] as number)));
    running = f(running + sum);
    planes.push({ plane: p, terms, lanes, sum, running });
  }
  const scale = qt.scales[0] as number;
  const y = f(running * (scale * table.unit));
  return {
    scheme,
    qt,
    elementType,
    table,
    codes,
    q,
    planes,
    total: running,
    scale,
    unit: table.unit,
    y,
    kernel: matmulBitSerial(BS_X, 1, qt)[0] as number,
    oracle: matmulRef(BS_X, qt, 1).y[0] as number,
  };
}
