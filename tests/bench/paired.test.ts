// pairedRatio times two calls in alternating blocks and reports B's time over A's (the bench's target ratios).
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { pairedRatio } from '../../src/bench/paired.js';

/** A call that lasts `ms` of wall clock (busy), whatever the machine's speed. */
function busy(ms: number): () => void {
  return () => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
}

describe('pairedRatio', () => {
  it('gives B over A from alternating blocks, with each side per call', () => {
    let order = '';
    const a = busy(0.5);
    const b = busy(1.5);
    const r = pairedRatio(() => ((order += 'a'), a()), () => ((order += 'b'), b()), { blocks: 4, blockMs: 4 });
    expect(r.ratios).toHaveLength(4);
    // 1.5 ms of busy wait over 0.5 ms; the clock's overhead per call only lowers it a little.
    expect(r.ratio).toBeGreaterThan(2.4);
    expect(r.ratio).toBeLessThan(3.3);
    expect(r.aMs).toBeGreaterThanOrEqual(0.5);
    expect(r.bMs).toBeGreaterThanOrEqual(1.5);
    // After the calibration calls, blocks alternate AB, BA, AB, BA: runs of n_a, 2 n_b, 2 n_a, 2 n_b, n_a calls.
    const runs = (order.match(/a+|b+/g) ?? []).slice(-5);
    const na = (runs[0] as string).length;
    const nb = (runs[1] as string).length / 2;
    expect(runs.map((r) => r.length)).toEqual([na, 2 * nb, 2 * na, 2 * nb, na]);
    expect(runs.map((r) => r[0]).join('')).toBe('ababa');
  });

  it('refuses a block count that is not a positive integer', () => {
    expect(() => pairedRatio(busy(0), busy(0), { blocks: 0 })).toThrow(/blocks must be a positive integer, got 0/);
  });
});
