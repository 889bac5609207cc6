/**
 * Storage accounting: bits per weight of a QuantizedTensor including every piece of metadata,
 * each at its storage width (docs/FORMATS.md has the table per scheme).
 */
import type { QuantizedTensor, ScaleDType } from './quantized-tensor.js';

/** Width of one stored scale. */
export const SCALE_DTYPE_BITS = { f32: 32, f16: 16, e8m0: 8, e4m3: 8 } as const satisfies Record<ScaleDType, number>;
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
