/**
 * llama.cpp's original block formats (ggml-common.h, ggml-quants.c): 32 weights per block.
 *
 *   Q4_0  18 bytes  d f16 | qs[16]                       w = (q - 8) d         4.5 bits/weight
 *   Q4_1  20 bytes  d f16 | m f16 | qs[16]               w = q d + m           5.0
 *   Q5_0  22 bytes  d f16 | qh[4] | qs[16]               w = (q - 16) d        5.5
 *   Q5_1  24 bytes  d f16 | m f16 | qh[4] | qs[16]       w = q d + m           6.0
 *   Q8_0  34 bytes  d f16 | int8 qs[32]                  w = q d               8.5
 *
 * Nibbles: qs[j] holds weight j in its low nibble and weight j + 16 in its high nibble. The fifth
 * bit of Q5 weight j is bit j of the little-endian u32 qh.
 *
 * The quantizers are quantize_row_q*_ref: they compute d in f32, quantize with id = 1/d (f32),
 * and store d as f16 afterwards (the codes are chosen against the f32 d).
 */
import type { GgmlCodec } from './codec.js';
import { QK32 } from './types.js';
import { f, floatToInt8, floatToUint8, readF16, roundHalfAway, writeF16 } from './f32-emulation.js';

/** Weights per block. */
const QK = QK32;
/** Half a block: the low / high nibble split. */
const HALF = QK / 2;
/** f16 field width. */
const F16_BYTES = 2;
/** Bytes of the Q5 high-bit word qh. */
const QH_BYTES = 4;
/** Largest 4-bit and 5-bit codes. */
const Q4_MAX = 15;
const Q5_MAX = 31;
/** Q4_0 / Q5_0 zero points: the codes are offset-binary around 8 and 16. */
const Q4_0_ZERO = 8;
const Q5_0_ZERO = 16;
/** Q8_0 symmetric range (1 << 7) - 1. */
const Q8_MAX = 127;
const NIBBLE = 0x0f;
/** The fifth code bit of a Q5 weight. */
const Q5_HIGH_BIT = 0x10;
/** -FLT_MAX / FLT_MAX, the starting min / max of the Q4_1 / Q5_1 searches. */
const FLT_MAX = f(3.4028234663852886e38);

/** The signed value of largest magnitude (first one on ties), as quantize_row_q4_0_ref finds it. */
function signedAbsMax(x: Float32Array, off: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < QK; j++) {
    const v = x[off + j] as number;
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return max;
}

