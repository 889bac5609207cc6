// The bench headlines pick the right rows: the tiled GEMM against the GEMV variants of the same family at the largest M > 1 and layer.
import { describe, expect, it } from 'vitest';
import { gemmHeadline } from '../../src/bench/summarize.js';
import { makeRow } from '../../src/bench/measure.js';

function gpuRow(kernel: string, variant: string, m: number, n: number, ms: number, status: 'ok' | 'wrong' = 'ok') {
  return makeRow({ suite: 'gpu', role: 'kernel', layer: `L${n}`, m, n, k: n, scheme: 'int4', group: 128, kernel, variant, status, timer: 'timestamp-query', ms, bytes: n * n, flops: 2 * m * n * n });
}

describe('gemmHeadline', () => {
  const rows = [
    gpuRow('lut-gemv', 'f32', 8, 1024, 400),
    gpuRow('lut-gemv', 'i8', 8, 1024, 300),
    gpuRow('lut-gemm', 'f32', 8, 1024, 60),
    gpuRow('lut-gemm', 'i8', 8, 1024, 40, 'wrong'),
    // A smaller layer and a smaller M are ignored.
    gpuRow('lut-gemm', 'f32', 8, 256, 1),
    gpuRow('lut-gemm', 'f32', 4, 1024, 2),
    gpuRow('dequant-gemv', 'plain', 8, 1024, 100),
  ];

  it('divides the fastest GEMV by the fastest correct tiled GEMM of the family', () => {
    const h = gemmHeadline(rows, 'lut');
    expect(h?.value).toBe(300 / 60);
    expect(h?.detail).toContain('lut-gemm/f32 60 ms vs lut-gemv/i8 300 ms');
  });

  it('says what is missing, and stays silent for a family the run did not measure', () => {
    expect(gemmHeadline(rows, 'dequant')).toMatchObject({ value: null, detail: expect.stringContaining('no gemm row') });
    expect(gemmHeadline(rows, 'bitserial')).toBeUndefined();
  });
});
