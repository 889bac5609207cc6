// The CPU kernel registry: every kernel x every supported scheme against the oracle, clear unsupported errors, bound constants.
import { describe, expect, it } from 'vitest';
import { CPU_KERNELS, CPU_KERNEL_NAMES, checkCpuKernel, getCpuKernel, runCpuKernel } from '../../src/cpu/kernels.js';
import { quantize } from '../../src/quant/quantize.js';
import { getScheme } from '../../src/quant/schemes.js';
import { seededRandn } from '../../src/io/random.js';
import { SCHEME_NAMES, SHAPES, applies, makeCase } from './helpers.js';

describe('CPU kernel registry', () => {
  it('names, families and aliases', () => {
    expect(CPU_KERNEL_NAMES).toEqual(['ref', 'dequant', 'lut-f32', 'lut-i8', 'bitserial']);
    for (const name of CPU_KERNEL_NAMES) expect(CPU_KERNELS[name].name).toBe(name);
    expect(getCpuKernel('lut').name).toBe('lut-f32');
    expect(getCpuKernel('lut-i8').family).toBe('lut');
    expect(() => getCpuKernel('fast')).toThrow(/Unknown CPU kernel "fast"\. Known CPU kernels: ref, dequant, lut-f32, lut-i8, bitserial/);
  });

  for (const name of CPU_KERNEL_NAMES) {
    it(`${name}: every supported scheme on every shape within its bound; unsupported ones throw the reason`, () => {
      const kernel = CPU_KERNELS[name];
      for (const scheme of SCHEME_NAMES) {
        const ok = kernel.supports(scheme);
        const shape = SHAPES.find((s) => applies(scheme, s))!;
        const c = makeCase(scheme, shape, 3);
        if (ok !== true) {
          expect(ok).toMatch(new RegExp(`^kernel ${name} does not support scheme ${scheme}: .+ \\(supported: .+\\)$`));
          expect(() => runCpuKernel(name, c.x, shape.m, c.qt)).toThrow(ok);
          continue;
        }
        for (const s of SHAPES) {
          if (!applies(scheme, s)) continue;
          const cs = makeCase(scheme, s, 3);
          if (kernel.supports(cs.qt) !== true) continue;
          const y = runCpuKernel(name, cs.x, s.m, cs.qt);
          const check = checkCpuKernel(kernel, cs.x, s.m, cs.qt, y, cs.ref);
          expect(check.ok, `${name} ${scheme} ${s.label}: ${check.message}`).toBe(true);
        }
      }
    });
  }

  it('the documented c covers the per-tensor c of every supported scheme once K >= 16', () => {
    for (const name of CPU_KERNEL_NAMES) {
      const kernel = CPU_KERNELS[name];
      for (const scheme of SCHEME_NAMES) {
        if (kernel.supports(scheme) !== true) continue;
        const sc = getScheme(scheme);
        const k = sc.fixedBlock ?? 16;
        for (const group of sc.fixedBlock ? [undefined] : [1, 4, 16, 0]) {
          if (group !== undefined && !(sc.granularities as readonly string[]).includes(group > 0 ? 'group' : 'channel')) continue;
          const qt = quantize(seededRandn(2 * k, 5), 2, k, scheme, group === undefined ? {} : { group });
          if (kernel.supports(qt) !== true) continue;
          expect(kernel.boundC(qt), `${name} ${scheme} G=${group}`).toBeLessThanOrEqual(kernel.c);
        }
      }
    }
  });

  it('reuses a given output array and rejects bad lengths with clear errors', () => {
    const c = makeCase('int4', SHAPES[1]);
    for (const name of CPU_KERNEL_NAMES) {
      const out = new Float32Array(SHAPES[1].m * SHAPES[1].n);
      expect(runCpuKernel(name, c.x, SHAPES[1].m, c.qt, out)).toBe(out);
      expect(() => runCpuKernel(name, c.x, SHAPES[1].m + 1, c.qt)).toThrow(new RegExp(`kernel ${name}: X has \\d+ elements, expected M\\*K`));
    }
  });

  it('the bound check is not vacuous: an f16-rounded result fails it', () => {
    const c = makeCase('int4', { m: 2, n: 16, k: 256, group: 128, label: '' });
    const y = runCpuKernel('dequant', c.x, 2, c.qt);
    const perturbed = y.map((v) => v * (1 + 2 ** -11));
    expect(checkCpuKernel(CPU_KERNELS.dequant, c.x, 2, c.qt, perturbed, c.ref).ok).toBe(false);
  });
});
