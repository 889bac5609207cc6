/**
 * Bit-plane view of a QuantizedTensor's codes, the layout LUT kernels (LUT Tensor Core, ISCA 2025;
 * T-MAC, EuroSys 2025) read: plane i holds bit i of every element's unsigned code.
 *
 * Unsigned code q_u of an element:
 * - two's-complement element types (signed ints, and codebooks whose values are the two's
 *   complement integers of their codes, e.g. ternary stored as int2) are turned into offset
 *   binary by flipping the code's MSB: q_u = v + 2^(b-1), so `offset` = 2^(b-1);
 * - every other element type keeps its code: q_u = code, `offset` = 0 (asymmetric integers carry
 *   their zero point in QuantizedTensor.zeros; binary maps q_u 0/1 to -1/+1).
 *
 * Layout (u32 words, row-major over rows, planes inside a row):
 *
 *   planes[(n * bits + i) * wordsPerRow + w], bit j  =  bit i of q_u of element (n, 32 w + j)
 *
 *   row n:  [plane 0: words 0..wordsPerRow-1][plane 1: ...] ... [plane bits-1: ...]
 *   word w of plane i: bit 31 ................................ bit 0
 *                      elem 32w+31                              elem 32w
 *
 * so one 4-bit nibble (bits 4t'..4t'+3 of a word) is the plane-i index of the 4-element group
 * t = 8 w + t' into a 16-entry LUT. wordsPerRow = ceil(cols / 32); pad bits past `cols` are 0.
 */
import { getDType } from '../dtype/registry.js';
import type { QuantizedTensor } from './quantized-tensor.js';
import { WORD_BITS, wordsPerRowFor } from './pack.js';

/** The bit-plane form of a tensor's codes (one element datatype). */
export interface BitPlanes {
  readonly rows: number;
  readonly cols: number;
  /** Number of planes = code width. */
  readonly bits: number;
  /** Words per plane row: ceil(cols / 32). */
  readonly wordsPerRow: number;
  /** planes[(n * bits + i) * wordsPerRow + w]: see the file comment. */
  readonly planes: Uint32Array;
  /** True when the code's MSB was flipped (two's complement -> offset binary). */
  readonly msbFlipped: boolean;
  /** Integer value of an element = q_u - offset (before any zero point): 2^(b-1) or 0. */
  readonly offset: number;
}

/**
 * True when the element datatype's codes are two's-complement integers: a signed int type, or a
 * codebook whose every valid code decodes to the two's-complement value of its bits (ternary).
 */
export function isTwosComplementType(name: string): boolean {
  const dt = getDType(name);
  if (dt.spec.kind === 'int') return dt.spec.signed && dt.spec.implicitScaleExp === 0;
  if (dt.spec.kind !== 'codebook' || dt.bits < 2) return false;
  const half = 1 << (dt.bits - 1);
  let any = false;
  for (let c = 0; c < 1 << dt.bits; c++) {
    const v = dt.decodeTable[c];
    if (Number.isNaN(v)) continue;
    if (v !== (c >= half ? c - 2 * half : c)) return false;
    any = true;
  }
  return any;
}

/** Bit planes of `qt`'s codes (see the file comment). Needs a single element datatype. */
export function toBitPlanes(qt: QuantizedTensor): BitPlanes {
  if (qt.elementTypes.length !== 1) {
    throw new Error(`toBitPlanes: ${qt.scheme} mixes ${qt.elementTypes.length} element types (${qt.elementTypes.join(', ')}); bit planes need one`);
  }
  const { rows, cols, bits, codes, wordsPerRow: cwpr } = qt;
  if (codes.length !== rows * wordsPerRowFor(cols, bits) || cwpr !== wordsPerRowFor(cols, bits)) {
    throw new RangeError(`toBitPlanes: ${codes.length} code words do not match ${rows} rows x ${wordsPerRowFor(cols, bits)} words`);
  }
  const flip = isTwosComplementType(qt.elementTypes[0]);
  const flipBit = flip ? 1 << (bits - 1) : 0;
  const wpr = Math.ceil(cols / WORD_BITS);
  const planes = new Uint32Array(rows * bits * wpr);
  const mask = (1 << bits) - 1;
  for (let r = 0; r < rows; r++) {
    const cBase = r * cwpr;
    const pBase = r * bits * wpr;
    let bit = 0;
    for (let k = 0; k < cols; k++, bit += bits) {
      const wi = cBase + (bit >>> 5);
      const sh = bit & (WORD_BITS - 1);
      let c = codes[wi] >>> sh;
      if (sh + bits > WORD_BITS) c |= codes[wi + 1] << (WORD_BITS - sh);
      const q = (c & mask) ^ flipBit;
      const w = k >>> 5;
      const j = k & (WORD_BITS - 1);
      for (let i = 0; i < bits; i++) {
        if ((q >>> i) & 1) planes[pBase + i * wpr + w] |= 1 << j;
      }
    }
  }
  return { rows, cols, bits, wordsPerRow: wpr, planes, msbFlipped: flip, offset: flip ? 1 << (bits - 1) : 0 };
}

/**
 * The codes back from bit planes, one per byte, row-major (undoes the MSB flip): the inverse of
 * `toBitPlanes` for tests and teaching views.
 */
export function codesFromBitPlanes(bp: BitPlanes, out?: Uint8Array): Uint8Array {
  const { rows, cols, bits, wordsPerRow: wpr, planes } = bp;
  const dst = out ?? new Uint8Array(rows * cols);
  if (dst.length !== rows * cols) throw new RangeError(`codesFromBitPlanes: out has ${dst.length} bytes, needs ${rows * cols}`);
  const flipBit = bp.msbFlipped ? 1 << (bits - 1) : 0;
  for (let r = 0; r < rows; r++) {
    const pBase = r * bits * wpr;
    for (let k = 0; k < cols; k++) {
      let q = 0;
      for (let i = 0; i < bits; i++) q |= ((planes[pBase + i * wpr + (k >>> 5)] >>> (k & (WORD_BITS - 1))) & 1) << i;
      dst[r * cols + k] = q ^ flipBit;
    }
  }
  return dst;
}
