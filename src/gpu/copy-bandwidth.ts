/**
 * The device's achievable bandwidth: a plain copy kernel (shaders/copy.wgsl) moving the same bytes
 * as a benchmarked kernel, timed the same way. A kernel's effective GB/s divided by this copy's
 * GB/s says how close it comes to what the device can move at all.
 *
 * GB/s counts bytes read plus bytes written (2 x bytes for a copy), as STREAM's copy does.
 */
import type { LowbitGpu } from './device.js';
import { GpuLimitError, alignedSize, dispatch2d, readBytes, uploadUniform } from './buffers.js';
import { getPipeline } from './pipeline-cache.js';
import { settleFor, submitJobs, type ComputeJob, type SubmitOptions, type TimerKind } from './timing.js';

/** Workgroup shape of shaders/copy.wgsl (its override constants). */
export const COPY_TILE = { WG_SIZE: 256, PER_THREAD: 4 } as const;

/** Bytes per copied element (one vec4<u32>). */
const ELEMENT_BYTES = 16;
const BYTES_PER_GB = 1e9;
const MS_PER_S = 1e3;

/** Options of {@link measureCopyBandwidth}. */
export interface CopyOptions {
  /** Untimed dispatches first (default 3). */
  readonly warmup?: number;
  /** Timed dispatches; the median is reported (default 10). */
  readonly iterations?: number;
  /** Read dst back once and compare it with src (default true). */
  readonly verify?: boolean;
}

/** Result of {@link measureCopyBandwidth}. */
export interface CopyBandwidth {
  /** Bytes copied (the requested size rounded up to 16). */
  readonly bytes: number;
  /** Bytes read plus bytes written: 2 * bytes. */
  readonly movedBytes: number;
  /** Median time of one copy in ms, by `timer`. */
  readonly ms: number;
  /** movedBytes / ms, in GB/s (1e9 bytes). */
  readonly gbps: number;
  readonly timer: TimerKind;
  /** Every timed sample in ms. */
  readonly samplesMs: readonly number[];
  /** Passes per copy (more than one when a binding would exceed maxStorageBufferBindingSize). */
  readonly passes: number;
}

/** A copy kernel with its buffers, ready for repeated dispatches. */
export interface PreparedCopy {
  readonly bytes: number;
  readonly passes: number;
  dispatch(opts?: SubmitOptions): Promise<{ ms: number; timer: TimerKind; wallMs: number }>;
  /** Throws when dst differs from src (call after at least one dispatch). */
  verify(): Promise<void>;
  destroy(): void;
}

/** The median of `values` (mean of the middle two for an even count). */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Builds a copy of `bytes` bytes (rounded up to 16). Bindings larger than
 * maxStorageBufferBindingSize are split into several passes over offset ranges.
 * @throws GpuLimitError when the buffer exceeds maxBufferSize.
 */
export async function prepareCopy(gpu: LowbitGpu, bytes: number): Promise<PreparedCopy> {
  if (!(bytes > 0)) throw new RangeError(`copy bandwidth: bytes must be positive, got ${bytes}`);
  const size = Math.ceil(bytes / ELEMENT_BYTES) * ELEMENT_BYTES;
  if (size > gpu.limits.maxBufferSize) {
    throw new GpuLimitError(`copy bandwidth: a ${size}-byte buffer exceeds maxBufferSize = ${gpu.limits.maxBufferSize} bytes on this device`);
  }
  const align = gpu.device.limits.minStorageBufferOffsetAlignment;
  // Largest binding that keeps every chunk offset aligned and a whole number of elements.
  const lcm = align % ELEMENT_BYTES === 0 ? align : align * ELEMENT_BYTES;
  const chunkBytes = Math.min(size, Math.floor(gpu.limits.maxStorageBufferBindingSize / lcm) * lcm);
  if (chunkBytes < ELEMENT_BYTES) throw new GpuLimitError(`copy bandwidth: maxStorageBufferBindingSize ${gpu.limits.maxStorageBufferBindingSize} is too small`);
  const pipeline = await getPipeline(gpu, { shader: 'copy', constants: COPY_TILE });
  const owned: GPUBuffer[] = [];
  try {
    const src = gpu.device.createBuffer({ label: 'copy src', size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
    owned.push(src);
    // A recognisable pattern (word i holds i * 2654435761 mod 2^32) so verify() catches partial copies.
    const words = new Uint32Array(src.getMappedRange());
    for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 2654435761) >>> 0;
    src.unmap();
    const dst = gpu.device.createBuffer({ label: 'copy dst', size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    owned.push(dst);
    const jobs: ComputeJob[] = [];
    for (let off = 0; off < size; off += chunkBytes) {
      const len = Math.min(chunkBytes, size - off);
      const count = len / ELEMENT_BYTES;
      const [gx, gy] = dispatch2d(gpu, Math.ceil(count / (COPY_TILE.WG_SIZE * COPY_TILE.PER_THREAD)));
      const params = uploadUniform(gpu, new Uint32Array([count, gx, 0, 0]), 'copy params');
      owned.push(params);
      const bindGroup = gpu.device.createBindGroup({
        label: 'copy',
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: src, offset: off, size: len } },
          { binding: 1, resource: { buffer: dst, offset: off, size: len } },
          { binding: 2, resource: { buffer: params } },
        ],
      });
      jobs.push({ pipeline, bindGroup, workgroups: [gx, gy, 1], label: 'copy' });
    }
    return {
      bytes: size,
      passes: jobs.length,
      dispatch: (opts) => submitJobs(gpu, 'copy', jobs, opts),
      async verify() {
        const got = new Uint32Array(await readBytes(gpu, dst, alignedSize(size)));
        for (let i = 0; i < got.length; i++) {
          const want = Math.imul(i, 2654435761) >>> 0;
          if (got[i] !== want) throw new Error(`copy kernel wrote ${got[i]} at word ${i}, expected ${want}`);
        }
      },
      destroy() {
        for (const b of owned) b.destroy();
      },
    };
  } catch (err) {
    for (const b of owned) b.destroy();
    throw err;
  }
}

/**
 * Times a copy of `bytes` bytes on `gpu`: warm-up dispatches, then `iterations` timed ones; the
 * median by timestamp-query when the device has it, else by the wall clock (the result says which).
 */
export async function measureCopyBandwidth(gpu: LowbitGpu, bytes: number, opts: CopyOptions = {}): Promise<CopyBandwidth> {
  const warmup = opts.warmup ?? 3;
  const iterations = Math.max(1, opts.iterations ?? 10);
  const copy = await prepareCopy(gpu, bytes);
  try {
    const walls: number[] = [];
    for (let i = 0; i < warmup; i++) walls.push((await copy.dispatch()).wallMs);
    if (opts.verify ?? true) {
      if (warmup === 0) walls.push((await copy.dispatch()).wallMs);
      await copy.verify();
    }
    const samples: number[] = [];
    let timer: TimerKind = 'timestamp-query';
    for (let i = 0; i < iterations; i++) {
      const t = await copy.dispatch(settleFor(walls));
      walls.push(t.wallMs);
      samples.push(t.ms);
      if (t.timer === 'wall') timer = 'wall';
    }
    const ms = median(samples);
    const movedBytes = 2 * copy.bytes;
    return { bytes: copy.bytes, movedBytes, ms, gbps: movedBytes / BYTES_PER_GB / (ms / MS_PER_S), timer, samplesMs: samples, passes: copy.passes };
  } finally {
    copy.destroy();
  }
}
