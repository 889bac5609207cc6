/**
 * The CPU kernels the bench enumerates: every entry of CPU_KERNELS except the f64 oracle (the
 * TypeScript references), then every WebAssembly kernel of WASM_KERNELS on one thread and on
 * every core (when threads run here), in registry order, with the bound each output is checked
 * against before it is timed.
 *
 * The WebAssembly rows run in arenas of the bench's own: one over a plain memory (1 thread, a
 * synchronous call like the references) and one over a shared memory (the pool of
 * src/cpu/wasm-threads.ts; an asynchronous call). Each arena keeps a tensor's re-laid-out
 * weights after the first call (the check before timing), so the timed calls read weights
 * already in WebAssembly memory, as a model's repeated calls do.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { BoundOptions } from '../cpu/compare.js';
import { CPU_KERNELS, CPU_KERNEL_NAMES, type CpuKernel } from '../cpu/kernels.js';
import { WasmArena, runWasmKernelSync, type WasmKernelImpl } from '../cpu/wasm-arena.js';
import { WASM_KERNELS, WASM_KERNEL_NAMES } from '../cpu/wasm-kernels.js';
import { defaultWasmThreads, runWasmKernelThreaded, wasmThreadsStatus } from '../cpu/wasm-threads.js';

/** One CPU kernel as the bench sees it. */
export interface BenchCpuKernel {
  readonly name: string;
  readonly family: string;
  /** '' for the TypeScript references; '1 thread' / 'N threads' for the WebAssembly kernels. */
  readonly variant: string;
  /** Threads the kernel runs on. */
  readonly threads: number;
  /** True when `run` returns a promise (the threaded kernels). */
  readonly async: boolean;
  /** True, or the reason the kernel cannot run `qt`. */
  supports(qt: QuantizedTensor): true | string;
  /** Y [M, N] = X [M, K] . W^T (a promise of it when `async`). */
  run(x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array | Promise<Float32Array>;
  /** The bound its output is checked against (checkMatmulBound options). */
  bound(qt: QuantizedTensor, m: number, x: Float32Array): BoundOptions;
}

/** A name and variant for tables and case names: 'dequant', 'wasm-dequant 1 thread'. */
export function benchKernelLabel(k: BenchCpuKernel): string {
  return k.variant ? `${k.name} ${k.variant}` : k.name;
}

function adapt(k: CpuKernel): BenchCpuKernel {
  return {
    name: k.name,
    family: k.family,
    variant: '',
    threads: 1,
    async: false,
    supports: (qt) => k.supports(qt),
    run: (x, m, qt, out) => k.run(x, m, qt, out),
    bound: (qt, m, x) => {
      const extra = k.extraBound?.(x, qt, m);
      return extra ? { c: k.boundC(qt), extra } : { c: k.boundC(qt) };
    },
  };
}

let plainArena: WasmArena | undefined;
let sharedArena: WasmArena | undefined;
let arenaError = '';

/** The bench's arenas, created on first use (null with the reason in arenaError when the module does not run here). */
function benchArena(build: 'plain' | 'shared'): WasmArena | null {
  try {
    if (build === 'plain') return (plainArena ??= WasmArena.createSync('plain'));
    return (sharedArena ??= WasmArena.createSync('shared'));
  } catch (err) {
    arenaError = (err as Error).message;
    return null;
  }
}

/** Drops the weights the bench's arenas cache (between layers: a 4096 x 11008 tensor is large). */
export function clearBenchWasmWeights(): void {
  plainArena?.clearWeights();
  sharedArena?.clearWeights();
}

function wasmKernel(impl: WasmKernelImpl, threads: number): BenchCpuKernel {
  const bound = (qt: QuantizedTensor, m: number, x: Float32Array): BoundOptions => {
    const extra = impl.extraBound?.(x, qt, m);
    return extra ? { c: impl.boundC(qt), extra } : { c: impl.boundC(qt) };
  };
  const supports = (qt: QuantizedTensor): true | string => {
    if (!benchArena(threads > 1 ? 'shared' : 'plain')) return `the WebAssembly module does not run here: ${arenaError}`;
    return impl.supports(qt);
  };
  if (threads === 1) {
    return {
      name: impl.name,
      family: impl.family,
      variant: '1 thread',
      threads,
      async: false,
      supports,
      run: (x, m, qt, out) => runWasmKernelSync(impl, benchArena('plain') as WasmArena, x, m, qt, out),
      bound,
    };
  }
  return {
    name: impl.name,
    family: impl.family,
    variant: `${threads} threads`,
    threads,
    async: true,
    supports,
    run: (x, m, qt, out) => runWasmKernelThreaded(impl, benchArena('shared') as WasmArena, x, m, qt, threads, out),
    bound,
  };
}

/**
 * Every CPU kernel except the f64 oracle ('ref'), in registry order, then each WebAssembly
 * kernel on 1 thread and, where threads run and there is more than one core, on every core.
 */
export function benchCpuKernels(): readonly BenchCpuKernel[] {
  const refs = CPU_KERNEL_NAMES.filter((name) => CPU_KERNELS[name].family !== 'ref').map((name) => adapt(CPU_KERNELS[name]));
  const cores = defaultWasmThreads();
  const threaded = cores > 1 && wasmThreadsStatus().available;
  const wasm = WASM_KERNEL_NAMES.flatMap((name) => {
    const impl = WASM_KERNELS[name];
    return threaded ? [wasmKernel(impl, 1), wasmKernel(impl, cores)] : [wasmKernel(impl, 1)];
  });
  return [...refs, ...wasm];
}
