/**
 * The verification matrix behind `lowbit verify`, the report and the browser app: every scheme x
 * GPU kernel variant on the current adapter against the f64 CPU oracle on the embedded sample,
 * plus the bit-exact GPU dequantize per scheme and, where supported, the bit-exact GPU quantize;
 * and (`verifyWasmMatrix`, no GPU needed) every scheme x WebAssembly kernel on this CPU.
 * Browser-safe (no Node APIs).
 */
import type { GpuCapabilities, LowbitGpu } from './device.js';
import { uploadQuantizedTensor } from './gpu-tensor.js';
import { GPU_KERNEL_VARIANTS, dequantizeGpu, gpuKernelBound, runGpuKernel, type GpuKernelVariant } from './kernels.js';
import { gpuQuantizeSupports, quantizeGpu } from './quantize-gpu.js';
import { checkMatmulBound } from '../cpu/compare.js';
import { matmulRefDense } from '../cpu/matmul-ref.js';
import { dequantize, quantize } from '../quant/quantize.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { ALL_SCHEME_NAMES, isAnySchemeName, unknownSchemeMessage } from '../quant/schemes.js';
import { sampleActivations, sampleWeights } from '../io/sample.js';
import { WASM_KERNELS, WASM_REFERENCES, checkWasmKernel, defaultWasmArena, wasmReferenceMismatch } from '../cpu/wasm-kernels.js';
import { runWasmKernelSync } from '../cpu/wasm-arena.js';
import { matmulRef } from '../cpu/matmul-ref.js';

/** One row of the verification matrix. */
export interface VerifyRow {
  readonly scheme: string;
  /** Variant name, e.g. 'dequant-gemv/subgroup', or 'dequantize' / 'quantize' for the bit-exact checks. */
  readonly variant: string;
  readonly family: string;
  /** CPU kernel computing the same arithmetic ('ref' for the f32 baselines and dequantize). */
  readonly cpuTwin: string;
  /** pass / fail (a bound or bit mismatch) / error (the variant threw) / skip (adapter lacks a capability). */
  readonly status: 'pass' | 'fail' | 'error' | 'skip';
  /** Shapes run, as 'MxNxK'. */
  readonly shapes: readonly string[];
  /** Worst |err| / bound over the shapes (0 for bit-exact passes). */
  readonly worstRatio: number;
  readonly maxAbsErr: number;
  /** Failure, error or skip text; the first offending element for bound failures. */
  readonly message: string;
  /** Kernel time of the last shape, by `timer`. */
  readonly gpuMs?: number;
  readonly timer?: string;
  /** Where it ran: the WebGPU adapter (absent: webgpu) or this CPU's WebAssembly SIMD kernels. */
  readonly backend?: 'webgpu' | 'wasm';
}

/** Options of {@link verifyMatrix}. */
export interface VerifyOptions {
  /** Schemes to run (default: every scheme, lowbit's and the ggml ones: ALL_SCHEME_NAMES). */
  readonly schemes?: readonly string[];
  /** Variants to run (default: all in GPU_KERNEL_VARIANTS). */
  readonly variants?: readonly string[];
  /** Smaller sample (N=64, K=256, M=1 and 3) instead of N=256, K=1024, M=1 and 4. */
  readonly quick?: boolean;
  /** Called after each row (progress). */
  readonly onRow?: (row: VerifyRow) => void;
}

/** The WebGPU names of the optional capabilities (feature names; WGSL language feature for dot4). */
const CAPABILITY_NAMES: Readonly<Record<keyof GpuCapabilities, string>> = {
  subgroups: 'subgroups',
  shaderF16: 'shader-f16',
  timestampQuery: 'timestamp-query',
  packed4x8IntegerDotProduct: 'packed_4x8_integer_dot_product',
};

/**
 * Why `variant` cannot run on `gpu`, in a few words for a table cell ("adapter lacks
 * shader-f16"), or undefined when the adapter has everything it needs.
 */
export function skipReason(gpu: Pick<LowbitGpu, 'capabilities'>, variant: Pick<GpuKernelVariant, 'needs'>): string | undefined {
  const missing = variant.needs.filter((cap) => !gpu.capabilities[cap]);
  return missing.length === 0 ? undefined : `adapter lacks ${missing.map((c) => CAPABILITY_NAMES[c]).join(', ')}`;
}

