/**
 * Paired timing for the ratios the WebAssembly targets are stated in (int2 / int4, M = 8 / M = 1,
 * ...): the two calls are timed in alternating blocks, back to back, and the ratio is the median
 * of the blocks' ratios. On a shared machine whose speed drifts over minutes (the 2-core VM of
 * docs/BENCHMARKS.md moves 1.5x between passes), two rows timed minutes apart can give a ratio the
 * kernels do not have; a block pair lasts tens of milliseconds, so both sides see the same load.
 */
import { performance } from 'node:perf_hooks';
import { median } from './measure.js';

/** One paired measurement: B's time per call over A's, and each side's median per call. */
export interface PairedRatio {
  /** What it measures, e.g. 'int2/int4' (see TARGET_PAIRS in suite-cpu.ts). */
  readonly key: string;
  readonly layer: string;
  /** The kernels of the two sides, as in the rows ('wasm-lut-i8 1 thread'). */
  readonly a: string;
  readonly b: string;
  /** Median of the blocks' (B ms per call) / (A ms per call). */
  readonly ratio: number;
  /** Every block's ratio, in the order measured. */
  readonly ratios: readonly number[];
  /** Medians of the blocks' ms per call. */
  readonly aMs: number;
  readonly bMs: number;
}

/** Options of {@link pairedRatio}. */
export interface PairedOptions {
  /** Block pairs (default 16); the order alternates, AB then BA, so a trend cancels. */
  readonly blocks?: number;
  /** Each side of a block lasts at least this long (default 25 ms), calls batched to reach it. */
  readonly blockMs?: number;
}

const DEFAULT_BLOCKS = 16;
const DEFAULT_BLOCK_MS = 25;
const MAX_BATCH = 1 << 16;

/** Calls per block for `fn` to last at least `blockMs` (measured after one warm-up call). */
function batchFor(fn: () => unknown, blockMs: number): number {
  fn();
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= blockMs || batch >= MAX_BATCH) return batch;
    batch = Math.min(MAX_BATCH, Math.max(batch * 2, Math.ceil((batch * blockMs) / Math.max(dt, 1e-3))));
  }
}

/** ms per call of `batch` calls of `fn`. */
function timeBlock(fn: () => unknown, batch: number): number {
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) fn();
  return (performance.now() - t0) / batch;
}

/**
 * Times synchronous `a` and `b` in alternating blocks and returns B's time over A's as the median
 * of the blocks' ratios, with each side's median ms per call.
 */
export function pairedRatio(a: () => unknown, b: () => unknown, opts: PairedOptions = {}): { ratio: number; ratios: number[]; aMs: number; bMs: number } {
  const blocks = opts.blocks ?? DEFAULT_BLOCKS;
  const blockMs = opts.blockMs ?? DEFAULT_BLOCK_MS;
  if (!(Number.isInteger(blocks) && blocks >= 1)) throw new RangeError(`pairedRatio: blocks must be a positive integer, got ${blocks}`);
  const na = batchFor(a, blockMs);
  const nb = batchFor(b, blockMs);
  const aMs: number[] = [];
  const bMs: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < blocks; i++) {
    let ta: number;
    let tb: number;
    if (i % 2 === 0) {
      ta = timeBlock(a, na);
      tb = timeBlock(b, nb);
    } else {
      tb = timeBlock(b, nb);
      ta = timeBlock(a, na);
    }
    aMs.push(ta);
    bMs.push(tb);
    ratios.push(tb / ta);
  }
  return { ratio: median(ratios), ratios, aMs: median(aMs), bMs: median(bMs) };
}
