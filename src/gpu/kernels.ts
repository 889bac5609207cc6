/**
 * The GPU kernel-variant table and its runner.
 *
 * A variant is one compiled form of a kernel: family (dequant, lut, bitserial, f32) x shape
 * (gemv for any M, one workgroup per few weight rows; gemm tiled for M > 1) x flavour (plain
 * tree reduction, subgroup reduction, packed int8 dot product, f16 activations, ...). Each
 * entry says which optional capabilities it needs, which schemes it supports (true or a
 * reason), which CPU kernel it mirrors, and the error bound it is held to (DESIGN.md:
 * |y - y_ref| <= c * K * u * sum_k |x_k w_k| (+ a documented extra term)).
 *
 * Every result names the variant that ran and the clock that timed it.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { getDType } from '../dtype/registry.js';
import { f32ToF16Bits, F16_MAX } from '../dtype/f16.js';
import { roundHalfEven } from '../dtype/rounding.js';
import { dequantize } from '../quant/quantize.js';
import { boundConstant } from '../cpu/bound.js';
import type { BoundOptions } from '../cpu/compare.js';
import { generatePrelude, preludeSpecOf, type PreludeSpec, type WgslEnable } from '../wgsl/prelude.js';
import type { LowbitGpu } from './device.js';
import { GpuLimitError, alignedSize, checkBindingSize, createStorage, dispatch2d, readF32, uploadStorage } from './buffers.js';
import { getPipeline } from './pipeline-cache.js';
import { uploadQuantizedTensor, type GpuQuantizedTensor } from './gpu-tensor.js';
import { settleFor, submitJobs, type ComputeJob, type TimerKind } from './timing.js';
import {
  DEQUANTIZE_BINDINGS,
  DEQUANTIZE_TILE,
  F32_BINDINGS,
  GEMM_TILE,
  GEMV_TILE,
  Owned,
  WEIGHT_BINDINGS,
  DP4A_BINDINGS,
  activationBuffer,
  bindGroup,
  buildWeightJobs,
  weightKernelKey,
  gemmRoundings,
  gemvSubgroupRoundings,
  gemvTreeRoundings,
  mTiles,
  outputBuffer,
  packParams,
  plainBound,
  rowAbsMax,
  rowAbsSums,
  schemeFacts,
  uniformFrom,
  writeF32,
  writeU32,
  type BoundContext,
  type GpuCapabilityName,
  type GpuKernelResult,
  type GpuKernelVariant,
  type PreparedGpuKernel,
  type VariantDef,
} from './kernel-common.js';
import { LUT_VARIANT_DEFS } from './lut-kernels.js';
import { BITSERIAL_VARIANT_DEFS } from './bitserial-kernels.js';

export * from './kernel-common.js';

// ---------------------------------------------------------------------------------------------
// Int8 activations (packed dot product variant).

/** Largest int8 magnitude used for activations (symmetric, -127..127). */
export const ACT_I8_MAX = 127;

/**
 * Per-row symmetric int8 quantization of X [M, K]: scale[m] = max_k |x[m, k]| / 127 (f32),
 * q = clamp(round_half_even(x / scale), -127, 127), packed 4 per u32 (byte j of word w is
 * element 4w + j), each row padded with zeros to ceil(K / 4) words. A zero row gets scale 0 and
 * zero codes. Rounding error |x - scale * q| <= scale / 2 per element.
 */
export function quantizeActivationsI8(x: Float32Array, m: number, k: number): { packed: Uint32Array; scales: Float32Array; wordsPerRow: number } {
  const wpr = Math.ceil(k / 4);
  const packed = new Uint32Array(m * wpr);
  const bytes = new Uint8Array(packed.buffer);
  const scales = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    let a = 0;
    for (let t = 0; t < k; t++) a = Math.max(a, Math.abs(x[i * k + t] as number));
    const s = Math.fround(a / ACT_I8_MAX);
    scales[i] = s;
    if (s === 0) continue;
    for (let t = 0; t < k; t++) {
      const q = Math.min(ACT_I8_MAX, Math.max(-ACT_I8_MAX, roundHalfEven((x[i * k + t] as number) / s)));
      bytes[i * wpr * 4 + t] = q & 0xff;
    }
  }
  return { packed, scales, wordsPerRow: wpr };
}

