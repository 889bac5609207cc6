// The dequant kernel and the oracle on llama.cpp's block formats (per-group offsets); the other CPU kernels refuse them.
import { describe, expect, it } from 'vitest';
import { CPU_KERNELS, checkCpuKernel, runCpuKernel, type CpuKernel } from '../../src/cpu/kernels.js';
import { dequantExtraBound, matmulDequant } from '../../src/cpu/dequant.js';
import { matmulRef } from '../../src/cpu/matmul-ref.js';
import { quantize, dequantize } from '../../src/quant/quantize.js';
import { GGML_SCHEME_NAMES } from '../../src/quant/schemes.js';
import { sampleActivations, sampleWeights } from '../../src/io/sample.js';
import { ggmlBlocksToQuantized } from '../../src/ggml/index.js';

describe('dequant kernel on ggml schemes', () => {
  for (const scheme of GGML_SCHEME_NAMES) {
    it(`${scheme}: M = 1 and 3 within the bound (offsets: plus the per-output extra term)`, () => {
      const n = 5;
      const k = 512;
      const w = sampleWeights({ rows: n, cols: k, seed: 11 });
      const qt = quantize(w.data, n, k, scheme);
      for (const m of [1, 3]) {
        const x = sampleActivations(m, k, 12).data;
        const y = runCpuKernel('dequant', x, m, qt);
        const check = checkCpuKernel(CPU_KERNELS.dequant, x, m, qt, y);
        expect(check.ok, `${scheme} M=${m}: ${check.message}`).toBe(true);
        expect(dequantExtraBound(x, qt, m) !== undefined).toBe(qt.offsets !== undefined);
        // The oracle is the f64 matmul of exactly the dequantized weights.
        const ref = matmulRef(x, qt, m);
        const wd = dequantize(qt);
        let y0 = 0;
        for (let t = 0; t < k; t++) y0 += (x[t] as number) * (wd[t] as number);
        expect(ref.y[0]).toBe(y0);
      }
    });
  }

  it('subtracts the offsets: a block of equal weights comes out as -offset * sum(x)', () => {
    // One Q4_1 block: d = 0.5, m = -1 (w = q/2 - 1), all q = 2 -> w = 0 (offset -(-1) cancels 2 * 0.5).
    const b = new Uint8Array(20);
    b[0] = 0x00;
    b[1] = 0x38; // d = 0.5
    b[2] = 0x00;
    b[3] = 0xbc; // m = -1
    b.fill(0x22, 4);
    const qt = ggmlBlocksToQuantized('q4_1', b, 1, 32);
    const x = new Float32Array(32).fill(3);
    expect(Array.from(matmulDequant(x, 1, qt))).toEqual([0]);
    b.fill(0x00, 4); // q = 0 -> w = -1
    expect(Array.from(matmulDequant(x, 1, ggmlBlocksToQuantized('q4_1', b, 1, 32)))).toEqual([-96]);
  });

  it('lut-f32, lut-i8 and bitserial refuse ggml schemes and tensors, pointing at dequant', () => {
    const qt = quantize(sampleWeights({ rows: 2, cols: 256 }).data, 2, 256, 'q4_0');
    for (const name of ['lut-f32', 'lut-i8', 'bitserial'] as const) {
      for (const target of ['q4_0', 'q4_k', qt]) {
        const why = CPU_KERNELS[name].supports(target);
        expect(why).toMatch(new RegExp(`^kernel ${name} does not support scheme q4_[0k]: it is a llama.cpp \\(ggml\\) block format, which only the dequant kernel decodes .*\\(supported: .+\\)$`));
      }
      expect(() => runCpuKernel(name, new Float32Array(256), 1, qt)).toThrow(/only the dequant kernel/);
    }
    const generic: readonly CpuKernel[] = [CPU_KERNELS.ref, CPU_KERNELS.dequant];
    for (const k of generic) expect(k.supports(qt)).toBe(true);
  });
});
