// wasm-lut-i8 (WebAssembly SIMD128 T-MAC) against the TypeScript lut-i8 reference: bit-exact on awkward shapes, every lut scheme.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { WasmArena, runWasmKernelSync } from '../../src/cpu/wasm-arena.js';
import { WASM_KERNEL_NAMES, getWasmKernel, wasmReferenceMismatch } from '../../src/cpu/wasm-kernels.js';
import { wasmLutI8, WASM_LUT_TILE, lutSlotLayout } from '../../src/cpu/wasm-lut.js';
import { buildLutF32, lutI8Scales, lutSchemes, matmulLutI8, quantizeLutI8 } from '../../src/cpu/lut.js';
import { checkMatmulBound } from '../../src/cpu/compare.js';
import { matmulRef } from '../../src/cpu/matmul-ref.js';
import { quantize } from '../../src/quant/quantize.js';
import { getScheme } from '../../src/quant/schemes.js';
import { CPU_KERNELS } from '../../src/cpu/kernels.js';
import { SCHEME_NAMES, SHAPES, applies, firstBitDiff } from './helpers.js';
import { quantizedCase, seededMatrix } from '../gpu/cases.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';

const LUT_SCHEMES: readonly AnySchemeName[] = ['int2', 'int3', 'int4', 'int2_asym', 'int3_asym', 'int4_asym', 'ternary', 'binary'];
/** Schemes taken through value planes (src/cpu/lut-values.ts): 5 planes for bitmod4 and the FP4 grids, 4 for bitmod3 and fp3. */
const VALUE_SCHEMES: readonly AnySchemeName[] = [
  'fp3', 'fp4', 'fp4_er_pos', 'fp4_er_neg', 'fp4_ea_pos', 'fp4_ea_neg', 'fp3_er_pos', 'fp3_er_neg', 'fp3_ea_pos', 'fp3_ea_neg',
  'bitmod4', 'bitmod3', 'ant3', 'mxfp4', 'nvfp4',
];

function expectBitExact(arena: WasmArena, x: Float32Array, m: number, qt: QuantizedTensor, label: string): Float32Array {
  const want = matmulLutI8(x, m, qt);
  const got = runWasmKernelSync(wasmLutI8, arena, x, m, qt);
  const d = firstBitDiff(got, want);
  expect(d, `${qt.scheme} ${label}: output ${d} (row ${Math.floor(d / qt.rows)}, col ${d % qt.rows}) got ${got[d]}, lut-i8 ${want[d]}`).toBe(-1);
  return got;
}

/** Shapes of the GPU kernel tests and more: M = 1, 3, 8; K one group; N, K off every tile; segment edge cases. */
interface LutShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly group?: number;
  readonly label: string;
}
const LUT_SHAPES: readonly LutShape[] = [
  { m: 1, n: 37, k: 96, group: 32, label: 'GEMV N=37, three groups of 32' },
  { m: 3, n: 19, k: 32, group: 32, label: 'M=3, K = one group' },
  { m: 8, n: 70, k: 288, group: 32, label: 'M=8, N=70 (five tiles, the last partial), nine groups' },
  { m: 2, n: 17, k: 384, group: 128, label: 'G=128: two table blocks per group' },
  { m: 3, n: 16, k: 204, group: 68, label: 'G=68: 17 4-groups per group, a block edge at an odd 4-group' },
  { m: 1, n: 5, k: 36, group: 12, label: 'G=12: odd 4-groups per group (empty slots)' },
  { m: 2, n: 21, k: 20, group: 4, label: 'G=4: one 4-group per group' },
  { m: 3, n: 33, k: 98, group: 0, label: 'per channel K=98 (a partial 4-group)' },
  { m: 8, n: 9, k: 301, group: 0, label: 'per channel K=301, M=8' },
  { m: 1, n: 40, k: 200, group: -1, label: 'per tensor K=200' },
  { m: 2, n: 1, k: 3, group: 0, label: 'N=1, K=3 (one partial 4-group)' },
];

function groupOpt(scheme: AnySchemeName, group: number | undefined): number | undefined {
  if (scheme === 'ternary') return -1;
  if (scheme === 'binary') return 0;
  return group;
}

