// llama.cpp's block formats on the GPU: dequantize bit-exact for every ggml scheme, every dequant-family variant within its bound (offsets, 5/6-bit codes, the IQ4_NL table, constant zeros) on awkward shapes and lane reductions.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { useGpu } from './harness.js';
import { GGML_SCHEMES, quantizedCase, seededMatrix } from './cases.js';
import { GPU_KERNEL_VARIANTS, dequantizeGpu, gpuKernelBound, runGpuKernel, variantAvailable, type GpuKernelVariant } from '../../src/gpu/kernels.js';
import { uploadQuantizedTensor } from '../../src/gpu/gpu-tensor.js';
import { dequantize } from '../../src/quant/quantize.js';
import { dequantizeGgmlBlocks } from '../../src/ggml/tensor.js';
import { matmulRefDense } from '../../src/cpu/matmul-ref.js';
import { checkMatmulBound } from '../../src/cpu/compare.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';
import type { LowbitGpu } from '../../src/gpu/device.js';
import type { KernelTuning } from '../../src/gpu/tuning.js';

/** ggml super-block (k-quants, TQ1_0/TQ2_0): 256 weights. */
const QK_K = 256;

/** Bit patterns equal, or a subnormal expected value flushed to a zero of the same sign (WGSL allows it). */
function firstBitMismatch(got: Float32Array, want: Float32Array): number {
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < w.length; i++) {
    if (g[i] === w[i]) continue;
    if (got[i] === 0 && Math.abs(want[i]!) < 2 ** -126 && g[i]! >>> 31 === w[i]! >>> 31) continue;
    return i;
  }
  return -1;
}

/** `qt` with seeded per-group offsets of about 4 times its scales (both signs), rounded to f32. */
function withSeededOffsets(qt: QuantizedTensor, seed: number): QuantizedTensor {
  const r = seededMatrix(1, qt.scales.length, seed, 1);
  const offsets = Float32Array.from(r, (z, g) => 4 * z * Math.abs(qt.scales[g]!));
  return { ...qt, offsets };
}

/** For 8-bit codes: code 0x80 (int8 -128, which the symmetric quantizer never writes) at column 3 of every row. */
function withInt8Min(qt: QuantizedTensor): QuantizedTensor {
  if (qt.bits !== 8) return qt;
  const codes = qt.codes.slice();
  const bytes = new Uint8Array(codes.buffer);
  for (let r = 0; r < qt.rows; r++) bytes[r * qt.wordsPerRow * 4 + 3] = 0x80;
  return { ...qt, codes };
}

async function check(gpu: LowbitGpu, v: GpuKernelVariant, qt: QuantizedTensor, m: number, seed: number, tuning?: KernelTuning): Promise<void> {
  const x = seededMatrix(m, qt.cols, seed, 25);
  const w = dequantize(qt);
  const got = await runGpuKernel(gpu, v.name, x, m, qt, tuning ? { tuning } : {});
  expect(got.variant).toBe(v.name);
  const bound = gpuKernelBound(v, { qt, m, x, w, tuning: got.tuning });
  // Tensors with offsets are held to the per-output extra term of the offset cancellation.
  expect(bound.extra !== undefined).toBe(qt.offsets !== undefined || v.name.endsWith('/dp4a') || v.name.endsWith('/f16'));
  const res = checkMatmulBound(got.y, matmulRefDense(x, w, m, qt.rows, qt.cols), m, qt.rows, qt.cols, bound);
  expect(res.ok, `${v.name} ${qt.scheme} M=${m} N=${qt.rows} K=${qt.cols}: ${res.message}`).toBe(true);
}

const DEQUANT_VARIANTS = GPU_KERNEL_VARIANTS.filter((v) => v.family === 'dequant');

/**
 * dequant-gemv/plain and the tiled GEMM run every ggml scheme; the other variants (their block
 * code is the same generator with another driver or activation type) a set covering offsets on
 * word and block segments, 2/3/5/6/8-bit codes, constant zero points, int8 (-128) and the IQ4_NL
 * and ternary tables. LOWBIT_GPU_FULL=1 runs every scheme on every variant; `lowbit verify` does.
 */
const PRIMARY = new Set(['dequant-gemv/plain', 'dequant-gemm/tiled']);
const REPRESENTATIVE = new Set(['q4_1', 'q8_0', 'q2_k', 'q3_k', 'q5_k', 'q6_k', 'iq4_nl', 'tq1_0']);
const FULL = typeof process !== 'undefined' && process.env?.LOWBIT_GPU_FULL === '1';

/** The two test tensors of a scheme, quantized once for every variant. */
const cases = new Map<string, readonly [QuantizedTensor, QuantizedTensor]>();
function casesOf(scheme: AnySchemeName): readonly [QuantizedTensor, QuantizedTensor] {
  let c = cases.get(scheme);
  if (!c) {
    const seed = 900 + scheme.length * 7 + scheme.charCodeAt(1);
    c = [quantizedCase(scheme, 37, 3 * QK_K, seed), quantizedCase(scheme, 19, QK_K, seed + 1)];
    cases.set(scheme, c);
  }
  return c;
}

