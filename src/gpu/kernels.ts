/**
 * The GPU kernel-variant table and its runner.
 *
 * A variant is one compiled form of a kernel: family (dequant, lut, bitserial, f32) x shape
 * (gemv for any M, one workgroup per few weight rows; gemm tiled for M > 1) x flavour (plain
 * tree reduction, subgroup reduction, packed int8 dot product, f16 activations, ...). Each
 * entry says which optional capabilities it needs, which schemes it supports (true or a
 * reason), which CPU kernel it mirrors, and the error bound it is held to (docs/KERNELS.md:
 * |y - y_ref| <= c * K * u * sum_k |x_k w_k| (+ a documented extra term)).
 *
 * Every result names the variant that ran and the clock that timed it.
 */
import { unknownNameMessage } from '../util/nearest.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { getDType } from '../dtype/registry.js';
import { f32ToF16Bits, F16_MAX } from '../dtype/f16.js';
import { roundHalfEven } from '../dtype/rounding.js';
import { dequantize } from '../quant/quantize.js';
import { boundConstant } from '../cpu/bound.js';
import type { BoundOptions } from '../cpu/compare.js';
import { generatePrelude, preludeSpecOf, type PreludeSpec, type WgslEnable } from '../wgsl/prelude.js';
import { BLOCK_WORDS, QUAD, blockLayout, dequantBlockWgsl, dp4aBlockWgsl, f32BlockWgsl, type BlockLayout } from '../wgsl/block-prelude.js';
import type { LowbitGpu } from './device.js';
import { GpuLimitError, alignedSize, checkBindingSize, createStorage, dispatch2d, readF32, uploadStorage } from './buffers.js';
import { getPipeline } from './pipeline-cache.js';
import { uploadQuantizedTensor, type GpuQuantizedTensor } from './gpu-tensor.js';
import { TimedJobs, submitJobs, type ComputeJob, type TimerKind } from './timing.js';
import { kernelTuning, type KernelTuning } from './tuning.js';
import {
  DEQUANTIZE_BINDINGS,
  DEQUANTIZE_TILE,
  F32_BINDINGS,
  Owned,
  WEIGHT_BINDINGS,
  DP4A_BINDINGS,
  activationBuffer,
  bindGroup,
  blockRoundings,
  offsetRefusal,
  withOffsetInput,
  buildWeightJobs,
  driverOf,
  f32Writer,
  outputBuffer,
  padRows,
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
  type ReductionKind,
  type VariantDef,
  type GpuVariantName,
  GPU_VARIANT_NAMES,
} from './kernel-common.js';
import { absActivations, offsetExtraBound, plusExtra } from './offset-bound.js';
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

/** Smallest and largest weight an int8 lane holds (two's complement). */
const INT8_MIN = -128;
const INT8_MAX = 127;

/** Smallest and largest integer of a scheme's integer grids, or a reason there is none. */
function gridRange(elementTypes: readonly string[]): { min: number; max: number } | string {
  let min = 0;
  let max = 0;
  for (const name of elementTypes) {
    const grid = getDType(name).grid;
    if (!grid) return `${name} values are not small integer multiples of one unit`;
    for (let c = 0; c < grid.byCode.length; c++) {
      if (!grid.validCode[c]) continue;
      min = Math.min(min, grid.byCode[c] as number);
      max = Math.max(max, grid.byCode[c] as number);
    }
  }
  return { min, max };
}

function dp4aSupports(target: QuantizedTensor | string): true | string {
  const f = schemeFacts(target);
  const range = gridRange(f.elementTypes);
  if (typeof range === 'string') return range;
  // Weights are packed as int8 (pack4xI8): any grid value in -128..127 fits.
  if (range.min < INT8_MIN || range.max > INT8_MAX) return `${f.elementTypes.join('/')} integer grid spans ${range.min}..${range.max}, beyond int8 (${INT8_MIN}..${INT8_MAX})`;
  if (f.hasZeros && f.elementTypes.some((t) => getDType(t).grid?.unit !== 1)) return 'zero points need a unit-1 integer grid';
  if (f.groupSize !== undefined && f.cols !== undefined && f.groupSize % 4 !== 0 && f.groupSize !== f.cols) {
    return `group size ${f.groupSize} is not a multiple of 4 (a packed quad would cross groups)`;
  }
  return offsetRefusal(target) ?? true;
}

