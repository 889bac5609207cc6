/**
 * llama.cpp's ternary formats (ggml-common.h block_tq1_0 / block_tq2_0): 256 weights, one f16
 * scale d = absmax, trits t in {-1, 0, 1} with w = t d.
 *
 *   TQ1_0  54 bytes  qs[48] | qh[4] | d f16    1.6875 bits/weight
 *   TQ2_0  66 bytes  qs[64] | d f16            2.0625 bits/weight
 *
 * TQ1_0 packs 5 trits per byte (3^5 = 243 <= 256) as a fixed-point fraction: the trits
 * t0..t4 (each + 1, most significant first) form q = sum (t_i + 1) 3^(4 - i) in 0..242, stored as
 * ceil(q * 256 / 243). Trit n of a byte b is ((b * 3^n mod 256) * 3) >> 8. Element order:
 *   qs[m]      (m < 32): trit n is element 32 n + m          (elements 0..159)
 *   qs[32 + m] (m < 16): trit n is element 160 + 16 n + m    (elements 160..239)
 *   qh[j]      (j < 4):  trit n (n < 4) is element 240 + 4 n + j; the fifth trit is unused (0).
 * TQ2_0 stores q = t + 1 in 2 bits: element 128 c + 32 n + m is bits 2n of qs[32 c + m]; a code of
 * 3 (never written by the quantizer) reads as 2.
 */
import type { GgmlCodec } from './codec.js';
import { QK_K } from './types.js';
import { f, readF16, roundHalfAway, writeF16 } from './f32-emulation.js';

/** Trits per byte and 3^5. */
const TRITS = 5;
const POW3_5 = 243;
/** Powers of three for trit extraction (pow3 in dequantize_row_tq1_0). */
const POW3 = [1, 3, 9, 27, 81, 243] as const;
const TQ1 = { qs: 0, qsWide: 32, qsBytes: 48, qh: 48, qhBytes: 4, d: 52, bytes: 54 } as const;
const TQ2 = { qs: 0, qsBytes: 64, d: 64, bytes: 66 } as const;
/** Ternary element codes of the registry's `ternary` type (int2 codes): t = -1, 0, +1. */
const TERNARY_CODE = [0b11, 0b00, 0b01] as const;
const LOW2 = 3;

/** absmax of a super-block and its f32 reciprocal (0 for an all-zero block). */
function absmaxScale(x: Float32Array, xOff: number): [number, number] {
  let amax = 0;
  for (let j = 0; j < QK_K; j++) amax = Math.max(amax, Math.abs(x[xOff + j] as number));
  return [amax, amax !== 0 ? f(1 / amax) : 0];
}

/** lroundf(x * id) + 1: the trit of one weight as 0, 1, 2. */
const trit = (x: number, id: number): number => roundHalfAway(f(x * id)) + 1;

/** ceil(q * 256 / 243) for the 5-trit number q, as a byte. */
const packTrits = (q: number): number => Math.floor((q * 256 + (POW3_5 - 1)) / POW3_5) & 0xff;

/** Trit n (0..4) of a TQ1_0 byte, as 0, 1, 2. */
const unpackTrit = (b: number, n: number): number => (((b * (POW3[n] as number)) & 0xff) * 3) >> 8;

/** Calls fn(element, byte index, trit index) for every element of a TQ1_0 block. */
function forEachTq1(fn: (e: number, byte: number, n: number) => void): void {
  for (let n = 0; n < TRITS; n++) for (let m = 0; m < 32; m++) fn(32 * n + m, TQ1.qs + m, n);
  for (let n = 0; n < TRITS; n++) for (let m = 0; m < 16; m++) fn(160 + 16 * n + m, TQ1.qsWide + m, n);
  for (let n = 0; n < 4; n++) for (let j = 0; j < TQ1.qhBytes; j++) fn(240 + 4 * n + j, TQ1.qh + j, n);
}

/** Element order of a TQ1_0 block: byte and trit index of element e (built once). */
const TQ1_BYTE = new Uint8Array(QK_K);
const TQ1_TRIT = new Uint8Array(QK_K);
forEachTq1((e, byte, n) => {
  TQ1_BYTE[e] = byte;
  TQ1_TRIT[e] = n;
});