describe('ggml schemes on the GPU', () => {
  const fixture = useGpu();

  // N = 13 (no tile divides it), K = two super-blocks; the expected values are the CPU dequantize
  // (the contract) and llama.cpp's dequantize_row_* of the stored blocks (src/ggml).
  for (const scheme of GGML_SCHEMES) {
    it(`${scheme}: dequantize is bit-exact with the CPU and the ggml block decoder`, async (ctx) => {
      await fixture.scoped(ctx, async ({ gpu }) => {
        const qt = quantizedCase(scheme, 13, 2 * QK_K, 700 + scheme.length);
        const want = dequantize(qt);
        const blocks = new Float32Array(qt.rows * qt.cols);
        dequantizeGgmlBlocks(qt.blocks!.type, qt.blocks!.bytes, (qt.rows * qt.cols) / qt.blocks!.blockSize, blocks);
        expect(firstBitMismatch(want, blocks)).toBe(-1);
        const got = await dequantizeGpu(gpu, qt);
        const bad = firstBitMismatch(got.w, want);
        expect(bad, bad < 0 ? '' : `${scheme}: (row ${Math.floor(bad / qt.cols)}, col ${bad % qt.cols}) got ${got.w[bad]}, expected ${want[bad]}`).toBe(-1);
      });
    });
  }

  // Every dequant-family variant on every ggml scheme: M = 1 over three super-blocks with N = 37,
  // and M = 3 over one super-block with N = 19 (neither N nor M a multiple of any tile).
  for (const v of DEQUANT_VARIANTS) {
    describe(v.name, () => {
      for (const scheme of GGML_SCHEMES.filter((s) => FULL || PRIMARY.has(v.name) || REPRESENTATIVE.has(s))) {
        it(scheme, async (ctx) => {
          expect(v.supports(scheme)).toBe(true);
          const avail = variantAvailable(fixture.get(ctx), v);
          if (avail !== true) ctx.skip(avail);
          await fixture.scoped(ctx, async ({ gpu }) => {
            const [long, short] = casesOf(scheme);
            await check(gpu, v, long, 1, 11);
            await check(gpu, v, short, 3, 12);
          });
        });
      }
    });
  }

  // The offset term across lanes: the shared-memory tree and the subgroup butterfly (TPR 4, RPT
  // and TILE_M not dividing N or M; the reductions themselves are the drivers' and run every
  // lane shape in kernels.gpu.test.ts).
  const SHAPES: readonly (readonly [string, AnySchemeName, readonly KernelTuning[]])[] = [
    ['dequant-gemv/plain', 'q4_k', [{ WG_SIZE: 64, TPR: 4, RPT: 3 }]],
    ['dequant-gemv/subgroup', 'q5_1', [{ WG_SIZE: 64, TPR: 4, RPT: 3 }]],
    ['dequant-gemv/dp4a', 'q2_k', [{ WG_SIZE: 64, TPR: 4, RPT: 3 }]],
    ['dequant-gemm/tiled', 'q5_k', [{ WG_SIZE: 32, TPR: 8, TILE_M: 3 }]],
  ];
  for (const [name, scheme, tunings] of SHAPES) {
    it(`${name} ${scheme} under other workgroup shapes`, async (ctx) => {
      const v = GPU_KERNEL_VARIANTS.find((d) => d.name === name)!;
      const avail = variantAvailable(fixture.get(ctx), v);
      if (avail !== true) ctx.skip(avail);
      await fixture.scoped(ctx, async ({ gpu }) => {
        for (const [i, t] of tunings.entries()) await check(gpu, v, quantizedCase(scheme, 37, 3 * QK_K, 80 + i), v.shape === 'gemm' ? 5 : 2, 90 + i, t);
      });
    });
  }

  // Offsets on the segment kinds ggml's layouts never produce: per-quad groups (G = 12) and
  // per-element groups (G = 6, 4-bit), on lowbit tensors given seeded per-group offsets.
  const SEGMENT_CASES: readonly (readonly [string, AnySchemeName, number])[] = [
    ['dequant-gemv/plain', 'int4_asym', 12],
    ['dequant-gemv/plain', 'int4', 6],
    ['dequant-gemm/tiled', 'int4_asym', 6],
    ['dequant-gemv/dp4a', 'int8', 12],
  ];
  for (const [name, scheme, group] of SEGMENT_CASES) {
    it(`${name} takes offsets on ${scheme} with groups of ${group}`, async (ctx) => {
      const v = GPU_KERNEL_VARIANTS.find((d) => d.name === name)!;
      const avail = variantAvailable(fixture.get(ctx), v);
      if (avail !== true) ctx.skip(avail);
      await fixture.scoped(ctx, async ({ gpu }) => {
        const qt = withSeededOffsets(withInt8Min(quantizedCase(scheme, 21, 10 * group, 40 + group, { group })), 41);
        expect(v.supports(qt)).toBe(true);
        await check(gpu, v, qt, v.shape === 'gemm' ? 3 : 2, 42);
        const got = await dequantizeGpu(gpu, qt);
        expect(firstBitMismatch(got.w, dequantize(qt))).toBe(-1);
      });
    });
  }

  it('fails the bound when the offsets are left out (the check can tell)', async (ctx) => {
    await fixture.scoped(ctx, async ({ gpu, track }) => {
      const qt = quantizedCase('q4_k', 19, QK_K, 31);
      expect(qt.offsets).toBeDefined();
      const { offsets: _dropped, ...withoutOffsets } = qt;
      const x = seededMatrix(1, qt.cols, 32, 25);
      const w = dequantize(qt);
      const gt = track(uploadQuantizedTensor(gpu, withoutOffsets));
      const v = GPU_KERNEL_VARIANTS.find((d) => d.name === 'dequant-gemv/plain')!;
      const got = await runGpuKernel(gpu, v.name, x, 1, gt);
      const res = checkMatmulBound(got.y, matmulRefDense(x, w, 1, qt.rows, qt.cols), 1, qt.rows, qt.cols, gpuKernelBound(v, { qt, m: 1, x, w, tuning: got.tuning }));
      expect(res.ok).toBe(false);
    });
  });
});
