/**
 * ggml's MXFP4 block (ggml-common.h block_mxfp4), a byte layout of lowbit's OCP `mxfp4`:
 *
 *   MXFP4  17 bytes  e (E8M0) | qs[16] (E2M1 codes)    w = 2^(e - 127) * fp4(q)    4.25 bits/weight
 *
 * Nibbles as Q4_0: qs[j] holds weight j (low nibble) and weight j + 16 (high nibble). A nibble is
 * the OCP E2M1 code (sign bit 3), the same code lowbit's float4_e2m1fn uses; ggml decodes it as
 * kvalues_mxfp4[q] = 2 * fp4(q) times GGML_E8M0_TO_FP32_HALF(e) = 2^(e - 128), the same number.
 * E8M0 0xFF is NaN in OCP MX v1.0 (section 5.4.1); ggml reads it as 2^127 * 2. lowbit refuses
 * blocks with e = 0xFF rather than give them either meaning.
 *
 * lowbit's `mxfp4` scheme keeps its own OCP quantizer (src/quant); `quantizeBlockMxfp4Ggml` below
 * is ggml's quantize_row_mxfp4_ref, kept to compare the two (they differ on ties and where
 * log2f(amax) rounds up to an integer just below a power of two).
 */
import type { GgmlCodec } from './codec.js';
import { QK32 } from './types.js';
import { f } from './f32-emulation.js';
import { getDType } from '../dtype/registry.js';
import { floorLog2 } from '../dtype/rounding.js';

const QK = QK32;
const HALF = QK / 2;
const NIBBLE = 0x0f;
/** E8M0 bias and its NaN code (OCP MX v1.0 5.4.1). */
export const E8M0_BIAS = 127;
export const E8M0_NAN = 0xff;
/** floor(log2(6)) = 2: the E2M1 emax ggml subtracts from floor(log2(amax)). */
const E2M1_EMAX = getDType('float4_e2m1fn').info.emax;
/**
 * ggml's kvalues_mxfp4: E2M1 values doubled, by code. They are int8_t, so the -0 code (0b1000)
 * is +0 there (`+ 0` turns -0 into +0).
 */
const KVALUES: readonly number[] = Array.from(getDType('float4_e2m1fn').decodeTable, (v) => 2 * v + 0);

/** GGML_E8M0_TO_FP32_HALF(e) = 2^(e - 128), exactly (a subnormal for e < 2). */
function e8m0Half(e: number): number {
  return 2 ** (e - E8M0_BIAS - 1);
}

const nibble = (b: Uint8Array, off: number, j: number): number =>
  j < HALF ? (b[off + 1 + j] as number) & NIBBLE : (b[off + 1 + j - HALF] as number) >> 4;

/** best_index_mxfp4(x, e): the first code with the smallest |kvalues[i] * e - x| (f32). */
function bestIndexMxfp4(x: number, e: number): number {
  let best = 0;
  let bestErr = Math.abs(f(f((KVALUES[0] as number) * e) - x));
  for (let i = 1; i < KVALUES.length; i++) {
    const err = Math.abs(f(f((KVALUES[i] as number) * e) - x));
    if (err < bestErr) {
      best = i;
      bestErr = err;
    }
  }
  return best;
}

/**
 * ggml's quantize_row_mxfp4_ref on one block: e = floor(log2f(amax)) - 2 + 127 (0 for an all-zero
 * block), codes by best_index_mxfp4. log2f is taken as log2 rounded to f32.
 */
export function quantizeBlockMxfp4Ggml(x: Float32Array, xOff: number, out: Uint8Array, o: number): void {
  let amax = 0;
  for (let j = 0; j < QK; j++) if (amax < Math.abs(x[xOff + j] as number)) amax = Math.abs(x[xOff + j] as number);
  const e = amax > 0 ? (Math.floor(f(Math.log2(amax))) - E2M1_EMAX + E8M0_BIAS) & 0xff : 0;
  const d = e8m0Half(e);
  out[o] = e;
  for (let j = 0; j < HALF; j++) out[o + 1 + j] = bestIndexMxfp4(x[xOff + j] as number, d) | (bestIndexMxfp4(x[xOff + HALF + j] as number, d) << 4);
}

/** The MXFP4 block layout (read and written for lowbit's `mxfp4` tensors). */
export const MXFP4_CODEC: GgmlCodec = {
  type: 'mxfp4',
  blockSize: QK,
  blockBytes: 1 + HALF,
  codeBytes: HALF,
  groupSize: QK,
  elementType: 'float4_e2m1fn',
  zero: 0,
  hasOffsets: false,
  scaleDType: 'e8m0',
  quantizeBlock: (x, xOff, out, o) => quantizeBlockMxfp4Ggml(x, xOff, out, o),
  dequantizeBlock(b, off, y, yOff) {
    const d = e8m0Half(b[off] as number);
    for (let j = 0; j < QK; j++) y[yOff + j] = (KVALUES[nibble(b, off, j)] as number) * d;
  },
  unpackBlock(b, off, codes, cOff, scales, _offsets, gOff) {
    const e = b[off] as number;
    if (e === E8M0_NAN) throw new RangeError(`an MXFP4 block has the E8M0 scale 0xFF, which is NaN in OCP MX v1.0 (5.4.1)`);
    scales[gOff] = 2 ** (e - E8M0_BIAS);
    for (let j = 0; j < QK; j++) codes[cOff + j] = nibble(b, off, j);
  },
};

/** Packs one block of lowbit `mxfp4` codes (32, weight order) and its power-of-two scale. */
export function packMxfp4Block(codes: Uint8Array, cOff: number, scale: number, out: Uint8Array, o: number): void {
  const e = scale > 0 && Number.isFinite(scale) ? floorLog2(scale) + E8M0_BIAS : -1;
  if (e < 0 || e >= E8M0_NAN || 2 ** (e - E8M0_BIAS) !== scale) throw new RangeError(`mxfp4 block scale ${scale} is not an E8M0 power of two 2^-127..2^127`);
  out[o] = e;
  for (let j = 0; j < HALF; j++) out[o + 1 + j] = ((codes[cOff + j] as number) & NIBBLE) | (((codes[cOff + HALF + j] as number) & NIBBLE) << 4);
}
