// GPU quantize is bit-identical to the CPU quantize (codes, scale bits, zero points, ids, every field) for every scheme and option, on seeded, random-bit and adversarial weights.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { afterAll, describe, expect, it } from 'vitest';
import { useGpu } from './harness.js';
import { seededMatrix } from './cases.js';
import { gpuQuantizeSupports, quantizeGpu, type GpuQuantizeOptions } from '../../src/gpu/quantize-gpu.js';
import { GpuLimitError } from '../../src/gpu/buffers.js';
import type { LowbitGpu } from '../../src/gpu/device.js';
import { quantize, quantizeReference, type QuantizeOptions } from '../../src/quant/quantize.js';
import { adversarialGroups, seededWeights, tensorDifference } from '../quant/exact-cases.js';
import { quantizeParallel, quantizeThreadsInfo, terminateQuantizeWorkers } from '../../src/quant/quantize-threads.js';
import { wasmQuantizeStatus } from '../../src/quant/quantize-wasm.js';
import { SCHEME_NAMES, getScheme } from '../../src/quant/schemes.js';
import { getDType } from '../../src/dtype/registry.js';
import { mulberry32, type Rng } from '../../src/io/random.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';

/** The schemes of the integer / MX kernel (quantize.wgsl); every other scheme runs quantize-general.wgsl. */
const GPU_SCHEMES: readonly AnySchemeName[] = ['int2', 'int3', 'int4', 'int8', 'mxfp4', 'mxfp6_e2m3', 'mxfp6_e3m2', 'mxfp8_e4m3', 'mxfp8_e5m2', 'mxint8'];
const GENERAL_SCHEMES = SCHEME_NAMES.filter((s) => !GPU_SCHEMES.includes(s));
/** Largest finite f32: (2 - 2^-23) * 2^127. */
const F32_MAX = (2 - 2 ** -23) * 2 ** 127;
/** Smallest positive f32 subnormal and normal. */
const F32_MIN_SUB = 2 ** -149;
const F32_MIN_NORMAL = 2 ** -126;

const f32Bits = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0] as number;
const fromBits = (b: number): number => new Float32Array(new Uint32Array([b >>> 0]).buffer)[0] as number;
/** The next f32 above / below a positive finite f32. */
const nextUp = (x: number): number => fromBits(f32Bits(x) + 1);
const nextDown = (x: number): number => (x === 0 ? 0 : fromBits(f32Bits(x) - 1));

/** First difference between two tensors (every field; codes, scales and the tensor scale as bit patterns), or ''. */
const firstDifference = tensorDifference;

/** Quantizes on both sides and expects identical tensors; returns the CPU tensor. */
async function expectSameAsCpu(gpu: LowbitGpu, w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: GpuQuantizeOptions = {}, what = ''): Promise<QuantizedTensor> {
  const { maxBindingBytes: _ignored, kernel, ...cpuOpts } = opts;
  const want = quantizeReference(w, rows, cols, scheme, cpuOpts);
  const got = await quantizeGpu(gpu, w, rows, cols, scheme, opts);
  expect(got.variant).toBe(kernel === 'general' || !GPU_SCHEMES.includes(scheme) ? 'quantize-general' : 'quantize');
  const diff = firstDifference(got.qt, want);
  expect(diff, `${scheme} ${what} [${rows}, ${cols}] ${JSON.stringify(opts)}: ${diff}`).toBe('');
  return want;
}

/** Seeded group size for a scheme: MX blocks are fixed, the integer schemes use 32. */
const groupOf = (scheme: AnySchemeName): QuantizeOptions => (getScheme(scheme).fixedBlock === undefined ? { group: 32 } : {});

/**
 * Random finite f32 values: each group of `g` elements gets an exponent centre drawn from
 * [lo, hi] and every element a random sign, mantissa and exponent up to 12 below the centre, so
 * groups span subnormals to the f32 maximum; one element in 16 is a (signed) zero.
 */