// ---------------------------------------------------------------------------------------------
// Builders.

/** Segments per block of a layout. */
export function segmentsPerBlock(layout: BlockLayout): number {
  return layout.segment === 'block' ? 1 : layout.segment === 'word' ? BLOCK_WORDS : layout.segment === 'quad' ? layout.quadsPerBlock : layout.quadsPerBlock;
}

/**
 * Rounding count of the dequant GEMV / GEMM (block drivers): the segment sum, the segment scale,
 * the block and lane sums, the reduction, the oracle's rounding of w (1) and, with a tensor
 * scale, the kernel's multiply and the oracle's second rounding (2). An element segment
 * multiplies before it adds (2 roundings per product, then the quad's 3 additions).
 */
export function dequantRoundings(qt: QuantizedTensor, layout: BlockLayout, reduction: ReductionKind, tpr: number | undefined): number {
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  const segLen = layout.segment === 'element' ? QUAD : layout.segmentLength;
  return blockRoundings(segLen, segmentsPerBlock(layout), layout.blocksPerRow, reduction, tpr, 1 + (useTs ? 2 : 0));
}

/** The extra term of the dequant variants for tensors with per-group offsets (src/gpu/offset-bound.ts). */
const OFFSET_EXTRA_RULE = 'tensors with per-group offsets (ggml Q4_1/Q5_1, k-quants): 1.01 gamma_(n+2) * sum_k |x_k| (|v_k s_g| + |o_g|)';

/** Relative and absolute rounding of an activation to f16: 2^-11 |x| (normal), 2^-25 (subnormal). */
const F16_REL = 2 ** -11;
const F16_ABS = 2 ** -25;

/** What every dequant-family variant takes: any scheme, offsets unless combined with a tensor scale. */
function dequantSupports(target: QuantizedTensor | string): true | string {
  schemeFacts(target);
  return offsetRefusal(target) ?? true;
}

