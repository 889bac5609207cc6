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
