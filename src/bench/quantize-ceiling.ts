/**
 * The machine's ceiling for threaded quantize, measured without lowbit's pool: `threads` fresh
 * workers (the same worker script quantizeParallel runs) each quantize one contiguous 1/threads
 * of the rows of a shared W, all posted at once, against one of them quantizing its share alone.
 * Nothing is copied, there is one job per worker and no tail, so
 *   ceiling = threads * (share alone) / (all shares at once)
 * is what the cores give this workload (shared caches, memory bandwidth, SMT siblings, a busy
 * host), the bound any pool's speed-up on this machine stays under. Node only (the bench).
 */
import { Worker } from 'node:worker_threads';
import { QUANTIZE_WORKER_SOURCE } from '../quant/quantize-worker.gen.js';
import type { QuantizeJob, QuantizeJobResult } from '../quant/quantize-worker.js';
import { median } from './measure.js';

/** What {@link measureQuantizeCeiling} found: medians over `samples` rounds, ms. */
export interface QuantizeCeiling {
  /** Every share at once, one per worker (wall clock until the last result). */
  readonly allMs: number;
  /** One share alone on one worker (the same shares in turn, median). */
  readonly aloneMs: number;
  /** threads * aloneMs / allMs. */
  readonly speedup: number;
  readonly samples: number;
}

/** Runs one job on a worker and resolves with its result (rejects on a failed job). */
function runJob(worker: Worker, job: QuantizeJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: QuantizeJobResult): void => {
      worker.off('message', onMessage);
      if (r.ok) resolve();
      else reject(new Error(`quantize ceiling: ${r.reason}`));
    };
    worker.on('message', onMessage);
    worker.postMessage(job);
  });
}

/**
 * Measures the ceiling (file comment) on `w` [rows, cols], which must lie in a SharedArrayBuffer
 * so that no share is copied. `samples` rounds of: every share alone (in turn), then all at once.
 */
export async function measureQuantizeCeiling(w: Float32Array, rows: number, cols: number, scheme: string, threads: number, samples: number): Promise<QuantizeCeiling> {
  if (!(w.buffer instanceof SharedArrayBuffer)) throw new Error('measureQuantizeCeiling: W must lie in a SharedArrayBuffer');
  if (threads < 2 || rows < threads) throw new RangeError(`measureQuantizeCeiling: needs >= 2 threads and >= threads rows, got ${threads} threads, ${rows} rows`);
  const workers = Array.from({ length: threads }, () => new Worker(QUANTIZE_WORKER_SOURCE, { eval: true, name: 'lowbit-quantize-ceiling' }));
  try {
    const jobs = workers.map((_, i) => {
      const r0 = Math.floor((i * rows) / threads);
      const r1 = Math.floor(((i + 1) * rows) / threads);
      return { id: i, scheme, cols, opts: {}, w: w.subarray(r0 * cols, r1 * cols), decisions: {} } satisfies QuantizeJob;
    });
    // Warm-up: every worker compiles its module and runs its share once.
    await Promise.all(workers.map((wk, i) => runJob(wk, jobs[i] as QuantizeJob)));
    const all: number[] = [];
    const alone: number[] = [];
    for (let s = 0; s < samples; s++) {
      for (const [i, wk] of workers.entries()) {
        const t0 = performance.now();
        await runJob(wk, jobs[i] as QuantizeJob);
        alone.push(performance.now() - t0);
      }
      const t0 = performance.now();
      await Promise.all(workers.map((wk, i) => runJob(wk, jobs[i] as QuantizeJob)));
      all.push(performance.now() - t0);
    }
    const allMs = median(all);
    const aloneMs = median(alone);
    return { allMs, aloneMs, speedup: (threads * aloneMs) / allMs, samples };
  } finally {
    await Promise.all(workers.map((wk) => wk.terminate()));
  }
}