function randomBitsMatrix(rows: number, cols: number, g: number, lo: number, hi: number, rng: Rng): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let start = 0; start < out.length; start += g) {
    const centre = lo + Math.floor(rng() * (hi - lo + 1));
    for (let i = start; i < start + g; i++) {
      if (rng() < 1 / 16) {
        out[i] = rng() < 0.5 ? 0 : -0;
        continue;
      }
      const e = centre - Math.floor(rng() * 13);
      const v = Math.min(F32_MAX, (1 + Math.floor(rng() * 2 ** 23) / 2 ** 23) * 2 ** e);
      out[i] = rng() < 0.5 ? -v : v;
    }
  }
  return out;
}

/** Lays groups of `g` values (each padded with zeros) out as rows of `perRow` groups. */
function groupsToMatrix(groups: readonly number[][], g: number, perRow: number): { w: Float32Array; rows: number; cols: number } {
  const rows = Math.ceil(groups.length / perRow);
  const cols = g * perRow;
  const w = new Float32Array(rows * cols);
  groups.forEach((vals, i) => {
    if (vals.length > g) throw new Error(`test bug: group of ${vals.length} values for G=${g}`);
    w.set(vals, i * g);
  });
  return { w, rows, cols };
}

/** Splits `values` into groups of g - 1 that each start with `anchor` (which sets the group's amax). */
function anchoredGroups(anchor: number, values: readonly number[], g: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < values.length; i += g - 1) out.push([anchor, ...values.slice(i, i + g - 1)]);
  return out;
}

/** Alternating signs, so both code halves are hit. */
const alternate = (vals: readonly number[]): number[] => vals.map((v, i) => (i % 2 === 0 ? v : -v));

/** The stored scale the CPU picks for a group whose amax is `amax`. */
function cpuScale(scheme: AnySchemeName, amax: number, opts: QuantizeOptions, g: number): number {
  const w = new Float32Array(g);
  w[0] = amax;
  return quantize(w, 1, g, scheme, { ...opts, group: g }).scales[0] as number;
}

/**
 * Integer absmax adversarial groups (G = 32): exact ties w = (q + 1/2) s with an exactly
 * representable scale, near-ties (+-1 ulp of the f32 nearest to (q + 1/2) s) with scales that
 * are not exactly amax / qmax, the clamp, zero and -0 groups, subnormal amax (subnormal and zero
 * scales), values around 2^-126, and (f32 scales) values up to the f32 maximum.
 */