/** Largest |integer| of a scheme's integer grids, or a reason there is none. */
function gridMaxAbs(elementTypes: readonly string[]): number | string {
  let max = 0;
  for (const name of elementTypes) {
    const grid = getDType(name).grid;
    if (!grid) return `${name} values are not small integer multiples of one unit`;
    for (let c = 0; c < grid.byCode.length; c++) if (grid.validCode[c]) max = Math.max(max, Math.abs(grid.byCode[c] as number));
  }
  return max;
}

function dp4aSupports(target: QuantizedTensor | string): true | string {
  const f = schemeFacts(target);
  const max = gridMaxAbs(f.elementTypes);
  if (typeof max === 'string') return max;
  if (max > ACT_I8_MAX) return `${f.elementTypes.join('/')} integer grid reaches ${max}, beyond int8 (127)`;
  if (f.hasZeros && f.elementTypes.some((t) => getDType(t).grid?.unit !== 1)) return 'zero points need a unit-1 integer grid';
  if (f.groupSize !== undefined && f.cols !== undefined && f.groupSize % 4 !== 0 && f.groupSize !== f.cols) {
    return `group size ${f.groupSize} is not a multiple of 4 (a packed quad would cross groups)`;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Builders.

function dequantGemvDef(flavour: 'plain' | 'subgroup' | 'f16', needs: GpuCapabilityName[], description: string): VariantDef {
  const driver = flavour === 'subgroup' ? 'gemv-subgroup' : 'gemv-tree';
  const roundings = flavour === 'subgroup' ? gemvSubgroupRoundings : gemvTreeRoundings;
  return {
    name: `dequant-gemv/${flavour}`,
    kernel: 'dequant-gemv',
    family: 'dequant',
    variant: flavour,
    shape: 'gemv',
    needs,
    cpuTwin: 'dequant',
    bound: {
      c: 2,
      rule: flavour === 'subgroup' ? 'n = 1 + ceil(K/64) + 64 (subgroupAdd order unspecified)' : 'n = 1 + ceil(K/64) + log2(64)',
      ...(flavour === 'f16' ? { extra: 'activations rounded to f16: 2^-11 * sum|x w| + 2^-25 * sum|w|' } : {}),
    },
    description,
    supports: (target) => {
      schemeFacts(target);
      return true;
    },
    async build(ctx) {
      const { gpu, gt, m } = ctx;
      const qt = gt.qt;
      const owned = new Owned();
      try {
        const enables: WgslEnable[] = flavour === 'subgroup' ? ['subgroups'] : flavour === 'f16' ? ['f16'] : [];
        const spec: PreludeSpec = { ...preludeSpecOf(qt), enables, activation: flavour === 'f16' ? 'f16' : 'f32' };
        const x = activationBuffer(gpu, owned, m, qt.cols, flavour === 'f16' ? 2 : 4);
        const y = outputBuffer(gpu, owned, m, qt.rows);
        const jobs = await buildWeightJobs(ctx, owned, { shader: driver, parts: ['dequant-dot'], prelude: generatePrelude(spec), constants: GEMV_TILE, bindings: WEIGHT_BINDINGS }, x, y, {
          rowsPerWg: GEMV_TILE.ROWS_PER_WG,
        });
        const writeX =
          flavour === 'f16'
            ? (xs: Float32Array) => {
                const h = new Uint16Array(alignedSize(xs.length * 2) / 2);
                for (let i = 0; i < xs.length; i++) {
                  const v = xs[i] as number;
                  if (!(Math.abs(v) <= F16_MAX)) throw new RangeError(`dequant-gemv/f16: activation ${i} = ${v} is not finite in f16 (max ${F16_MAX})`);
                  h[i] = f32ToF16Bits(v);
                }
                gpu.device.queue.writeBuffer(x, 0, h.buffer, 0, h.byteLength);
              }
            : (xs: Float32Array) => writeF32(gpu, x, xs);
        return { jobs, y, writeX, owned: owned.list };
      } catch (err) {
        owned.destroy();
        throw err;
      }
    },
    boundFor(bctx) {
      const base = { c: boundConstant(roundings(bctx.qt.cols), bctx.qt.cols) };
      if (flavour !== 'f16') return base;
      // |x - f16(x)| <= 2^-11 |x| (normal) or 2^-25 (subnormal f16): one more relative term.
      const { qt, m, x, w } = bctx;
      const n = qt.rows;
      const k = qt.cols;
      const wsum = rowAbsSums(w, n, k);
      const absXW = new Float64Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let r = 0; r < n; r++) {
          let s = 0;
          for (let t = 0; t < k; t++) s += Math.abs((x[i * k + t] as number) * (w[r * k + t] as number));
          absXW[i * n + r] = s;
        }
      }
      return { c: base.c, extra: (i) => 1.01 * (2 ** -11 * (absXW[i] as number) + 2 ** -25 * (wsum[i % n] as number)) };
    },
  };
}

