/**
 * llama.cpp's k-quants (ggml-common.h, ggml-quants.c): super-blocks of 256 weights split into
 * sub-blocks of 16 or 32, each with a small integer scale (and min) that multiplies the f16
 * super-block scale d (and dmin).
 *
 *   Q2_K   84 bytes  scales[16] (4-bit sc | 4-bit m << 4) | qs[64] | d f16 | dmin f16
 *                    w = (d sc) q - (dmin m), q 2-bit, 16 sub-blocks of 16     2.625 bits/weight
 *   Q3_K  110 bytes  hmask[32] | qs[64] | scales[12] (16 x 6-bit) | d f16
 *                    w = (d (sc - 32)) (q - 4), q = 2 low bits | hmask bit << 2   3.4375
 *   Q4_K  144 bytes  d f16 | dmin f16 | scales[12] (8 x 6-bit sc, 8 x 6-bit m) | qs[128]
 *                    w = (d sc) q - (dmin m), q 4-bit, 8 sub-blocks of 32      4.5
 *   Q5_K  176 bytes  d f16 | dmin f16 | scales[12] | qh[32] | qs[128]
 *                    as Q4_K with a fifth bit from qh                          5.5
 *   Q6_K  210 bytes  ql[128] | qh[64] | int8 scales[16] | d f16
 *                    w = (d sc) (q - 32), q = 4 bits of ql | 2 bits of qh << 4  6.5625
 *
 * Weight order inside a super-block (element e = 0..255):
 * - Q2_K / Q3_K 2-bit fields: byte qs[32 (e >> 7) + (e & 31)], bits 2 ((e >> 5) & 3); Q3_K's
 *   third bit is bit (e >> 5) of hmask[e & 31].
 * - Q4_K / Q5_K nibbles: byte qs[32 (e >> 6) + (e & 31)], low nibble when (e & 32) == 0; Q5_K's
 *   fifth bit is bit (e >> 5) of qh[e & 31].
 * - Q6_K: half h = e >> 7, r = e & 127: low 4 bits from ql[64 h + (r & 63)] (low nibble when
 *   r < 64), high 2 bits from qh[32 h + (r & 31)] at bit 2 (r >> 5).
 * - the sub-block of element e is e >> 4 (16-weight sub-blocks) or e >> 5 (32-weight ones).
 *
 * 6-bit scale packing of Q4_K / Q5_K (get_scale_min_k4): for j < 4, sc = scales[j] & 63 and
 * m = scales[j + 4] & 63; for j >= 4, sc = scales[j + 4] & 15 | (scales[j - 4] >> 6) << 4 and
 * m = scales[j + 4] >> 4 | (scales[j] >> 6) << 4. Q3_K: sc_j = (j < 8 ? scales[j] & 15 :
 * scales[j - 8] >> 4) | ((scales[8 + j % 4] >> 2 (j / 4)) & 3) << 4, stored offset by 32.
 */
import type { GgmlCodec, QuantizeScratch } from './codec.js';
import { QK_K } from './types.js';
import { f, intToInt8, nearestInt, readF16, writeF16, GROUP_MAX_EPS } from './f32-emulation.js';
import { makeQ3Quants, makeQkx2Quants, makeQxQuants, type Qkx2Result } from './k-quant-search.js';

const F16_BYTES = 2;
/** Packed 6-bit scales and mins of Q3_K, Q4_K and Q5_K (K_SCALE_SIZE). */
const K_SCALE_SIZE = 12;
/** Sub-blocks of 16 (Q2_K, Q3_K, Q6_K) and of 32 (Q4_K, Q5_K) weights. */
const SUB16 = 16;
const SUB32 = 32;
const NSUB16 = QK_K / SUB16;
const NSUB32 = QK_K / SUB32;
/** Bytes of 2-bit codes (QK_K / 4), nibbles (QK_K / 2) and one-bit planes (QK_K / 8). */
const QS2_BYTES = QK_K / 4;
const QS4_BYTES = QK_K / 2;
const BITPLANE_BYTES = QK_K / 8;
/** Largest 4-bit and 6-bit sub-block scale codes. */
const SCALE4_MAX = 15;
const SCALE6_MAX = 63;
/** Q3_K and Q6_K scale offsets / ranges. */
const Q3_SCALE_BIAS = 32;
const Q6_SCALE_RANGE = 128;
const Q6_SCALE_MAX = 127;
/** Q3_K codes are offset by 4, Q6_K codes by 32. */
const Q3_ZERO = 4;
const Q6_ZERO = 32;
const LOW2 = 3;
const NIBBLE = 0x0f;
const SIX = 63;