function dequantGemvDef(flavour: 'plain' | 'subgroup' | 'f16', needs: GpuCapabilityName[], description: string): VariantDef {
  const reduction: ReductionKind = flavour === 'subgroup' ? 'any' : 'tree';
  return {
    name: `dequant-gemv/${flavour}`,
    kernel: 'dequant-gemv',
    family: 'dequant',
    tunedFamily: 'dequant',
    variant: flavour,
    shape: 'gemv',
    needs,
    cpuTwin: 'dequant',
    bound: {
      c: 2,
      rule:
        flavour === 'subgroup'
          ? 'n = L + S + ceil(B/TPR) + (TPR - 1) + 1 (+2 tensor scale): segment of L codes, S segments per block, B blocks per row, any reduction order, the oracle rounding of w'
          : 'n = L + S + ceil(B/TPR) + log2(TPR) + 1 (+2 tensor scale): segment of L codes, S segments per block, B blocks per row, the oracle rounding of w',
      extra:
        flavour === 'f16'
          ? `activations rounded to f16: 2^-11 * sum|x w| + 2^-25 * sum|w|; ${OFFSET_EXTRA_RULE} with |x| (1 + 2^-11) + 2^-25`
          : OFFSET_EXTRA_RULE,
    },
    description,
    supports: dequantSupports,
    async build(ctx) {
      const { gpu, gt, m, tuning } = ctx;
      const qt = gt.qt;
      const L = gt.layout;
      const owned = new Owned();
      try {
        const enables: WgslEnable[] = flavour === 'subgroup' ? ['subgroups'] : flavour === 'f16' ? ['f16'] : [];
        const act = flavour === 'f16' ? 'f16' : 'f32';
        const spec: PreludeSpec = { ...preludeSpecOf(qt), enables, activation: act, codeAt: false };
        const block = dequantBlockWgsl({ elementTypes: qt.elementTypes, bits: qt.bits, hasZeros: spec.hasZeros, hasIds: spec.hasIds, hasOffsets: spec.hasOffsets, layout: L, activation: act });
        const x = activationBuffer(gpu, owned, m, L.kPadded, act === 'f16' ? 2 : 4);
        const y = outputBuffer(gpu, owned, m, qt.rows);
        const d = driverOf('gemv', flavour === 'subgroup', tuning);
        const jobs = await buildWeightJobs(
          ctx,
          owned,
          { shader: d.shader, parts: ['reduce-tree'], prelude: `${generatePrelude(spec)}\n${block}`, constants: d.constants, bindings: withOffsetInput(WEIGHT_BINDINGS, qt) },
          x,
          y,
          { shape: 'gemv', blocks: L.blocksPerRow, xStride: L.kPadded },
        );
        const writeX =
          flavour === 'f16'
            ? (xs: Float32Array) => {
                const k = qt.cols;
                const h = new Uint16Array(alignedSize(m * L.kPadded * 2) / 2);
                for (let i = 0; i < m; i++) {
                  for (let t = 0; t < k; t++) {
                    const v = xs[i * k + t] as number;
                    if (!(Math.abs(v) <= F16_MAX)) throw new RangeError(`dequant-gemv/f16: activation ${i * k + t} = ${v} is not finite in f16 (max ${F16_MAX})`);
                    h[i * L.kPadded + t] = f32ToF16Bits(v);
                  }
                }
                gpu.device.queue.writeBuffer(x, 0, h.buffer, 0, h.byteLength);
              }
            : f32Writer(gpu, x, m, qt.cols, L.kPadded);
        return { jobs, y, writeX, owned: owned.list };
      } catch (err) {
        owned.destroy();
        throw err;
      }
    },
    boundFor(bctx) {
      const layout = layoutOf(bctx.qt);
      const rounds = dequantRoundings(bctx.qt, layout, reduction, bctx.tuning?.TPR);
      const base = { c: boundConstant(rounds, bctx.qt.cols) };
      if (flavour !== 'f16') return plusExtra(base, offsetExtraBound(bctx.qt, bctx.m, absActivations(bctx.x), rounds));
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
      const f16Extra = { c: base.c, extra: (i: number) => 1.01 * (F16_REL * (absXW[i] as number) + F16_ABS * (wsum[i % n] as number)) };
      // Offsets: the f32 terms multiply the f16-rounded activations, |x^| <= |x| (1 + 2^-11) + 2^-25.
      const xAbs = Float64Array.from(x, (v) => Math.abs(v) * (1 + F16_REL) + F16_ABS);
      return plusExtra(f16Extra, offsetExtraBound(qt, m, xAbs, rounds));
    },
  };
}

/** The block layout the kernels use for a tensor (as uploadQuantizedTensor builds it). */
function layoutOf(qt: QuantizedTensor): BlockLayout {
  return blockLayout(qt.bits, qt.cols, qt.groupSize);
}

