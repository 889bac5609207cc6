// The WebAssembly dequant kernel (f32 activations) against the f64 oracle and the TypeScript dequant kernel on every scheme, the GPU tests' shapes and awkward ones.
import { describe, expect, it } from 'vitest';
import { WasmArena } from '../../src/cpu/wasm-arena.js';
import { WASM_KERNELS, checkWasmKernel, getWasmKernel, runWasmKernel, wasmKernelsStatus, WASM_KERNEL_NAMES } from '../../src/cpu/wasm-kernels.js';
import { WASM_CHUNK, WASM_DEQUANT_C, dequantLayout, dequantLayoutPacked4, dequantPlan, wasmDequantRoundings, type DequantMode } from '../../src/cpu/wasm-dequant.js';
import { CPU_KERNELS, checkCpuKernel } from '../../src/cpu/kernels.js';
import { matmulDequant } from '../../src/cpu/dequant.js';
import { boundConstant } from '../../src/cpu/bound.js';
import { unpackCodes, packCodes } from '../../src/format/pack.js';
import { quantize } from '../../src/quant/quantize.js';
import { ALL_SCHEME_NAMES, GGML_SCHEME_NAMES, getScheme, isGgmlSchemeName, type AnySchemeName } from '../../src/quant/schemes.js';
import { sampleActivations, sampleWeights } from '../../src/io/sample.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';
import { getDType } from '../../src/dtype/registry.js';
import { SHAPES, applies, simdLevelMatches, type Shape } from './helpers.js';

const kernel = WASM_KERNELS['wasm-dequant'];

/** The GPU kernel tests' shapes (M = 1, N = 37, three groups; M = 3, N = 19, K = one group; M = 8, nine groups) and awkward ones. */
const WASM_SHAPES: readonly Shape[] = [
  ...SHAPES,
  { m: 1, n: 37, k: 96, group: 32, label: 'M=1 N=37 three groups' },
  { m: 3, n: 19, k: 128, group: 128, label: 'M=3 N=19 K = one group' },
  { m: 8, n: 70, k: 288, label: 'M=8 N=70 default group (MX: nine blocks)' },
  { m: 8, n: 21, k: 288, group: 32, label: 'M=8 N=21 nine groups' },
  { m: 5, n: 11, k: 100, group: 0, label: 'M=5 (a tile of 4 and one row) per channel K=100' },
  { m: 6, n: 9, k: 80, group: 16, label: 'M=6 G=16 (groups padded to 32)' },
];

/** Shapes of llama.cpp's formats: K a multiple of the 256-element super-block. */
const GGML_SHAPES: readonly Shape[] = [
  { m: 1, n: 37, k: 768, label: 'ggml M=1 N=37 three super-blocks' },
  { m: 3, n: 19, k: 256, label: 'ggml M=3 N=19 one super-block' },
  { m: 8, n: 13, k: 512, label: 'ggml M=8 N=13' },
];

function tensor(scheme: AnySchemeName, shape: Shape, seed = 7): { x: Float32Array; qt: QuantizedTensor } {
  const w = sampleWeights({ rows: shape.n, cols: shape.k, seed });
  const x = sampleActivations(shape.m, shape.k, seed + 1).data;
  const qt = quantize(w.data, shape.n, shape.k, scheme, shape.group === undefined ? {} : { group: shape.group });
  return { x, qt };
}

function shapesOf(scheme: AnySchemeName): readonly Shape[] {
  return isGgmlSchemeName(scheme) ? GGML_SHAPES : WASM_SHAPES.filter((s) => applies(scheme, s));
}

