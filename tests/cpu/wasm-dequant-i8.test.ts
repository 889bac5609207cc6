// The int8-activation dequant kernel: WebAssembly bit for bit against its TypeScript reference (src/cpu/dequant-i8.ts), its activation rule, support and bound.
import { describe, expect, it } from 'vitest';
import { WASM_KERNELS, WASM_REFERENCES, checkWasmKernel, runWasmKernel } from '../../src/cpu/wasm-kernels.js';
import { I8_BLOCK, dequantI8BoundC, dequantI8ExtraBound, dequantI8Roundings, dequantI8Support, matmulDequantI8, quantizeActivationBlocks } from '../../src/cpu/dequant-i8.js';
import { checkMatmulBound } from '../../src/cpu/compare.js';
import { roundHalfEven } from '../../src/dtype/rounding.js';
import { matmulRef } from '../../src/cpu/matmul-ref.js';
import { boundConstant } from '../../src/cpu/bound.js';
import { quantize } from '../../src/quant/quantize.js';
import { ALL_SCHEME_NAMES, isGgmlSchemeName, type AnySchemeName } from '../../src/quant/schemes.js';
import { sampleActivations, sampleWeights } from '../../src/io/sample.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';
import { SHAPES, applies, type Shape } from './helpers.js';

const kernel = WASM_KERNELS['wasm-dequant-i8'];

const I8_SHAPES: readonly Shape[] = [
  ...SHAPES,
  { m: 1, n: 37, k: 96, group: 32, label: 'M=1 N=37 three groups' },
  { m: 3, n: 19, k: 128, group: 128, label: 'M=3 N=19 K = one group (four blocks)' },
  { m: 8, n: 70, k: 288, label: 'M=8 N=70 default group' },
  { m: 5, n: 11, k: 100, group: 0, label: 'M=5 per channel K=100 (a short last block)' },
  { m: 6, n: 9, k: 144, group: 48, label: 'M=6 G=48 (blocks of 32 and 16)' },
];
const GGML_SHAPES: readonly Shape[] = [
  { m: 1, n: 37, k: 768, label: 'ggml M=1 N=37' },
  { m: 8, n: 13, k: 512, label: 'ggml M=8 N=13' },
];

function tensor(scheme: AnySchemeName, shape: Shape, seed = 5): { x: Float32Array; qt: QuantizedTensor } {
  const w = sampleWeights({ rows: shape.n, cols: shape.k, seed });
  const x = sampleActivations(shape.m, shape.k, seed + 1).data;
  return { x, qt: quantize(w.data, shape.n, shape.k, scheme, shape.group === undefined ? {} : { group: shape.group }) };
}

/** Indices where two outputs differ in their bit patterns. */
function bitDiffs(a: Float32Array, b: Float32Array): number[] {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) out.push(i);
  return out;
}

