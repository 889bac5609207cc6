/**
 * GPU GEMV/GEMM per scheme x kernel variant, enumerating GPU_KERNEL_VARIANTS: weights uploaded
 * once (GpuQuantizedTensor), the variant prepared once, its output checked against lowbit's f64
 * oracle, then warm-up and timed dispatches of the kernel alone; the median by timestamp-query
 * when the device has it, else the wall clock, and every row says which. Beside each: the f32
 * variants of the same table on the unquantized weights and the copy kernel of the same bytes.
 */
import type { AnySchemeName } from '../quant/schemes.js';
import { checkMatmulBound } from '../cpu/compare.js';
import type { LowbitGpu } from '../gpu/device.js';
import { measureCopyBandwidth } from '../gpu/copy-bandwidth.js';
import { uploadQuantizedTensor, type GpuQuantizedTensor } from '../gpu/gpu-tensor.js';
import { GPU_KERNEL_VARIANTS, gpuKernelBound, prepareGpuKernel, variantAvailable, type GpuKernelVariant } from '../gpu/kernels.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { queueRoundTripMs } from '../gpu/timing.js';
import type { KernelTuning } from '../gpu/tuning.js';
import { caseTiming, type Layer } from './shapes.js';
import { hasGpu, type BenchContext } from './context.js';
import { activationBytes, errorText, f32MatmulBytes, makeRow, matmulFlops, median, quantizedWeightBytes } from './measure.js';
import type { RowStatus, RowTimer } from './types.js';

/** Read + write GB/s of shaders/copy.wgsl over `bytes` bytes on `gpu` (memoized per size). */
export async function gpuCopyGbps(ctx: BenchContext, gpu: LowbitGpu, bytes: number): Promise<number | null> {
  const key = `gpu|${bytes}`;
  const hit = ctx.copyCache.get(key);
  if (hit !== undefined) return hit;
  try {
    const r = await measureCopyBandwidth(gpu, bytes, { warmup: ctx.preset.timing.warmup, iterations: ctx.preset.timing.iterations });
    ctx.copyCache.set(key, r.gbps);
    return r.gbps;
  } catch (err) {
    ctx.progress(`  copy of ${bytes} bytes failed: ${errorText(err)}`);
    return null;
  }
}

/** One timed variant. */
export interface GpuTiming {
  readonly status: RowStatus;
  readonly note: string;
  readonly timer: RowTimer;
  readonly ms: number | null;
  readonly samples: number;
  readonly worst: number | null;
  /** Median wall ms of one end-to-end call (prepared.run: write X, kernel, read Y; what a caller sees). */
  readonly endToEndMs: number | null;
  /** Median wall ms of an empty submission's round trip, measured beside the end-to-end calls. */
  readonly roundTripMs: number | null;
  /** Median over the end-to-end calls of wall / (that call's kernel time + the round trip). */
  readonly overheadRatio: number | null;
  /** The workgroup constants the variant ran with. */
  readonly tuning: KernelTuning | null;
}

/** Options of {@link timeGpuVariant}. */
export interface GpuTimeOptions {
  readonly warmup: number;
  readonly iterations: number;
  /** Also time whole calls (prepared.run; the peers suite compares that with session.run). */
  readonly endToEnd?: boolean;
  /** Workgroup constants instead of the device's tuning (the --tune sweep). */
  readonly tuning?: KernelTuning;
}

/** Prepares, checks and times one variant on an uploaded tensor. */
export async function timeGpuVariant(
  ctx: BenchContext,
  gpu: LowbitGpu,
  variant: GpuKernelVariant,
  gt: GpuQuantizedTensor,
  layer: Layer,
  m: number,
  opts: GpuTimeOptions,
): Promise<GpuTiming> {
  const qt = gt.qt;
  const none = { timer: 'none' as const, ms: null, samples: 0, worst: null, endToEndMs: null, roundTripMs: null, overheadRatio: null, tuning: null };
  const avail = variantAvailable(gpu, variant);
  if (avail !== true) return { status: 'unavailable', note: avail, ...none };
  const sup = variant.supports(qt);
  if (sup !== true) return { status: 'unsupported', note: sup, ...none };
  const x = ctx.activationsOf(layer, m);
  let prepared;
  try {
    prepared = await prepareGpuKernel(gpu, variant.name, gt, m, opts.tuning ? { tuning: opts.tuning } : {});
  } catch (err) {
    return { status: 'error', note: `prepare: ${errorText(err)}`, ...none };
  }
  try {
    prepared.setX(x);
    await prepared.dispatch();
    const y = await prepared.readY();
    const w = ctx.dequantizedOf(qt, layer);
    const check = checkMatmulBound(y, ctx.oracle(qt, layer, m), m, qt.rows, qt.cols, gpuKernelBound(variant, { qt, m, x, w, tuning: prepared.tuning }));
    // The checked dispatch above counts as the first warm-up dispatch.
    // The prepared kernel settles through most of its expected time by itself in Node (Dawn's
    // event polling would otherwise take a core from a CPU-emulated adapter).
    for (let i = 1; i < opts.warmup; i++) await prepared.dispatch();
    const samples: number[] = [];
    let timer: RowTimer = 'timestamp-query';
    for (let i = 0; i < opts.iterations; i++) {
      const t = await prepared.dispatch();
      samples.push(t.ms);
      if (t.timer === 'wall') timer = 'wall';
    }
    let endToEndMs: number | null = null;
    let roundTripMs: number | null = null;
    let overheadRatio: number | null = null;
    if (opts.endToEnd) {
      roundTripMs = await queueRoundTripMs(gpu);
      const e2e: number[] = [];
      const ratios: number[] = [];
      for (let i = 0; i < opts.iterations; i++) {
        const t0 = performance.now();
        const r = await prepared.run(x);
        const wall = performance.now() - t0;
        e2e.push(wall);
        if (r.timer === 'timestamp-query') ratios.push(wall / (r.ms + roundTripMs));
      }
      endToEndMs = median(e2e);
      overheadRatio = ratios.length ? median(ratios) : null;
    }
    return {
      status: check.ok ? 'ok' : 'wrong',
      note: check.ok ? '' : check.message,
      timer,
      ms: median(samples),
      samples: samples.length,
      worst: check.worstRatio,
      endToEndMs,
      roundTripMs,
      overheadRatio,
      tuning: prepared.tuning,
    };
  } catch (err) {
    return { status: 'error', note: errorText(err), ...none };
  } finally {
    prepared.destroy();
  }
}

