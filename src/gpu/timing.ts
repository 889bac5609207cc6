/**
 * Submitting compute passes and timing them: GPU timestamps (timestamp-query) when the device
 * has them, otherwise the wall clock from submit to onSubmittedWorkDone. Every timing says
 * which clock produced it.
 */
import type { LowbitGpu } from './device.js';

/** Which clock a timing came from. */
export type TimerKind = 'timestamp-query' | 'wall';

/** One compute pass: a pipeline, its bind group and the workgroup counts. */
export interface ComputeJob {
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
  readonly label?: string;
}

/** Timing of one submission. */
export interface PassTiming {
  /** Kernel time in milliseconds by `timer`: the sum of the passes' GPU durations, or the wall clock. */
  readonly ms: number;
  readonly timer: TimerKind;
  /** Wall-clock milliseconds from submit to completion (always measured). */
  readonly wallMs: number;
}

/** Options of {@link submitJobs}. */
export interface SubmitOptions {
  /** Use timestamp-query when the device has it (default true). */
  readonly timestamps?: boolean;
  /**
   * Sleep this many ms (setTimeout) after submitting, before waiting for completion. For timed
   * loops on Node's `webgpu` (Dawn) package: while a GPU promise is pending it polls for events
   * with setImmediate, a busy loop that takes a CPU core from a CPU-emulated adapter (SwiftShader)
   * and inflates its timings. Sleeping through most of the expected kernel time avoids that; the
   * GPU work itself runs unchanged. See {@link settleFor}.
   */
  readonly settleMs?: number;
}

/** Fraction of the fastest wall time seen so far that a timed loop sleeps through. */
export const SETTLE_FRACTION = 0.8;
/** Fraction of the recent median kernel time (timestamps) a prepared kernel sleeps through. */
export const SETTLE_KERNEL_FRACTION = 0.9;
/** Kernel times the settle estimate looks back over. */
const SETTLE_WINDOW = 5;

/** Submit options for the next dispatch of a timed loop, from the wall times seen so far. */
export function settleFor(wallMsSeen: readonly number[]): SubmitOptions {
  return wallMsSeen.length === 0 ? {} : { settleMs: SETTLE_FRACTION * Math.min(...wallMsSeen) };
}

const NS_PER_MS = 1e6;
/** Bytes of one resolved timestamp (u64). */
const TIMESTAMP_BYTES = 8;

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/**
 * Encodes each job as its own compute pass, submits them together, waits for completion and
 * returns the timing. With timestamp-query each pass writes a begin and an end timestamp; the
 * durations are summed (time between passes is not counted).
 */
