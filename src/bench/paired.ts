/**
 * Paired timing for the ratios the WebAssembly targets are stated in (int2 / int4, M = 8 / M = 1,
 * ...): the two calls are timed in alternating blocks, back to back, and the ratio is the median
 * of the blocks' ratios. On a shared machine whose speed drifts over minutes (the 2-core VM of
 * docs/BENCHMARKS.md moves 1.5x between passes), two rows timed minutes apart can give a ratio the
 * kernels do not have; a block pair lasts tens of milliseconds, so both sides see the same load.
 */
import { median } from './measure.js';
import { batchSize, timeBatch } from './timers.js';

/** One paired measurement: B's time per call over A's, and each side's median per call. */
export interface PairedRatio {
  /** What it measures, e.g. 'int2/int4' (summarize.ts WASM_TARGET_PAIRS). */
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

/**
 * Times synchronous `a` and `b` in alternating blocks and returns B's time over A's as the median
 * of the blocks' ratios, with each side's median ms per call.
 */
export function pairedRatio(a: () => unknown, b: () => unknown, opts: PairedOptions = {}): { ratio: number; ratios: number[]; aMs: number; bMs: number } {
  const blocks = opts.blocks ?? DEFAULT_BLOCKS;
  const blockMs = opts.blockMs ?? DEFAULT_BLOCK_MS;
  if (!(Number.isInteger(blocks) && blocks >= 1)) throw new RangeError(`pairedRatio: blocks must be a positive integer, got ${blocks}`);
  a();
  b();
  const na = batchSize(a, blockMs);
  const nb = batchSize(b, blockMs);
  const aMs: number[] = [];
  const bMs: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < blocks; i++) {
    let ta: number;
    let tb: number;
    if (i % 2 === 0) {
      ta = timeBatch(a, na);
      tb = timeBatch(b, nb);
    } else {
      tb = timeBatch(b, nb);
      ta = timeBatch(a, na);
    }
    aMs.push(ta);
    bMs.push(tb);
    ratios.push(tb / ta);
  }
  return { ratio: median(ratios), ratios, aMs: median(aMs), bMs: median(bMs) };
}