const dequantGemmDef: VariantDef = {
  name: 'dequant-gemm/tiled',
  kernel: 'dequant-gemm',
  family: 'dequant',
  tunedFamily: 'dequant',
  variant: 'tiled',
  shape: 'gemm',
  needs: [],
  cpuTwin: 'dequant',
  bound: { c: 2, rule: 'n = L + S + ceil(B/TPR) + log2(TPR) + 1 (+2 tensor scale), as dequant-gemv/plain', extra: OFFSET_EXTRA_RULE },
  description: 'tiled GEMM: each lane decodes a block of codes (one vec4<u32>) once and applies it to TILE_M activation rows; TPR lanes per weight row, tree reduction',
  supports: dequantSupports,
  async build(ctx) {
    const { gpu, gt, m, tuning } = ctx;
    const qt = gt.qt;
    const L = gt.layout;
    const owned = new Owned();
    try {
      const spec: PreludeSpec = { ...preludeSpecOf(qt), codeAt: false };
      const block = dequantBlockWgsl({ elementTypes: qt.elementTypes, bits: qt.bits, hasZeros: spec.hasZeros, hasIds: spec.hasIds, hasOffsets: spec.hasOffsets, layout: L, activation: 'f32' });
      const x = activationBuffer(gpu, owned, m, L.kPadded, 4);
      const y = outputBuffer(gpu, owned, m, qt.rows);
      const d = driverOf('gemm', false, tuning);
      const jobs = await buildWeightJobs(
        ctx,
        owned,
        { shader: d.shader, parts: ['reduce-tree'], prelude: `${generatePrelude(spec)}\n${block}`, constants: d.constants, bindings: withOffsetInput(WEIGHT_BINDINGS, qt) },
        x,
        y,
        { shape: 'gemm', blocks: L.blocksPerRow, xStride: L.kPadded },
      );
      return { jobs, y, writeX: f32Writer(gpu, x, m, qt.cols, L.kPadded), owned: owned.list };
    } catch (err) {
      owned.destroy();
      throw err;
    }
  },
  boundFor({ qt, m, x, tuning }) {
    const rounds = dequantRoundings(qt, layoutOf(qt), 'tree', tuning?.TPR);
    return plusExtra({ c: boundConstant(rounds, qt.cols) }, offsetExtraBound(qt, m, absActivations(x), rounds));
  },
};

/**
 * Packs int8 activations for the dp4a block code: quantizeActivationsI8's words, each row widened
 * to `stride / 4` words (zeros past K).
 */
function packedActivations(x: Float32Array, m: number, k: number, stride: number): { packed: Uint32Array; scales: Float32Array } {
  const q = quantizeActivationsI8(x, m, k);
  const wpr = stride / 4;
  if (wpr === q.wordsPerRow) return { packed: q.packed, scales: q.scales };
  const packed = new Uint32Array(m * wpr);
  for (let i = 0; i < m; i++) packed.set(q.packed.subarray(i * q.wordsPerRow, (i + 1) * q.wordsPerRow), i * wpr);
  return { packed, scales: q.scales };
}

const dp4aGemvDef: VariantDef = {
  name: 'dequant-gemv/dp4a',
  kernel: 'dequant-gemv',
  family: 'dequant',
  tunedFamily: 'dequant',
  variant: 'dp4a',
  shape: 'gemv',
  needs: ['packed4x8IntegerDotProduct'],
  cpuTwin: 'dequant',
  bound: {
    c: 2,
    rule: 'n = 1 + S + ceil(B/TPR) + log2(TPR) + 3: integer segment sums exact, one conversion and one scale per segment, x scale, the oracle rounding of w',
    extra: `int8 activations: (x_scale[m] / 2) * sum_k |w[n, k]|; ${OFFSET_EXTRA_RULE} with |x| + x_scale[m] / 2`,
  },
  description: 'W(int grid)A8: int8-quantized activations (per-row absmax / 127), dot4I8Packed per quad summed exactly per segment, one rescale per segment',
  supports: dp4aSupports,
  async build(ctx) {
    const { gpu, gt, m, tuning } = ctx;
    const qt = gt.qt;
    const L = gt.layout;
    const why = dp4aSupports(qt);
    if (why !== true) throw new Error(`dequant-gemv/dp4a does not support ${qt.scheme}: ${why}`);
    const owned = new Owned();
    try {
      const x = owned.add(createStorage(gpu, m * L.kPadded, `xq [${m}, ${qt.cols}]`));
      const xs = owned.add(createStorage(gpu, m * 4, `x scales [${m}]`));
      const y = outputBuffer(gpu, owned, m, qt.rows);
      const spec: PreludeSpec = { ...preludeSpecOf(qt), integerGrid: true, codeAt: false };
      const block = dp4aBlockWgsl({ elementTypes: qt.elementTypes, bits: qt.bits, hasZeros: spec.hasZeros, hasIds: spec.hasIds, hasOffsets: spec.hasOffsets, layout: L });
      const d = driverOf('gemv', false, tuning);
      const jobs = await buildWeightJobs(
        ctx,
        owned,
        { shader: d.shader, parts: ['reduce-tree'], prelude: `${generatePrelude(spec)}\n${block}`, constants: d.constants, bindings: withOffsetInput(DP4A_BINDINGS, qt) },
        x,
        y,
        { shape: 'gemv', blocks: L.blocksPerRow, xStride: L.kPadded, extra: [[7, xs]] },
      );
      const writeX = (xf: Float32Array) => {
        const q = packedActivations(xf, m, qt.cols, L.kPadded);
        writeU32(gpu, x, q.packed);
        writeF32(gpu, xs, q.scales);
      };
      return { jobs, y, writeX, owned: owned.list };
    } catch (err) {
      owned.destroy();
      throw err;
    }
  },
  boundFor({ qt, m, x, w, tuning }) {
    // Integer segment sums are exact; the f32 part: one conversion and one scale per segment, the
    // block and lane sums, the reduction, the x scale (and tensor scale), the oracle's w.
    const n = qt.rows;
    const k = qt.cols;
    const layout = layoutOf(qt);
    const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
    const rounds = blockRoundings(1, segmentsPerBlock(layout), layout.blocksPerRow, 'tree', tuning?.TPR, 2 + (useTs ? 2 : 0));
    const c = boundConstant(rounds, k);
    const amax = rowAbsMax(x, m, k);
    const wsum = rowAbsSums(w, n, k);
    const xScale = (row: number) => Math.fround((amax[row] as number) / ACT_I8_MAX);
    const extra = (i: number) => {
      const q = (xScale(Math.floor(i / n)) / 2) * (wsum[i % n] as number);
      // The f32 error bound applies to the quantized activations too: scale the extra term alike.
      return 1.01 * q * (1 + c * k * 2 ** -24);
    };
    // Offsets: the f32 terms multiply the int8-rounded activations, |x^| <= |x| + x_scale / 2.
    const xAbs = qt.offsets ? Float64Array.from(x, (v, t) => Math.abs(v) + xScale(Math.floor(t / k)) / 2) : undefined;
    return plusExtra({ c, extra }, xAbs && offsetExtraBound(qt, m, xAbs, rounds));
  },
};

