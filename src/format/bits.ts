/**
 * Storage accounting: bits per weight of a QuantizedTensor including every piece of metadata,
 * each at its storage width (docs/FORMATS.md has the table per scheme). Tensors in a ggml block
 * format count their blocks' bytes (Q4_0 18 bytes per 32 weights = 4.5 bits/weight, Q6_K 210
 * per 256 = 6.5625, ...).
 */
import type { QuantizedTensor, ScaleDType } from './quantized-tensor.js';

/** Width of one stored scale. */
export const SCALE_DTYPE_BITS = { f32: 32, f16: 16, e8m0: 8, e4m3: 8 } as const satisfies Record<ScaleDType, number>;
/** Bits in a byte (ggml block sizes are in bytes). */
const BYTE_BITS = 8;
/** Width of the stored FP32 tensor scale. */
export const TENSOR_SCALE_BITS = 32;

/** Bits of each part of a quantized tensor. */
export interface BitsBreakdown {
  /** rows * cols * bits (row padding to a word boundary is not counted). */
  readonly codes: number;
  readonly scales: number;
  /** One zero point per stored scale at the code width (asymmetric schemes). */
  readonly zeros: number;
  /** One datatype id per stored scale at idBits (mixtures). */
  readonly ids: number;
  readonly tensorScale: number;
  readonly total: number;
  /** total / (rows * cols). */
  readonly perWeight: number;
}

/**
 * Number of distinct stored scales: one per group, one per row for channel granularity, one for
 * tensor granularity (QuantizedTensor repeats the value per group; storage does not).
 */
export function storedScaleCount(qt: Pick<QuantizedTensor, 'rows' | 'cols' | 'groupSize' | 'granularity'>): number {
  switch (qt.granularity) {
    case 'group':
      return qt.rows * (qt.cols / qt.groupSize);
    case 'channel':
      return qt.rows;
    case 'tensor':
      return 1;
  }
}

/** Bits of every part of `qt`. */
export function bitsBreakdown(qt: QuantizedTensor): BitsBreakdown {
  const n = qt.rows * qt.cols;
  if (qt.blocks) {
    // ggml block formats: exactly the stored blocks; everything that is not a code byte (d, dmin,
    // packed sub-block scales and mins) counts as scale storage.
    const { blockSize, blockBytes, codeBytes } = qt.blocks;
    const blocks = n / blockSize;
    const codes = blocks * codeBytes * BYTE_BITS;
    const scales = blocks * (blockBytes - codeBytes) * BYTE_BITS;
    const total = codes + scales;
    return { codes, scales, zeros: 0, ids: 0, tensorScale: 0, total, perWeight: total / n };
  }
  const groups = storedScaleCount(qt);
  const codes = n * qt.bits;
  const scales = groups * SCALE_DTYPE_BITS[qt.scaleDType];
  const zeros = qt.zeros ? groups * qt.bits : 0;
  const ids = qt.dtypeIds ? groups * qt.idBits : 0;
  const tensorScale = qt.hasTensorScale ? TENSOR_SCALE_BITS : 0;
  const total = codes + scales + zeros + ids + tensorScale;
  return { codes, scales, zeros, ids, tensorScale, total, perWeight: total / n };
}

/** Bits per weight including scales, zero points, datatype ids and the tensor scale. */
export function bitsPerWeight(qt: QuantizedTensor): number {
  return bitsBreakdown(qt).perWeight;
}