function intAdversarial(scheme: AnySchemeName, opts: QuantizeOptions): number[][] {
  const g = 32;
  const qmax = 2 ** (getDType(getScheme(scheme).elementTypes[0] as string).bits - 1) - 1;
  const f16 = (opts.scaleDType ?? getScheme(scheme).defaultScaleDType) === 'f16';
  const qs = Array.from({ length: qmax }, (_, q) => q);
  const groups: number[][] = [];
  // Exact ties: s0 = 3/8 * 2^p has two significant bits, so qmax * s0 and (q + 1/2) s0 are exact.
  for (const p of [0, -10, 5]) {
    const s0 = 0.375 * 2 ** p;
    groups.push(...anchoredGroups(qmax * s0, alternate(qs.map((q) => (q + 0.5) * s0)), g));
  }
  // Near-ties around the CPU's stored scale for amax values whose amax / qmax is inexact.
  const amaxes = f16 ? [1, 0.1, 1000.7, 3e-5, 7e-7] : [1, 0.1, 1000.7, 3e-30, 1e30, F32_MAX / 2, F32_MAX, 1.5 * F32_MIN_NORMAL];
  for (const a0 of amaxes) {
    const amax = Math.fround(a0);
    const s = cpuScale(scheme, amax, opts, g);
    const near = qs.flatMap((q) => {
      const t = Math.min(Math.fround((q + 0.5) * s), amax);
      return [t, nextUp(t) <= amax ? nextUp(t) : t, nextDown(t)];
    });
    groups.push(...anchoredGroups(amax, alternate(near), g));
    // The clamp: values just under amax (w / s may exceed qmax when s rounded down).
    groups.push([amax, -amax, nextDown(amax), -nextDown(amax), Math.fround(amax * 0.999), Math.fround(-amax * (1 - 2 ** -20))]);
  }
  groups.push(new Array<number>(g).fill(0), new Array<number>(g).fill(-0), [0, -0, 0, -0]);
  // Subnormal amax: k * 2^-149 (scales subnormal or zero), every multiple below it.
  for (const k of [1, 2, 3, 5, 7, 31, 127, 255]) {
    const vals = Array.from({ length: Math.min(k, g - 1) }, (_, j) => (j + 1) * F32_MIN_SUB);
    groups.push([k * F32_MIN_SUB, ...alternate(vals)]);
  }
  // Around the smallest normal.
  groups.push([F32_MIN_NORMAL, nextDown(F32_MIN_NORMAL), -nextUp(F32_MIN_NORMAL), F32_MIN_NORMAL / 2, F32_MIN_NORMAL / 3, -F32_MIN_NORMAL / 7]);
  groups.push([nextDown(F32_MIN_NORMAL), F32_MIN_NORMAL / 2, -F32_MIN_NORMAL / 4, Math.fround(F32_MIN_NORMAL / 3)]);
  if (f16) {
    // amax / qmax exactly halfway between two f16 values (normal and subnormal): the scale itself
    // is a tie (ties to even: down for 1 + 2^-11, up for 1 + 3 * 2^-11, to 0 for 2^-25).
    for (const t of [1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -25, 3 * 2 ** -25, 5 * 2 ** -25, 2 ** -14 + 2 ** -25]) {
      const amax = qmax * t;
      const s = cpuScale(scheme, amax, opts, g);
      groups.push([amax, ...alternate(qs.slice(0, g - 1).map((q) => Math.min(amax, Math.fround((q + 0.5) * s))))]);
    }
    // f16 scales near the subnormal range (2^-24 .. 2^-14) and near the f16 maximum.
    for (const a0 of [2 ** -20, 3 * 2 ** -24, 2 ** -25, 2 ** -14 * qmax, 65504 * qmax * 0.9999]) {
      const amax = Math.fround(a0);
      const s = cpuScale(scheme, amax, opts, g);
      groups.push([amax, ...alternate(qs.slice(0, g - 1).map((q) => Math.min(amax, Math.fround((q + 0.5) * s))))]);
    }
  }
  return groups;
}

/**
 * MX adversarial blocks for one element type: for shared exponents E across the E8M0 range
 * (E = -127 with subnormal f32 inputs up to 127 - emax near the f32 maximum), the grid values,
 * every midpoint between neighbours (exact ties), +-1 f32 ulp around each midpoint, values past
 * the largest element (saturation), half the smallest subnormal (ties to +-0), both signs.
 */