const dequantGemmDef: VariantDef = {
  name: 'dequant-gemm/tiled',
  kernel: 'dequant-gemm',
  family: 'dequant',
  variant: 'tiled',
  shape: 'gemm',
  needs: [],
  cpuTwin: 'dequant',
  bound: { c: 2, rule: 'n = K + 1 (serial accumulation)' },
  description: `tiled GEMM: ${GEMM_TILE.TILE_M}x${GEMM_TILE.TILE_N} outputs per workgroup, X staged ${GEMM_TILE.TILE_K} columns at a time in workgroup memory`,
  supports: (target) => {
    schemeFacts(target);
    return true;
  },
  async build(ctx) {
    const { gpu, gt, m } = ctx;
    const qt = gt.qt;
    const owned = new Owned();
    try {
      const x = activationBuffer(gpu, owned, m, qt.cols, 4);
      const y = outputBuffer(gpu, owned, m, qt.rows);
      const jobs = await buildWeightJobs(
        ctx,
        owned,
        { shader: 'gemm-tiled', parts: ['dequant-tile'], prelude: generatePrelude(preludeSpecOf(qt)), constants: GEMM_TILE, bindings: WEIGHT_BINDINGS },
        x,
        y,
        { rowsPerWg: GEMM_TILE.TILE_N, mTiles: mTiles(gpu, m) },
      );
      return { jobs, y, writeX: (xs) => writeF32(gpu, x, xs), owned: owned.list };
    } catch (err) {
      owned.destroy();
      throw err;
    }
  },
  boundFor: plainBound(gemmRoundings),
};

const dp4aGemvDef: VariantDef = {
  name: 'dequant-gemv/dp4a',
  kernel: 'dequant-gemv',
  family: 'dequant',
  variant: 'dp4a',
  shape: 'gemv',
  needs: ['packed4x8IntegerDotProduct'],
  cpuTwin: 'dequant',
  bound: { c: 2, rule: 'n = 4 + ceil(K/256) + log2(64) + 3 (integer dots exact)', extra: 'int8 activations: (x_scale[m] / 2) * sum_k |w[n, k]|' },
  description: 'W(int grid)A8: int8-quantized activations (per-row absmax / 127), dot4I8Packed over quads, rescaled per group',
  supports: dp4aSupports,
  async build(ctx) {
    const { gpu, gt, m } = ctx;
    const qt = gt.qt;
    const why = dp4aSupports(qt);
    if (why !== true) throw new Error(`dequant-gemv/dp4a does not support ${qt.scheme}: ${why}`);
    const owned = new Owned();
    try {
      const wpr = Math.ceil(qt.cols / 4);
      const x = owned.add(createStorage(gpu, m * wpr * 4, `xq [${m}, ${qt.cols}]`));
      const xs = owned.add(createStorage(gpu, m * 4, `x scales [${m}]`));
      const y = outputBuffer(gpu, owned, m, qt.rows);
      const jobs = await buildWeightJobs(
        ctx,
        owned,
        { shader: 'gemv-tree', parts: ['dp4a-dot'], prelude: generatePrelude({ ...preludeSpecOf(qt), integerGrid: true }), constants: GEMV_TILE, bindings: DP4A_BINDINGS },
        x,
        y,
        { rowsPerWg: GEMV_TILE.ROWS_PER_WG, extra: [[7, xs]], aux0: wpr },
      );
      const writeX = (xf: Float32Array) => {
        const q = quantizeActivationsI8(xf, m, qt.cols);
        writeU32(gpu, x, q.packed);
        writeF32(gpu, xs, q.scales);
      };
      return { jobs, y, writeX, owned: owned.list };
    } catch (err) {
      owned.destroy();
      throw err;
    }
  },
  boundFor({ qt, m, x, w }) {
    // Integer dots are exact; the f32 part: a quad term rounds once on scale multiply, once on
    // accumulation per quad, the tree, then x_scale (and tensor scale): gemv-tree + 3.
    const n = qt.rows;
    const k = qt.cols;
    const c = boundConstant(gemvTreeRoundings(Math.ceil(k / 4) * 4) + 3, k);
    const amax = rowAbsMax(x, m, k);
    const wsum = rowAbsSums(w, n, k);
    const extra = (i: number) => {
      const sx = Math.fround((amax[Math.floor(i / n)] as number) / ACT_I8_MAX);
      const q = (sx / 2) * (wsum[i % n] as number);
      // The f32 error bound applies to the quantized activations too: scale the extra term alike.
      return 1.01 * q * (1 + c * k * 2 ** -24);
    };
    return { c, extra };
  },
};

