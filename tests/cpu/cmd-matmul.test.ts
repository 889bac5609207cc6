// `lowbit matmul` in-process: sample and file inputs, every kernel, JSON, atomic output, usage and shape errors.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matmulCommand } from '../../src/cli/cmd-matmul.js';
import { UsageError } from '../../src/cli/args.js';
import { parseNpy, writeNpy } from '../../src/io/npy.js';
import { seededRandn } from '../../src/io/random.js';
import { quantize } from '../../src/quant/quantize.js';
import { matmulDequant } from '../../src/cpu/dequant.js';

async function run(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  try {
    return { code: await matmulCommand.run(argv), out };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('lowbit matmul', () => {
  for (const kernel of ['ref', 'dequant', 'lut', 'lut-i8', 'bitserial']) {
    it(`--kernel ${kernel} on the embedded sample passes its bound`, async () => {
      const r = await run('--scheme', 'int4', '--kernel', kernel, '--m', '2');
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/time\s+[\d.]+ ms \(wall clock \(performance.now\), one run\)/);
      expect(r.out).toMatch(/check\s+pass/);
      expect(r.out).toContain(`kernel     ${kernel === 'lut' ? 'lut-f32' : kernel} (cpu)`);
    });
  }

  it('reads X and W from .npy files, writes Y atomically, and Y equals the kernel output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-matmul-'));
    const [m, n, k] = [3, 13, 96];
    const x = seededRandn(m * k, 1);
    const w = seededRandn(n * k, 2);
    writeFileSync(join(dir, 'x.npy'), writeNpy(x, [m, k]));
    writeFileSync(join(dir, 'w.npy'), writeNpy(w, [n, k]));
    const out = join(dir, 'y.npy');
    const r = await run('--x', join(dir, 'x.npy'), '--w', join(dir, 'w.npy'), '--scheme', 'bitmod4', '--group', '32', '--out', out, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j.kernel).toBe('dequant');
    expect(j.shape).toEqual({ m, n, k });
    expect(j.pass).toBe(true);
    expect(j.timing).toMatch(/wall clock/);
    const y = parseNpy(new Uint8Array(readFileSync(out)));
    expect(y.shape).toEqual([m, n]);
    const expected = matmulDequant(x, m, quantize(w, n, k, 'bitmod4', { group: 32 }));
    expect(Array.from(y.data)).toEqual(Array.from(expected));
  });

  it('refuses unsupported kernel/scheme pairs, unknown backends, --variant on the CPU, bad --m and K mismatches clearly', async () => {
    await expect(run('--scheme', 'nf4', '--kernel', 'lut')).rejects.toThrow(/kernel lut-f32 does not support scheme nf4: .*\(supported: int2/);
    await expect(run('--scheme', 'nf4', '--kernel', 'bitserial')).rejects.toThrow(UsageError);
    await expect(run('--scheme', 'int4', '--backend', 'metal')).rejects.toThrow(/--backend must be cpu, wasm or webgpu, got 'metal'/);
    await expect(run('--scheme', 'int4', '--variant', 'dequant-gemv/plain')).rejects.toThrow(/--variant needs --backend webgpu/);
    await expect(run('--scheme', 'int4', '--kernel', 'fast')).rejects.toThrow(/Unknown CPU kernel "fast"/);
    await expect(run('--kernel', 'dequant')).rejects.toThrow(/--scheme is required/);
    await expect(run('--scheme', 'int4', '--m', '0')).rejects.toThrow(/--m must be a positive integer/);
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-matmul-'));
    writeFileSync(join(dir, 'x.npy'), writeNpy(seededRandn(2 * 64, 1), [2, 64]));
    writeFileSync(join(dir, 'w.npy'), writeNpy(seededRandn(4 * 96, 2), [4, 96]));
    const out = join(dir, 'y.npy');
    await expect(run('--x', join(dir, 'x.npy'), '--w', join(dir, 'w.npy'), '--scheme', 'int4', '--out', out)).rejects.toThrow(
      /X '.*x\.npy' is \[2, 64\] but W '.*w\.npy' is \[4, 96\]: K must match/,
    );
    expect(existsSync(out)).toBe(false);
    await expect(run('--x', join(dir, 'x.npy'), '--scheme', 'int4', '--m', '3')).rejects.toThrow(/--m 3 does not match X/);
  });
});
