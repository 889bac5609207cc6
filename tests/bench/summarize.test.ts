// The bench headlines pick the right rows: the tiled GEMM against the GEMV variants of the same family at the largest M > 1 and layer; the WebAssembly targets from the cpu rows.
import { describe, expect, it } from 'vitest';
import { gemmHeadline, gpuLutHeadlines, wasmHeadlines } from '../../src/bench/summarize.js';
import { makeRow } from '../../src/bench/measure.js';

function gpuRow(kernel: string, variant: string, m: number, n: number, ms: number, status: 'ok' | 'wrong' = 'ok', scheme = 'int4') {
  return makeRow({ suite: 'gpu', role: 'kernel', layer: `L${n}`, m, n, k: n, scheme, group: 128, kernel, variant, status, timer: 'timestamp-query', ms, bytes: n * n, flops: 2 * m * n * n });
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

function cpuRow(scheme: string, kernel: string, variant: string, m: number, n: number, ms: number, status: 'ok' | 'wrong' = 'ok') {
  return makeRow({ suite: 'cpu', role: 'kernel', layer: `L${n}`, m, n, k: n, scheme, group: 32, kernel, variant, status, timer: 'benny', ms, bytes: 1e6, flops: 2 * m * n * n, copyGbps: 10 });
}

describe('wasmHeadlines', () => {
  const rows = [
    cpuRow('int4', 'wasm-dequant', '1 thread', 1, 4096, 2),
    cpuRow('int4', 'wasm-dequant', '2 threads', 1, 4096, 1.25),
    cpuRow('int4', 'dequant', '', 1, 4096, 0.5), // a TypeScript row never enters the WebAssembly headlines
    cpuRow('int2', 'wasm-lut-i8', '1 thread', 1, 4096, 1),
    cpuRow('int2', 'wasm-lut-f32', '1 thread', 1, 4096, 0.9, 'wrong'),
    cpuRow('int2', 'wasm-dequant', '1 thread', 1, 4096, 0.5), // not a LUT kernel
    cpuRow('bitmod4', 'wasm-bitserial', '1 thread', 1, 4096, 2.5),
    cpuRow('bitmod4', 'wasm-dequant-i8', '1 thread', 1, 4096, 3), // within 1.5x: paired too
    cpuRow('bitmod4', 'wasm-dequant', '1 thread', 1, 4096, 4), // not
    cpuRow('int4', 'wasm-dequant', '1 thread', 8, 4096, 4),
    cpuRow('int4', 'wasm-lut-i8', '1 thread', 8, 4096, 3),
    cpuRow('int4', 'wasm-dequant', '1 thread', 1, 1024, 0.01), // a smaller layer
  ];
  const byLabel = new Map(wasmHeadlines(rows).map((h) => [h.label, h]));

  it('divides by the int4 time on one thread at the largest layer', () => {
    expect(byLabel.get('CPU WASM int2 LUT GEMV vs int4 WASM GEMV (1 thread)')?.value).toBe(1 / 2);
    expect(byLabel.get('CPU WASM bitmod4 GEMV vs int4 WASM GEMV (1 thread)')?.value).toBe(2.5 / 2);
    // The fastest at M = 8 (wasm-lut-i8) over the fastest at M = 1 (wasm-dequant).
    expect(byLabel.get('CPU WASM int4 M=8: per-row cost vs M=1 (fastest kernels, 1 thread)')?.value).toBe(3 / 8 / 2);
  });

  it('takes a target ratio from a paired measurement of the same two kernels when there is one', () => {
    const pair = (key: string, a: string, b: string, ratio: number) => ({ key, layer: 'L4096', a, b, ratio, ratios: [ratio * 0.9, ratio, ratio * 1.2], aMs: 2, bMs: 2 * ratio });
    const pairs = [
      pair('int2/int4', 'wasm-dequant 1 thread', 'wasm-lut-i8 1 thread', 0.4),
      pair('int4 M=8/M=1', 'wasm-dequant 1 thread', 'wasm-lut-i8 1 thread', 2.4),
      pair('bitmod4/int4', 'wasm-dequant 2 threads', 'wasm-bitserial 1 thread', 9), // not the rows the headline compares
    ];
    const h = new Map(wasmHeadlines(rows, pairs).map((x) => [x.label, x]));
    expect(h.get('CPU WASM int2 LUT GEMV vs int4 WASM GEMV (1 thread)')).toMatchObject({ value: 0.4, detail: expect.stringContaining("median of 3 alternating blocks' ratios (0.36-0.48); the two rows' medians give 0.5") });
    expect(h.get('CPU WASM int4 M=8: per-row cost vs M=1 (fastest kernels, 1 thread)')?.value).toBeCloseTo(2.4 / 8, 12);
    expect(h.get('CPU WASM bitmod4 GEMV vs int4 WASM GEMV (1 thread)')?.value).toBe(2.5 / 2);
  });

  it('takes the lowest paired ratio among the candidate kernels, and names that kernel', () => {
    const pair = (b: string, ratio: number) => ({ key: 'bitmod4/int4', layer: 'L4096', a: 'wasm-dequant 1 thread', b, ratio, ratios: [ratio], aMs: 2, bMs: 2 * ratio });
    const pairs = [pair('wasm-bitserial 1 thread', 1.4), pair('wasm-dequant-i8 1 thread', 1.2), pair('wasm-dequant 1 thread', 0.5)]; // the last is no candidate
    const h = new Map(wasmHeadlines(rows, pairs).map((x) => [x.label, x]));
    expect(h.get('CPU WASM bitmod4 GEMV vs int4 WASM GEMV (1 thread)')).toMatchObject({ value: 1.2, detail: expect.stringContaining("paired: wasm-dequant-i8 1 thread 2.4 ms vs wasm-dequant 1 thread 2 ms per call, median of 1 alternating blocks' ratios (1.2-1.2); the two rows' medians give 1.5") });
  });

  it('says what is missing, and compares the fastest int4 row with the copy of its bytes', () => {
    expect(byLabel.get('CPU WASM ternary LUT GEMV vs int4 WASM GEMV (1 thread)')).toMatchObject({ value: null, detail: expect.stringContaining('no ternary LUT') });
    // 1e6 bytes in 1.25 ms = 0.8 GB/s against a 10 GB/s copy: 12.5x the copy time.
    expect(byLabel.get('CPU WASM int4 GEMV (fastest, any threads): time vs copy-bandwidth time')?.value).toBeCloseTo(12.5, 10);
  });
});

describe('gpuLutHeadlines', () => {
  const rows = [
    gpuRow('dequant-gemv', 'plain', 1, 4096, 30),
    gpuRow('dequant-gemv', 'dp4a', 1, 4096, 25),
    gpuRow('dequant-gemv', 'subgroup', 1, 4096, 20, 'wrong'), // not correct: never the baseline
    gpuRow('lut-gemv', 'f32', 1, 4096, 40), // int4 LUT: not a baseline
    gpuRow('lut-gemv', 'f32', 1, 4096, 15, 'ok', 'int2'),
    gpuRow('lut-gemv', 'i8', 1, 4096, 35, 'ok', 'int2'),
    gpuRow('dequant-gemv', 'plain', 1, 4096, 5, 'ok', 'int2'), // int2 dequant: not a LUT row
    gpuRow('lut-gemv', 'f32', 1, 1024, 1, 'ok', 'ternary'), // a smaller layer
  ];
  const byLabel = new Map(gpuLutHeadlines(rows).map((h) => [h.label, h]));

  it('divides the fastest LUT row by int4 on the fastest correct dequant variant at the largest layer', () => {
    expect(byLabel.get('GPU int2 LUT GEMV vs int4 dequant GEMV')).toMatchObject({ value: 15 / 25, detail: expect.stringContaining('lut-gemv f32 15 ms vs int4 dequant-gemv dp4a 25 ms') });
    expect(byLabel.get('GPU ternary LUT GEMV vs int4 dequant GEMV')).toMatchObject({ value: null, detail: expect.stringContaining('no ternary LUT row') });
  });
});
