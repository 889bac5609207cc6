/**
 * llama.cpp's IQ4_NL (ggml-common.h block_iq4_nl): 32 weights, one f16 scale, 4-bit indices into
 * 16 non-linear levels (the `iq4_nl` codebook, kvalues_iq4nl).
 *
 *   IQ4_NL  18 bytes  d f16 | qs[16]    w = d * kvalues[q]    4.5 bits/weight
 *
 * Nibbles as Q4_0: qs[j] holds weight j (low nibble) and weight j + 16 (high nibble).
 *
 * The quantizer is quantize_iq4_nl without an importance matrix, what llama-quantize writes:
 * quantize_row_iq4_nl_impl with ntry = 7 (a sweep of 15 trial scales around max / -127, each
 * solved by weighted least squares with weights x^2), then the levels re-picked with the best
 * scale. ggml's quantize_row_iq4_nl_ref (ntry = -1) keeps the first pass only; it is exported here
 * as `quantizeBlockIq4NlRef` for comparison, not used by the scheme.
 */
import type { GgmlCodec, QuantizeScratch } from './codec.js';
import { QK32 } from './types.js';
import { GROUP_MAX_EPS, f, readF16, writeF16 } from './f32-emulation.js';
import { DTYPES } from '../dtype/registry.js';

const QK = QK32;
const HALF = QK / 2;
const F16_BYTES = 2;
const NIBBLE = 0x0f;
/** Trial scales of quantize_iq4_nl: itry = -7..7. */
const NTRY = 7;
/** The levels, from the registry's `iq4_nl` codebook (the one definition). */
const VALUES: readonly number[] = DTYPES.iq4_nl.values;
const LAST = VALUES.length - 1;

/** ggml's best_index_int8(16, values, x): nearest level; ties to the upper one. */
export function bestIndexIq4Nl(x: number): number {
  if (x <= (VALUES[0] as number)) return 0;
  if (x >= (VALUES[LAST] as number)) return LAST;
  let ml = 0;
  let mu = LAST;
  while (mu - ml > 1) {
    const mav = (ml + mu) >> 1;
    if (x < (VALUES[mav] as number)) mu = mav;
    else ml = mav;
  }
  return f(x - (VALUES[mu - 1] as number)) < f((VALUES[mu] as number) - x) ? mu - 1 : mu;
}

/**
 * quantize_row_iq4_nl_impl(32, 32, x, ...) for one block with quant_weights = NULL. Levels go to
 * s.levels[0..31] (which keep their previous contents for an all-zero block when ntry <= 0, as
 * the C code's L array does); returns nothing, writes the block.
 */
function quantizeIq4(x: Float32Array, xOff: number, out: Uint8Array, o: number, s: QuantizeScratch, ntry: number): void {
  const L = s.levels;
  const weight = s.weights;
  let amax = 0;
  let max = 0;
  for (let j = 0; j < QK; j++) {
    const v = x[xOff + j] as number;
    weight[j] = f(v * v);
    const ax = Math.abs(v);
    if (ax > amax) {
      amax = ax;
      max = v;
    }
  }
  let scale = 0;
  const v0 = VALUES[0] as number;
  if (!(amax < GROUP_MAX_EPS)) {
    let d = ntry > 0 ? f(-max / v0) : f(max / v0);
    let id = f(1 / d);
    let sumqx = 0;
    let sumq2 = 0;
    for (let j = 0; j < QK; j++) {
      const xj = x[xOff + j] as number;
      const l = bestIndexIq4Nl(f(id * xj));
      L[j] = l;
      const q = VALUES[l] as number;
      const w = weight[j] as number;
      sumqx = f(sumqx + f(f(w * q) * xj));
      sumq2 = f(sumq2 + f(f(w * q) * q));
    }
    d = sumq2 > 0 ? f(sumqx / sumq2) : 0;
    let best = f(d * sumqx);
    for (let itry = -ntry; itry <= ntry; itry++) {
      id = f((itry + v0) / max);
      sumqx = 0;
      sumq2 = 0;
      for (let j = 0; j < QK; j++) {
        const xj = x[xOff + j] as number;
        const q = VALUES[bestIndexIq4Nl(f(id * xj))] as number;
        const w = weight[j] as number;
        sumqx = f(sumqx + f(f(w * q) * xj));
        sumq2 = f(sumq2 + f(f(w * q) * q));
      }
      if (sumq2 > 0 && f(sumqx * sumqx) > f(best * sumq2)) {
        d = f(sumqx / sumq2);
        best = f(d * sumqx);
      }
    }
    scale = d;
  }
  writeF16(out, o, scale, 'iq4_nl block scale d');
  if (ntry > 0) {
    const id = scale !== 0 ? f(1 / scale) : 0;
    for (let j = 0; j < QK; j++) L[j] = bestIndexIq4Nl(f(id * (x[xOff + j] as number)));
  }
  for (let j = 0; j < HALF; j++) out[o + F16_BYTES + j] = (L[j] as number) | ((L[HALF + j] as number) << 4);
}

/** ggml's quantize_row_iq4_nl_ref on one block (ntry = -1); see the file comment. */
export function quantizeBlockIq4NlRef(x: Float32Array, xOff: number, out: Uint8Array, o: number, s: QuantizeScratch): void {
  quantizeIq4(x, xOff, out, o, s, -1);
}

const nibble = (b: Uint8Array, off: number, j: number): number =>
  j < HALF ? (b[off + F16_BYTES + j] as number) & NIBBLE : (b[off + F16_BYTES + j - HALF] as number) >> 4;

/** The IQ4_NL codec. */
export const IQ4_NL_CODEC: GgmlCodec = {
  type: 'iq4_nl',
  blockSize: QK,
  blockBytes: F16_BYTES + HALF,
  codeBytes: HALF,
  groupSize: QK,
  elementType: 'iq4_nl',
  zero: 0,
  hasOffsets: false,
  scaleDType: 'f16',
  quantizeBlock: (x, xOff, out, o, s) => quantizeIq4(x, xOff, out, o, s, NTRY),
  dequantizeBlock(b, off, y, yOff) {
    const d = readF16(b, off);
    for (let j = 0; j < QK; j++) y[yOff + j] = d * (VALUES[nibble(b, off, j)] as number);
  },
  unpackBlock(b, off, codes, cOff, scales, _offsets, gOff) {
    scales[gOff] = readF16(b, off);
    for (let j = 0; j < QK; j++) codes[cOff + j] = nibble(b, off, j);
  },
};