function mxAdversarial(scheme: AnySchemeName): number[][] {
  const dt = getDType(getScheme(scheme).elementTypes[0] as string);
  const emax = dt.info.emax;
  const pos = Array.from(dt.values).filter((v) => v >= 0);
  const mids = pos.slice(1).map((v, i) => (v + (pos[i] as number)) / 2);
  const top = 2 ** (emax + 1);
  const beyond = [dt.info.max * 1.0625, (dt.info.max + top) / 2, top * (1 - 2 ** -20)];
  const groups: number[][] = [];
  for (const e of [-127, -126, -100, -3, 0, 9, 126 - emax, 127 - emax]) {
    const scale = 2 ** e;
    const anchor = 1.5 * 2 ** emax * scale;
    const raw = [...pos, ...mids, ...beyond, dt.info.smallestPositive / 2, dt.info.smallestPositive * 0.75].map((v) => Math.fround(v * scale));
    const nearMids = mids.flatMap((m) => {
      const t = Math.fround(m * scale);
      return t > 0 ? [nextUp(t), nextDown(t)] : [];
    });
    const vals = [...raw, ...nearMids].filter((v) => v < 2 * anchor && Number.isFinite(v));
    groups.push(...anchoredGroups(anchor, alternate(vals), 32), ...anchoredGroups(-anchor, alternate(vals.slice().reverse()), 32));
  }
  // Clamped shared exponent: amax far below 2^(-127 + emax), and -0 / zero blocks.
  groups.push([2 ** -140, -(2 ** -141), 2 ** -149, -(2 ** -149)], [F32_MAX, -F32_MAX, F32_MAX / 2, -nextDown(F32_MAX)], new Array<number>(32).fill(-0));
  return groups;
}

describe('cpu quantize in this runtime (Node, or Chromium for gpu-browser)', () => {
  afterAll(async () => {
    await terminateQuantizeWorkers();
  });

  it('runs the WebAssembly kernels, and quantizeParallel on workers, with the reference\'s tensors', async () => {
    expect(wasmQuantizeStatus()).toEqual({ available: true, reason: '' });
    // 264 x 1024 f32 (1.08 MB): above quantizeParallel's one-thread threshold.
    const w = seededWeights(264, 1024, 17);
    for (const [scheme, opts] of [['int4', {}], ['bitmod4', {}], ['nvfp4', {}], ['ternary', {}]] as const) {
      const want = quantizeReference(w, 264, 1024, scheme, opts);
      expect(tensorDifference(quantize(w, 264, 1024, scheme, opts), want), `${scheme} quantize`).toBe('');
      const before = quantizeThreadsInfo();
      expect(tensorDifference(await quantizeParallel(w, 264, 1024, scheme, { ...opts, threads: 2 }), want), `${scheme} quantizeParallel`).toBe('');
      const after = quantizeThreadsInfo();
      expect(after.fallbacks, after.lastFallbackReason).toBe(before.fallbacks);
      expect(after.blocksDone).toBeGreaterThan(before.blocksDone);
    }
  });
});

