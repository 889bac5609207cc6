/**
 * The CPU kernels the bench enumerates, in one shape whatever the CPU kernel registry looks like:
 * a name, whether it supports a tensor, a run function and the error bound its output is held to.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { BoundOptions } from '../cpu/compare.js';
import { dequantBoundC, matmulDequant } from '../cpu/dequant.js';

/** One CPU kernel as the bench sees it. */
export interface BenchCpuKernel {
  readonly name: string;
  /** True, or the reason the kernel cannot run `qt`. */
  supports(qt: QuantizedTensor): true | string;
  /** Y [M, N] = X [M, K] . W^T. */
  run(x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array;
  /** The bound its output is checked against (checkMatmulBound options). */
  bound(qt: QuantizedTensor, m: number, x: Float32Array): BoundOptions;
}

/** Every CPU kernel except the f64 oracle, in registry order. */
export function benchCpuKernels(): readonly BenchCpuKernel[] {
  return [
    {
      name: 'dequant',
      supports: () => true,
      run: (x, m, qt, out) => matmulDequant(x, m, qt, out),
      bound: (qt) => ({ c: dequantBoundC(qt) }),
    },
  ];
}