function f32Def(shape: 'gemv' | 'gemm', flavour: 'plain' | 'subgroup' | 'tiled', needs: GpuCapabilityName[]): VariantDef {
  const roundings = shape === 'gemm' ? gemmRoundings : flavour === 'subgroup' ? gemvSubgroupRoundings : gemvTreeRoundings;
  return {
    name: `f32-${shape}/${flavour}`,
    kernel: `f32-${shape}`,
    family: 'f32',
    variant: flavour,
    shape,
    needs,
    cpuTwin: 'ref',
    bound: { c: 2, rule: shape === 'gemm' ? 'n = K + 1' : flavour === 'subgroup' ? 'n = 1 + ceil(K/64) + 64' : 'n = 1 + ceil(K/64) + log2(64)' },
    description: 'baseline on the dequantized f32 weights (dequantized on the CPU when the kernel is prepared)',
    supports: (target) => {
      schemeFacts(target);
      return true;
    },
    async build(ctx) {
      const { gpu, gt, m } = ctx;
      const qt = gt.qt;
      const owned = new Owned();
      try {
        const w = dequantize(qt);
        const k = qt.cols;
        // The f32 weights are 32/bits times larger than the codes: split them on their own.
        const limit = gpu.limits.maxStorageBufferBindingSize;
        const rowsPer = Math.floor(limit / (k * 4));
        if (rowsPer < 1) throw new GpuLimitError(`one f32 row of K = ${k} exceeds maxStorageBufferBindingSize = ${limit} bytes`);
        const chunks: { rowStart: number; rows: number; w: GPUBuffer }[] = [];
        for (let r0 = 0; r0 < qt.rows; r0 += rowsPer) {
          const rows = Math.min(rowsPer, qt.rows - r0);
          chunks.push({ rowStart: r0, rows, w: owned.add(uploadStorage(gpu, w.subarray(r0 * k, (r0 + rows) * k), `w f32 rows ${r0}..`)) });
        }
        const x = activationBuffer(gpu, owned, m, k, 4);
        const y = outputBuffer(gpu, owned, m, qt.rows);
        const key = weightKernelKey(
          shape === 'gemm'
            ? { shader: 'gemm-tiled', parts: ['f32-tile'], prelude: '', constants: GEMM_TILE, bindings: F32_BINDINGS }
            : {
                shader: flavour === 'subgroup' ? 'gemv-subgroup' : 'gemv-tree',
                parts: ['f32-dot'],
                prelude: flavour === 'subgroup' ? 'enable subgroups;\n' : '',
                constants: GEMV_TILE,
                bindings: F32_BINDINGS,
              },
        );
        const pipeline = await getPipeline(gpu, key);
        const perWg = shape === 'gemm' ? GEMM_TILE.TILE_N : GEMV_TILE.ROWS_PER_WG;
        const mz = shape === 'gemm' ? mTiles(gpu, m) : m;
        const jobs: ComputeJob[] = chunks.map((ch) => {
          const [gx, gy] = dispatch2d(gpu, Math.ceil(ch.rows / perWg));
          const params = owned.add(
            uniformFrom(
              gpu,
              packParams({ m, n: ch.rows, k, groupSize: k, groupsPerRow: 1, wordsPerRow: k, rowOffset: ch.rowStart, totalN: qt.rows, xGroups: gx, tensorScale: 1 }),
              'params',
            ),
          );
          const bg = bindGroup(gpu, pipeline, [[0, ch.w], [4, x], [5, y], [6, params]], key.shader);
          return { pipeline, bindGroup: bg, workgroups: [gx, gy, mz] as const, label: key.shader };
        });
        return { jobs, y, writeX: (xs) => writeF32(gpu, x, xs), owned: owned.list };
      } catch (err) {
        owned.destroy();
        throw err;
      }
    },
    boundFor: plainBound(roundings),
  };
}