describe('wasm-dequant-i8', () => {
  const supported = ALL_SCHEME_NAMES.filter((s) => kernel.supports(s) === true);

  it('takes every integer grid within int8 tables and refuses the others with the reason', () => {
    for (const s of ['int2', 'int4', 'int8', 'int4_asym', 'int8_asym', 'fp4', 'bitmod4', 'mxfp4', 'mxint8', 'nvfp4', 'ternary', 'q4_k', 'q6_k', 'q8_0', 'iq4_nl'] as const) {
      expect(supported, s).toContain(s);
    }
    expect(kernel.supports('nf4')).toBe('nf4 values are not small integer multiples of one unit');
    expect(kernel.supports('fp8_e5m2')).toMatch(/values are not small integer multiples of one unit/);
    expect(kernel.supports('fp8_e4m3')).toMatch(/integer grid spans -229376\.\.229376, beyond the int8 decode tables/);
    expect(kernel.supports('fp6_e3m2')).toMatch(/integer grid spans -448\.\.448/);
    // The tensor and its scheme name agree.
    for (const s of ALL_SCHEME_NAMES) {
      const shape = (isGgmlSchemeName(s) ? GGML_SHAPES : I8_SHAPES.filter((x) => applies(s, x)))[0] as Shape;
      expect(kernel.supports(tensor(s, shape).qt) === true, s).toBe(kernel.supports(s) === true);
    }
  });

  for (const scheme of ALL_SCHEME_NAMES.filter((s) => dequantI8Support(s) === true)) {
    it(`${scheme}: bit for bit the TypeScript reference, within the bound`, async () => {
      let ran = 0;
      for (const shape of isGgmlSchemeName(scheme) ? GGML_SHAPES : I8_SHAPES.filter((s) => applies(scheme, s))) {
        const { x, qt } = tensor(scheme, shape);
        const y = await runWasmKernel('wasm-dequant-i8', x, shape.m, qt);
        const ref = matmulDequantI8(x, shape.m, qt);
        const diffs = bitDiffs(y, ref);
        expect(diffs.length, `${scheme} ${shape.label}: first differs at ${diffs[0]}: got ${y[diffs[0] ?? 0]}, reference ${ref[diffs[0] ?? 0]}`).toBe(0);
        const check = checkWasmKernel(kernel, x, shape.m, qt, y);
        expect(check.ok, `${scheme} ${shape.label}: ${check.message}`).toBe(true);
        ran++;
      }
      expect(ran).toBeGreaterThan(0);
    });
  }

  it('is registered as bit-exact with its reference (verify compares them)', () => {
    expect(WASM_REFERENCES['wasm-dequant-i8']).toBe(matmulDequantI8);
  });

  it('quantizes activations per block of 32 inside each group: absmax / 127, round half to even, zero blocks stay 0', () => {
    // One group of 48: blocks of 32 and 16. Block 0 has absmax 127, so its scale is exactly 1.
    const x = new Float32Array(48);
    x.set([127, 63.5, -0.5, 1.5, 2.5, -2.5, 0.49]);
    x[40] = -12.7; // block 1: scale fl(12.7 / 127)
    const a = quantizeActivationBlocks(x, 1, 48, 48);
    expect(a.blocksPerGroup).toBe(2);
    expect(Array.from(a.scales)).toEqual([1, Math.fround(Math.fround(12.7) / 127)]);
    expect(Array.from(a.q.subarray(0, 7))).toEqual([127, 64, 0, 2, 2, -2, 0]);
    expect(a.q[40]).toBe(-127);
    // Every activation within half a step of its block's grid; an all-zero group gets scale 0.
    const xs = sampleActivations(3, 96, 9).data;
    const b = quantizeActivationBlocks(xs, 3, 96, 48);
    for (let i = 0; i < 3 * 96; i++) {
      const blk = Math.floor(i / 96) * 4 + Math.floor((i % 96) / 48) * 2 + Math.floor((i % 48) / I8_BLOCK);
      const s = b.scales[blk] as number;
      expect(Math.abs((xs[i] as number) - s * (b.q[i] as number))).toBeLessThanOrEqual(s / 2);
    }
    const z = quantizeActivationBlocks(new Float32Array(64), 1, 64, 32);
    expect(Array.from(z.scales)).toEqual([0, 0]);
    expect(z.q.every((q) => q === 0)).toBe(true);
  });

  it('rounds x / xscale exactly as Math.round with ties moved to even, NaN blocks to 0', () => {
    // Blocks whose absmax is 127 have scale 1, so every half-integer is a tie; others are random.
    const k = 4096;
    const x = new Float32Array(k);
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (let i = 0; i < k; i++) x[i] = (i >> 5) % 2 === 0 ? Math.round(rnd() * 254) / 2 : rnd() * 3;
    for (let b = 0; b < k; b += 64) x[b] = 127;
    x[k - 3] = NaN;
    const a = quantizeActivationBlocks(x, 1, k, 128);
    let ties = 0;
    for (let i = 0; i < k; i++) {
      const s = a.scales[i >> 5] as number;
      const v = (x[i] as number) / s;
      if (Math.abs(v % 1) === 0.5) ties++;
      const want = Number.isNaN(v) ? 0 : Math.min(127, Math.max(-127, roundHalfEven(v))) | 0;
      expect(a.q[i], `x[${i}] = ${x[i]}, scale ${s}`).toBe(want);
    }
    expect(ties).toBeGreaterThan(500);
    expect(a.q.subarray(k - 32).every((q) => q === 0)).toBe(true);
  });

  it('bound: nb + ng + 4 roundings (+2 with a tensor scale), and the activation term is what lets it pass', async () => {
    const i4 = quantize(new Float32Array(256).fill(0.5), 1, 256, 'int4', { group: 128 });
    expect(dequantI8Roundings(i4)).toBe(4 + 2 + 4);
    expect(dequantI8BoundC(i4)).toBe(boundConstant(10, 256));
    const nv = quantize(new Float32Array(32).fill(0.5), 1, 32, 'nvfp4');
    expect(dequantI8Roundings(nv)).toBe(1 + 2 + 4 + 2);
    // The documented general constant covers every group layout once K >= 16.
    for (const k of [16, 96, 4096]) {
      for (const g of [1, 4, 16, 48, k]) {
        if (k % g !== 0) continue;
        expect(kernel.boundC(quantize(new Float32Array(k).fill(0.5), 1, k, 'int8', { group: g }))).toBeLessThanOrEqual(kernel.c);
      }
    }
    // With outlier channels the int8 rounding of X dominates: without the extra term the check fails.
    const { x, qt } = tensor('int4', { m: 2, n: 16, k: 256, group: 64, label: '' });
    const y = await runWasmKernel('wasm-dequant-i8', x, 2, qt);
    const ref = matmulRef(x, qt, 2);
    expect(checkMatmulBound(y, ref, 2, 16, 256, { c: dequantI8BoundC(qt) }).ok).toBe(false);
    expect(checkMatmulBound(y, ref, 2, 16, 256, { c: dequantI8BoundC(qt), extra: dequantI8ExtraBound(x, qt, 2) }).ok).toBe(true);
  });

  it('refuses a tensor it does not support with the reason', async () => {
    const { x, qt } = tensor('nf4', { m: 1, n: 4, k: 64, group: 32, label: '' });
    await expect(runWasmKernel('wasm-dequant-i8', x, 1, qt)).rejects.toThrow('kernel wasm-dequant-i8 does not support nf4: nf4 values are not small integer multiples of one unit');
    expect(() => matmulDequantI8(x, 1, qt)).toThrow('kernel dequant-i8 does not support nf4: nf4 values are not small integer multiples of one unit');
  });
});