/** Elements per f32 block (4 vec4). */
const F32_BLOCK = 16;

function f32Def(name: 'f32-gemv/plain' | 'f32-gemv/subgroup' | 'f32-gemm/tiled', needs: GpuCapabilityName[]): VariantDef {
  const [kernel, flavour] = name.split('/') as ['f32-gemv' | 'f32-gemm', 'plain' | 'subgroup' | 'tiled'];
  const shape = kernel === 'f32-gemv' ? 'gemv' : 'gemm';
  const reduction: ReductionKind = flavour === 'subgroup' ? 'any' : 'tree';
  // One 16-element segment per block, no scale (the +1 of the scale stands in for nothing: kept as a safe overcount).
  const roundings = (qt: QuantizedTensor, tpr?: number) => blockRoundings(F32_BLOCK, 1, Math.ceil(qt.cols / F32_BLOCK), reduction, tpr, 0);
  return {
    name,
    kernel,
    family: 'f32',
    tunedFamily: 'f32',
    variant: flavour,
    shape,
    needs,
    cpuTwin: 'ref',
    bound: { c: 2, rule: flavour === 'subgroup' ? 'n = 16 + 1 + ceil(K/16/TPR) + (TPR - 1)' : 'n = 16 + 1 + ceil(K/16/TPR) + log2(TPR)' },
    description: 'baseline on the dequantized f32 weights (dequantized on the CPU when the kernel is prepared), the same block drivers',
    supports: (target) => {
      schemeFacts(target);
      return true;
    },
    async build(ctx) {
      const { gpu, gt, m, tuning } = ctx;
      const qt = gt.qt;
      const owned = new Owned();
      try {
        const w = dequantize(qt);
        const k = qt.cols;
        const blocks = Math.ceil(k / F32_BLOCK);
        const stride = blocks * F32_BLOCK;
        // The f32 weights are 32/bits times larger than the codes: split them on their own.
        const limit = gpu.limits.maxStorageBufferBindingSize;
        const rowsPer = Math.floor(limit / (stride * 4));
        if (rowsPer < 1) throw new GpuLimitError(`one f32 row of K = ${k} exceeds maxStorageBufferBindingSize = ${limit} bytes`);
        const chunks: { rowStart: number; rows: number; w: GPUBuffer }[] = [];
        for (let r0 = 0; r0 < qt.rows; r0 += rowsPer) {
          const rows = Math.min(rowsPer, qt.rows - r0);
          chunks.push({ rowStart: r0, rows, w: owned.add(uploadStorage(gpu, padRows(w.subarray(r0 * k, (r0 + rows) * k), rows, k, stride), `w f32 rows ${r0}..`)) });
        }
        const x = activationBuffer(gpu, owned, m, stride, 4);
        const y = outputBuffer(gpu, owned, m, qt.rows);
        const d = driverOf(shape, flavour === 'subgroup', tuning);
        const prelude = `${flavour === 'subgroup' ? 'enable subgroups;\n' : ''}${f32BlockWgsl()}`;
        const jobs = await buildWeightJobs(
          { ...ctx, gt: { ...gt, chunks: chunks.map((c) => ({ ...gt.chunks[0]!, rowStart: c.rowStart, rows: c.rows })) } },
          owned,
          { shader: d.shader, parts: ['reduce-tree'], prelude, constants: d.constants, bindings: F32_BINDINGS },
          x,
          y,
          { shape, blocks, xStride: stride, chunkInputs: (ci) => [[0, chunks[ci]!.w]] },
        );
        return { jobs, y, writeX: f32Writer(gpu, x, m, k, stride), owned: owned.list };
      } catch (err) {
        owned.destroy();
        throw err;
      }
    },
    boundFor: plainBound((qt, t) => roundings(qt, t?.TPR)),
  };
}

