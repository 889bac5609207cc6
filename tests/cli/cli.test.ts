// The lowbit CLI end to end in-process: help, usage errors, dtypes, quantize (file in/out, JSON) and the report.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { mkdtempSync, existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseNpy, writeNpy } from '../../src/io/npy.js';
import { quantize, dequantize } from '../../src/quant/quantize.js';
import { getDType } from '../../src/dtype/registry.js';
import { ALL_SCHEME_NAMES, GGML_SCHEME_NAMES } from '../../src/quant/schemes.js';
import { seededRandn } from '../../src/io/random.js';


const run = runCli;


describe('lowbit CLI', () => {
  it('prints help listing the commands and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const c of ['report', 'dtypes', 'quantize', 'gpu'] as const) expect(r.out).toContain(c);
  });

  it('rejects an unknown command with status 2', async () => {
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
  });

  it('rejects an unknown option with the command help', async () => {
    const r = await run('quantize', '--scheme', 'int4', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bogus/);
    expect(r.err).toContain('Usage: lowbit quantize');
  });

  it('dtypes --json lists every datatype, with E2M1 values as in the OCP MX spec section 5.3.3', async () => {
    const r = await run('dtypes', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { name: string; bits: number; values?: number[] }[];
    const e2m1 = rows.find((x) => x.name === 'float4_e2m1fn');
    expect(e2m1?.values).toEqual([-6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6]);
    expect(rows.find((x) => x.name === 'float8_e4m3fn')?.bits).toBe(8);
  });

  it('quantize reads .npy, writes the dequantized tensor and reports metrics as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-cli-'));
    const rows = 8;
    const cols = 256;
    const w = seededRandn(rows * cols, 7);
    writeFileSync(join(dir, 'w.npy'), writeNpy(w, [rows, cols]));
    const out = join(dir, 'deq.npy');
    const r = await run('quantize', '--in', join(dir, 'w.npy'), '--scheme', 'int4', '--group', '64', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const payload = JSON.parse(r.out) as { results: { bitsPerWeight: number; nmse: number; groupSize: number }[] };
    // int4 with groups of 64 and f16 scales: 4 + 16/64 bits per weight (docs/FORMATS.md).
    expect(payload.results[0]!.bitsPerWeight).toBeCloseTo(4 + 16 / 64, 10);
    expect(payload.results[0]!.groupSize).toBe(64);
    const written = parseNpy(new Uint8Array(readFileSync(out)));
    expect(written.shape).toEqual([rows, cols]);
    expect(Array.from(written.data)).toEqual(Array.from(dequantize(quantize(w, rows, cols, 'int4', { group: 64 }))));
  });

  it('quantize names a group size that does not divide K and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-cli-'));
    writeFileSync(join(dir, 'w.npy'), writeNpy(seededRandn(4 * 100, 1), [4, 100]));
    const r = await run('quantize', '--in', join(dir, 'w.npy'), '--scheme', 'int4', '--group', '64', '--out', join(dir, 'o.npy'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/64/);
    expect(r.err).toMatch(/100/);
    expect(readdirSync(dir)).toEqual(['w.npy']);
  });

  it('quantize reports a missing file by path', async () => {
    const r = await run('quantize', '--in', '/nonexistent/w.npy', '--scheme', 'int4');
    expect(r.code).toBe(1);
    expect(r.err).toContain('/nonexistent/w.npy');
  });

  it('quantize rejects an unknown scheme listing the known ones', async () => {
    const r = await run('quantize', '--scheme', 'int5');
    expect(r.code).toBe(2);
    expect(r.err).toContain('int5');
    expect(r.err).toContain('bitmod4');
  });

  it('the report covers every scheme on the embedded sample', async () => {
    // The unit project has no GPU: the GPU section of the report is covered by `lowbit verify` in the GPU projects.
    const r = await run('report', '--json', '--no-gpu');
    expect(r.code, r.err).toBe(0);
    const payload = JSON.parse(r.out) as { schemes: { scheme: AnySchemeName; bitsPerWeight: number; sqnrDb: number }[]; cpuKernels: { scheme: AnySchemeName; kernel: string; ok: boolean }[]; ok: boolean };
    expect(payload.ok).toBe(true);
    expect(new Set(payload.cpuKernels.map((c) => c.kernel))).toEqual(new Set(['dequant', 'lut-f32', 'lut-i8', 'bitserial', 'wasm-dequant', 'wasm-dequant-i8', 'wasm-lut-i8', 'wasm-bitserial']));
    // The WebAssembly dequant kernel takes every scheme, like the TypeScript one.
    for (const s of ALL_SCHEME_NAMES) expect(payload.cpuKernels.some((c) => c.scheme === s && c.kernel === 'wasm-dequant'), s).toBe(true);
    expect(payload.schemes.map((s) => s.scheme)).toEqual([...ALL_SCHEME_NAMES]);
    // bitmod4 vs q4_k vs mxfp4 side by side, each with its own storage accounting.
    const bpw = (n: string) => payload.schemes.find((s) => s.scheme === n)!.bitsPerWeight;
    expect([bpw('bitmod4'), bpw('q4_k'), bpw('mxfp4')]).toEqual([4 + 18 / 128, 4.5, 4.25]);
    // The ggml schemes run on the dequant kernels only (TypeScript and WebAssembly).
    for (const g of GGML_SCHEME_NAMES) {
      const kernels = payload.cpuKernels.filter((c) => c.scheme === g).map((c) => c.kernel);
      expect(kernels.slice(0, 2), g).toEqual(['dequant', 'wasm-dequant']);
      expect(kernels.every((k) => k === 'dequant' || k === 'wasm-dequant' || k === 'wasm-dequant-i8'), `${g}: ${kernels.join(' ')}`).toBe(true);
    }
    for (const s of payload.schemes) {
      expect(s.bitsPerWeight).toBeGreaterThan(1);
      expect(Number.isFinite(s.sqnrDb)).toBe(true);
    }
    // More bits never hurt on the same data: int8 beats int4 beats int2.
    const sq = (n: string) => payload.schemes.find((s) => s.scheme === n)!.sqnrDb;
    expect(sq('int8')).toBeGreaterThan(sq('int4'));
    expect(sq('int4')).toBeGreaterThan(sq('int2'));
    expect(getDType('int4').bits).toBe(4);
  });

  it('the installed bin runs from the checkout (needs the prepare build)', () => {
    const bin = join(process.cwd(), 'bin', 'lowbit.js');
    expect(existsSync(join(process.cwd(), 'dist', 'cli', 'main.js')), "dist/ missing: run 'npm run build:cli'").toBe(true);
    const text = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(text).toContain('Usage: lowbit <command>');
  });
});