const q4Sweep = { rmin: f(-1), rdelta: f(0.1), nstep: 20, useMad: false } as const;
const q5Sweep = { rmin: f(-0.5), rdelta: f(0.1), nstep: 15, useMad: false } as const;
const q2Sweep = { rmin: f(-0.5), rdelta: f(0.1), nstep: 15, useMad: true } as const;

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** get_scale_min_k4: the 6-bit scale of sub-block j of a Q4_K / Q5_K super-block. */
function scaleK4(b: Uint8Array, s: number, j: number): number {
  return j < 4 ? (b[s + j] as number) & SIX : ((b[s + j + 4] as number) & NIBBLE) | (((b[s + j - 4] as number) >> 6) << 4);
}

/** get_scale_min_k4: the 6-bit min of sub-block j. */
function minK4(b: Uint8Array, s: number, j: number): number {
  return j < 4 ? (b[s + j + 4] as number) & SIX : ((b[s + j + 4] as number) >> 4) | (((b[s + j] as number) >> 6) << 4);
}

/** Q3_K: the 6-bit scale code of sub-block j (0..63; the scale is code - 32). */
function scaleQ3(b: Uint8Array, s: number, j: number): number {
  const lo = j < 8 ? (b[s + j] as number) & NIBBLE : (b[s + j - 8] as number) >> 4;
  return lo | ((((b[s + 8 + (j % 4)] as number) >> (2 * Math.floor(j / 4))) & LOW2) << 4);
}

/** Byte index (in the 2-bit qs array) and shift of element e in Q2_K / Q3_K. */
const qs2Byte = (e: number): number => 32 * (e >> 7) + (e & 31);
const qs2Shift = (e: number): number => 2 * ((e >> 5) & 3);