describe('wasm-lut-i8', () => {
  it('is registered in WASM_KERNELS under its name', () => {
    expect(WASM_KERNEL_NAMES).toContain('wasm-lut-i8');
    expect(getWasmKernel('wasm-lut-i8')).toBe(wasmLutI8);
  });

  it('takes exactly the schemes lut-i8 takes, and refuses the others naming the kernel', () => {
    expect(lutSchemes().sort()).toEqual([...LUT_SCHEMES].sort());
    for (const s of SCHEME_NAMES) {
      const r = wasmLutI8.supports(s);
      expect(r === true, s).toBe(CPU_KERNELS['lut-i8'].supports(s) === true);
      if (LUT_SCHEMES.includes(s) || VALUE_SCHEMES.includes(s)) expect(r).toBe(true);
      else expect(r).toMatch(new RegExp(`^kernel wasm-lut-i8 does not support scheme ${s}: `));
    }
    const arena = WasmArena.createSync('plain');
    const nf4 = quantize(seededMatrix(4, 32, 1), 4, 32, 'nf4', { group: 32 });
    expect(() => runWasmKernelSync(wasmLutI8, arena, new Float32Array(32), 1, nf4)).toThrow(/kernel wasm-lut-i8 does not support scheme nf4/);
    const q = quantize(seededMatrix(4, 32, 1), 4, 32, 'int2', { group: 32 });
    expect(() => runWasmKernelSync(wasmLutI8, arena, new Float32Array(31), 1, q)).toThrow(/kernel wasm-lut-i8: X has 31 elements, expected M\*K = 1\*32/);
  });

  it('segments never share a slot pair, and every 4-group has exactly one slot', () => {
    for (const [k, g] of [[204, 68], [36, 12], [20, 4], [301, 301], [384, 128], [4096, 4096]] as const) {
      const L = lutSlotLayout(k, g);
      const seen = new Set<number>();
      for (let s = 0; s < L.nseg; s++) {
        const [first, cnt, blk, gl] = L.segs.subarray(4 * s, 4 * s + 4);
        const ts = [...L.slotGroup.subarray(2 * first, 2 * (first + cnt))].filter((t) => t >= 0);
        for (const t of ts) {
          expect(seen.has(t)).toBe(false);
          seen.add(t);
          expect(Math.floor(t / 16), `K=${k} G=${g} 4-group ${t} block`).toBe(blk);
          if (k !== g) expect(Math.floor((4 * t) / g), `K=${k} G=${g} 4-group ${t} group`).toBe(gl >> 1);
        }
        expect(ts.length).toBeGreaterThan(2 * cnt - 2);
        expect(cnt).toBeLessThanOrEqual(8); // <= 16 4-groups: the i16 sums cannot overflow
      }
      expect(seen.size).toBe(Math.ceil(k / 4));
    }
    // A group size that does not divide K (or none at all) is refused, not looped over.
    expect(() => lutSlotLayout(32, 0)).toThrow(/K a positive multiple of the group size, got K = 32, group 0/);
    expect(() => lutSlotLayout(96, 64)).toThrow(/got K = 96, group 64/);
  });

  it('lut_i8_tables builds the reference tables, scales and group sums bit for bit', () => {
    const arena = WasmArena.createSync('plain');
    for (const [m, k, gs] of [[3, 301, 301], [2, 256, 32], [1, 36, 12]] as const) {
      const x = seededMatrix(m, k, k, 60);
      x.fill(0, 0, Math.min(k, 70)); // a zero block: scale 0, zero tables
      x[k - 1] = 1e-30; // tiny values next to outliers
      const L = lutSlotLayout(k, gs);
      const nslot = L.slotGroup.length;
      const slots = arena.put(new Uint32Array(L.slotGroup.buffer));
      const xp = arena.put(x);
      const tp = arena.alloc(m * nslot * 16);
      const lp = arena.alloc(m * L.nblk * 4);
      const sp = arena.alloc(m * L.ng * 4);
      arena.fn('lut_i8_tables')(xp, m, k, gs, L.ng, slots, nslot, L.nblk, tp, lp, sp);
      const T = new Float32Array(16);
      const want = new Int8Array(16);
      for (let i = 0; i < m; i++) {
        const ls = lutI8Scales(x, i, k, 64);
        expect([...arena.f32(lp + i * L.nblk * 4, L.nblk)]).toEqual([...ls]);
        for (let s = 0; s < nslot; s++) {
          const t = L.slotGroup[s];
          want.fill(0);
          if (t >= 0) {
            buildLutF32(x, i * k + 4 * t, Math.min(4, k - 4 * t), T, 0);
            quantizeLutI8(T, 0, ls[Math.floor(t / 16)], want, 0);
          }
          expect([...arena.i8(tp + (i * nslot + s) * 16, 16)], `row ${i} slot ${s} (4-group ${t})`).toEqual([...want]);
        }
        for (let g = 0; g < L.ng; g++) {
          let s = 0;
          for (let kk = g * gs; kk < (g + 1) * gs; kk++) s = Math.fround(s + x[i * k + kk]);
          expect(arena.f32(sp + (i * L.ng + g) * 4, 1)[0]).toBe(s);
        }
      }
    }
  });

  it('lut_i8_tables rounds ties away from zero and saturates as quantizeLutI8 does', () => {
    // Block 0's largest |x| sum is 127 (table scale 1): its 4-groups' entries are their own
    // quotients, so halves (both signs), -0, the f32 just below 0.5 and 127 itself are hit exactly.
    // Block 1 holds an f32 overflow (a = x0 + x1 = inf: scale inf, entries NaN or 0) and block 2 a NaN.
    const groups: number[][] = [
      [127, 0, 0, 0], [2.5, 0, 0, 0], [-0.5, 0, 0, 0], [1.5, -1, 0.5, 0], [-0, 0, -0, 0], [0.49999997, 0, 0, 0],
      [-3.5, 0.5, -0.25, 0.25], [63.5, -63.5, 0, 0],
    ];
    const k = 3 * 64 + 2; // a partial 4-group at the end
    const x = new Float32Array(k);
    groups.forEach((g, t) => x.set(g, 4 * t));
    x.set([3e38, 3e38, 1, -2], 64);
    x.set([NaN, 1, 2, 3], 128);
    x.set([1.5, -2.5], 192);
    const L = lutSlotLayout(k, k);
    const arena = WasmArena.createSync('plain');
    const nslot = L.slotGroup.length;
    const slots = arena.put(new Uint32Array(L.slotGroup.buffer));
    const xp = arena.put(x);
    const tp = arena.alloc(nslot * 16);
    const lp = arena.alloc(L.nblk * 4);
    const sp = arena.alloc(L.ng * 4);
    arena.fn('lut_i8_tables')(xp, 1, k, k, L.ng, slots, nslot, L.nblk, tp, lp, sp);
    const ls = lutI8Scales(x, 0, k, 64);
    expect(ls[0]).toBe(1);
    const T = new Float32Array(16);
    const want = new Int8Array(16);
    let halves = 0;
    for (let s = 0; s < nslot; s++) {
      const t = L.slotGroup[s];
      want.fill(0);
      if (t >= 0) {
        buildLutF32(x, 4 * t, Math.min(4, k - 4 * t), T, 0);
        quantizeLutI8(T, 0, ls[Math.floor(t / 16)], want, 0);
        if (ls[Math.floor(t / 16)] === 1) halves += T.filter((v) => Math.abs(v % 1) === 0.5).length;
      }
      expect([...arena.i8(tp + s * 16, 16)], `slot ${s} (4-group ${t})`).toEqual([...want]);
    }
    expect(halves, 'exact ties among the entries').toBeGreaterThan(10);
  });

  for (const scheme of [...LUT_SCHEMES, 'bitmod4', 'bitmod3', 'fp4', 'fp3', 'mxfp4', 'nvfp4'] as const) {
    const fixed = getScheme(scheme).fixedBlock !== undefined;
    it(`${scheme}: bit-exact with lut-i8 on every shape (outlier channels in X and W)`, () => {
      const arena = WasmArena.createSync('plain');
      let ran = 0;
      for (const [i, sh] of LUT_SHAPES.entries()) {
        if (fixed) break; // mxfp4, nvfp4: their fixed blocks, on the shapes below
        const group = groupOpt(scheme, sh.group);
        if (group !== sh.group && i > 3) continue; // ternary / binary: one granularity, fewer shapes
        const qt = quantizedCase(scheme, sh.n, sh.k, 100 + i, group === undefined ? {} : { group });
        const x = seededMatrix(sh.m, sh.k, 200 + i, 30);
        const got = expectBitExact(arena, x, sh.m, qt, sh.label);
        // The kernel is held to lut-i8's bound, and the call reuses the cached weights.
        const ref = matmulRef(x, qt, sh.m);
        const b = checkMatmulBound(got, ref, sh.m, qt.rows, qt.cols, { c: wasmLutI8.boundC(qt), extra: wasmLutI8.extraBound!(x, qt, sh.m) });
        expect(b.ok, b.message).toBe(true);
        expectBitExact(arena, seededMatrix(sh.m, sh.k, 300 + i), sh.m, qt, `${sh.label} (cached weights)`);
        ran++;
      }
      for (const shape of SHAPES) {
        if (!applies(scheme, shape)) continue;
        const qt = quantizedCase(scheme, shape.n, shape.k, 7, shape.group === undefined ? {} : { group: shape.group });
        expectBitExact(arena, seededMatrix(shape.m, shape.k, 8), shape.m, qt, shape.label);
        ran++;
      }
      expect(ran).toBeGreaterThan(fixed ? 0 : 5);
    });
  }

  it('a tensor scale, zero activations and all-equal weights stay bit-exact', () => {
    const arena = WasmArena.createSync('plain');
    const qt = quantize(seededMatrix(23, 64, 3), 23, 64, 'int4', { group: 32 });
    const withTs = { ...qt, tensorScale: 0.1, hasTensorScale: true } as QuantizedTensor;
    expectBitExact(arena, seededMatrix(3, 64, 4), 3, withTs, 'tensor scale 0.1 (not an f32)');
    const x = seededMatrix(2, 64, 5);
    x.fill(0, 0, 64); // one all-zero activation row: zero table scales
    expectBitExact(arena, x, 2, qt, 'a zero row of X');
    const flat = quantize(new Float32Array(19 * 128).fill(0.25), 19, 128, 'int2_asym', { group: 64 });
    expectBitExact(arena, seededMatrix(1, 128, 6), 1, flat, 'constant weights');
  });

  it('a NaN activation gives NaN in the same outputs as lut-i8', () => {
    const arena = WasmArena.createSync('plain');
    const qt = quantizedCase('int2', 21, 256, 31, { group: 32 });
    const x = seededMatrix(2, 256, 32);
    x[300] = Number.NaN;
    const want = matmulLutI8(x, 2, qt);
    const got = runWasmKernelSync(wasmLutI8, arena, x, 2, qt);
    for (let i = 0; i < want.length; i++) {
      if (Number.isNaN(want[i])) expect(got[i], `output ${i}`).toBeNaN();
      else expect(got[i], `output ${i}`).toBe(want[i]);
    }
    expect(want.filter(Number.isNaN).length).toBe(21);
  });

  it('rows split at tile multiples give the same output as one call (the thread pool contract)', () => {
    const arena = WasmArena.createSync('plain');
    const m = 3;
    const qt = quantizedCase('int3_asym', 53, 160, 11, { group: 32 });
    const x = seededMatrix(m, 160, 12);
    const want = matmulLutI8(x, m, qt);
    const w = arena.weights(qt, wasmLutI8.name, wasmLutI8.weightBytes(qt), (a) => wasmLutI8.load(a, qt));
    const mark = arena.mark();
    const outPtr = arena.alloc(m * qt.rows * 4);
    arena.f32(outPtr, m * qt.rows).fill(Number.NaN);
    const call = wasmLutI8.prepare(arena, qt, w, x, m, outPtr);
    expect(call.rowAlign).toBe(WASM_LUT_TILE);
    for (const [n0, n1] of [[32, 53], [0, 16], [16, 32]]) arena.run(call, n0, n1);
    const got = arena.f32(outPtr, m * qt.rows).slice();
    arena.release(mark);
    expect(firstBitDiff(got, want)).toBe(-1);
  });

  it('runs the same in the shared-memory build (the one worker threads use)', async () => {
    const arena = await WasmArena.create('shared');
    const qt = quantizedCase('int3_asym', 45, 256, 21, { group: 32 });
    const x = seededMatrix(3, 256, 22);
    const got = runWasmKernelSync(wasmLutI8, arena, x, 3, qt);
    expect(firstBitDiff(got, matmulLutI8(x, 3, qt))).toBe(-1);
  });
});

describe('wasmReferenceMismatch', () => {
  it('names the first output that differs from the TypeScript reference by one bit, and passes an exact output', () => {
    const arena = WasmArena.createSync('plain');
    const qt = quantize(seededMatrix(5, 64, 3), 5, 64, 'int2', { group: 32 });
    const x = seededMatrix(2, 64, 4);
    const y = runWasmKernelSync(wasmLutI8, arena, x, 2, qt);
    expect(wasmReferenceMismatch('wasm-lut-i8', x, 2, qt, y)).toBeUndefined();
    const bad = y.slice();
    new Uint32Array(bad.buffer)[7] ^= 1;
    expect(wasmReferenceMismatch('wasm-lut-i8', x, 2, qt, bad)).toMatch(/^not bit-exact with its TypeScript reference at \(row 1, col 2\)/);
    // A kernel judged by its bound only has no reference to differ from.
    expect(wasmReferenceMismatch('wasm-dequant', x, 2, qt, bad)).toBeUndefined();
  });
});