/** Every variant, table order = report order. */
const DEFS: readonly VariantDef[] = [
  dequantGemvDef(
    'plain',
    [],
    'GEMV: each lane decodes one vec4<u32> of codes per step, activations loaded once per step for RPT rows, one scale per segment, TPR lanes per row reduced by a shared-memory tree',
  ),
  dequantGemvDef('subgroup', ['subgroups'], 'GEMV as plain, the TPR lanes of a row reduced with subgroupShuffleXor / subgroupAdd (shared-memory tree when subgroups are not contiguous)'),
  dequantGemvDef('f16', ['shaderF16'], 'GEMV as plain with f16 activations in storage (f32 accumulation); compiled only when shader-f16 exists'),
  dp4aGemvDef,
  dequantGemmDef,
  ...LUT_VARIANT_DEFS,
  ...BITSERIAL_VARIANT_DEFS,
  f32Def('f32-gemv/plain', []),
  f32Def('f32-gemv/subgroup', ['subgroups']),
  f32Def('f32-gemm/tiled', []),
];

/** The variant table: name, family, flavour, needs, supports(), CPU twin, bound. */
export const GPU_KERNEL_VARIANTS: readonly GpuKernelVariant[] = DEFS;

/** Looks up a variant by name; the error lists the known names. */
export function getGpuKernelVariant(name: string): GpuKernelVariant {
  return getDef(name);
}