/** Every variant, table order = report order. */
const DEFS: readonly VariantDef[] = [
  dequantGemvDef('plain', [], 'GEMV: each invocation strides over K decoding weights exactly as the CPU dequantize, shared-memory tree reduction'),
  dequantGemvDef('subgroup', ['subgroups'], 'GEMV as plain, reduced with subgroupAdd then a fixed-order sum of the subgroup totals'),
  dequantGemvDef('f16', ['shaderF16'], 'GEMV as plain with f16 activations in storage (f32 accumulation); compiled only when shader-f16 exists'),
  dp4aGemvDef,
  dequantGemmDef,
  ...LUT_VARIANT_DEFS,
  ...BITSERIAL_VARIANT_DEFS,
  f32Def('gemv', 'plain', []),
  f32Def('gemv', 'subgroup', ['subgroups']),
  f32Def('gemm', 'tiled', []),
];

/** The variant table: name, family, flavour, needs, supports(), CPU twin, bound. */
export const GPU_KERNEL_VARIANTS: readonly GpuKernelVariant[] = DEFS;

/** Looks up a variant by name; the error lists the known names. */
export function getGpuKernelVariant(name: string): GpuKernelVariant {
  return getDef(name);
}

function getDef(name: string): VariantDef {
  const v = DEFS.find((d) => d.name === name);
  if (!v) throw new Error(`unknown GPU kernel variant '${name}'; known: ${DEFS.map((d) => d.name).join(', ')}`);
  return v;
}

/** True when the device has what `variant` needs, else the missing capabilities. */
export function variantAvailable(gpu: LowbitGpu, variant: GpuKernelVariant | string): true | string {
  const v = typeof variant === 'string' ? getDef(variant) : variant;
  const missing = v.needs.filter((cap) => !gpu.capabilities[cap]);
  return missing.length === 0 ? true : `needs ${missing.join(', ')} (not available on this adapter)`;
}

/** The error bound a variant is held to for these inputs (checkMatmulBound options). */
export function gpuKernelBound(variant: GpuKernelVariant | string, ctx: BoundContext): BoundOptions {
  return getDef(typeof variant === 'string' ? variant : variant.name).boundFor(ctx);
}

/**
 * Builds buffers, pipelines and bind groups of `variantName` for `gt` and M activation rows.
 * Throws when the device lacks a needed capability or the variant does not support the tensor.
 */
export async function prepareGpuKernel(gpu: LowbitGpu, variantName: string, gt: GpuQuantizedTensor, m: number): Promise<PreparedGpuKernel> {
  const def = getDef(variantName);
  const avail = variantAvailable(gpu, def);
  if (avail !== true) throw new Error(`${def.name} ${avail}`);
  const sup = def.supports(gt.qt);
  if (sup !== true) throw new Error(`${def.name} does not support ${gt.qt.scheme}: ${sup}`);
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`${def.name}: M must be a positive integer, got ${m}`);
  checkBindingSize(gpu, m * gt.qt.cols * 4, `activations X [${m}, ${gt.qt.cols}]`);
  checkBindingSize(gpu, m * gt.qt.rows * 4, `output Y [${m}, ${gt.qt.rows}]`);
  const built = await def.build({ gpu, gt, m });
  const k = gt.qt.cols;
  // In Node (Dawn) every dispatch after the first sleeps through most of the fastest wall time
  // seen so far unless the caller says otherwise (settleFor: Dawn's event polling would take a
  // CPU core from a CPU-emulated adapter while the kernel runs).
  const walls: number[] = [];
  const autoSettle = gpu.adapter.runtime === 'node-dawn';
  return {
    variant: def,
    m,
    setX(x) {
      if (x.length !== m * k) throw new RangeError(`${def.name}: X has ${x.length} elements, expected M*K = ${m}*${k}`);
      built.writeX(x);
    },
    async dispatch(opts) {
      const o = autoSettle && opts?.settleMs === undefined ? { ...opts, ...settleFor(walls) } : opts;
      const t = await submitJobs(gpu, def.name, built.jobs, o);
      walls.push(t.wallMs);
      return t;
    },
    readY: () => readF32(gpu, built.y, m * gt.qt.rows),
    destroy() {
      for (const b of built.owned) b.destroy();
    },
  };
}

