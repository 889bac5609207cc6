/**
 * Runs lowbit's matmul kernels on one quantized tensor and checks each against the f64 oracle
 * (the correctness contract, docs/KERNELS.md), for the Validate page: every CPU kernel of the registry
 * (src/cpu/kernels.ts, judged by checkCpuKernel), every WebAssembly kernel (src/cpu/wasm-kernels.ts,
 * on every core when the page is cross-origin isolated, else on one thread) and, with a device,
 * every GPU kernel variant
 * through the GPU runner (runGpuKernel, gpuKernelBound), as `lowbit verify` does on the sample.
 * Nothing here re-implements a kernel.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { matmulRef, type RefResult } from '../cpu/matmul-ref.js';
import { checkMatmulBound } from '../cpu/compare.js';
import { CPU_KERNELS, CPU_KERNEL_NAMES, checkCpuKernel, type CpuKernel } from '../cpu/kernels.js';
import { WASM_KERNELS, WASM_KERNEL_NAMES, checkWasmKernel, runWasmKernel } from '../cpu/wasm-kernels.js';
import { resolveWasmThreads } from '../cpu/wasm-threads.js';
import type { LowbitGpu } from '../gpu/device.js';
import { GPU_KERNEL_VARIANTS, gpuKernelBound, runGpuKernel } from '../gpu/kernels.js';
import { skipReason } from '../gpu/verify.js';
import { errorMessage } from './errors.js';
import type { KernelRow } from './protocol.js';

/** The CPU kernels checked: every registry entry except `ref`, which is the oracle itself. */
const CPU_CHECKED: readonly CpuKernel[] = CPU_KERNEL_NAMES.filter((n) => n !== 'ref').map((n) => CPU_KERNELS[n]);

const now = (): number => performance.now();

/** Names of the tensor and scheme a row belongs to. */
export interface CheckContext {
  readonly tensor: string;
  readonly scheme: string;
}

/** The oracle for X [m, K] against `qt`. */
export function oracle(x: Float32Array, qt: QuantizedTensor, m: number): RefResult {
  return matmulRef(x, qt, m);
}

/** Each CPU kernel on `qt`, judged against `ref`. */
export function checkCpuKernels(ctx: CheckContext, qt: QuantizedTensor, x: Float32Array, m: number, ref: RefResult): KernelRow[] {
  const rows: KernelRow[] = [];
  for (const kern of CPU_CHECKED) {
    const base = { tensor: ctx.tensor, scheme: ctx.scheme, backend: 'cpu' as const, kernel: kern.name, m };
    const sup = kern.supports(qt);
    if (sup !== true) {
      rows.push({ ...base, status: 'unsupported', worstRatio: null, maxAbsErr: null, ms: null, timer: 'none', note: sup });
      continue;
    }
    try {
      const t0 = now();
      const y = kern.run(x, m, qt);
      const ms = now() - t0;
      const check = checkCpuKernel(kern, x, m, qt, y, ref);
      rows.push({ ...base, status: check.ok ? 'ok' : 'mismatch', worstRatio: check.worstRatio, maxAbsErr: check.maxAbsErr, ms, timer: 'wall', note: check.message });
    } catch (err) {
      rows.push({ ...base, status: 'error', worstRatio: null, maxAbsErr: null, ms: null, timer: 'none', note: errorMessage(err) });
    }
  }
  return rows;
}

/**
 * Each WebAssembly kernel on `qt`, judged against `ref`: on every core where threads run (a cross-
 * origin isolated page), else on one thread. The row's kernel names the thread count.
 */
export async function checkWasmKernels(ctx: CheckContext, qt: QuantizedTensor, x: Float32Array, m: number, ref: RefResult): Promise<KernelRow[]> {
  const rows: KernelRow[] = [];
  const threads = resolveWasmThreads(undefined);
  for (const name of WASM_KERNEL_NAMES) {
    const impl = WASM_KERNELS[name];
    const base = { tensor: ctx.tensor, scheme: ctx.scheme, backend: 'wasm' as const, kernel: `${name} (${threads} thread${threads > 1 ? 's' : ''})`, m };
    const sup = impl.supports(qt);
    if (sup !== true) {
      rows.push({ ...base, status: 'unsupported', worstRatio: null, maxAbsErr: null, ms: null, timer: 'none', note: sup });
      continue;
    }
    try {
      const t0 = now();
      const y = await runWasmKernel(name, x, m, qt, { threads });
      const ms = now() - t0;
      const check = checkWasmKernel(impl, x, m, qt, y, ref);
      rows.push({ ...base, status: check.ok ? 'ok' : 'mismatch', worstRatio: check.worstRatio, maxAbsErr: check.maxAbsErr, ms, timer: 'wall', note: check.message });
    } catch (err) {
      rows.push({ ...base, status: 'error', worstRatio: null, maxAbsErr: null, ms: null, timer: 'none', note: errorMessage(err) });
    }
  }
  return rows;
}

/** Each GPU kernel variant (quantized families) on `qt`, judged against `ref`; emits as it goes. */
export async function checkGpuKernels(
  ctx: CheckContext,
  gpu: LowbitGpu,
  qt: QuantizedTensor,
  w: Float32Array,
  x: Float32Array,
  m: number,
  ref: RefResult,
  emit: (row: KernelRow) => void,
): Promise<void> {
  for (const v of GPU_KERNEL_VARIANTS) {
    if (v.family === 'f32') continue;
    const base = { tensor: ctx.tensor, scheme: ctx.scheme, backend: 'gpu' as const, kernel: v.name, m };
    const sup = v.supports(qt);
    if (sup !== true) continue; // only the variants that apply to this scheme are listed
    const skip = skipReason(gpu, v);
    if (skip !== undefined) {
      emit({ ...base, status: 'unavailable', worstRatio: null, maxAbsErr: null, ms: null, timer: 'none', note: skip });
      continue;
    }
    try {
      const r = await runGpuKernel(gpu, v.name, x, m, qt);
      const check = checkMatmulBound(r.y, ref, m, qt.rows, qt.cols, gpuKernelBound(v, { qt, m, x, w, tuning: r.tuning }));
      emit({
        ...base,
        kernel: r.variant,
        status: check.ok ? 'ok' : 'mismatch',
        worstRatio: check.worstRatio,
        maxAbsErr: check.maxAbsErr,
        ms: r.gpuMs ?? null,
        timer: r.timer,
        note: check.message,
      });
    } catch (err) {
      emit({ ...base, status: 'error', worstRatio: null, maxAbsErr: null, ms: null, timer: 'none', note: errorMessage(err) });
    }
  }
}