function getDef(name: string): VariantDef {
  const v = DEFS.find((d) => d.name === name);
  if (!v) throw new Error(unknownNameMessage('GPU kernel variant', name, GPU_VARIANT_NAMES));
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

/** Options of {@link prepareGpuKernel}. */
export interface PrepareOptions {
  /** Workgroup constants instead of the device's tuning (lowbit bench --tune sweeps these). */
  readonly tuning?: KernelTuning;
}

/**
 * Builds buffers, pipelines and bind groups of `variantName` for `gt` and M activation rows.
 * Throws when the device lacks a needed capability or the variant does not support the tensor.
 */
export async function prepareGpuKernel(gpu: LowbitGpu, variantName: GpuVariantName, gt: GpuQuantizedTensor, m: number, opts: PrepareOptions = {}): Promise<PreparedGpuKernel> {
  const def = getDef(variantName);
  const avail = variantAvailable(gpu, def);
  if (avail !== true) throw new Error(`${def.name} ${avail}`);
  const sup = def.supports(gt.qt);
  if (sup !== true) throw new Error(`${def.name} does not support ${gt.qt.scheme}: ${sup}`);
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`${def.name}: M must be a positive integer, got ${m}`);
  checkBindingSize(gpu, m * gt.layout.kPadded * 4, `activations X [${m}, ${gt.qt.cols}]`);
  checkBindingSize(gpu, m * gt.qt.rows * 4, `output Y [${m}, ${gt.qt.rows}]`);
  const tuning = opts.tuning ?? kernelTuning(gpu, def.tunedFamily, def.shape);
  const built = await def.build({ gpu, gt, m, tuning });
  const k = gt.qt.cols;
  const yBytes = m * gt.qt.rows * 4;
  // In Node (Dawn) each call after the first sleeps through most of the fastest wall time seen so
  // far before it waits (Dawn's event polling would take a CPU core from a CPU-emulated adapter).
  const timed = new TimedJobs(gpu, def.name, built.jobs, gpu.adapter.runtime === 'node-dawn');
  const checkX = (x: Float32Array) => {
    if (x.length !== m * k) throw new RangeError(`${def.name}: X has ${x.length} elements, expected M*K = ${m}*${k}`);
  };
  return {
    variant: def,
    m,
    tuning,
    setX(x) {
      checkX(x);
      built.writeX(x);
    },
    dispatch: (o) => timed.dispatch(o),
    readY: () => readF32(gpu, built.y, m * gt.qt.rows),
    async run(x) {
      checkX(x);
      const r = await timed.run(() => built.writeX(x), built.y, yBytes);
      return { y: new Float32Array(r.y), ms: r.ms, timer: r.timer, wallMs: r.wallMs };
    },
    destroy() {
      timed.destroy();
      for (const b of built.owned) b.destroy();
    },
  };
}

/**
 * Runs one variant: Y [M, N] = X [M, K] . W^T. `w` may be a QuantizedTensor (uploaded for this
 * call and released) or a GpuQuantizedTensor uploaded once by the caller.
 */
export async function runGpuKernel(gpu: LowbitGpu, variantName: GpuVariantName, x: Float32Array, m: number, w: QuantizedTensor | GpuQuantizedTensor, opts: PrepareOptions = {}): Promise<GpuKernelResult> {
  const uploaded = 'chunks' in w ? undefined : uploadQuantizedTensor(gpu, w);
  const gt = uploaded ?? (w as GpuQuantizedTensor);
  let prepared: PreparedGpuKernel | undefined;
  try {
    prepared = await prepareGpuKernel(gpu, variantName, gt, m, opts);
    const r = await prepared.run(x);
    return { y: r.y, variant: prepared.variant.name, gpuMs: r.ms, timer: r.timer, wallMs: r.wallMs, tuning: prepared.tuning };
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

/** u32 words of the DequantParams uniform (shaders/dequantize.wgsl). */
const DEQUANTIZE_PARAM_WORDS = 9;

/**
 * Dequantizes on the GPU, bit-exact with the CPU `dequantize` (offsets included).
 * @throws GpuLimitError when the f32 output exceeds the binding limit.
 */
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
      // DequantParams: n, k, group_size, groups_per_row, words_per_row, row_offset, x_groups,
      // tensor_scale (f32), fuse_guard (always 0: keeps the offset subtraction unfused).
      const u = new Uint32Array(DEQUANTIZE_PARAM_WORDS);
      u.set([ch.rows, qt.cols, qt.groupSize, qt.cols / qt.groupSize, qt.wordsPerRow, ch.rowStart, gx]);
      new Float32Array(u.buffer, 7 * 4, 1)[0] = qt.tensorScale;
      const params = owned.add(uniformFrom(gpu, u.buffer, 'dequantize params'));
      const bg = bindGroup(gpu, pipeline, [[0, ch.codes], [1, ch.scales], [2, ch.zeros], [3, ch.ids], [4, out], [5, params], [6, ch.offsets]], 'dequantize');
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

