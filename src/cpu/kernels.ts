/**
 * The CPU kernel registry: every mpGEMM kernel Y[M, N] = X[M, K] . W[N, K]^T by name, with its
 * family, what it supports, how to run it and the error bound it is held to (docs/KERNELS.md
 * correctness contract: |y - y_ref| <= c * K * u * sum_k |x_k w_k| + extra).
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { checkMatmulBound, type BoundCheck } from './compare.js';
import { matmulRef, type RefResult } from './matmul-ref.js';
import { checkMatmulArgs } from './args.js';
import { boundConstant } from './bound.js';
import { DEQUANT_C, dequantBoundC, dequantExtraBound, matmulDequant } from './dequant.js';
import { lutBoundC, lutF32ErrorBound, lutI8ErrorBound, lutSupport, matmulLutF32, matmulLutI8 } from './lut.js';
import { BITSERIAL_C, bitSerialBoundC, bitSerialSupport, matmulBitSerial } from './bitserial.js';
import { unknownNameMessage } from '../util/nearest.js';

/** Names of the CPU kernels. */
export type CpuKernelName = 'ref' | 'dequant' | 'lut-f32' | 'lut-i8' | 'bitserial';
/** Kernel families (docs/KERNELS.md). */
export type CpuKernelFamily = 'ref' | 'dequant' | 'lut' | 'bitserial';

/** One CPU kernel. */
export interface CpuKernel {
  readonly name: CpuKernelName;
  readonly family: CpuKernelFamily;
  readonly description: string;
  /** true when the kernel takes `target` (a scheme name or a quantized tensor), else the reason. */
  supports(target: QuantizedTensor | string): true | string;
  /** Runs the kernel; `out`, when given, must hold M * N values. Assumes `supports(qt) === true`. */
  run(x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array;
  /** The documented constant c, valid for every supported scheme once K >= 16. */
  readonly c: number;
  /** The constant c derived for this tensor (tighter than `c`; docs/KERNELS.md). */
  boundC(qt: QuantizedTensor): number;
  /**
   * Per-output extra allowance [M, N], for kernels whose error is not relative to sum |x w|
   * (undefined when the plain bound holds for this tensor).
   */
  readonly extraBound?: (x: Float32Array, qt: QuantizedTensor, m: number) => Float64Array | undefined;
}

/** The oracle rounded to f32: one rounding of each output. */
function runRef(x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array {
  const y = checkMatmulArgs('ref', x, m, qt, out);
  const r = matmulRef(x, qt, m);
  for (let i = 0; i < y.length; i++) y[i] = r.y[i];
  return y;
}

/** Every CPU kernel, keyed by name. */
export const CPU_KERNELS = {
  ref: {
    name: 'ref',
    family: 'ref',
    description: 'f64 accumulation over dequantized weights (the oracle), rounded to f32',
    supports: () => true,
    run: runRef,
    c: 1,
    boundC: (qt) => boundConstant(1, qt.cols),
  },
  dequant: {
    name: 'dequant',
    family: 'dequant',
    description: 'fused decode-and-multiply, f32 accumulation, one scale multiply per group (ggml offsets as a second sum)',
    supports: () => true,
    run: matmulDequant,
    c: DEQUANT_C,
    boundC: dequantBoundC,
    extraBound: dequantExtraBound,
  },
  'lut-f32': {
    name: 'lut-f32',
    family: 'lut',
    description: 'T-MAC / LUT Tensor Core table lookup over bit planes (of the codes, or of small integer values), f32 tables (g = 4, symmetrized)',
    supports: (t) => lutSupport(t, 'lut-f32', true),
    run: matmulLutF32,
    c: 1,
    boundC: lutBoundC,
    extraBound: lutF32ErrorBound,
  },
  'lut-i8': {
    name: 'lut-i8',
    family: 'lut',
    description: 'T-MAC table lookup with int8 tables, one table scale per 64 activations, integer lookup sums',
    supports: (t) => lutSupport(t, 'lut-i8', true),
    run: (x, m, qt, out) => matmulLutI8(x, m, qt, out),
    c: 1,
    boundC: lutBoundC,
    extraBound: (x, qt, m) => lutI8ErrorBound(x, qt, m),
  },
  bitserial: {
    name: 'bitserial',
    family: 'bitserial',
    description: 'BitMoD bit-serial: signed power-of-two terms per weight, one rescale per group',
    supports: bitSerialSupport,
    run: matmulBitSerial,
    c: BITSERIAL_C,
    boundC: bitSerialBoundC,
  },
} as const satisfies Record<CpuKernelName, CpuKernel>;

/** Kernel names in registry order. */
export const CPU_KERNEL_NAMES: readonly CpuKernelName[] = Object.keys(CPU_KERNELS) as CpuKernelName[];

/** Other names the CLI accepts. */
const ALIASES: Readonly<Record<string, CpuKernelName>> = { lut: 'lut-f32' };

/** Looks up a kernel by name or alias ('lut' = 'lut-f32'); throws listing the known names. */
export function getCpuKernel(name: string): CpuKernel {
  const key = Object.prototype.hasOwnProperty.call(CPU_KERNELS, name) ? (name as CpuKernelName) : ALIASES[name];
  if (key === undefined) {
    throw new Error(`${unknownNameMessage('CPU kernel', name, [...CPU_KERNEL_NAMES, ...Object.keys(ALIASES)], CPU_KERNEL_NAMES)} (alias: lut = lut-f32)`);
  }
  return CPU_KERNELS[key];
}

/**
 * Runs `kernel` on X [M, K] and W; throws the kernel's clear unsupported-scheme error (naming
 * the supported schemes) when it does not take `qt`, and a RangeError for wrong lengths.
 */
export function runCpuKernel(kernel: CpuKernelName | CpuKernel, x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array {
  const k = typeof kernel === 'string' ? getCpuKernel(kernel) : kernel;
  const ok = k.supports(qt);
  if (ok !== true) throw new Error(ok);
  return k.run(x, m, qt, out);
}

/** Checks a kernel's output against the oracle under the kernel's bound (c for this tensor, plus its extra). */
export function checkCpuKernel(kernel: CpuKernel, x: Float32Array, m: number, qt: QuantizedTensor, y: ArrayLike<number>, ref?: RefResult): BoundCheck {
  const r = ref ?? matmulRef(x, qt, m);
  const extra = kernel.extraBound?.(x, qt, m);
  return checkMatmulBound(y, r, m, qt.rows, qt.cols, extra ? { c: kernel.boundC(qt), extra } : { c: kernel.boundC(qt) });
}