const tq1_0: GgmlCodec = {
  type: 'tq1_0',
  blockSize: QK_K,
  blockBytes: TQ1.bytes,
  codeBytes: TQ1.qsBytes + TQ1.qhBytes,
  groupSize: QK_K,
  elementType: 'ternary',
  zero: 0,
  hasOffsets: false,
  scaleDType: 'f16',
  quantizeBlock(x, xOff, out, o) {
    const [amax, id] = absmaxScale(x, xOff);
    writeF16(out, o + TQ1.d, amax, 'tq1_0 block scale d');
    // The first trit is the most significant: q = ((t0 3 + t1) 3 + ...) (uint8 arithmetic).
    for (let m = 0; m < 32; m++) {
      let q = 0;
      for (let n = 0; n < TRITS; n++) q = (q * 3 + trit(x[xOff + m + 32 * n] as number, id)) & 0xff;
      out[o + TQ1.qs + m] = packTrits(q);
    }
    for (let m = 0; m < 16; m++) {
      let q = 0;
      for (let n = 0; n < TRITS; n++) q = (q * 3 + trit(x[xOff + 160 + m + 16 * n] as number, id)) & 0xff;
      out[o + TQ1.qsWide + m] = packTrits(q);
    }
    for (let j = 0; j < TQ1.qhBytes; j++) {
      let q = 0;
      for (let m = 0; m < 4; m++) q = (q * 3 + trit(x[xOff + 240 + j + 4 * m] as number, id)) & 0xff;
      // Shift the four trits up one place so the first one is the most significant of five.
      out[o + TQ1.qh + j] = packTrits((q * 3) & 0xff);
    }
  },
  dequantizeBlock(b, off, y, yOff) {
    const d = readF16(b, off + TQ1.d);
    for (let e = 0; e < QK_K; e++) y[yOff + e] = (unpackTrit(b[off + (TQ1_BYTE[e] as number)] as number, TQ1_TRIT[e] as number) - 1) * d;
  },
  unpackBlock(b, off, codes, cOff, scales, _offsets, gOff) {
    scales[gOff] = readF16(b, off + TQ1.d);
    for (let e = 0; e < QK_K; e++) codes[cOff + e] = TERNARY_CODE[unpackTrit(b[off + (TQ1_BYTE[e] as number)] as number, TQ1_TRIT[e] as number)] as number;
  },
};

/** Byte and shift of element e of a TQ2_0 block. */
const tq2Byte = (e: number): number => 32 * (e >> 7) + (e & 31);
const tq2Shift = (e: number): number => 2 * ((e >> 5) & 3);

const tq2_0: GgmlCodec = {
  type: 'tq2_0',
  blockSize: QK_K,
  blockBytes: TQ2.bytes,
  codeBytes: TQ2.qsBytes,
  groupSize: QK_K,
  elementType: 'uint2',
  zero: 1,
  hasOffsets: false,
  scaleDType: 'f16',
  quantizeBlock(x, xOff, out, o) {
    const [amax, id] = absmaxScale(x, xOff);
    writeF16(out, o + TQ2.d, amax, 'tq2_0 block scale d');
    for (let j = 0; j < TQ2.qsBytes; j += 32) {
      for (let m = 0; m < 32; m++) {
        let q = 0;
        for (let n = 0; n < 4; n++) q += (trit(x[xOff + 4 * j + m + 32 * n] as number, id) & LOW2) << (2 * n);
        out[o + j + m] = q & 0xff;
      }
    }
  },
  dequantizeBlock(b, off, y, yOff) {
    const d = readF16(b, off + TQ2.d);
    for (let e = 0; e < QK_K; e++) y[yOff + e] = ((((b[off + tq2Byte(e)] as number) >> tq2Shift(e)) & LOW2) - 1) * d;
  },
  unpackBlock(b, off, codes, cOff, scales, _offsets, gOff) {
    scales[gOff] = readF16(b, off + TQ2.d);
    for (let e = 0; e < QK_K; e++) codes[cOff + e] = ((b[off + tq2Byte(e)] as number) >> tq2Shift(e)) & LOW2;
  },
};

/** The two ternary codecs. */
export const TERNARY_CODECS: readonly GgmlCodec[] = [tq1_0, tq2_0];
