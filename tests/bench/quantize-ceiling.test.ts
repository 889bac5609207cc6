// The quantize ceiling runs the worker script on shares of a shared W and reports consistent times; it refuses unshared input.
import { describe, expect, it } from 'vitest';
import { measureQuantizeCeiling } from '../../src/bench/quantize-ceiling.js';
import { quantizeHeadlines } from '../../src/bench/suite-quantize.js';
import { makeRow } from '../../src/bench/measure.js';

describe('measureQuantizeCeiling', () => {
  const rows = 256;
  const cols = 1024;
  const shared = new Float32Array(new SharedArrayBuffer(rows * cols * 4));
  for (let i = 0; i < shared.length; i++) shared[i] = Math.sin(i * 0.13) * (i % 61 === 0 ? 9 : 1);

  it('times every share at once and alone, and derives the speed-up from them', async () => {
    const c = await measureQuantizeCeiling(shared, rows, cols, 'int4', 2, 3);
    expect(c.samples).toBe(3);
    expect(c.allMs).toBeGreaterThan(0);
    expect(c.aloneMs).toBeGreaterThan(0);
    expect(c.speedup).toBeCloseTo((2 * c.aloneMs) / c.allMs, 12);
  });

  it('refuses a W that is not shared, one thread, and a scheme the workers reject', async () => {
    await expect(measureQuantizeCeiling(shared.slice(), rows, cols, 'int4', 2, 1)).rejects.toThrow(/SharedArrayBuffer/);
    await expect(measureQuantizeCeiling(shared, rows, cols, 'int4', 1, 1)).rejects.toThrow(/>= 2 threads/);
    await expect(measureQuantizeCeiling(shared, rows, cols, 'int4_no_such', 2, 1)).rejects.toThrow(/quantize ceiling/);
  });

  it('enters the headlines as one more threaded row against the 1-thread time', () => {
    const base = { suite: 'quantize' as const, role: 'kernel' as const, layer: 'L', m: 1, n: 4096, k: 4096, scheme: 'int4', group: 128, kernel: 'quantize', bytes: 1, flops: 0, status: 'ok' as const, timer: 'wall' as const, samples: 5 };
    const h = quantizeHeadlines([makeRow({ ...base, variant: '1 thread', note: 'one', ms: 40 }), makeRow({ ...base, variant: '2 independent workers (machine ceiling)', note: 'cores give 1.8x', ms: 22 })]);
    expect(h.find((x) => x.label === 'quantize int4: 2 independent workers (machine ceiling) vs 1 thread')?.value).toBe(40 / 22);
  });
});
