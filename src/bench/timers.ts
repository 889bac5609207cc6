/**
 * Plain wall-clock timing for what benny does not time: the memcpy baseline (batched so a sample
 * lasts long enough for the clock) and lowbit measured the way a peer is measured (one call per
 * sample, like onnxruntime's session.run).
 */
import { performance } from 'node:perf_hooks';
import { median } from './measure.js';

/** A sample should last at least this long for the clock's resolution not to matter. */
const MIN_BATCH_MS = 2;
/** Most calls batched into one sample. */
const MAX_BATCH = 1 << 16;

/** Calls of a synchronous `fn` per batch for a batch to last at least `minMs` (at most MAX_BATCH). */
export function batchSize(fn: () => unknown, minMs: number): number {
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= minMs || batch >= MAX_BATCH) return batch;
    batch = Math.min(MAX_BATCH, batch * Math.max(2, Math.ceil(minMs / Math.max(dt, 1e-3))));
  }
}

/** ms per call of one batch of `batch` calls of `fn`. */
export function timeBatch(fn: () => unknown, batch: number): number {
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) fn();
  return (performance.now() - t0) / batch;
}

/** Median ms per call of a synchronous `fn`: `warmup` untimed calls, then `samples` batches. */
export function timeSync(fn: () => unknown, warmup: number, samples: number): { ms: number; samplesMs: number[] } {
  for (let i = 0; i < Math.max(1, warmup); i++) fn();
  const batch = batchSize(fn, MIN_BATCH_MS);
  const out: number[] = [];
  for (let s = 0; s < samples; s++) out.push(timeBatch(fn, batch));
  return { ms: median(out), samplesMs: out };
}

/** Median ms of an async `fn`, one call per sample after `warmup` untimed calls. */
export async function timeAsync(fn: () => Promise<unknown>, warmup: number, samples: number): Promise<{ ms: number; samplesMs: number[] }> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return { ms: median(out), samplesMs: out };
}
