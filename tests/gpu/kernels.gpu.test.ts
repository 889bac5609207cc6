// Every GPU kernel variant the adapter supports, on every scheme it supports, agrees with the f64 oracle within its documented bound.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { useGpu } from './harness.js';
import { ALL_SCHEMES, quantizedCase, seededMatrix } from './cases.js';
import { GPU_KERNEL_VARIANTS, gpuKernelBound, runGpuKernel, variantAvailable, type GpuKernelVariant } from '../../src/gpu/kernels.js';
import { uploadQuantizedTensor } from '../../src/gpu/gpu-tensor.js';
import { dequantize } from '../../src/quant/quantize.js';
import { matmulRefDense } from '../../src/cpu/matmul-ref.js';
import { checkMatmulBound } from '../../src/cpu/compare.js';
import { getScheme } from '../../src/quant/schemes.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';
import type { LowbitGpu } from '../../src/gpu/device.js';
import type { KernelTuning } from '../../src/gpu/tuning.js';

/** K of `groups` groups for a scheme in the tests (group 32, or the scheme's fixed block). */
function kFor(scheme: AnySchemeName, groups: number): number {
  const sc = getScheme(scheme);
  if (sc.fixedBlock !== undefined) return sc.fixedBlock * groups;
  // Channel / tensor schemes have one group per row whatever K is: pick K off every tile.
  if (!sc.granularities.includes('group')) return groups === 1 ? 40 : 100;
  return 32 * groups;
}

async function check(gpu: LowbitGpu, v: GpuKernelVariant, qt: QuantizedTensor, m: number, seed: number, tuning?: KernelTuning): Promise<void> {
  const x = seededMatrix(m, qt.cols, seed, 25);
  const w = dequantize(qt);
  const got = await runGpuKernel(gpu, v.name, x, m, qt, tuning ? { tuning } : {});
  expect(got.variant).toBe(v.name);
  if (tuning) expect(got.tuning).toEqual(tuning);
  const ref = matmulRefDense(x, w, m, qt.rows, qt.cols);
  const res = checkMatmulBound(got.y, ref, m, qt.rows, qt.cols, gpuKernelBound(v, { qt, m, x, w, tuning: got.tuning }));
  expect(res.ok, `${v.name} ${qt.scheme} M=${m} N=${qt.rows} K=${qt.cols} G=${qt.groupSize}: ${res.message}`).toBe(true);
}

/**
 * Variants that run every scheme they support here (the dequant GEMV is the only kernel every
 * scheme reaches; lut-gemv/f32 covers every LUT scheme). The others run a set covering every
 * code width (1, 2, 3, 4, 8; 6 runs on dequant-gemv/plain), zero points, datatype ids, the tensor scale, E8M0 scales,
 * per-channel and per-tensor scales, Booth and binary term encodings (SwiftShader compiles one
 * pipeline per scheme and variant, and the large tables of 8-bit asymmetric bit-serial take
 * tens of seconds). `lowbit verify` runs the full
 * matrix; LOWBIT_GPU_FULL=1 makes these tests run it too.
 */
const PRIMARY = new Set(['dequant-gemv/plain', 'lut-gemv/f32']);
const REPRESENTATIVE = new Set(['binary', 'ternary', 'int2_asym', 'int3', 'int4_asym', 'bitmod3', 'ant4', 'nvfp4', 'mxint8', 'fp8_e5m2', 'nf4']);
const FULL = typeof process !== 'undefined' && process.env?.LOWBIT_GPU_FULL === '1';

function schemesFor(v: GpuKernelVariant): AnySchemeName[] {
  return ALL_SCHEMES.filter((s) => v.supports(s) === true && (FULL || PRIMARY.has(v.name) || REPRESENTATIVE.has(s)));
}