describe('gpu quantize', () => {
  const fixture = useGpu();

  it('supports every scheme and rejects invalid options with the CPU errors', async (ctx) => {
    expect(SCHEME_NAMES.filter((s) => gpuQuantizeSupports(s) !== true)).toEqual([]);
    expect(gpuQuantizeSupports('int4', { scaleDType: 'f32', group: 0 })).toBe(true);
    expect(gpuQuantizeSupports('bitmod4', { scale: 'mse', group: -1 })).toBe(true);
    // Invalid options get the CPU's errors, not a reason.
    expect(() => gpuQuantizeSupports('mxfp4', { scaleDType: 'f16' })).toThrow(/stores its scales as e8m0/);
    expect(() => gpuQuantizeSupports('nvfp4', { scale: 'mse' })).toThrow(/fixed scale rule/);
    expect(() => gpuQuantizeSupports('no_such_scheme')).toThrow(/Unknown scheme/);
    await fixture.scoped(ctx, async ({ gpu }) => {
      const w = seededMatrix(2, 64, 1);
      await expect(quantizeGpu(gpu, w, 2, 64, 'mxfp4', { scale: 'mse' })).rejects.toThrow(/fixed scale rule/);
    });
  });

  for (const scheme of GPU_SCHEMES) {
    const isMx = getScheme(scheme).scaleRule === 'mx';
    it(`${scheme}: seeded weights with outliers and random f32 bit patterns, every granularity`, async (ctx) => {
      await fixture.scoped(ctx, async ({ gpu }) => {
        const base = groupOf(scheme);
        // N not a multiple of any tile, K = 3 groups; K = one group; M-like single row.
        await expectSameAsCpu(gpu, seededMatrix(13, 96, 100 + scheme.length), 13, 96, scheme, base, 'seeded');
        await expectSameAsCpu(gpu, seededMatrix(5, 32, 200 + scheme.length), 5, 32, scheme, base, 'K = one group');
        await expectSameAsCpu(gpu, seededMatrix(1, 160, 300), 1, 160, scheme, base, 'one row');
        const rng = mulberry32(400 + scheme.length);
        if (isMx) {
          await expectSameAsCpu(gpu, randomBitsMatrix(11, 128, 32, -149, 127, rng), 11, 128, scheme, {}, 'random bits');
          return;
        }
        for (const scaleDType of ['f16', 'f32'] as const) {
          // f16 scales overflow above 65504 and flush below 2^-24: keep the centres in range.
          const [lo, hi] = scaleDType === 'f16' ? [-40, 14] : [-149, 127];
          await expectSameAsCpu(gpu, randomBitsMatrix(11, 96, 32, lo, hi, rng), 11, 96, scheme, { group: 32, scaleDType }, 'random bits');
          await expectSameAsCpu(gpu, seededMatrix(7, 80, 500), 7, 80, scheme, { group: 0, scaleDType }, 'per channel');
          await expectSameAsCpu(gpu, seededMatrix(9, 48, 600), 9, 48, scheme, { group: -1, scaleDType }, 'per tensor');
          await expectSameAsCpu(gpu, seededMatrix(3, 64, 700), 3, 64, scheme, { group: 64, scaleDType }, 'K = one group of 64');
        }
      });
    });

    it(`${scheme}: exact ties, near-ties, clamp, zero, subnormal and largest values`, async (ctx) => {
      await fixture.scoped(ctx, async ({ gpu }) => {
        if (isMx) {
          const { w, rows, cols } = groupsToMatrix(mxAdversarial(scheme), 32, 4);
          await expectSameAsCpu(gpu, w, rows, cols, scheme, {}, 'adversarial');
          return;
        }
        for (const scaleDType of ['f16', 'f32'] as const) {
          const opts = { group: 32, scaleDType };
          const { w, rows, cols } = groupsToMatrix(intAdversarial(scheme, opts), 32, 3);
          await expectSameAsCpu(gpu, w, rows, cols, scheme, opts, 'adversarial');
        }
      });
    });
  }

  /**
   * Option sets for the general kernel, rotated across schemes so every granularity, scale
   * mode and storage type meets several schemes without the full cross product (test time).
   */
  const ROTATION: QuantizeOptions[] = [{ group: 0 }, { group: -1, scaleDType: 'f32' }, { scale: 'mse', group: 32 }, { scaleDType: 'f32', group: 64 }, { group: 0, scale: 'mse', scaleDType: 'f32' }, { group: -1, scale: 'mse' }];
  const accepted = (scheme: AnySchemeName, opts: QuantizeOptions): boolean => {
    try {
      quantize(new Float32Array(64), 1, 64, scheme, opts);
      return true;
    } catch {
      return false;
    }
  };

  GENERAL_SCHEMES.forEach((scheme, index) => {
    it(`${scheme}: seeded, random-bit and adversarial weights; rotated options`, async (ctx) => {
      await fixture.scoped(ctx, async ({ gpu }) => {
        const sc = getScheme(scheme);
        const base = groupOf(scheme);
        const f16 = sc.defaultScaleDType === 'f16';
        await expectSameAsCpu(gpu, seededMatrix(13, 96, 100 + index), 13, 96, scheme, base, 'seeded');
        await expectSameAsCpu(gpu, seededMatrix(1, 64, 300), 1, 64, scheme, base, 'one row');
        // f16 scales overflow above 65504: keep those centres lower.
        await expectSameAsCpu(gpu, randomBitsMatrix(11, 96, 32, -149, f16 ? 12 : 127, mulberry32(400 + index)), 11, 96, scheme, base, 'random bits');
        const g = sc.fixedBlock ?? 32;
        const { w, rows, cols } = groupsToMatrix(adversarialGroups(scheme, g, base), g, 3);
        await expectSameAsCpu(gpu, w, rows, cols, scheme, base, 'adversarial');
        for (const k of [index, index + 3]) {
          const opts = ROTATION[k % ROTATION.length] as QuantizeOptions;
          if (!accepted(scheme, opts)) continue;
          await expectSameAsCpu(gpu, seededMatrix(5, 64, 500 + k), 5, 64, scheme, opts, 'rotated options');
        }
      });
    });
  });

  it('the general kernel, forced, equals the CPU on the integer and MX schemes too', async (ctx) => {
    await fixture.scoped(ctx, async ({ gpu }) => {
      for (const scheme of GPU_SCHEMES) {
        const base = groupOf(scheme);
        await expectSameAsCpu(gpu, seededMatrix(7, 64, 700), 7, 64, scheme, { ...base, kernel: 'general' }, 'forced general');
        if (getScheme(scheme).scaleRule === 'mx') {
          const { w, rows, cols } = groupsToMatrix(mxAdversarial(scheme), 32, 4);
          await expectSameAsCpu(gpu, w, rows, cols, scheme, { kernel: 'general' }, 'forced general, adversarial');
        } else {
          const { w, rows, cols } = groupsToMatrix(intAdversarial(scheme, { group: 32 }), 32, 3);
          await expectSameAsCpu(gpu, w, rows, cols, scheme, { group: 32, kernel: 'general' }, 'forced general, adversarial');
        }
      }
    });
  });

  it('general kernel row chunks: NVFP4 tensor scale, per-tensor min/max and channel mixtures across chunks; per-tensor searches need one chunk', async (ctx) => {
    await fixture.scoped(ctx, async ({ gpu }) => {
      const w = seededMatrix(13, 96, 44);
      w[12 * 96 + 7] = 300; // the tensor's largest value in the last chunk
      // 96 f32 = 384 bytes per row; 1000 bytes allow 2 rows per chunk: 7 chunks for 13 rows.
      await expectSameAsCpu(gpu, w, 13, 96, 'nvfp4', { maxBindingBytes: 1000 }, 'chunked');
      await expectSameAsCpu(gpu, w, 13, 96, 'int3_asym', { group: -1, maxBindingBytes: 1000 }, 'chunked');
      await expectSameAsCpu(gpu, w, 13, 96, 'fp6_e3m2', { group: -1, maxBindingBytes: 1000 }, 'chunked');
      await expectSameAsCpu(gpu, w, 13, 96, 'bitmod3', { group: 0, maxBindingBytes: 1000 }, 'chunked');
      await expectSameAsCpu(gpu, w, 13, 96, 'ternary', { group: 32, maxBindingBytes: 1000 }, 'chunked');
      await expect(quantizeGpu(gpu, w, 13, 96, 'ternary', { maxBindingBytes: 1000 })).rejects.toThrow(GpuLimitError);
      await expect(quantizeGpu(gpu, w, 13, 96, 'bitmod4', { group: -1, maxBindingBytes: 1000 })).rejects.toThrow(/per-tensor candidate search reads all of W/);
    });
  });

  it('splits W by rows under a lower binding limit (per group, channel and tensor)', async (ctx) => {
    await fixture.scoped(ctx, async ({ gpu }) => {
      // 96 f32 = 384 bytes per row; 1000 bytes allow 2 rows per chunk: 7 chunks for 13 rows.
      const w = seededMatrix(13, 96, 42);
      for (const opts of [{ group: 32 }, { group: 0 }, { group: -1 }, { group: -1, scaleDType: 'f32' as const }]) {
        await expectSameAsCpu(gpu, w, 13, 96, 'int3', { ...opts, maxBindingBytes: 1000 }, 'chunked');
      }
      await expectSameAsCpu(gpu, w, 13, 96, 'mxfp6_e3m2', { maxBindingBytes: 1000 }, 'chunked');
      // A tensor whose largest value sits in the last chunk: the per-tensor scale must see it.
      const big = seededMatrix(13, 96, 43);
      big[12 * 96 + 5] = 1e4;
      await expectSameAsCpu(gpu, big, 13, 96, 'int8', { group: -1, maxBindingBytes: 1000 }, 'amax in the last chunk');
      await expect(quantizeGpu(gpu, w, 13, 96, 'int4', { group: 32, maxBindingBytes: 256 })).rejects.toThrow(GpuLimitError);
      await expect(quantizeGpu(gpu, w, 13, 96, 'int4', { group: 32, maxBindingBytes: 256 })).rejects.toThrow(/maxStorageBufferBindingSize = 256 bytes/);
    });
  });

  it('rejects bad input with the CPU quantizer errors', async (ctx) => {
    const cpuError = (w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: QuantizeOptions = {}): string => {
      try {
        quantize(w, rows, cols, scheme, opts);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error(`test bug: the CPU quantize accepted ${scheme} ${JSON.stringify(opts)}`);
    };
    await fixture.scoped(ctx, async ({ gpu }) => {
      const cases: [Float32Array, number, number, AnySchemeName, QuantizeOptions][] = [];
      const nan = seededMatrix(3, 64, 5);
      nan[2 * 64 + 7] = Number.NaN;
      cases.push([nan, 3, 64, 'int4', { group: 32 }]);
      const inf = seededMatrix(3, 64, 6);
      inf[70] = -Infinity;
      cases.push([inf, 3, 64, 'mxfp4', {}]);
      cases.push([seededMatrix(3, 64, 7), 3, 64, 'int4', { group: 48 }]);
      cases.push([seededMatrix(3, 48, 8), 3, 48, 'mxfp8_e4m3', {}]);
      cases.push([seededMatrix(3, 64, 9), 3, 65, 'int2', {}]);
      // f16 scale overflow: amax / 7 above 65504 in the second group of row 1.
      const huge = seededMatrix(3, 64, 10);
      huge[64 + 40] = 7 * 70000;
      cases.push([huge, 3, 64, 'int4', { group: 32 }]);
      // ... and per tensor (amax / 1 rounds to f16 infinity exactly at the tie 65520).
      const tie = seededMatrix(3, 64, 11);
      tie[100] = -65520;
      cases.push([tie, 3, 64, 'int2', { group: -1 }]);
      // The general kernel: f16 overflows of absmax, min/max and mean scales, NaN, bad groups.
      const wide = seededMatrix(3, 64, 15);
      wide[64 + 9] = 2e6; // (hi - lo) / 15 above 65504
      cases.push([huge, 3, 64, 'fp4', { group: 32 }], [wide, 3, 64, 'int4_asym', { group: 0 }], [huge, 3, 64, 'fp3', { group: 32, scale: 'mse' }]);
      const mean = seededMatrix(3, 64, 13);
      mean.fill(70000, 0, 64);
      cases.push([mean, 3, 64, 'binary', {}], [nan, 3, 64, 'nf4', { group: 32 }], [seededMatrix(3, 64, 14), 3, 64, 'nvfp4', { group: 32 }]);
      for (const [w, rows, cols, scheme, opts] of cases) {
        const message = cpuError(w, rows, cols, scheme, opts);
        await expect(quantizeGpu(gpu, w, rows, cols, scheme, opts), message).rejects.toThrow(message);
      }
      // Just below the f16 overflow tie: a valid largest scale, bit-exact.
      const edge = seededMatrix(3, 64, 12);
      edge[100] = -nextDown(65520);
      await expectSameAsCpu(gpu, edge, 3, 64, 'int2', { group: -1 }, 'f16 maximum scale');
    });
  });
});