function minMax(x: Float32Array, off: number): [number, number] {
  let min = FLT_MAX;
  let max = -FLT_MAX;
  for (let j = 0; j < QK; j++) {
    const v = x[off + j] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/** Reads the Q5 qh word (little endian) at `off`. */
function readU32(b: Uint8Array, off: number): number {
  return ((b[off] as number) | ((b[off + 1] as number) << 8) | ((b[off + 2] as number) << 16) | ((b[off + 3] as number) << 24)) >>> 0;
}

function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = v >>> 24;
}

/** Packs 32 codes into qs (weight j low nibble, j + 16 high nibble) and, for 5-bit codes, qh. */
function packNibbles(q: Int32Array, b: Uint8Array, qsOff: number, qhOff: number | undefined): void {
  let qh = 0;
  for (let j = 0; j < HALF; j++) {
    const q0 = q[j] as number;
    const q1 = q[j + HALF] as number;
    b[qsOff + j] = (q0 & NIBBLE) | ((q1 & NIBBLE) << 4);
    qh |= ((q0 & Q5_HIGH_BIT) >> 4) << j;
    qh |= ((q1 & Q5_HIGH_BIT) >> 4) << (j + HALF);
  }
  if (qhOff !== undefined) writeU32(b, qhOff, qh >>> 0);
}

/** Code of weight j from qs (and qh): the nibble plus the fifth bit. */
function nibbleCode(b: Uint8Array, qsOff: number, qh: number, j: number): number {
  const lo = j < HALF ? (b[qsOff + j] as number) & NIBBLE : (b[qsOff + j - HALF] as number) >> 4;
  return lo | (((qh >>> j) & 1) << 4);
}

/** Q4_0 / Q5_0: d = max / -(zero); q = min(qmax, (int8)(x * id + zero + 0.5)). */
function symmetricCodec(type: 'q4_0' | 'q5_0', zero: number, qmax: number, hasQh: boolean): GgmlCodec {
  const qsOff = F16_BYTES + (hasQh ? QH_BYTES : 0);
  const bias = f(zero + 0.5);
  return {
    type,
    blockSize: QK,
    blockBytes: qsOff + HALF,
    codeBytes: HALF + (hasQh ? QH_BYTES : 0),
    groupSize: QK,
    elementType: hasQh ? 'uint5' : 'uint4',
    zero,
    hasOffsets: false,
    scaleDType: 'f16',
    quantizeBlock(x, xOff, out, oOff, scratch) {
      const max = signedAbsMax(x, xOff);
      const d = f(max / -zero);
      const id = d !== 0 ? f(1 / d) : 0;
      writeF16(out, oOff, d, `${type} block scale d`);
      const q = scratch.levels;
      // (int8_t)(x0 + 8.5f): truncation toward zero of the f32 sum.
      for (let j = 0; j < QK; j++) q[j] = Math.min(qmax, floatToInt8(f(f((x[xOff + j] as number) * id) + bias))) & 0xff;
      packNibbles(q, out, oOff + qsOff, hasQh ? oOff + F16_BYTES : undefined);
    },
    dequantizeBlock(b, off, y, yOff) {
      const d = readF16(b, off);
      const qh = hasQh ? readU32(b, off + F16_BYTES) : 0;
      for (let j = 0; j < QK; j++) y[yOff + j] = (nibbleCode(b, off + qsOff, qh, j) - zero) * d;
    },
    unpackBlock(b, off, codes, cOff, scales, _offsets, gOff) {
      scales[gOff] = readF16(b, off);
      const qh = hasQh ? readU32(b, off + F16_BYTES) : 0;
      for (let j = 0; j < QK; j++) codes[cOff + j] = nibbleCode(b, off + qsOff, qh, j);
    },
  };
}

/** Q4_1 / Q5_1: d = (max - min) / qmax, m = min; q = (x - min) * id + 0.5 truncated. */
function affineCodec(type: 'q4_1' | 'q5_1', qmax: number, hasQh: boolean): GgmlCodec {
  const mOff = F16_BYTES;
  const qhOff = 2 * F16_BYTES;
  const qsOff = 2 * F16_BYTES + (hasQh ? QH_BYTES : 0);
  const half = f(0.5);
  return {
    type,
    blockSize: QK,
    blockBytes: qsOff + HALF,
    codeBytes: HALF + (hasQh ? QH_BYTES : 0),
    groupSize: QK,
    elementType: hasQh ? 'uint5' : 'uint4',
    zero: 0,
    hasOffsets: true,
    scaleDType: 'f16',
    quantizeBlock(x, xOff, out, oOff, scratch) {
      const [min, max] = minMax(x, xOff);
      const d = f(f(max - min) / qmax);
      const id = d !== 0 ? f(1 / d) : 0;
      writeF16(out, oOff, d, `${type} block scale d`);
      writeF16(out, oOff + mOff, min, `${type} block min m`);
      const q = scratch.levels;
      for (let j = 0; j < QK; j++) {
        const v = f(f(f((x[xOff + j] as number) - min) * id) + half);
        // Q4_1 clamps with MIN(15, (int8_t)v); Q5_1 stores (uint8_t)v without a clamp.
        q[j] = hasQh ? floatToUint8(v) : Math.min(qmax, floatToInt8(v)) & 0xff;
      }
      packNibbles(q, out, oOff + qsOff, hasQh ? oOff + qhOff : undefined);
    },
    dequantizeBlock(b, off, y, yOff) {
      const d = readF16(b, off);
      const m = readF16(b, off + mOff);
      const qh = hasQh ? readU32(b, off + qhOff) : 0;
      // x0*d + m: two f32 roundings (Float32Array stores round the sum).
      for (let j = 0; j < QK; j++) y[yOff + j] = f(nibbleCode(b, off + qsOff, qh, j) * d) + m;
    },
    unpackBlock(b, off, codes, cOff, scales, offsets, gOff) {
      scales[gOff] = readF16(b, off);
      // w = q d + m = q d - (-m): the offset is the negated minimum (exact).
      (offsets as Float32Array)[gOff] = -readF16(b, off + mOff);
      const qh = hasQh ? readU32(b, off + qhOff) : 0;
      for (let j = 0; j < QK; j++) codes[cOff + j] = nibbleCode(b, off + qsOff, qh, j);
    },
  };
}

/** Q8_0: d = amax / 127, q = roundf(x * id) (half away from zero), int8 codes. */
const q8_0: GgmlCodec = {
  type: 'q8_0',
  blockSize: QK,
  blockBytes: F16_BYTES + QK,
  codeBytes: QK,
  groupSize: QK,
  elementType: 'int8',
  zero: 0,
  hasOffsets: false,
  scaleDType: 'f16',
  quantizeBlock(x, xOff, out, oOff) {
    let amax = 0;
    for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[xOff + j] as number));
    const d = f(amax / Q8_MAX);
    const id = d !== 0 ? f(1 / d) : 0;
    writeF16(out, oOff, d, 'q8_0 block scale d');
    for (let j = 0; j < QK; j++) out[oOff + F16_BYTES + j] = floatToInt8(roundHalfAway(f((x[xOff + j] as number) * id))) & 0xff;
  },
  dequantizeBlock(b, off, y, yOff) {
    const d = readF16(b, off);
    for (let j = 0; j < QK; j++) y[yOff + j] = (((b[off + F16_BYTES + j] as number) << 24) >> 24) * d;
  },
  unpackBlock(b, off, codes, cOff, scales, _offsets, gOff) {
    scales[gOff] = readF16(b, off);
    // int8 codes are the two's-complement bytes themselves.
    for (let j = 0; j < QK; j++) codes[cOff + j] = b[off + F16_BYTES + j] as number;
  },
};

/** The five legacy codecs. */
export const LEGACY_CODECS: readonly GgmlCodec[] = [
  symmetricCodec('q4_0', Q4_0_ZERO, Q4_MAX, false),
  affineCodec('q4_1', Q4_MAX, false),
  symmetricCodec('q5_0', Q5_0_ZERO, Q5_MAX, true),
  affineCodec('q5_1', Q5_MAX, true),
  q8_0,
];