export async function submitJobs(gpu: LowbitGpu, label: string, jobs: readonly ComputeJob[], opts: SubmitOptions = {}): Promise<PassTiming> {
  const useTs = (opts.timestamps ?? true) && gpu.capabilities.timestampQuery && jobs.length > 0;
  const device = gpu.device;
  let querySet: GPUQuerySet | undefined;
  let resolve: GPUBuffer | undefined;
  let staging: GPUBuffer | undefined;
  try {
    const count = jobs.length * 2;
    if (useTs) {
      querySet = device.createQuerySet({ label: `${label} timestamps`, type: 'timestamp', count });
      resolve = device.createBuffer({ label: `${label} timestamps`, size: count * TIMESTAMP_BYTES, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      staging = device.createBuffer({ label: `${label} timestamps`, size: count * TIMESTAMP_BYTES, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    const encoder = device.createCommandEncoder({ label });
    jobs.forEach((job, i) => {
      const pass = encoder.beginComputePass({
        label: job.label ?? label,
        ...(querySet ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } } : {}),
      });
      pass.setPipeline(job.pipeline);
      pass.setBindGroup(0, job.bindGroup);
      pass.dispatchWorkgroups(job.workgroups[0], job.workgroups[1], job.workgroups[2]);
      pass.end();
    });
    if (querySet && resolve && staging) {
      encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, staging, 0, count * TIMESTAMP_BYTES);
    }
    const t0 = now();
    device.queue.submit([encoder.finish()]);
    if (opts.settleMs !== undefined && opts.settleMs > 0) await new Promise((r) => setTimeout(r, opts.settleMs));
    await device.queue.onSubmittedWorkDone();
    const wallMs = now() - t0;
    if (!staging) return { ms: wallMs, timer: 'wall', wallMs };
    await staging.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    let ns = 0n;
    for (let i = 0; i < jobs.length; i++) {
      const begin = stamps[2 * i] as bigint;
      const end = stamps[2 * i + 1] as bigint;
      // Implementations may return 0 or non-monotonic values for unsupported passes; skip those.
      if (end > begin) ns += end - begin;
    }
    if (ns === 0n) return { ms: wallMs, timer: 'wall', wallMs };
    return { ms: Number(ns) / NS_PER_MS, timer: 'timestamp-query', wallMs };
  } finally {
    querySet?.destroy();
    resolve?.destroy();
    staging?.destroy();
  }
}

/**
 * Persistent submission state of one prepared kernel: the timestamp query set, its resolve and
 * staging buffers and a staging buffer for Y are created once, not per call (creating and
 * destroying them per call was part of the wall time beyond the kernel). One call encodes the
 * passes, the timestamp resolve and, for {@link TimedJobs.run}, the copy of Y into staging in a
 * single submission, then maps the staging buffers together: one queue round trip, where the
 * previous path waited for onSubmittedWorkDone, then mapped the timestamps, then submitted and
 * mapped a read-back of Y.
 */
export class TimedJobs {
  private readonly useTs: boolean;
  private readonly querySet?: GPUQuerySet;
  private readonly resolveBuf?: GPUBuffer;
  private readonly tsStaging?: GPUBuffer;
  private yStaging?: GPUBuffer;
  private readonly walls: number[] = [];
  private readonly kernels: number[] = [];
  private readonly count: number;

  constructor(
    private readonly gpu: LowbitGpu,
    private readonly label: string,
    private readonly jobs: readonly ComputeJob[],
    /** Sleep through most of the kernel time before waiting (Node's Dawn polls busily while it waits). */
    private readonly autoSettle: boolean,
  ) {
    this.useTs = gpu.capabilities.timestampQuery && jobs.length > 0;
    this.count = jobs.length * 2;
    if (this.useTs) {
      const device = gpu.device;
      this.querySet = device.createQuerySet({ label: `${label} timestamps`, type: 'timestamp', count: this.count });
      this.resolveBuf = device.createBuffer({ label: `${label} timestamps`, size: this.count * TIMESTAMP_BYTES, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      this.tsStaging = device.createBuffer({ label: `${label} timestamps`, size: this.count * TIMESTAMP_BYTES, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
  }

  private encode(copyY?: { src: GPUBuffer; bytes: number }): GPUCommandBuffer {
    const encoder = this.gpu.device.createCommandEncoder({ label: this.label });
    this.jobs.forEach((job, i) => {
      const pass = encoder.beginComputePass({
        label: job.label ?? this.label,
        ...(this.querySet ? { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } } : {}),
      });
      pass.setPipeline(job.pipeline);
      pass.setBindGroup(0, job.bindGroup);
      pass.dispatchWorkgroups(job.workgroups[0], job.workgroups[1], job.workgroups[2]);
      pass.end();
    });
    if (this.querySet && this.resolveBuf && this.tsStaging) {
      encoder.resolveQuerySet(this.querySet, 0, this.count, this.resolveBuf, 0);
      encoder.copyBufferToBuffer(this.resolveBuf, 0, this.tsStaging, 0, this.count * TIMESTAMP_BYTES);
    }
    if (copyY) encoder.copyBufferToBuffer(copyY.src, 0, this.stagingFor(copyY.bytes), 0, copyY.bytes);
    return encoder.finish();
  }

  private stagingFor(bytes: number): GPUBuffer {
    if (!this.yStaging || this.yStaging.size < bytes) {
      this.yStaging?.destroy();
      this.yStaging = this.gpu.device.createBuffer({ label: `${this.label} y staging`, size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    return this.yStaging;
  }

  /**
   * How long to sleep before mapping: the caller's settleMs, else (Node) 90% of the median of the
   * last kernel times by timestamp (the GPU work itself; the wall time also holds the round trip
   * and any sleep), or without timestamps 80% of the fastest wall time seen.
   */
  private settle(opts: SubmitOptions): number | undefined {
    if (opts.settleMs !== undefined) return opts.settleMs;
    if (!this.autoSettle) return undefined;
    if (this.kernels.length > 0) {
      const recent = this.kernels.slice(-SETTLE_WINDOW).sort((a, b) => a - b);
      return SETTLE_KERNEL_FRACTION * (recent[recent.length >> 1] as number);
    }
    return settleFor(this.walls).settleMs;
  }

  /** Submits, sleeps `settle`, maps the staging buffers; returns the kernel time and the wall time. */
  private async finish(cmd: GPUCommandBuffer, opts: SubmitOptions, t0: number, y?: { bytes: number }): Promise<PassTiming & { y?: ArrayBuffer }> {
    const device = this.gpu.device;
    const useTs = this.useTs && (opts.timestamps ?? true);
    device.queue.submit([cmd]);
    const settle = this.settle(opts);
    if (settle !== undefined && settle > 0) await new Promise((r) => setTimeout(r, settle));
    const maps: Promise<void>[] = [];
    if (useTs && this.tsStaging) maps.push(this.tsStaging.mapAsync(GPUMapMode.READ));
    if (y && this.yStaging) maps.push(this.yStaging.mapAsync(GPUMapMode.READ, 0, y.bytes));
    if (maps.length === 0) maps.push(device.queue.onSubmittedWorkDone());
    await Promise.all(maps);
    const wallMs = now() - t0;
    this.walls.push(wallMs);
    let yOut: ArrayBuffer | undefined;
    if (y && this.yStaging) {
      yOut = this.yStaging.getMappedRange(0, y.bytes).slice(0);
      this.yStaging.unmap();
    }
    let ns = 0n;
    if (useTs && this.tsStaging) {
      const stamps = new BigUint64Array(this.tsStaging.getMappedRange().slice(0));
      this.tsStaging.unmap();
      for (let i = 0; i < this.jobs.length; i++) {
        const begin = stamps[2 * i] as bigint;
        const end = stamps[2 * i + 1] as bigint;
        if (end > begin) ns += end - begin;
      }
    } else if (this.tsStaging?.mapState === 'mapped') this.tsStaging.unmap();
    const base = ns === 0n ? { ms: wallMs, timer: 'wall' as const, wallMs } : { ms: Number(ns) / NS_PER_MS, timer: 'timestamp-query' as const, wallMs };
    if (base.timer === 'timestamp-query') this.kernels.push(base.ms);
    return yOut ? { ...base, y: yOut } : base;
  }

  /** Runs the passes once and waits (kernel only). */
  async dispatch(opts: SubmitOptions = {}): Promise<PassTiming> {
    const cmd = this.encode();
    return this.finish(cmd, opts, now());
  }

  /** Writes X (by `writeX`), runs the passes and reads `bytes` of `y` back, in one submission. */
  async run(writeX: () => void, y: GPUBuffer, bytes: number, opts: SubmitOptions = {}): Promise<PassTiming & { y: ArrayBuffer }> {
    const t0 = now();
    writeX();
    const cmd = this.encode({ src: y, bytes });
    const r = await this.finish(cmd, opts, t0, { bytes });
    return { ...r, y: r.y as ArrayBuffer };
  }

  /** Destroys the query set and staging buffers. */
  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuf?.destroy();
    this.tsStaging?.destroy();
    this.yStaging?.destroy();
  }
}

/** Wall-clock ms of an empty submission and its completion: one queue round trip. */
export async function queueRoundTripMs(gpu: LowbitGpu, samples = 5): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    gpu.device.queue.submit([gpu.device.createCommandEncoder({ label: 'round trip' }).finish()]);
    await gpu.device.queue.onSubmittedWorkDone();
    out.push(now() - t0);
  }
  out.sort((a, b) => a - b);
  return out[out.length >> 1] as number;
}