describe('wasm-dequant', () => {
  it('the module compiles here (WebAssembly SIMD128)', async () => {
    const status = await wasmKernelsStatus();
    expect(status.available).toBe(true);
    expect(simdLevelMatches(status.simd.simd), status.simd.reason).toBe(true);
    expect(status.simd.reason.length).toBeGreaterThan(0);
  });

  for (const scheme of ALL_SCHEME_NAMES) {
    it(`${scheme}: within its bound on every shape, as the TypeScript dequant is`, async () => {
      let ran = 0;
      for (const shape of shapesOf(scheme)) {
        const { x, qt } = tensor(scheme, shape);
        const y = await runWasmKernel('wasm-dequant', x, shape.m, qt);
        const check = checkWasmKernel(kernel, x, shape.m, qt, y);
        expect(check.ok, `${scheme} ${shape.label} (${dequantPlan(qt).mode}): ${check.message}`).toBe(true);
        // The reference on the same tensor: both within their bounds of the oracle, so within the sum of each other.
        const ts = matmulDequant(x, shape.m, qt);
        expect(checkCpuKernel(CPU_KERNELS.dequant, x, shape.m, qt, ts).ok).toBe(true);
        ran++;
      }
      expect(ran).toBeGreaterThan(0);
    });
  }

  it('the tests above reach every decode mode', () => {
    const modes = new Set<DequantMode>();
    for (const scheme of ALL_SCHEME_NAMES) {
      const shape = shapesOf(scheme)[0] as Shape;
      modes.add(dequantPlan(tensor(scheme, shape).qt).mode);
    }
    expect([...modes].sort()).toEqual(['gather8', 'planes4', 'sext8', 'swizzle4', 'swizzle8', 'zext8']);
  });

  it('K = 4096 (int4 g128, nvfp4, q4_k) within the bound', async () => {
    for (const scheme of ['int4', 'nvfp4', 'q4_k'] as const) {
      const { x, qt } = tensor(scheme, { m: 1, n: 8, k: 4096, label: 'K=4096' });
      const y = await runWasmKernel('wasm-dequant', x, 1, qt);
      const check = checkWasmKernel(kernel, x, 1, qt, y);
      expect(check.ok, `${scheme}: ${check.message}`).toBe(true);
    }
  });

  it('row m of Y does not depend on M (same order in the M = 1 loop and the 4-row tiles)', async () => {
    for (const scheme of ['int4', 'nf4', 'int8_asym', 'fp8_e4m3', 'q4_k'] as const) {
      const k = isGgmlSchemeName(scheme) ? 256 : 96;
      const { x, qt } = tensor(scheme, { m: 6, n: 11, k, group: isGgmlSchemeName(scheme) ? undefined : 32, label: '' });
      const all = await runWasmKernel('wasm-dequant', x, 6, qt);
      for (let i = 0; i < 6; i++) {
        const one = await runWasmKernel('wasm-dequant', x.slice(i * k, (i + 1) * k), 1, qt);
        expect(Array.from(one), `${scheme} row ${i}`).toEqual(Array.from(all.subarray(i * 11, (i + 1) * 11)));
      }
    }
  });

  it('a shared-memory arena (the thread pool\'s build) and calls split over row ranges give the same Y bit for bit', async () => {
    const shared = await WasmArena.create('shared');
    for (const name of WASM_KERNEL_NAMES) {
      const impl = WASM_KERNELS[name];
      const { x, qt } = tensor('int4_asym', { m: 5, n: 23, k: 96, group: 32, label: '' });
      const whole = await runWasmKernel(name, x, 5, qt);
      expect(Array.from(await runWasmKernel(name, x, 5, qt, { arena: shared })), name).toEqual(Array.from(whole));
      // As threads would: one prepared call, rows [0, 7), [7, 16), [16, 23) run separately.
      const w = shared.weights(qt, impl.name, impl.weightBytes(qt), (a) => impl.load(a, qt));
      const mark = shared.mark();
      const outPtr = shared.alloc(5 * 23 * 4);
      const call = impl.prepare(shared, qt, w, x, 5, outPtr);
      expect(call.rows).toBe(23);
      for (const [n0, n1] of [[7, 16], [0, 7], [16, 23]] as const) shared.run(call, n0, n1);
      expect(Array.from(shared.f32(outPtr, 5 * 23)), name).toEqual(Array.from(whole));
      shared.release(mark);
    }
  });

  it('the check can tell: dropping the offsets of q4_k or the zero points of int4_asym fails the bound', async () => {
    const a = tensor('q4_k', { m: 2, n: 9, k: 256, label: '' });
    const noOffsets: QuantizedTensor = { ...a.qt, offsets: undefined };
    const ya = await runWasmKernel('wasm-dequant', a.x, 2, noOffsets);
    expect(checkWasmKernel(kernel, a.x, 2, a.qt, ya).ok).toBe(false);
    const b = tensor('int4_asym', { m: 2, n: 9, k: 64, group: 32, label: '' });
    const noZeros: QuantizedTensor = { ...b.qt, zeros: undefined };
    const yb = await runWasmKernel('wasm-dequant', b.x, 2, noZeros);
    expect(checkWasmKernel(kernel, b.x, 2, b.qt, yb).ok).toBe(false);
  });

  it('lays out 4-bit codes as 16 bytes per 32 (low nibbles codes 0..15, high 16..31) and pads groups to 32 with a finite code', () => {
    const qt = quantize(sampleWeights({ rows: 2, cols: 48, seed: 3 }).data, 2, 48, 'int4', { group: 16 });
    const codes = unpackCodes(qt.codes, 2, 48, 4);
    const plan = dequantPlan(qt, codes);
    expect(plan.gp).toBe(WASM_CHUNK);
    const bytes = dequantLayout(qt, codes, plan);
    // 3 groups of 16 codes, each padded to 32: 16 bytes per group.
    expect(bytes.length).toBe(2 * 3 * 16);
    for (let r = 0; r < 2; r++) {
      for (let g = 0; g < 3; g++) {
        for (let j = 0; j < 16; j++) {
          const lo = codes[r * 48 + g * 16 + j] as number;
          expect(bytes[(r * 3 + g) * 16 + j]).toBe(lo | ((plan.padCodes[0] as number) << 4));
        }
      }
    }
    // From the packed words directly (4-bit, groups of 32k) as from the unpacked codes.
    for (const [scheme, group] of [['int4', 32], ['int4', 128], ['bitmod4', 64], ['nf4', 0]] as const) {
      const t = quantize(sampleWeights({ rows: 5, cols: 256, seed: 4 }).data, 5, 256, scheme, { group });
      const u = unpackCodes(t.codes, 5, 256, 4);
      expect(Array.from(dequantLayoutPacked4(t)), `${scheme} g${group}`).toEqual(Array.from(dequantLayout(t, u, dequantPlan(t, u))));
    }
    // 8-bit codes: one byte per code.
    const q8 = quantize(sampleWeights({ rows: 1, cols: 32, seed: 3 }).data, 1, 32, 'int8', { group: 32 });
    const c8 = unpackCodes(q8.codes, 1, 32, 8);
    expect(Array.from(dequantLayout(q8, c8, dequantPlan(q8, c8)))).toEqual(Array.from(c8));
    // ... which are the packed words' bytes (what load copies for 8-bit codes in groups of 32k).
    expect(Array.from(new Uint8Array(q8.codes.buffer, q8.codes.byteOffset, q8.codes.byteLength))).toEqual(Array.from(c8));
  });

  it('a code that decodes to NaN in use (ternary) takes the f32 path and gives NaN where the reference does', async () => {
    const { x, qt } = tensor('ternary', { m: 1, n: 4, k: 64, label: '' });
    const codes = unpackCodes(qt.codes, 4, 64, qt.bits);
    const type = qt.elementTypes[0] as string;
    const table = getDType(type).decodeTable;
    const nanCode = Array.from(table.keys()).find((c) => Number.isNaN(table[c] as number));
    expect(nanCode).toBeDefined();
    codes[2 * 64 + 5] = nanCode as number;
    const bad: QuantizedTensor = { ...qt, codes: packCodes(codes, 4, 64, qt.bits) };
    expect(dequantPlan(bad, codes).mode).toBe('planes4');
    const y = await runWasmKernel('wasm-dequant', x, 1, bad);
    const ref = matmulDequant(x, 1, bad);
    expect(Array.from(y, Number.isNaN)).toEqual(Array.from(ref, Number.isNaN));
    expect(Number.isNaN(y[2] as number)).toBe(true);
    expect(WASM_KERNELS['wasm-dequant-i8'].supports(bad)).toBe(`code ${nanCode} of ${type} (row 2, column 5) decodes to no number`);
  });

  it('bound constant: GP/8 + ng + 6 roundings (+2 with a tensor scale), at most c = 2 once K >= 16', () => {
    for (const k of [16, 32, 96, 4096]) {
      for (const g of [1, 2, 4, 16, k]) {
        if (k % g !== 0) continue;
        const qt = quantize(new Float32Array(k).fill(0.5), 1, k, 'int8', { group: g });
        const gp = Math.ceil(g / 32) * 32;
        expect(wasmDequantRoundings(qt)).toBe(gp / 8 + k / g + 6);
        expect(kernel.boundC(qt)).toBeLessThanOrEqual(WASM_DEQUANT_C);
      }
    }
    const nv = quantize(new Float32Array(32).fill(0.5), 1, 32, 'nvfp4');
    expect(kernel.boundC(nv)).toBeCloseTo(boundConstant(4 + 2 + 6 + 2, 32), 12);
  });

  it('writes into a given output, and rejects wrong lengths, bad thread counts and unknown names clearly', async () => {
    const { x, qt } = tensor('int4', { m: 1, n: 13, k: 96, group: 32, label: '' });
    const out = new Float32Array(13);
    expect(await runWasmKernel('wasm-dequant', x, 1, qt, { out })).toBe(out);
    await expect(runWasmKernel('wasm-dequant', x.subarray(1), 1, qt)).rejects.toThrow(/X has 95 elements, expected M\*K = 1\*96/);
    await expect(runWasmKernel('wasm-dequant', x, 1, qt, { out: new Float32Array(3) })).rejects.toThrow(/out has 3 elements, expected M\*N/);
    await expect(runWasmKernel('wasm-dequant', x, 1, qt, { threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
    expect(() => getWasmKernel('wasm-dequnt')).toThrow(/Unknown WebAssembly kernel "wasm-dequnt"; did you mean wasm-dequant\?/);
    expect(WASM_KERNEL_NAMES).toEqual(['wasm-dequant', 'wasm-dequant-i8', 'wasm-lut-i8', 'wasm-bitserial']);
    // Every scheme name is supported by the f32 kernel.
    for (const s of [...ALL_SCHEME_NAMES, ...GGML_SCHEME_NAMES]) expect(kernel.supports(s)).toBe(true);
    expect(getScheme('int4').elementTypes).toEqual(['int4']);
  });
});
