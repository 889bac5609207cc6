/**
 * The CPU kernels other than `dequant` (and the oracle) do not take llama.cpp's block formats:
 * their per-group offsets (k-quant mins, Q4_1/Q5_1's m) and constant zero points are outside the
 * lut and bitserial decompositions as implemented. This is the one place that says so.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { isGgmlSchemeName } from '../quant/schemes.js';

/** Why a kernel other than dequant refuses `target` when it is a ggml scheme or tensor, else undefined. */
export function ggmlKernelRefusal(target: QuantizedTensor | string): string | undefined {
  const ggml = typeof target === 'string' ? isGgmlSchemeName(target) : target.blocks !== undefined || target.offsets !== undefined || isGgmlSchemeName(target.scheme);
  return ggml ? 'it is a llama.cpp (ggml) block format, which only the dequant kernel decodes (use --kernel dequant)' : undefined;
}
