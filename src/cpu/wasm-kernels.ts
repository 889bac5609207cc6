/**
 * The WebAssembly kernel registry: the SIMD128 fast paths of the CPU kernel families by name
 * (beside CPU_KERNELS, which holds the TypeScript references), with the runner and the bound
 * check. Each entry is a family's {@link WasmKernelImpl} (src/cpu/wasm-*.ts); adding a kernel is
 * one line in {@link WASM_KERNELS}. Runs in Node, browsers and Web Workers (no Node APIs).
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { WasmArena, runWasmKernelSync, type WasmKernelImpl } from './wasm-arena.js';
import { compileWasm, wasmSimdStatus, type WasmSimdStatus } from './wasm-module.js';
import { runWasmKernelThreaded, sharedWasmArena, wasmThreadsFor } from './wasm-threads.js';
import { wasmDequant, wasmDequantI8 } from './wasm-dequant.js';
import { matmulDequantI8 } from './dequant-i8.js';
import { wasmLutI8 } from './wasm-lut.js';
import { wasmBitSerial } from './wasm-bitserial.js';
import { matmulLutI8 } from './lut.js';
import { matmulBitSerial } from './bitserial.js';
import { checkMatmulBound, type BoundCheck } from './compare.js';
import { matmulRef, type RefResult } from './matmul-ref.js';
import { unknownNameMessage } from '../util/nearest.js';

/** Every WebAssembly kernel, keyed by name. */
export const WASM_KERNELS = {
  'wasm-dequant': wasmDequant,
  'wasm-dequant-i8': wasmDequantI8,
  'wasm-lut-i8': wasmLutI8,
  'wasm-bitserial': wasmBitSerial,
} as const satisfies Record<string, WasmKernelImpl>;

/**
 * The TypeScript references the kernels whose arithmetic is bit-exact match bit for bit
 * (tests and `lowbit verify` compare them); kernels judged by their bound only are absent.
 */
export const WASM_REFERENCES: Partial<Record<WasmKernelName, (x: Float32Array, m: number, qt: QuantizedTensor) => Float32Array>> = {
  'wasm-dequant-i8': matmulDequantI8,
  'wasm-lut-i8': (x, m, qt) => matmulLutI8(x, m, qt),
  'wasm-bitserial': matmulBitSerial,
};

/**
 * Compares a kernel's output Y [M, N] with its TypeScript reference (WASM_REFERENCES) bit for
 * bit: undefined when they match or when the kernel has no bit-exact reference, else where they
 * first differ.
 */