/**
 * The variants of GPU_KERNEL_VARIANTS timed at M: the f32 family (the baselines) or the quantized
 * ones; gemm-shaped variants (tiled over M) only when M > 1, gemv-shaped ones always.
 */
export function variantsFor(m: number, family: 'f32' | 'quantized'): GpuKernelVariant[] {
  return GPU_KERNEL_VARIANTS.filter((v) => (family === 'f32') === (v.family === 'f32') && (v.shape === 'gemv' || m > 1));
}

/** Runs the GPU suite of the context's preset. */
export async function runGpuSuite(ctx: BenchContext): Promise<void> {
  const gpu = ctx.gpu;
  for (const c of ctx.preset.gpu) {
    const { layer } = c;
    const t = caseTiming(ctx.preset, c);
    const { n, k } = layer;
    for (const m of c.m) {
      const base = { suite: 'gpu' as const, layer: layer.name, m, n, k };
      const flops = matmulFlops(m, n, k);
      if (!hasGpu(gpu)) {
        ctx.rows.push(
          makeRow({ ...base, role: 'kernel', scheme: c.schemes.join(','), group: 0, kernel: '-', status: 'unavailable', note: gpu.unavailable, timer: 'none', bytes: 0, flops }),
        );
        continue;
      }
      ctx.progress(`gpu ${layer.name} ${n}x${k} M=${m}: ${c.schemes.length} schemes x ${variantsFor(m, 'quantized').length} variants`);
      // f32 baselines on the unquantized weights (the variants dequantize the first scheme's tensor).
      const f32Bytes = f32MatmulBytes(m, n, k);
      const f32Copy = await gpuCopyGbps(ctx, gpu, f32Bytes);
      let f32Best: number | null = null;
      const firstQt = firstQuantized(ctx, layer, c.schemes);
      if (firstQt) {
        const gt = uploadQuantizedTensor(gpu, firstQt);
        try {
          for (const v of variantsFor(m, 'f32')) {
            ctx.progress(`  f32 ${v.name}`);
            const r = await timeGpuVariant(ctx, gpu, v, gt, layer, m, t);
            if (r.ms !== null && r.status === 'ok') f32Best = f32Best === null ? r.ms : Math.min(f32Best, r.ms);
            ctx.rows.push(
              makeRow({
                ...base,
                role: 'f32-baseline',
                scheme: 'f32',
                group: 0,
                kernel: v.kernel,
                variant: v.variant,
                status: r.status,
                note: r.note || `on the dequantized ${firstQt.scheme} weights`,
                timer: r.timer,
                ms: r.ms,
                samples: r.samples,
                bytes: f32Bytes,
                flops,
                copyGbps: f32Copy,
                checkWorstRatio: r.worst,
              }),
            );
          }
        } finally {
          gt.destroy();
        }
      }
      for (const scheme of c.schemes) {
        let qt: QuantizedTensor;
        try {
          qt = ctx.quantized(layer, scheme);
        } catch (err) {
          ctx.rows.push(makeRow({ ...base, role: 'kernel', scheme, group: 0, kernel: '-', status: 'error', note: `quantize: ${errorText(err)}`, timer: 'none', bytes: 0, flops }));
          continue;
        }
        const bytes = quantizedWeightBytes(qt).total + activationBytes(m, n, k);
        const copy = await gpuCopyGbps(ctx, gpu, bytes);
        let gt: GpuQuantizedTensor;
        try {
          gt = uploadQuantizedTensor(gpu, qt);
        } catch (err) {
          ctx.rows.push(makeRow({ ...base, role: 'kernel', scheme, group: qt.groupSize, kernel: '-', status: 'error', note: `upload: ${errorText(err)}`, timer: 'none', bytes, flops }));
          continue;
        }
        try {
          for (const v of variantsFor(m, 'quantized')) {
            ctx.progress(`  ${scheme} ${v.name}`);
            const r = await timeGpuVariant(ctx, gpu, v, gt, layer, m, t);
            ctx.rows.push(
              makeRow({
                ...base,
                role: 'kernel',
                scheme,
                group: qt.groupSize,
                kernel: v.kernel,
                variant: v.variant,
                status: r.status,
                note: r.note,
                timer: r.timer,
                ms: r.ms,
                samples: r.samples,
                bytes,
                flops,
                copyGbps: copy,
                f32Ms: f32Best,
                checkWorstRatio: r.worst,
              }),
            );
          }
        } finally {
          gt.destroy();
        }
      }
    }
  }
}

function firstQuantized(ctx: BenchContext, layer: Layer, schemes: readonly AnySchemeName[]): QuantizedTensor | undefined {
  for (const s of schemes) {
    try {
      return ctx.quantized(layer, s);
    } catch {
      // try the next scheme
    }
  }
  return undefined;
}