/** Packs 256 2-bit levels L[0..255] as quantize_row_q2_K_ref / q3_K_ref do. */
function packQs2(L: Int32Array, b: Uint8Array, qsOff: number): void {
  for (let j = 0; j < QK_K; j += 128) {
    for (let l = 0; l < 32; l++) {
      b[qsOff + j / 4 + l] = ((L[j + l] as number) | ((L[j + l + 32] as number) << 2) | ((L[j + l + 64] as number) << 4) | ((L[j + l + 96] as number) << 6)) & 0xff;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Q2_K

const Q2 = { scales: 0, qs: NSUB16, d: NSUB16 + QS2_BYTES, dmin: NSUB16 + QS2_BYTES + F16_BYTES, bytes: 84 } as const;

function quantizeQ2K(x: Float32Array, xOff: number, out: Uint8Array, o: number, s: QuantizeScratch): void {
  const L = s.levels;
  const { weights, scales, mins, levelsAux } = s;
  const r: Qkx2Result = { scale: 0, min: 0 };
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < NSUB16; j++) {
    for (let l = 0; l < SUB16; l++) weights[l] = Math.abs(x[xOff + SUB16 * j + l] as number);
    makeQkx2Quants(SUB16, 3, x, xOff + SUB16 * j, weights, L, SUB16 * j, levelsAux, q2Sweep, r);
    scales[j] = r.scale;
    mins[j] = r.min;
    if (r.scale > maxScale) maxScale = r.scale;
    if (r.min > maxMin) maxMin = r.min;
  }
  if (maxScale > 0) {
    const iscale = f(SCALE4_MAX / maxScale);
    for (let j = 0; j < NSUB16; j++) out[o + Q2.scales + j] = nearestInt(f(iscale * (scales[j] as number))) & 0xff;
    writeF16(out, o + Q2.d, f(maxScale / SCALE4_MAX), 'q2_k super-block scale d');
  } else {
    out.fill(0, o + Q2.scales, o + Q2.scales + NSUB16);
    writeF16(out, o + Q2.d, 0, 'q2_k d');
  }
  if (maxMin > 0) {
    const iscale = f(SCALE4_MAX / maxMin);
    for (let j = 0; j < NSUB16; j++) out[o + Q2.scales + j] = ((out[o + Q2.scales + j] as number) | (nearestInt(f(iscale * (mins[j] as number))) << 4)) & 0xff;
    writeF16(out, o + Q2.dmin, f(maxMin / SCALE4_MAX), 'q2_k super-block min scale dmin');
  } else {
    writeF16(out, o + Q2.dmin, 0, 'q2_k dmin');
  }
  const d16 = readF16(out, o + Q2.d);
  const dmin16 = readF16(out, o + Q2.dmin);
  for (let j = 0; j < NSUB16; j++) {
    const sc = out[o + Q2.scales + j] as number;
    const d = f(d16 * (sc & NIBBLE));
    if (d === 0) continue;
    const dm = f(dmin16 * (sc >> 4));
    for (let ii = 0; ii < SUB16; ii++) L[SUB16 * j + ii] = clamp(nearestInt(f(f((x[xOff + SUB16 * j + ii] as number) + dm) / d)), 0, 3);
  }
  packQs2(L, out, o + Q2.qs);
}

const q2_k: GgmlCodec = {
  type: 'q2_k',
  blockSize: QK_K,
  blockBytes: Q2.bytes,
  codeBytes: QS2_BYTES,
  groupSize: SUB16,
  elementType: 'uint2',
  zero: 0,
  hasOffsets: true,
  scaleDType: 'f32',
  quantizeBlock: quantizeQ2K,
  dequantizeBlock(b, off, y, yOff) {
    const d = readF16(b, off + Q2.d);
    const min = readF16(b, off + Q2.dmin);
    for (let e = 0; e < QK_K; e++) {
      const sc = b[off + Q2.scales + (e >> 4)] as number;
      const q = ((b[off + Q2.qs + qs2Byte(e)] as number) >> qs2Shift(e)) & LOW2;
      // dl * q - ml with dl = d * (sc & 0xF), ml = min * (sc >> 4).
      y[yOff + e] = f(f(d * (sc & NIBBLE)) * q) - f(min * (sc >> 4));
    }
  },
  unpackBlock(b, off, codes, cOff, scales, offsets, gOff) {
    const d = readF16(b, off + Q2.d);
    const min = readF16(b, off + Q2.dmin);
    for (let j = 0; j < NSUB16; j++) {
      const sc = b[off + Q2.scales + j] as number;
      scales[gOff + j] = f(d * (sc & NIBBLE));
      (offsets as Float32Array)[gOff + j] = f(min * (sc >> 4));
    }
    for (let e = 0; e < QK_K; e++) codes[cOff + e] = ((b[off + Q2.qs + qs2Byte(e)] as number) >> qs2Shift(e)) & LOW2;
  },
};

// ---------------------------------------------------------------------------------------------
// Q3_K

const Q3 = { hmask: 0, qs: BITPLANE_BYTES, scales: BITPLANE_BYTES + QS2_BYTES, d: BITPLANE_BYTES + QS2_BYTES + K_SCALE_SIZE, bytes: 110 } as const;

function quantizeQ3K(x: Float32Array, xOff: number, out: Uint8Array, o: number, s: QuantizeScratch): void {
  const L = s.levels;
  const scales = s.scales;
  let maxScale = 0;
  let amax = 0;
  for (let j = 0; j < NSUB16; j++) {
    scales[j] = makeQ3Quants(SUB16, Q3_ZERO, x, xOff + SUB16 * j, L, SUB16 * j);
    const scale = Math.abs(scales[j] as number);
    if (scale > amax) {
      amax = scale;
      maxScale = scales[j] as number;
    }
  }
  const sc = o + Q3.scales;
  out.fill(0, sc, sc + K_SCALE_SIZE);
  if (maxScale !== 0) {
    const iscale = f(-Q3_SCALE_BIAS / maxScale);
    for (let j = 0; j < NSUB16; j++) {
      // int8_t l = nearest_int(...): the int is narrowed to int8 before the clamp.
      let l = clamp(intToInt8(nearestInt(f(iscale * (scales[j] as number)))), -Q3_SCALE_BIAS, Q3_SCALE_BIAS - 1) + Q3_SCALE_BIAS;
      if (j < 8) out[sc + j] = l & NIBBLE;
      else out[sc + j - 8] = ((out[sc + j - 8] as number) | ((l & NIBBLE) << 4)) & 0xff;
      l >>= 4;
      out[sc + (j % 4) + 8] = ((out[sc + (j % 4) + 8] as number) | (l << (2 * Math.floor(j / 4)))) & 0xff;
    }
    writeF16(out, o + Q3.d, f(1 / iscale), 'q3_k super-block scale d');
  } else {
    writeF16(out, o + Q3.d, 0, 'q3_k d');
  }
  const d16 = readF16(out, o + Q3.d);
  for (let j = 0; j < NSUB16; j++) {
    const d = f(d16 * (scaleQ3(out, sc, j) - Q3_SCALE_BIAS));
    if (d === 0) continue;
    for (let ii = 0; ii < SUB16; ii++) L[SUB16 * j + ii] = clamp(nearestInt(f((x[xOff + SUB16 * j + ii] as number) / d)), -Q3_ZERO, Q3_ZERO - 1) + Q3_ZERO;
  }
  // High bit of level j into bit (j / 32) of hmask[j % 32]; the low two bits stay in L.
  out.fill(0, o + Q3.hmask, o + Q3.hmask + BITPLANE_BYTES);
  for (let j = 0; j < QK_K; j++) {
    if ((L[j] as number) > 3) {
      out[o + Q3.hmask + (j % BITPLANE_BYTES)] = ((out[o + Q3.hmask + (j % BITPLANE_BYTES)] as number) | (1 << Math.floor(j / BITPLANE_BYTES))) & 0xff;
      L[j] = (L[j] as number) - 4;
    }
  }
  packQs2(L, out, o + Q3.qs);
}

/** The 3-bit code of element e of a Q3_K block: 2 bits of qs | the hmask bit << 2. */
function q3Code(b: Uint8Array, off: number, e: number): number {
  const lo = ((b[off + Q3.qs + qs2Byte(e)] as number) >> qs2Shift(e)) & LOW2;
  const hi = ((b[off + Q3.hmask + (e & 31)] as number) >> (e >> 5)) & 1;
  return lo | (hi << 2);
}

const q3_k: GgmlCodec = {
  type: 'q3_k',
  blockSize: QK_K,
  blockBytes: Q3.bytes,
  codeBytes: BITPLANE_BYTES + QS2_BYTES,
  groupSize: SUB16,
  elementType: 'uint3',
  zero: Q3_ZERO,
  hasOffsets: false,
  scaleDType: 'f32',
  quantizeBlock: quantizeQ3K,
  dequantizeBlock(b, off, y, yOff) {
    const dAll = readF16(b, off + Q3.d);
    for (let e = 0; e < QK_K; e++) {
      const dl = f(dAll * (scaleQ3(b, off + Q3.scales, e >> 4) - Q3_SCALE_BIAS));
      // dl * (q - (hmask bit ? 0 : 4)) = dl * (code - 4).
      y[yOff + e] = dl * (q3Code(b, off, e) - Q3_ZERO);
    }
  },
  unpackBlock(b, off, codes, cOff, scales, _offsets, gOff) {
    const dAll = readF16(b, off + Q3.d);
    for (let j = 0; j < NSUB16; j++) scales[gOff + j] = f(dAll * (scaleQ3(b, off + Q3.scales, j) - Q3_SCALE_BIAS));
    for (let e = 0; e < QK_K; e++) codes[cOff + e] = q3Code(b, off, e);
  },
};

// ---------------------------------------------------------------------------------------------
// Q4_K and Q5_K

const K4 = { d: 0, dmin: F16_BYTES, scales: 2 * F16_BYTES, qh: 2 * F16_BYTES + K_SCALE_SIZE } as const;

/**
 * The shared part of quantize_row_q4_K_ref / q5_K_ref: per sub-block of 32 the weighted affine
 * search, then 6-bit scales and mins against d = max_scale / 63, dmin = max_min / 63, then the
 * levels requantized with the stored scales. Levels end up in s.levels.
 */
function quantizeK4Scales(x: Float32Array, xOff: number, out: Uint8Array, o: number, s: QuantizeScratch, nmax: number, sweep: typeof q4Sweep | typeof q5Sweep, type: string): void {
  const L = s.levels;
  const { weights, scales, mins, levelsAux } = s;
  const r: Qkx2Result = { scale: 0, min: 0 };
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < NSUB32; j++) {
    const base = xOff + SUB32 * j;
    let sumX2 = 0;
    for (let l = 0; l < SUB32; l++) sumX2 = f(sumX2 + f((x[base + l] as number) * (x[base + l] as number)));
    const avX = f(Math.sqrt(f(sumX2 / SUB32)));
    for (let l = 0; l < SUB32; l++) weights[l] = f(avX + Math.abs(x[base + l] as number));
    makeQkx2Quants(SUB32, nmax, x, base, weights, L, SUB32 * j, levelsAux, sweep, r);
    scales[j] = r.scale;
    mins[j] = r.min;
    if (r.scale > maxScale) maxScale = r.scale;
    if (r.min > maxMin) maxMin = r.min;
  }
  const invScale = maxScale > 0 ? f(SCALE6_MAX / maxScale) : 0;
  const invMin = maxMin > 0 ? f(SCALE6_MAX / maxMin) : 0;
  const sc = o + K4.scales;
  for (let j = 0; j < NSUB32; j++) {
    // uint8_t ls = nearest_int(...): narrowed to 8 bits, then clamped to 63.
    const ls = Math.min(SCALE6_MAX, nearestInt(f(invScale * (scales[j] as number))) & 0xff);
    const lm = Math.min(SCALE6_MAX, nearestInt(f(invMin * (mins[j] as number))) & 0xff);
    if (j < 4) {
      out[sc + j] = ls;
      out[sc + j + 4] = lm;
    } else {
      out[sc + j + 4] = (ls & NIBBLE) | ((lm & NIBBLE) << 4);
      out[sc + j - 4] = ((out[sc + j - 4] as number) | ((ls >> 4) << 6)) & 0xff;
      out[sc + j] = ((out[sc + j] as number) | ((lm >> 4) << 6)) & 0xff;
    }
  }
  writeF16(out, o + K4.d, f(maxScale / SCALE6_MAX), `${type} super-block scale d`);
  writeF16(out, o + K4.dmin, f(maxMin / SCALE6_MAX), `${type} super-block min scale dmin`);
  const d16 = readF16(out, o + K4.d);
  const dmin16 = readF16(out, o + K4.dmin);
  for (let j = 0; j < NSUB32; j++) {
    const d = f(d16 * scaleK4(out, sc, j));
    if (d === 0) continue;
    const dm = f(dmin16 * minK4(out, sc, j));
    for (let ii = 0; ii < SUB32; ii++) L[SUB32 * j + ii] = clamp(nearestInt(f(f((x[xOff + SUB32 * j + ii] as number) + dm) / d)), 0, nmax);
  }
}

/** Byte of the nibble array and its shift for element e of Q4_K / Q5_K. */
const qs4Byte = (e: number): number => 32 * (e >> 6) + (e & 31);
const qs4Shift = (e: number): number => (e & 32) >> 3;

function k4Unpack(b: Uint8Array, off: number, scales: Float32Array, offsets: Float32Array, gOff: number): void {
  const d = readF16(b, off + K4.d);
  const min = readF16(b, off + K4.dmin);
  for (let j = 0; j < NSUB32; j++) {
    scales[gOff + j] = f(d * scaleK4(b, off + K4.scales, j));
    offsets[gOff + j] = f(min * minK4(b, off + K4.scales, j));
  }
}

const q4_k: GgmlCodec = {
  type: 'q4_k',
  blockSize: QK_K,
  blockBytes: 2 * F16_BYTES + K_SCALE_SIZE + QS4_BYTES,
  codeBytes: QS4_BYTES,
  groupSize: SUB32,
  elementType: 'uint4',
  zero: 0,
  hasOffsets: true,
  scaleDType: 'f32',
  quantizeBlock(x, xOff, out, o, s) {
    quantizeK4Scales(x, xOff, out, o, s, SCALE4_MAX, q4Sweep, 'q4_k');
    const L = s.levels;
    const qs = o + K4.qh;
    for (let j = 0; j < QK_K; j += 64) {
      for (let l = 0; l < 32; l++) out[qs + j / 2 + l] = (L[j + l] as number) | ((L[j + l + 32] as number) << 4);
    }
  },
  dequantizeBlock(b, off, y, yOff) {
    const d = readF16(b, off + K4.d);
    const min = readF16(b, off + K4.dmin);
    for (let e = 0; e < QK_K; e++) {
      const j = e >> 5;
      const q = ((b[off + K4.qh + qs4Byte(e)] as number) >> qs4Shift(e)) & NIBBLE;
      y[yOff + e] = f(f(d * scaleK4(b, off + K4.scales, j)) * q) - f(min * minK4(b, off + K4.scales, j));
    }
  },
  unpackBlock(b, off, codes, cOff, scales, offsets, gOff) {
    k4Unpack(b, off, scales, offsets as Float32Array, gOff);
    for (let e = 0; e < QK_K; e++) codes[cOff + e] = ((b[off + K4.qh + qs4Byte(e)] as number) >> qs4Shift(e)) & NIBBLE;
  },
};

/** Q5_K: qh[32] follows the scales, then qs[128]. */
const Q5_QS = K4.qh + BITPLANE_BYTES;

function q5Code(b: Uint8Array, off: number, e: number): number {
  const lo = ((b[off + Q5_QS + qs4Byte(e)] as number) >> qs4Shift(e)) & NIBBLE;
  const hi = ((b[off + K4.qh + (e & 31)] as number) >> (e >> 5)) & 1;
  return lo | (hi << 4);
}

const q5_k: GgmlCodec = {
  type: 'q5_k',
  blockSize: QK_K,
  blockBytes: Q5_QS + QS4_BYTES,
  codeBytes: BITPLANE_BYTES + QS4_BYTES,
  groupSize: SUB32,
  elementType: 'uint5',
  zero: 0,
  hasOffsets: true,
  scaleDType: 'f32',
  quantizeBlock(x, xOff, out, o, s) {
    quantizeK4Scales(x, xOff, out, o, s, 31, q5Sweep, 'q5_k');
    const L = s.levels;
    const qh = o + K4.qh;
    out.fill(0, qh, qh + BITPLANE_BYTES);
    // Level L of pair (n + j, n + j + 32): low nibbles into ql, the fifth bits into qh at bits
    // 2 (n / 64) and 2 (n / 64) + 1.
    let m1 = 1;
    let m2 = 2;
    for (let n = 0, ql = o + Q5_QS; n < QK_K; n += 64, ql += 32) {
      for (let j = 0; j < 32; j++) {
        let l1 = L[n + j] as number;
        if (l1 > 15) {
          l1 -= 16;
          out[qh + j] = (out[qh + j] as number) | m1;
        }
        let l2 = L[n + j + 32] as number;
        if (l2 > 15) {
          l2 -= 16;
          out[qh + j] = (out[qh + j] as number) | m2;
        }
        out[ql + j] = l1 | (l2 << 4);
      }
      m1 <<= 2;
      m2 <<= 2;
    }
  },
  dequantizeBlock(b, off, y, yOff) {
    const d = readF16(b, off + K4.d);
    const min = readF16(b, off + K4.dmin);
    for (let e = 0; e < QK_K; e++) {
      const j = e >> 5;
      y[yOff + e] = f(f(d * scaleK4(b, off + K4.scales, j)) * q5Code(b, off, e)) - f(min * minK4(b, off + K4.scales, j));
    }
  },
  unpackBlock(b, off, codes, cOff, scales, offsets, gOff) {
    k4Unpack(b, off, scales, offsets as Float32Array, gOff);
    for (let e = 0; e < QK_K; e++) codes[cOff + e] = q5Code(b, off, e);
  },
};

// ---------------------------------------------------------------------------------------------
// Q6_K

const Q6 = { ql: 0, qh: QS4_BYTES, scales: QS4_BYTES + QS2_BYTES, d: QS4_BYTES + QS2_BYTES + NSUB16, bytes: 210 } as const;

/** The 6-bit code of element e of a Q6_K block (code - 32 is the signed level). */
function q6Code(b: Uint8Array, off: number, e: number): number {
  const h = e >> 7;
  const r = e & 127;
  const lo = ((b[off + Q6.ql + 64 * h + (r & 63)] as number) >> (r < 64 ? 0 : 4)) & NIBBLE;
  const hi = ((b[off + Q6.qh + 32 * h + (r & 31)] as number) >> (2 * (r >> 5))) & LOW2;
  return lo | (hi << 4);
}

function quantizeQ6K(x: Float32Array, xOff: number, out: Uint8Array, o: number, s: QuantizeScratch): void {
  const L = s.levels;
  const scales = s.scales;
  let maxScale = 0;
  let maxAbsScale = 0;
  for (let ib = 0; ib < NSUB16; ib++) {
    const scale = makeQxQuants(SUB16, Q6_ZERO, x, xOff + SUB16 * ib, L, SUB16 * ib);
    scales[ib] = scale;
    const absScale = Math.abs(scale);
    if (absScale > maxAbsScale) {
      maxAbsScale = absScale;
      maxScale = scale;
    }
  }
  if (maxAbsScale < GROUP_MAX_EPS) {
    out.fill(0, o, o + Q6.bytes);
    return;
  }
  const iscale = f(-Q6_SCALE_RANGE / maxScale);
  const d16 = writeF16(out, o + Q6.d, f(1 / iscale), 'q6_k super-block scale d');
  for (let ib = 0; ib < NSUB16; ib++) out[o + Q6.scales + ib] = Math.min(Q6_SCALE_MAX, nearestInt(f(iscale * (scales[ib] as number)))) & 0xff;
  for (let j = 0; j < NSUB16; j++) {
    const d = f(d16 * intToInt8(out[o + Q6.scales + j] as number));
    if (d === 0) continue;
    for (let ii = 0; ii < SUB16; ii++) L[SUB16 * j + ii] = clamp(nearestInt(f((x[xOff + SUB16 * j + ii] as number) / d)), -Q6_ZERO, Q6_ZERO - 1) + Q6_ZERO;
  }
  for (let j = 0, ql = o + Q6.ql, qh = o + Q6.qh; j < QK_K; j += 128, ql += 64, qh += 32) {
    for (let l = 0; l < 32; l++) {
      const l0 = L[j + l] as number;
      const l1 = L[j + l + 32] as number;
      const l2 = L[j + l + 64] as number;
      const l3 = L[j + l + 96] as number;
      out[ql + l] = (l0 & NIBBLE) | ((l2 & NIBBLE) << 4);
      out[ql + l + 32] = (l1 & NIBBLE) | ((l3 & NIBBLE) << 4);
      out[qh + l] = ((l0 >> 4) | ((l1 >> 4) << 2) | ((l2 >> 4) << 4) | ((l3 >> 4) << 6)) & 0xff;
    }
  }
}

const q6_k: GgmlCodec = {
  type: 'q6_k',
  blockSize: QK_K,
  blockBytes: Q6.bytes,
  codeBytes: QS4_BYTES + QS2_BYTES,
  groupSize: SUB16,
  elementType: 'uint6',
  zero: Q6_ZERO,
  hasOffsets: false,
  scaleDType: 'f32',
  quantizeBlock: quantizeQ6K,
  dequantizeBlock(b, off, y, yOff) {
    const d = readF16(b, off + Q6.d);
    for (let e = 0; e < QK_K; e++) {
      // d * sc * q, left to right: (d * sc) * (code - 32).
      y[yOff + e] = f(d * intToInt8(b[off + Q6.scales + (e >> 4)] as number)) * (q6Code(b, off, e) - Q6_ZERO);
    }
  },
  unpackBlock(b, off, codes, cOff, scales, _offsets, gOff) {
    const d = readF16(b, off + Q6.d);
    for (let j = 0; j < NSUB16; j++) scales[gOff + j] = f(d * intToInt8(b[off + Q6.scales + j] as number));
    for (let e = 0; e < QK_K; e++) codes[cOff + e] = q6Code(b, off, e);
  },
};

/** The five k-quant codecs. */
export const K_QUANT_CODECS: readonly GgmlCodec[] = [q2_k, q3_k, q4_k, q5_k, q6_k];