export function wasmReferenceMismatch(name: string, x: Float32Array, m: number, qt: QuantizedTensor, y: Float32Array): string | undefined {
  const reference = WASM_REFERENCES[name as WasmKernelName];
  if (!reference) return undefined;
  const want = reference(x, m, qt);
  const a = new Uint32Array(y.buffer, y.byteOffset, y.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  const n = qt.rows;
  for (let i = 0; i < b.length; i++) {
    if (a[i] !== b[i]) return `not bit-exact with its TypeScript reference at (row ${Math.floor(i / n)}, col ${i % n}): got ${y[i]}, expected ${want[i]}`;
  }
  return a.length === b.length ? undefined : `not bit-exact with its TypeScript reference: ${a.length} outputs, expected ${b.length}`;
}

/** Names of the WebAssembly kernels. */
export type WasmKernelName = keyof typeof WASM_KERNELS;

/** Kernel names in registry order. */
export const WASM_KERNEL_NAMES: readonly WasmKernelName[] = Object.keys(WASM_KERNELS) as WasmKernelName[];

/** True when `name` names a WebAssembly kernel. */
export function isWasmKernelName(name: string): name is WasmKernelName {
  return Object.prototype.hasOwnProperty.call(WASM_KERNELS, name);
}

/** Looks up a kernel by name; throws naming the nearest known name and listing them all. */
export function getWasmKernel(name: string): WasmKernelImpl {
  if (!isWasmKernelName(name)) throw new Error(unknownNameMessage('WebAssembly kernel', name, WASM_KERNEL_NAMES));
  return WASM_KERNELS[name];
}

/** Whether the WebAssembly kernels run here (if not, why), and at which SIMD level. */
export interface WasmKernelsStatus {
  readonly available: boolean;
  readonly reason?: string;
  /** Baseline SIMD128 or relaxed SIMD, and why ({@link wasmSimdStatus}). */
  readonly simd: WasmSimdStatus;
}

/** Compiles the module (once) and says whether the kernels are available (SIMD128 required). */
export async function wasmKernelsStatus(): Promise<WasmKernelsStatus> {
  const simd = wasmSimdStatus();
  try {
    await compileWasm('plain');
    return { available: true, simd };
  } catch (e) {
    return { available: false, reason: (e as Error).message, simd };
  }
}

let defaultArena: Promise<WasmArena> | undefined;

/** The arena single-threaded runs share, created on first use. */
export function defaultWasmArena(): Promise<WasmArena> {
  if (!defaultArena) {
    defaultArena = WasmArena.create('plain');
    defaultArena.catch(() => (defaultArena = undefined));
  }
  return defaultArena;
}

/** Options of {@link runWasmKernel}. */
export interface RunWasmKernelOptions {
  /**
   * Threads (default: the logical cores, or 1 for a call too small to gain from threads). More
   * than one runs the kernel's rows on worker threads over a shared arena (src/cpu/wasm-threads.ts);
   * the output is bit-identical for every thread count. Where threads cannot run (a browser page
   * that is not cross-origin isolated) the call runs on one thread and a notice is printed once.
   */
  readonly threads?: number;
  /** Output buffer of M * N values. */
  readonly out?: Float32Array;
  /** Arena to run in (default: one shared arena, created on first use). */
  readonly arena?: WasmArena;
}

/**
 * Runs a WebAssembly kernel on X [M, K] and W: Y [M, N]. Throws the kernel's unsupported-scheme
 * reason, the argument checks' RangeErrors, or the module's compile error where SIMD128 is missing.
 */
export async function runWasmKernel(kernel: WasmKernelName | WasmKernelImpl, x: Float32Array, m: number, qt: QuantizedTensor, opts: RunWasmKernelOptions = {}): Promise<Float32Array> {
  const impl = typeof kernel === 'string' ? getWasmKernel(kernel) : kernel;
  const ok = impl.supports(qt);
  if (ok !== true) throw new Error(`kernel ${impl.name} does not support ${qt.scheme}: ${ok}`);
  const { out } = opts;
  if (out !== undefined && out.length !== m * qt.rows) throw new RangeError(`kernel ${impl.name}: out has ${out.length} elements, expected M*N = ${m}*${qt.rows} = ${m * qt.rows}`);
  const threads = wasmThreadsFor(opts.threads, m * qt.rows * qt.cols);
  // A given arena decides: a shared one runs on `threads`, a plain one on this thread.
  if (opts.arena) return opts.arena.build === 'shared' ? runWasmKernelThreaded(impl, opts.arena, x, m, qt, threads, out) : runWasmKernelSync(impl, opts.arena, x, m, qt, out);
  if (threads > 1) return runWasmKernelThreaded(impl, await sharedWasmArena(), x, m, qt, threads, out);
  return runWasmKernelSync(impl, await defaultWasmArena(), x, m, qt, out);
}

/** Checks a kernel's output against the oracle under the kernel's bound (c for this tensor, plus its extra). */
export function checkWasmKernel(kernel: WasmKernelImpl, x: Float32Array, m: number, qt: QuantizedTensor, y: ArrayLike<number>, ref?: RefResult): BoundCheck {
  const r = ref ?? matmulRef(x, qt, m);
  const extra = kernel.extraBound?.(x, qt, m);
  return checkMatmulBound(y, r, m, qt.rows, qt.cols, extra ? { c: kernel.boundC(qt), extra } : { c: kernel.boundC(qt) });
}
