/**
 * The one function every per-tensor quantization of a model report goes through, so a faster
 * quantizer (a threaded or GPU one with the same results) can replace the reference in one place.
 * Pure TS.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { quantize, type QuantizeOptions } from '../quant/quantize.js';
import type { AnySchemeName } from '../quant/schemes.js';
import { quantizeParallel } from '../quant/quantize-threads.js';

/**
 * Quantizes W [rows, cols] with `scheme`; rejects with the quantizer's error when the scheme
 * cannot take it. `sharedInput`: the quantizer runs faster when W lies in a SharedArrayBuffer
 * (its worker threads read it there instead of receiving copies), so the report reads tensors
 * into one.
 */
export type TensorQuantizer = ((w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: QuantizeOptions) => Promise<QuantizedTensor>) & {
  readonly sharedInput?: boolean;
};

/** `quantize` (the fast path, bit-exact with the reference) on this thread. */
export const referenceQuantizer: TensorQuantizer = (w, rows, cols, scheme, opts) => {
  try {
    return Promise.resolve(quantize(w, rows, cols, scheme, opts));
  } catch (e) {
    return Promise.reject(e as Error);
  }
};

/**
 * `quantizeParallel` over `threads` workers (bit-exact with `quantize`); 1 runs on this thread.
 * Small tensors stay on this thread by themselves.
 */
export function threadedQuantizer(threads: number): TensorQuantizer {
  if (threads <= 1) return referenceQuantizer;
  const q: TensorQuantizer = (w, rows, cols, scheme, opts) => quantizeParallel(w, rows, cols, scheme, { ...opts, threads });
  return Object.assign(q, { sharedInput: typeof SharedArrayBuffer === 'function' });
}
