// The WebAssembly dequant kernels in the GPU projects' runtimes (gpu-browser is the Chromium one; no GPU is used): within the bound, and the i8 kernel bit for bit its TypeScript reference.
import { describe, expect, it } from 'vitest';
import { WASM_KERNELS, checkWasmKernel, runWasmKernel, wasmKernelsStatus } from '../../src/cpu/wasm-kernels.js';
import { WasmArena } from '../../src/cpu/wasm-arena.js';
import { matmulDequantI8 } from '../../src/cpu/dequant-i8.js';
import { quantize } from '../../src/quant/quantize.js';
import { isGgmlSchemeName } from '../../src/quant/schemes.js';
import { sampleActivations, sampleWeights } from '../../src/io/sample.js';
import { simdLevelMatches } from './helpers.js';

/** One scheme per decode mode, a mixture, a tensor scale, zero points and offsets. */
const SCHEMES = ['int4', 'int4_asym', 'nf4', 'int8', 'int8_asym', 'fp6_e2m3', 'fp8_e4m3', 'bitmod4', 'nvfp4', 'q4_k', 'iq4_nl'] as const;

describe('WebAssembly dequant kernels in this runtime', () => {
  it('the module compiles (SIMD128)', async () => {
    const status = await wasmKernelsStatus();
    expect(status.available).toBe(true);
    expect(simdLevelMatches(status.simd.simd), status.simd.reason).toBe(true);
    expect(status.simd.reason.length).toBeGreaterThan(0);
  });

  for (const scheme of SCHEMES) {
    it(`${scheme}: M = 1, 3, 8 within the bound; int8 activations bit for bit the reference`, async () => {
      const n = 37;
      const k = isGgmlSchemeName(scheme) ? 512 : 96;
      const qt = quantize(sampleWeights({ rows: n, cols: k, seed: 21 }).data, n, k, scheme, isGgmlSchemeName(scheme) || scheme === 'nvfp4' ? {} : { group: 32 });
      for (const m of [1, 3, 8]) {
        const x = sampleActivations(m, k, 22).data;
        const y = await runWasmKernel('wasm-dequant', x, m, qt);
        const check = checkWasmKernel(WASM_KERNELS['wasm-dequant'], x, m, qt, y);
        expect(check.ok, `${scheme} M=${m}: ${check.message}`).toBe(true);
        if (WASM_KERNELS['wasm-dequant-i8'].supports(qt) !== true) continue;
        const yi = await runWasmKernel('wasm-dequant-i8', x, m, qt);
        const want = matmulDequantI8(x, m, qt);
        expect(Array.from(new Uint32Array(yi.buffer)), `${scheme} M=${m}`).toEqual(Array.from(new Uint32Array(want.buffer)));
      }
    });
  }

  it('int8 activations take the dot7 form (tables + 64) exactly where the values fit 7 bits, in either build', async () => {
    const arena = await WasmArena.create('plain');
    const kernel = WASM_KERNELS['wasm-dequant-i8'];
    // int4, bitmod4: values within -64..63; iq4_nl's reach -127; int8 has 8-bit codes.
    for (const [scheme, fits] of [['int4', true], ['bitmod4', true], ['iq4_nl', false], ['int8', false]] as const) {
      const k = scheme === 'iq4_nl' ? 256 : 64;
      const qt = quantize(sampleWeights({ rows: 8, cols: k, seed: 3 }).data, 8, k, scheme, scheme === 'iq4_nl' ? {} : { group: 32 });
      const w = arena.weights(qt, kernel.name, kernel.weightBytes(qt), (a) => kernel.load(a, qt));
      expect(w.dot7, scheme).toBe(fits ? 1 : 0);
    }
  });
});
