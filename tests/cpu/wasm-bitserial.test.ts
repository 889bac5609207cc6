// wasm-bitserial (WebAssembly SIMD128 BitMoD bit-serial) against the TypeScript bitserial reference: bit-exact, every scheme it takes.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { WasmArena, runWasmKernelSync } from '../../src/cpu/wasm-arena.js';
import { WASM_KERNEL_NAMES, getWasmKernel } from '../../src/cpu/wasm-kernels.js';
import { wasmBitSerial, WASM_BITSERIAL_MAX_BITS } from '../../src/cpu/wasm-bitserial.js';
import { bitSerialSchemes, bitSerialSupport, matmulBitSerial } from '../../src/cpu/bitserial.js';
import { checkMatmulBound } from '../../src/cpu/compare.js';
import { matmulRef } from '../../src/cpu/matmul-ref.js';
import { getDType } from '../../src/dtype/registry.js';
import { getScheme } from '../../src/quant/schemes.js';
import { quantize } from '../../src/quant/quantize.js';
import { SCHEME_NAMES, SHAPES, applies, firstBitDiff } from './helpers.js';
import { quantizedCase, seededMatrix } from '../gpu/cases.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';

/** Schemes bitserial takes whose element types all have codes of at most 4 bits (derived from the registries). */
const TAKEN: readonly AnySchemeName[] = bitSerialSchemes().filter((s) =>
  getScheme(s).elementTypes.every((t) => getDType(t).bits <= WASM_BITSERIAL_MAX_BITS),
) as AnySchemeName[];

function expectBitExact(arena: WasmArena, x: Float32Array, m: number, qt: QuantizedTensor, label: string): Float32Array {
  const want = matmulBitSerial(x, m, qt);
  const got = runWasmKernelSync(wasmBitSerial, arena, x, m, qt);
  const d = firstBitDiff(got, want);
  expect(d, `${qt.scheme} ${label}: output ${d} (row ${Math.floor(d / qt.rows)}, col ${d % qt.rows}) got ${got[d]}, bitserial ${want[d]}`).toBe(-1);
  return got;
}

/** The GPU tests' shapes and more: M = 1, 3, 8; K one group; N, K off every chunk; group tails. */
const BS_SHAPES = [
  { m: 1, n: 37, k: 96, group: 32, label: 'GEMV N=37, three groups of 32' },
  { m: 3, n: 19, k: 32, group: 32, label: 'M=3, K = one group' },
  { m: 8, n: 70, k: 288, group: 32, label: 'M=8, N=70, nine groups' },
  { m: 2, n: 17, k: 384, group: 128, label: 'G=128' },
  { m: 3, n: 6, k: 72, group: 24, label: 'G=24: a partial chunk per group' },
  { m: 8, n: 21, k: 80, group: 16, label: 'G=16, M=8' },
  { m: 1, n: 7, k: 48, group: 16, label: 'G=16 GEMV' },
  { m: 2, n: 5, k: 60, group: 12, label: 'G=12' },
  { m: 3, n: 11, k: 98, group: 0, label: 'per channel K=98 (a tail of 2)' },
  { m: 8, n: 9, k: 301, group: 0, label: 'per channel K=301, M=8' },
  { m: 1, n: 13, k: 200, group: -1, label: 'per tensor K=200' },
  { m: 3, n: 1, k: 3, group: 0, label: 'N=1, K=3 (only a tail)' },
] as const;