describe('gpu kernels vs the f64 oracle', () => {
  const fixture = useGpu();

  for (const v of GPU_KERNEL_VARIANTS) {
    describe(v.name, () => {
      for (const scheme of schemesFor(v)) {
        // Two shapes per pipeline: M=1 over three groups with N=37, and M=3 over one group
        // with N=19 (neither N nor K a multiple of any tile); weights have outlier columns.
        // Tiled GEMMs also run M=6 (two M tiles, the second partial) with N=70 (two N tiles)
        // over nine groups (several K tiles, the last partial).
        it(scheme, async (ctx) => {
          const avail = variantAvailable(fixture.get(ctx), v);
          if (avail !== true) ctx.skip(avail);
          await fixture.scoped(ctx, async ({ gpu }) => {
            const seed = scheme.length * 31 + v.name.length;
            await check(gpu, v, quantizedCase(scheme, 37, kFor(scheme, 3), seed), 1, seed + 1);
            await check(gpu, v, quantizedCase(scheme, 19, kFor(scheme, 1), seed + 2), 3, seed + 3);
            if (v.shape === 'gemm') await check(gpu, v, quantizedCase(scheme, 70, kFor(scheme, 9), seed + 4), 6, seed + 5);
          });
        });
      }
    });
  }

  // The adapter's default shape (one lane per row on SwiftShader) never reduces across lanes:
  // these shapes run the shared-memory tree (plain, GEMMs), the subgroupShuffleXor butterfly
  // (TPR <= subgroup size) and subgroupAdd + shared sums (TPR > subgroup size), with RPT and TILE_M
  // not dividing N or M, and K not a multiple of TPR blocks.
  const GEMV_SHAPES: readonly KernelTuning[] = [
    { WG_SIZE: 64, TPR: 4, RPT: 3 },
    { WG_SIZE: 128, TPR: 64, RPT: 2 },
    // The f32 LUT GEMV's 16-entry tables at even bits (other families ignore PAIRS).
    { WG_SIZE: 64, TPR: 2, RPT: 2, PAIRS: 0 },
  ];
  const GEMM_SHAPES: readonly KernelTuning[] = [
    { WG_SIZE: 32, TPR: 8, TILE_M: 3 },
    { WG_SIZE: 64, TPR: 1, TILE_M: 1 },
    // The f32 LUT GEMM's 16-entry tables at even bits (other families ignore PAIRS).
    { WG_SIZE: 64, TPR: 2, TILE_M: 2, PAIRS: 0 },
  ];
  const SHAPE_CASES: readonly (readonly [string, AnySchemeName])[] = [
    ['dequant-gemv/plain', 'int4_asym'],
    ['dequant-gemv/subgroup', 'nf4'],
    ['dequant-gemv/dp4a', 'int4'],
    ['dequant-gemm/tiled', 'bitmod4'],
    ['lut-gemv/f32', 'int3_asym'],
    ['lut-gemv/f32', 'int4_asym'],
    ['lut-gemv/i8', 'ternary'],
    ['lut-gemm/f32', 'int2'],
    ['bitserial-gemv/plain', 'int4'],
    ['bitserial-gemm/tiled', 'fp4'],
    ['f32-gemm/tiled', 'int4'],
  ];
  for (const [name, scheme] of SHAPE_CASES) {
    it(`${name} ${scheme} under other workgroup shapes`, async (ctx) => {
      const v = GPU_KERNEL_VARIANTS.find((d) => d.name === name)!;
      const avail = variantAvailable(fixture.get(ctx), v);
      if (avail !== true) ctx.skip(avail);
      await fixture.scoped(ctx, async ({ gpu }) => {
        for (const [i, t] of (v.shape === 'gemm' ? GEMM_SHAPES : GEMV_SHAPES).entries()) {
          await check(gpu, v, quantizedCase(scheme, 37, kFor(scheme, 9), 50 + i), v.shape === 'gemm' ? 5 : 2, 60 + i, t);
        }
      });
    });
  }

  it('runs int4 (g=128) at K=4096 on every available variant that supports it', async (ctx) => {
    await fixture.scoped(ctx, async ({ gpu, track }) => {
      const qt = quantizedCase('int4', 48, 4096, 4096, { group: 128 });
      const gt = track(uploadQuantizedTensor(gpu, qt));
      const x = seededMatrix(2, 4096, 9, 25);
      const w = dequantize(qt);
      const ref = matmulRefDense(x, w, 2, qt.rows, qt.cols);
      for (const v of GPU_KERNEL_VARIANTS) {
        if (variantAvailable(gpu, v) !== true || v.supports(qt) !== true) continue;
        const got = await runGpuKernel(gpu, v.name, x, 2, gt);
        const res = checkMatmulBound(got.y, ref, 2, qt.rows, qt.cols, gpuKernelBound(v, { qt, m: 2, x, w, tuning: got.tuning }));
        expect(res.ok, `${v.name} int4 K=4096: ${res.message}`).toBe(true);
        expect(got.timer === 'timestamp-query' || got.timer === 'wall').toBe(true);
      }
    });
  });

  it('runs weights split into row chunks like whole ones', async (ctx) => {
    await fixture.scoped(ctx, async ({ gpu, track }) => {
      const qt = quantizedCase('nf4', 21, 128, 77);
      const gt = track(uploadQuantizedTensor(gpu, qt, { maxBindingBytes: 64 }));
      expect(gt.chunks.length).toBeGreaterThan(1);
      const x = seededMatrix(3, 128, 78, 25);
      const whole = await runGpuKernel(gpu, 'dequant-gemm/tiled', x, 3, qt);
      const split = await runGpuKernel(gpu, 'dequant-gemm/tiled', x, 3, gt);
      expect(Array.from(split.y)).toEqual(Array.from(whole.y));
    });
  });
});
