/**
 * The CPU kernels the bench enumerates: every entry of CPU_KERNELS except the f64 oracle, in
 * registry order, with the bound each output is checked against before it is timed.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { BoundOptions } from '../cpu/compare.js';
import { CPU_KERNELS, CPU_KERNEL_NAMES, type CpuKernel } from '../cpu/kernels.js';

/** One CPU kernel as the bench sees it. */
export interface BenchCpuKernel {
  readonly name: string;
  readonly family: string;
  /** True, or the reason the kernel cannot run `qt`. */
  supports(qt: QuantizedTensor): true | string;
  /** Y [M, N] = X [M, K] . W^T. */
  run(x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array;
  /** The bound its output is checked against (checkMatmulBound options). */
  bound(qt: QuantizedTensor, m: number, x: Float32Array): BoundOptions;
}

function adapt(k: CpuKernel): BenchCpuKernel {
  return {
    name: k.name,
    family: k.family,
    supports: (qt) => k.supports(qt),
    run: (x, m, qt, out) => k.run(x, m, qt, out),
    bound: (qt, m, x) => {
      const extra = k.extraBound?.(x, qt, m);
      return extra ? { c: k.boundC(qt), extra } : { c: k.boundC(qt) };
    },
  };
}

/** Every CPU kernel except the f64 oracle ('ref'), in registry order. */
export function benchCpuKernels(): readonly BenchCpuKernel[] {
  return CPU_KERNEL_NAMES.filter((name) => CPU_KERNELS[name].family !== 'ref').map((name) => adapt(CPU_KERNELS[name]));
}
