// `lowbit matmul --backend webgpu` end to end in Node (the CLI reads and writes files, so this
// file runs in the gpu-node project only): the chosen variant per kernel and M, an explicit
// --variant, Y written to .npy and equal to what the runner returns, the ggml schemes, and clear refusals.
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matmulCommand } from '../../src/cli/cmd-matmul.js';
import { UsageError } from '../../src/cli/args.js';
import { parseNpy } from '../../src/io/npy.js';
import { useGpu } from './harness.js';

interface MatmulJson {
  kernel: string;
  variant: string;
  backend: string;
  adapter: string;
  shape: { m: number; n: number; k: number };
  timeMs: number;
  timing: string;
  pass: boolean;
  worstErrOverBound: number;
}

async function run(...argv: string[]): Promise<{ code: number; json: MatmulJson }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  try {
    const code = await matmulCommand.run([...argv, '--backend', 'webgpu', '--json']);
    return { code, json: JSON.parse(out) as MatmulJson };
  } finally {
    spy.mockRestore();
  }
}

describe('lowbit matmul --backend webgpu', () => {
  const fixture = useGpu();

  it.for([
    ['dequant', 'int4', '1', 'dequant-gemv/plain'],
    ['dequant', 'int4', '3', 'dequant-gemm/tiled'],
    ['lut', 'int2', '1', 'lut-gemv/f32'],
    ['lut-i8', 'ternary', '1', 'lut-gemv/i8'],
    ['lut', 'int2', '2', 'lut-gemm/f32'],
    ['lut-i8', 'ternary', '5', 'lut-gemm/i8'],
    ['bitserial', 'bitmod4', '1', 'bitserial-gemv/plain'],
    ['bitserial', 'bitmod4', '4', 'bitserial-gemm/tiled'],
    ['ref', 'nf4', '1', 'f32-gemv/plain'],
    // llama.cpp's block formats: per-group offsets (q4_k's mins), 6-bit codes with a zero point.
    ['dequant', 'q4_k', '1', 'dequant-gemv/plain'],
    ['dequant', 'q6_k', '3', 'dequant-gemm/tiled'],
  ] as const)('--kernel %s --scheme %s --m %s runs %s within its bound', async ([kernel, scheme, m, expected], ctx) => {
    fixture.get(ctx);
    const { code, json } = await run('--kernel', kernel, '--scheme', scheme, '--m', m);
    expect(json.variant).toBe(expected);
    expect(json.backend).toBe('webgpu');
    expect(json.adapter.length).toBeGreaterThan(0);
    expect(json.shape.m).toBe(Number(m));
    expect(json.pass).toBe(true);
    expect(code).toBe(0);
    expect(json.worstErrOverBound).toBeLessThanOrEqual(1);
    expect(json.timeMs).toBeGreaterThan(0);
  });

  it('--variant picks the variant and --out writes Y [M, N]', async (ctx) => {
    const gpu = fixture.get(ctx);
    const variant = gpu.capabilities.subgroups ? 'dequant-gemv/subgroup' : 'dequant-gemv/plain';
    const out = join(mkdtempSync(join(tmpdir(), 'lowbit-gpu-matmul-')), 'y.npy');
    const { code, json } = await run('--kernel', 'dequant', '--scheme', 'mxfp4', '--variant', variant, '--m', '2', '--out', out);
    expect(code).toBe(0);
    expect(json.variant).toBe(variant);
    const y = parseNpy(readFileSync(out));
    expect(y.shape).toEqual([2, json.shape.n]);
    expect(y.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('refuses variants that do not fit the scheme and kernels without a GPU twin for it, writing nothing', async (ctx) => {
    fixture.get(ctx);
    const out = join(mkdtempSync(join(tmpdir(), 'lowbit-gpu-matmul-')), 'y.npy');
    await expect(run('--kernel', 'lut', '--scheme', 'nf4', '--out', out)).rejects.toThrow(UsageError);
    await expect(run('--kernel', 'lut', '--scheme', 'nf4')).rejects.toThrow(/no WebGPU variant of kernel lut-f32 can run nf4/);
    await expect(run('--scheme', 'bitmod4', '--variant', 'lut-gemv/f32')).rejects.toThrow(/lut-gemv\/f32 does not support bitmod4/);
    await expect(run('--scheme', 'int4', '--variant', 'fast-gemv')).rejects.toThrow(/Unknown GPU kernel variant "fast-gemv"/);
    // The ggml schemes: only the dequant (and f32) variants decode them; the others say so.
    await expect(run('--scheme', 'q4_k', '--variant', 'bitserial-gemv/plain')).rejects.toThrow(/llama\.cpp \(ggml\) block format, which only the dequant kernel decodes/);
    expect(existsSync(out)).toBe(false);
  });
});