/**
 * Runs one variant: Y [M, N] = X [M, K] . W^T. `w` may be a QuantizedTensor (uploaded for this
 * call and released) or a GpuQuantizedTensor uploaded once by the caller.
 */
export async function runGpuKernel(gpu: LowbitGpu, variantName: string, x: Float32Array, m: number, w: QuantizedTensor | GpuQuantizedTensor): Promise<GpuKernelResult> {
  const uploaded = 'chunks' in w ? undefined : uploadQuantizedTensor(gpu, w);
  const gt = uploaded ?? (w as GpuQuantizedTensor);
  let prepared: PreparedGpuKernel | undefined;
  try {
    prepared = await prepareGpuKernel(gpu, variantName, gt, m);
    prepared.setX(x);
    const t = await prepared.dispatch();
    const y = await prepared.readY();
    return { y, variant: prepared.variant.name, gpuMs: t.ms, timer: t.timer };
  } finally {
    prepared?.destroy();
    uploaded?.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Dequantize (bit-exact with the CPU dequantize).

/** Result of {@link dequantizeGpu}. */
export interface GpuDequantizeResult {
  /** W [N, K] row-major f32, bit-identical to the CPU `dequantize`. */
  readonly w: Float32Array;
  readonly variant: 'dequantize';
  readonly gpuMs: number;
  readonly timer: TimerKind;
}

/** Dequantizes on the GPU. @throws GpuLimitError when the f32 output exceeds the binding limit. */
export async function dequantizeGpu(gpu: LowbitGpu, w: QuantizedTensor | GpuQuantizedTensor): Promise<GpuDequantizeResult> {
  const uploaded = 'chunks' in w ? undefined : uploadQuantizedTensor(gpu, w);
  const gt = uploaded ?? (w as GpuQuantizedTensor);
  const qt = gt.qt;
  const owned = new Owned();
  try {
    const out = owned.add(createStorage(gpu, qt.rows * qt.cols * 4, `dequantized W [${qt.rows}, ${qt.cols}]`));
    const pipeline = await getPipeline(gpu, { shader: 'dequantize', prelude: generatePrelude(preludeSpecOf(qt)), constants: DEQUANTIZE_TILE, bindings: DEQUANTIZE_BINDINGS });
    const jobs: ComputeJob[] = gt.chunks.map((ch) => {
      const [gx, gy] = dispatch2d(gpu, Math.ceil((ch.rows * qt.cols) / DEQUANTIZE_TILE.WG_SIZE));
      const u = new Uint32Array(8);
      u.set([ch.rows, qt.cols, qt.groupSize, qt.cols / qt.groupSize, qt.wordsPerRow, ch.rowStart, gx]);
      new Float32Array(u.buffer, 7 * 4, 1)[0] = qt.tensorScale;
      const params = owned.add(uniformFrom(gpu, u.buffer, 'dequantize params'));
      const bg = bindGroup(gpu, pipeline, [[0, ch.codes], [1, ch.scales], [2, ch.zeros], [3, ch.ids], [4, out], [5, params]], 'dequantize');
      return { pipeline, bindGroup: bg, workgroups: [gx, gy, 1] as const, label: 'dequantize' };
    });
    const t = await submitJobs(gpu, 'dequantize', jobs);
    const result = await readF32(gpu, out, qt.rows * qt.cols);
    return { w: result, variant: 'dequantize', gpuMs: t.ms, timer: t.timer };
  } finally {
    owned.destroy();
    uploaded?.destroy();
  }
}