interface Shape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

function shapesFor(quick: boolean): { n: number; k: number; ms: readonly number[] } {
  return quick ? { n: 64, k: 256, ms: [1, 3] } : { n: 256, k: 1024, ms: [1, 4] };
}

/** First index whose f32 bit patterns differ (any NaN matches NaN; a subnormal may flush to a same-signed zero, as WGSL allows). */
function firstBitMismatch(got: Float32Array, want: Float32Array): number {
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < w.length; i++) {
    if (g[i] === w[i]) continue;
    const a = got[i] as number;
    const b = want[i] as number;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === 0 && Math.abs(b) < 2 ** -126 && (g[i] as number) >>> 31 === (w[i] as number) >>> 31) continue;
    return i;
  }
  return -1;
}

/** The first code word or scale (bit pattern) where two quantized tensors differ, or undefined. */
function firstQuantizedMismatch(got: QuantizedTensor, want: QuantizedTensor): string | undefined {
  const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
  const gs = new Uint32Array(got.scales.buffer, got.scales.byteOffset, got.scales.length);
  const ws = new Uint32Array(want.scales.buffer, want.scales.byteOffset, want.scales.length);
  if (gs.length !== ws.length || got.codes.length !== want.codes.length) {
    return `shape differs: ${gs.length} scales / ${got.codes.length} words, expected ${ws.length} / ${want.codes.length}`;
  }
  for (let g = 0; g < ws.length; g++) {
    if (gs[g] !== ws[g]) return `scale of group ${g} differs: got ${got.scales[g]} (${hex(gs[g] as number)}), expected ${want.scales[g]} (${hex(ws[g] as number)})`;
  }
  for (let i = 0; i < want.codes.length; i++) {
    if (got.codes[i] !== want.codes[i]) {
      const row = Math.floor(i / want.wordsPerRow);
      return `code word ${i - row * want.wordsPerRow} of row ${row} differs: got ${hex(got.codes[i] as number)}, expected ${hex(want.codes[i] as number)}`;
    }
  }
  // Zero points, datatype ids (mixtures) and the tensor scale (NVFP4).
  for (const [name, a, b] of [['zero point', got.zeros, want.zeros], ['datatype id', got.dtypeIds, want.dtypeIds]] as const) {
    if ((a === undefined) !== (b === undefined)) return `${name}s ${a ? 'present' : 'missing'}, expected ${b ? 'present' : 'missing'}`;
    if (a && b) for (let g = 0; g < b.length; g++) if (a[g] !== b[g]) return `${name} of group ${g} differs: got ${a[g]}, expected ${b[g]}`;
  }
  if (!Object.is(got.tensorScale, want.tensorScale)) return `tensor scale differs: got ${got.tensorScale}, expected ${want.tensorScale}`;
  return undefined;
}

/** What both verify matrices start from: checked scheme names, the sample, its activations and the row sink. */
function matrixSetup(opts: { readonly schemes?: readonly string[]; readonly quick?: boolean; readonly onRow?: (row: VerifyRow) => void }) {
  const schemes = (opts.schemes ?? ALL_SCHEME_NAMES).map((s) => {
    if (!isAnySchemeName(s)) throw new Error(unknownSchemeMessage(s));
    return s;
  });
  const { n, k, ms } = shapesFor(opts.quick ?? false);
  const sample = sampleWeights({ rows: n, cols: k });
  const xs = new Map(ms.map((m) => [m, sampleActivations(m, k).data]));
  const rows: VerifyRow[] = [];
  const push = (row: VerifyRow): void => {
    rows.push(row);
    opts.onRow?.(row);
  };
  return { schemes, n, k, ms, sample, xs, rows, push };
}

/**
 * Runs the matrix on `gpu`: for every scheme (lowbit's and llama.cpp's block formats), the GPU
 * dequantize (bit-exact), the GPU quantize (bit-exact, every scheme gpuQuantizeSupports accepts:
 * all of lowbit's; the ggml schemes' reference quantizers run on the CPU) and every variant
 * that supports the scheme (skipped, with the reason, when the adapter lacks a capability),
 * each on the embedded sample weights and activations, judged by checkMatmulBound with the
 * variant's bound.
 */