describe('wasm-bitserial', () => {
  it('is registered in WASM_KERNELS under its name', () => {
    expect(WASM_KERNEL_NAMES).toContain('wasm-bitserial');
    expect(getWasmKernel('wasm-bitserial')).toBe(wasmBitSerial);
  });

  it('takes the BitMoD mixtures, the FP3/FP4 grids and every <= 4-bit grid, and refuses wider codes naming wasm-dequant', () => {
    for (const s of ['bitmod4', 'bitmod3', 'fp4', 'fp3', 'flint4', 'nvfp4', 'mxfp4', 'int4_asym', 'ternary', 'binary', 'ant4'] as const) expect(TAKEN).toContain(s);
    for (const s of SCHEME_NAMES) {
      const r = wasmBitSerial.supports(s);
      if (TAKEN.includes(s)) expect(r, s).toBe(true);
      else if (bitSerialSupport(s) !== true) expect(r).toMatch(new RegExp(`^kernel wasm-bitserial does not support scheme ${s}: .*no integer grid`));
      else expect(r).toMatch(new RegExp(`^kernel wasm-bitserial does not support scheme ${s}: element type \\S+ has \\d-bit codes .*wasm-dequant`));
    }
    const arena = WasmArena.createSync('plain');
    const q8 = quantize(seededMatrix(4, 32, 1), 4, 32, 'int8', { group: 32 });
    expect(() => runWasmKernelSync(wasmBitSerial, arena, new Float32Array(32), 1, q8)).toThrow(/kernel wasm-bitserial does not support scheme int8: element type int8 has 8-bit codes/);
    const q = quantize(seededMatrix(4, 32, 1), 4, 32, 'bitmod4', { group: 32 });
    expect(() => runWasmKernelSync(wasmBitSerial, arena, new Float32Array(64), 1, q)).toThrow(/kernel wasm-bitserial: X has 64 elements, expected M\*K = 1\*32/);
  });

  for (const scheme of TAKEN) {
    it(`${scheme}: bit-exact with bitserial on every shape (outlier channels in X and W)`, () => {
      const arena = WasmArena.createSync('plain');
      let ran = 0;
      for (const [i, sh] of BS_SHAPES.entries()) {
        const shape = { ...sh, label: sh.label };
        if (!applies(scheme, shape)) continue;
        const qt = quantizedCase(scheme, sh.n, sh.k, 400 + i, { group: sh.group });
        const x = seededMatrix(sh.m, sh.k, 500 + i, 30);
        const got = expectBitExact(arena, x, sh.m, qt, sh.label);
        const b = checkMatmulBound(got, matmulRef(x, qt, sh.m), sh.m, qt.rows, qt.cols, { c: wasmBitSerial.boundC(qt) });
        expect(b.ok, b.message).toBe(true);
        expectBitExact(arena, seededMatrix(sh.m, sh.k, 600 + i), sh.m, qt, `${sh.label} (cached weights)`);
        ran++;
      }
      for (const shape of SHAPES) {
        if (!applies(scheme, shape)) continue;
        const qt = quantizedCase(scheme, shape.n, shape.k, 9, shape.group === undefined ? {} : { group: shape.group });
        expectBitExact(arena, seededMatrix(shape.m, shape.k, 10), shape.m, qt, shape.label);
        ran++;
      }
      expect(ran).toBeGreaterThan(2);
    });
  }

  it('a tensor scale that is not an f32 and rows split anywhere stay bit-exact', () => {
    const arena = WasmArena.createSync('plain');
    const qt = quantizedCase('bitmod3', 23, 96, 3, { group: 32 });
    expectBitExact(arena, seededMatrix(3, 96, 4), 3, { ...qt, tensorScale: 0.1, hasTensorScale: true } as QuantizedTensor, 'tensor scale 0.1');
    const m = 2;
    const x = seededMatrix(m, 96, 5);
    const want = matmulBitSerial(x, m, qt);
    const w = arena.weights(qt, wasmBitSerial.name, wasmBitSerial.weightBytes(qt), (a) => wasmBitSerial.load(a, qt));
    const mark = arena.mark();
    const outPtr = arena.alloc(m * qt.rows * 4);
    const call = wasmBitSerial.prepare(arena, qt, w, x, m, outPtr);
    for (const [n0, n1] of [[7, 23], [0, 3], [3, 7]]) arena.run(call, n0, n1);
    const got = arena.f32(outPtr, m * qt.rows).slice();
    arena.release(mark);
    expect(firstBitDiff(got, want)).toBe(-1);
  });

  it('runs the same in the shared-memory build (the one worker threads use)', async () => {
    const arena = await WasmArena.create('shared');
    const qt = quantizedCase('bitmod4', 45, 256, 21, { group: 32 });
    const x = seededMatrix(3, 256, 22);
    const got = runWasmKernelSync(wasmBitSerial, arena, x, 3, qt);
    expect(firstBitDiff(got, matmulBitSerial(x, 3, qt))).toBe(-1);
  });
});
