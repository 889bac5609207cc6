// quantizeParallel (worker_threads) returns the reference's tensor and errors, survives concurrent calls, and its idle workers let Node exit.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { quantizeParallel, quantizeThreadsInfo, terminateQuantizeWorkers } from '../../src/quant/quantize-threads.js';
import { quantizeReference } from '../../src/quant/quantize-reference.js';
import { quantize } from '../../src/quant/quantize.js';
import type { QuantizeOptions } from '../../src/quant/quantize-plan.js';
import { expectSameTensor, seededWeights } from './exact-cases.js';

/** 264 x 1024 f32 = 1.08 MB: just above the size from which quantizeParallel uses workers. */
const ROWS = 264;
const COLS = 1024;

afterAll(async () => {
  await terminateQuantizeWorkers();
});

/** The reference's error message for a call, or '' when it succeeds. */
function referenceError(w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: QuantizeOptions): string {
  try {
    quantizeReference(w, rows, cols, scheme, opts);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('quantizeParallel', () => {
  const w = seededWeights(ROWS, COLS, 7);
  const cases: [AnySchemeName, QuantizeOptions][] = [
    ['int4', {}],
    ['int4', { group: 0 }],
    ['int3', { group: -1 }],
    ['int4_asym', { scaleDType: 'f32' }],
    ['bitmod4', {}],
    ['ant3', { group: 64 }],
    ['nf4', { scale: 'mse' }],
    ['mxfp6_e3m2', {}],
    ['nvfp4', {}],
    ['ternary', {}],
    ['binary', { group: 128 }],
    ['fp8_e4m3', { group: -1 }],
  ];
  for (const [scheme, opts] of cases) {
    it(`${scheme} ${JSON.stringify(opts)}: 2 and 3 threads give the reference's tensor`, async () => {
      const want = quantizeReference(w, ROWS, COLS, scheme, opts);
      for (const threads of [2, 3]) {
        const before = quantizeThreadsInfo();
        expectSameTensor(await quantizeParallel(w, ROWS, COLS, scheme, { ...opts, threads }), want, `${scheme} x${threads}`);
        const after = quantizeThreadsInfo();
        // Every block (5 of 64 rows) ran on a worker (no silent single-thread fallback).
        expect(after.fallbacks, after.lastFallbackReason).toBe(before.fallbacks);
        expect(after.blocksDone - before.blocksDone).toBe(Math.ceil(ROWS / 64));
        expect(after.workers).toBeGreaterThanOrEqual(threads);
      }
    });
  }

  it('bad input raises the reference errors (a NaN in a late block, f16 overflow, bad options)', async () => {
    const nan = w.slice();
    nan[(ROWS - 3) * COLS + 17] = Number.NaN;
    const big = w.slice();
    big[200 * COLS + 5] = 1e9; // amax / 7 overflows f16 in row 200
    const bad: [Float32Array, number, number, AnySchemeName, QuantizeOptions][] = [
      [nan, ROWS, COLS, 'int4', {}],
      [nan, ROWS, COLS, 'bitmod4', {}],
      [nan, ROWS, COLS, 'int4', { group: -1 }],
      [big, ROWS, COLS, 'int4', {}],
      [big, ROWS, COLS, 'fp4', { group: 0 }],
      [w, ROWS, COLS, 'int4', { group: 48 }],
      [nan, ROWS, COLS, 'int4', { group: 48 }],
      [w, ROWS, COLS, 'mxfp4', { scale: 'mse' }],
      [w, ROWS + 1, COLS, 'int4', {}],
    ];
    const before = quantizeThreadsInfo().fallbacks;
    for (const [x, rows, cols, scheme, opts] of bad) {
      const message = referenceError(x, rows, cols, scheme, opts);
      expect(message, `test bug: the reference accepts ${scheme}`).not.toBe('');
      await expect(quantizeParallel(x, rows, cols, scheme, { ...opts, threads: 2 })).rejects.toThrow(message);
    }
    // The NaN and overflow cases reached the workers, which handed them back (4 fallbacks; the
    // per-tensor NaN and the option errors stop before any worker starts).
    expect(quantizeThreadsInfo().fallbacks - before).toBe(4);
    await expect(quantizeParallel(w, ROWS, COLS, 'int4', { threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
    await expect(quantizeParallel(w, ROWS, COLS, 'int4', { threads: 1.5 })).rejects.toThrow(/threads must be a positive integer/);
  });

  it('concurrent calls, small tensors and one thread give the same tensors as quantize', async () => {
    const a = seededWeights(ROWS, COLS, 8);
    const [x, y, z] = await Promise.all([
      quantizeParallel(a, ROWS, COLS, 'int8', { threads: 2 }),
      quantizeParallel(w, ROWS, COLS, 'bitmod3', { threads: 2 }),
      quantizeParallel(w, ROWS, COLS, 'fp4', { threads: 3 }),
    ]);
    expectSameTensor(x, quantize(a, ROWS, COLS, 'int8'), 'int8 concurrent');
    expectSameTensor(y, quantize(w, ROWS, COLS, 'bitmod3'), 'bitmod3 concurrent');
    expectSameTensor(z, quantize(w, ROWS, COLS, 'fp4'), 'fp4 concurrent');
    const small = seededWeights(4, 256, 9);
    expectSameTensor(await quantizeParallel(small, 4, 256, 'int4', { threads: 4 }), quantizeReference(small, 4, 256, 'int4'), 'small tensor');
    expectSameTensor(await quantizeParallel(w, ROWS, COLS, 'nf4', { threads: 1 }), quantizeReference(w, ROWS, COLS, 'nf4'), 'one thread');
  });

  it('weights in a SharedArrayBuffer are shared with the workers, not copied', async () => {
    const shared = new Float32Array(new SharedArrayBuffer(w.byteLength));
    shared.set(w);
    const before = quantizeThreadsInfo();
    for (const scheme of ['int4', 'nvfp4', 'int4_asym'] as const) expectSameTensor(await quantizeParallel(shared, ROWS, COLS, scheme, { threads: 2 }), quantizeReference(w, ROWS, COLS, scheme), `${scheme} shared`);
    expect(quantizeThreadsInfo().fallbacks).toBe(before.fallbacks);
    expect(quantizeThreadsInfo().blocksDone).toBeGreaterThan(before.blocksDone);
    // The caller's array is untouched.
    expect(shared.every((v, i) => Object.is(v, w[i]))).toBe(true);
  });

  it('reused staging buffers carry no rows of an earlier call (a larger tensor, then smaller ones of other shapes)', async () => {
    const big = seededWeights(2 * ROWS, COLS, 10);
    expectSameTensor(await quantizeParallel(big, 2 * ROWS, COLS, 'int4', { threads: 2 }), quantizeReference(big, 2 * ROWS, COLS, 'int4'), 'large');
    const a = seededWeights(300, 1152, 11);
    expectSameTensor(await quantizeParallel(a, 300, 1152, 'int4_asym', { threads: 2 }), quantizeReference(a, 300, 1152, 'int4_asym'), '300 x 1152');
    const b = seededWeights(ROWS, COLS, 12);
    expectSameTensor(await quantizeParallel(b, ROWS, COLS, 'int4', { threads: 2 }), quantizeReference(b, ROWS, COLS, 'int4'), 'small after large');
  });

  it('workers restart after terminateQuantizeWorkers', async () => {
    await terminateQuantizeWorkers();
    expectSameTensor(await quantizeParallel(w, ROWS, COLS, 'int2', { threads: 2 }), quantizeReference(w, ROWS, COLS, 'int2'), 'after terminate');
  });

  it('from the compiled dist/, idle workers do not keep the Node process alive (needs the prepare build)', () => {
    const entry = join(process.cwd(), 'dist', 'quant', 'quantize-threads.js');
    expect(existsSync(entry), "dist/ missing: run 'npm run build:cli'").toBe(true);
    // The script never terminates its workers: Node must still exit once the promise settles.
    const script = [
      `const { quantizeParallel } = await import(${JSON.stringify(entry)});`,
      'const w = new Float32Array(512 * 1024).map((_, i) => Math.sin(i));',
      "const qt = await quantizeParallel(w, 512, 1024, 'int4', { threads: 2 });",
      'console.log(`ok ${qt.codes.length} ${qt.scales.length}`);',
    ].join('\n');
    const text = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(text.trim()).toBe(`ok ${512 * 128} ${512 * 8}`);
  });
});