export async function verifyMatrix(gpu: LowbitGpu, opts: VerifyOptions = {}): Promise<VerifyRow[]> {
  const variants = GPU_KERNEL_VARIANTS.filter((v) => !opts.variants || opts.variants.includes(v.name));
  const { schemes, n, k, ms, sample, xs, rows, push } = matrixSetup(opts);
  for (const scheme of schemes) {
    const qt = quantize(sample.data, n, k, scheme);
    const w = dequantize(qt);
    const gt = uploadQuantizedTensor(gpu, qt);
    try {
      // Bit-exact dequantize.
      try {
        const got = await dequantizeGpu(gpu, gt);
        const bad = firstBitMismatch(got.w, w);
        push({
          scheme,
          variant: 'dequantize',
          family: 'dequant',
          cpuTwin: 'dequantize',
          status: bad < 0 ? 'pass' : 'fail',
          shapes: [`${n}x${k}`],
          worstRatio: 0,
          maxAbsErr: bad < 0 ? 0 : Math.abs((got.w[bad] as number) - (w[bad] as number)),
          message: bad < 0 ? 'bit-exact' : `bits differ at (row ${Math.floor(bad / k)}, col ${bad % k}): got ${got.w[bad]}, expected ${w[bad]}`,
          gpuMs: got.gpuMs,
          timer: got.timer,
        });
      } catch (err) {
        push({ scheme, variant: 'dequantize', family: 'dequant', cpuTwin: 'dequantize', status: 'error', shapes: [], worstRatio: NaN, maxAbsErr: NaN, message: (err as Error).message });
      }
      // Bit-exact quantize (codes and scale bits against the CPU tensor).
      if (gpuQuantizeSupports(scheme) === true) {
        const base = { scheme, variant: 'quantize', family: 'quantize', cpuTwin: 'quantize' };
        try {
          const got = await quantizeGpu(gpu, sample.data, n, k, scheme);
          const bad = firstQuantizedMismatch(got.qt, qt);
          push({ ...base, status: bad === undefined ? 'pass' : 'fail', shapes: [`${n}x${k}`], worstRatio: 0, maxAbsErr: 0, message: bad ?? `bit-exact (${got.variant}.wgsl)`, gpuMs: got.gpuMs, timer: got.timer });
        } catch (err) {
          push({ ...base, status: 'error', shapes: [], worstRatio: NaN, maxAbsErr: NaN, message: (err as Error).message });
        }
      }
      for (const v of variants) {
        if (v.supports(qt) !== true) continue;
        const base = { scheme, variant: v.name, family: v.family, cpuTwin: v.cpuTwin };
        const skip = skipReason(gpu, v);
        if (skip !== undefined) {
          push({ ...base, status: 'skip', shapes: [], worstRatio: NaN, maxAbsErr: NaN, message: skip });
          continue;
        }
        let worst = 0;
        let maxErr = 0;
        let failure: string | undefined;
        let last: { gpuMs?: number; timer: string } | undefined;
        const shapes: Shape[] = ms.map((m) => ({ m, n, k }));
        try {
          for (const { m } of shapes) {
            const x = xs.get(m) as Float32Array;
            const got = await runGpuKernel(gpu, v.name, x, m, gt);
            last = got;
            const res = checkMatmulBound(got.y, matmulRefDense(x, w, m, n, k), m, n, k, gpuKernelBound(v, { qt, m, x, w, tuning: got.tuning }));
            worst = Math.max(worst, res.worstRatio);
            maxErr = Math.max(maxErr, res.maxAbsErr);
            if (!res.ok && failure === undefined) failure = `M=${m}: ${res.message}`;
          }
          push({
            ...base,
            status: failure === undefined ? 'pass' : 'fail',
            shapes: shapes.map((s) => `${s.m}x${s.n}x${s.k}`),
            worstRatio: worst,
            maxAbsErr: maxErr,
            message: failure ?? 'within bound',
            ...(last ? { gpuMs: last.gpuMs, timer: last.timer } : {}),
          });
        } catch (err) {
          push({ ...base, status: 'error', shapes: shapes.map((s) => `${s.m}x${s.n}x${s.k}`), worstRatio: NaN, maxAbsErr: NaN, message: (err as Error).message });
        }
      }
    } finally {
      gt.destroy();
    }
  }
  return rows;
}


