// `lowbit matmul --backend wasm` and `lowbit verify --backend wasm` in-process: the WebAssembly kernels from the command line, their output and their errors.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';
import { parseNpy } from '../../src/io/npy.js';
import { sampleActivations, sampleWeights } from '../../src/io/sample.js';
import { quantize } from '../../src/quant/quantize.js';
import { matmulDequantI8 } from '../../src/cpu/dequant-i8.js';
import { simdLevelMatches } from '../cpu/helpers.js';
import { wasmSimdStatus } from '../../src/cpu/wasm-module.js';

describe('lowbit matmul --backend wasm', () => {
  it('runs wasm-dequant by default and prints the kernel, both timings and the bound check', async () => {
    const r = await runCli('matmul', '--backend', 'wasm', '--scheme', 'int4', '--m', '3');
    expect(r.code, r.err).toBe(0);
    expect(simdLevelMatches(wasmSimdStatus().simd)).toBe(true);
    expect(r.out).toContain(`kernel     wasm-dequant (wasm, ${wasmSimdStatus().simd} SIMD, 1 thread): WebAssembly SIMD`);
    expect(r.out).toMatch(/time\s+[\d.]+ ms \(wall clock \(performance.now\), one run after a first run of [\d.]+ ms that laid out the weights; 1 thread\)/);
    expect(r.out).toMatch(/check\s+pass/);
  });

  it('--kernel dequant-i8 --json --out: Y is the TypeScript reference bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-wasm-'));
    const out = join(dir, 'y.npy');
    const r = await runCli('matmul', '--backend', 'wasm', '--kernel', 'dequant-i8', '--scheme', 'q4_k', '--m', '2', '--threads', '2', '--json', '--out', out);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j).toMatchObject({ kernel: 'wasm-dequant-i8', family: 'dequant', backend: 'wasm', threads: 2, threadsRequested: 2, simd: wasmSimdStatus().simd, pass: true, extraBound: true });
    const y = parseNpy(new Uint8Array(readFileSync(out)));
    const w = sampleWeights({ cols: 1024 });
    const qt = quantize(w.data, w.rows, w.cols, 'q4_k');
    const want = matmulDequantI8(sampleActivations(2, 1024).data, 2, qt);
    expect(y.shape).toEqual([2, w.rows]);
    expect(Buffer.from((y.data as Float32Array).buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it('usage errors: unknown kernels name the nearest, refusals give the reason, --threads needs wasm and a positive count', async () => {
    let r = await runCli('matmul', '--backend', 'wasm', '--kernel', 'wasm-deqant', '--scheme', 'int4');
    expect(r.code).toBe(2);
    expect(r.err).toContain('Unknown WebAssembly kernel "wasm-deqant"; did you mean wasm-dequant?');
    r = await runCli('matmul', '--backend', 'wasm', '--kernel', 'wasm-dequant-i8', '--scheme', 'nf4');
    expect(r.code).toBe(2);
    expect(r.err).toContain('kernel wasm-dequant-i8 does not support nf4: nf4 values are not small integer multiples of one unit');
    r = await runCli('matmul', '--threads', '2', '--scheme', 'int4');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--threads needs --backend wasm');
    r = await runCli('matmul', '--backend', 'wasm', '--threads', '0', '--scheme', 'int4');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--threads must be a positive integer, got 0');
    r = await runCli('matmul', '--backend', 'wsam', '--scheme', 'int4');
    expect(r.code).toBe(2);
    expect(r.err).toContain("--backend must be cpu, wasm or webgpu, got 'wsam'");
  });
});

describe('lowbit verify --backend wasm', () => {
  it('checks every WebAssembly kernel that takes each scheme (no GPU needed) and labels the rows wasm', async () => {
    const r = await runCli('verify', '--backend', 'wasm', '--quick', '--schemes', 'int4,nf4,q4_k');
    expect(r.code, r.out + r.err).toBe(0);
    const rows = r.out
      .split('\n')
      .map((l) => l.trim().split(/\s{2,}/))
      .filter((c) => ['int4', 'nf4', 'q4_k'].includes(c[0] as string));
    const names = rows.map((c) => `${c[0]} ${c[1]} ${c[3]} ${c.at(-1)}`);
    expect(names).toEqual([
      'int4 wasm-dequant pass wasm',
      'int4 wasm-dequant-i8 pass wasm',
      'int4 wasm-lut-i8 pass wasm',
      'int4 wasm-bitserial pass wasm',
      'nf4 wasm-dequant pass wasm',
      'q4_k wasm-dequant pass wasm',
      'q4_k wasm-dequant-i8 pass wasm',
    ]);
    expect(r.out).toContain('7 pass, 0 fail, 0 error, 0 skip');
    const j = await runCli('verify', '--backend', 'wasm', '--quick', '--schemes', 'int4', '--json');
    const parsed = JSON.parse(j.out) as { ok: boolean; adapter: unknown; rows: { backend: string; message: string; variant: string }[] };
    expect(parsed.ok).toBe(true);
    expect(parsed.adapter).toBeNull();
    expect(parsed.rows.map((x) => x.backend)).toEqual(['wasm', 'wasm', 'wasm', 'wasm']);
    for (const v of ['wasm-dequant-i8', 'wasm-lut-i8', 'wasm-bitserial']) {
      expect(parsed.rows.find((x) => x.variant === v)?.message, v).toBe('within bound, bit-exact with its TypeScript reference');
    }
    expect(parsed.rows.find((x) => x.variant === 'wasm-dequant-i8')?.message).toBe('within bound, bit-exact with its TypeScript reference');
    const bad = await runCli('verify', '--backend', 'cuda');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--backend must be all, webgpu or wasm, got 'cuda'");
  });
});