/** Options of {@link verifyWasmMatrix}. */
export interface VerifyWasmOptions {
  /** Schemes to run (default: every scheme, lowbit's and the ggml ones: ALL_SCHEME_NAMES). */
  readonly schemes?: readonly string[];
  /** Kernels to run (default: all in WASM_KERNELS). */
  readonly kernels?: readonly string[];
  /** Smaller sample (N=64, K=256, M=1 and 3) instead of N=256, K=1024, M=1 and 4. */
  readonly quick?: boolean;
  /** Called after each row (progress). */
  readonly onRow?: (row: VerifyRow) => void;
}

/**
 * The WebAssembly rows of the matrix (on this CPU; no GPU needed): for every scheme, every kernel
 * of WASM_KERNELS that supports it, on the same embedded sample and shapes as the GPU rows,
 * judged by checkMatmulBound with the kernel's bound, and bit for bit against its TypeScript
 * reference where WASM_REFERENCES names one. A runtime without WebAssembly SIMD128 gives one
 * error row per scheme and kernel, naming the reason. Rows carry backend 'wasm'; gpuMs is the
 * wall-clock time of the last shape on one thread (timer 'wall').
 */
export async function verifyWasmMatrix(opts: VerifyWasmOptions = {}): Promise<VerifyRow[]> {
  const kernels = Object.values(WASM_KERNELS).filter((kk) => !opts.kernels || opts.kernels.includes(kk.name));
  const { schemes, n, k, ms, sample, xs, rows, push } = matrixSetup(opts);
  let arena: Awaited<ReturnType<typeof defaultWasmArena>> | undefined;
  let unavailable: string | undefined;
  try {
    arena = await defaultWasmArena();
  } catch (err) {
    unavailable = (err as Error).message;
  }
  for (const scheme of schemes) {
    const qt = quantize(sample.data, n, k, scheme);
    for (const kernel of kernels) {
      if (kernel.supports(qt) !== true) continue;
      const base = { scheme, variant: kernel.name, family: kernel.family, cpuTwin: kernel.name.replace(/^wasm-/, ''), backend: 'wasm' as const };
      const shapes = ms.map((m) => `${m}x${n}x${k}`);
      if (!arena) {
        push({ ...base, status: 'error', shapes, worstRatio: NaN, maxAbsErr: NaN, message: unavailable ?? 'WebAssembly unavailable' });
        continue;
      }
      try {
        let worst = 0;
        let maxErr = 0;
        let failure: string | undefined;
        let ms0 = 0;
        const reference = WASM_REFERENCES[kernel.name as keyof typeof WASM_REFERENCES] !== undefined;
        for (const m of ms) {
          const x = xs.get(m) as Float32Array;
          runWasmKernelSync(kernel, arena, x, m, qt); // lays out the weights (cached for the timed run)
          const t0 = performance.now();
          const y = runWasmKernelSync(kernel, arena, x, m, qt);
          ms0 = performance.now() - t0;
          const res = checkWasmKernel(kernel, x, m, qt, y, matmulRef(x, qt, m));
          worst = Math.max(worst, res.worstRatio);
          maxErr = Math.max(maxErr, res.maxAbsErr);
          if (!res.ok && failure === undefined) failure = `M=${m}: ${res.message}`;
          if (failure === undefined) {
            const mismatch = wasmReferenceMismatch(kernel.name, x, m, qt, y);
            if (mismatch !== undefined) failure = `M=${m}: ${mismatch}`;
          }
        }
        push({
          ...base,
          status: failure === undefined ? 'pass' : 'fail',
          shapes,
          worstRatio: worst,
          maxAbsErr: maxErr,
          message: failure ?? (reference ? 'within bound, bit-exact with its TypeScript reference' : 'within bound'),
          gpuMs: ms0,
          timer: 'wall',
        });
      } catch (err) {
        push({ ...base, status: 'error', shapes, worstRatio: NaN, maxAbsErr: NaN, message: (err as Error).message });
      }
    }
  }
  return rows;
}
