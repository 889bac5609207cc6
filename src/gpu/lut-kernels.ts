/**
 * LUT kernel variants (LUT Tensor Core / T-MAC over bit planes), mirroring the CPU lut-f32 and
 * lut-i8 (src/cpu/lut.ts): a precompute pass builds per-activation-row tables of every 4-group
 * (shaders/lut-precompute.wgsl, symmetrized as the CPU does), then a GEMV driver sums table
 * lookups over the weight bit planes (shaders/lut-f32-dot.wgsl, lut-i8-dot.wgsl). The timing of
 * a run covers both passes.
 *
 * GPU arithmetic differs from the CPU's in where it rescales: every 4-group term is multiplied by
 * its quant group's scale before the cross-invocation sum (the CPU rescales once per group). The
 * bound has the CPU's form (a per-output extra term, because the bit-plane sum cancels) with the
 * GPU's rounding count: see {@link gpuLutRoundings}.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { LUT_DEFAULT_BLOCK, LUT_ENTRIES, LUT_GROUP, lutBoundC, lutDecode, lutI8Scales, lutSupport, type LutDecode } from '../cpu/lut.js';
import { BOUND_SLACK, gamma } from '../cpu/bound.js';
import type { BoundOptions } from '../cpu/compare.js';
import { generatePrelude, preludeSpecOf } from '../wgsl/prelude.js';
import { f32Bits, lutBlockWgsl, planeBlockLayout } from '../wgsl/block-prelude.js';
import { createStorage, dispatch2d } from './buffers.js';
import { getPipeline, type BindingKind } from './pipeline-cache.js';
import {
  KERNEL_OUTPUTS,
  Owned,
  PLANE_INPUTS,
  bindGroup,
  buildWeightJobs,
  driverOf,
  laneRoundings,
  readOnly,
  type KernelBinding,
  outputBuffer,
  uniformFrom,
  writeF32,
  type BoundContext,
  type BuildContext,
  type BuiltKernel,
  type VariantDef,
} from './kernel-common.js';
import type { KernelTuning } from './tuning.js';
import type { ComputeJob } from './timing.js';

const RO: BindingKind = 'read-only-storage';
const PRECOMPUTE_BINDINGS: readonly (readonly [number, BindingKind])[] = [
  [0, RO],
  [1, 'storage'],
  [2, 'storage'],
  [3, 'storage'],
  [4, 'storage'],
  [5, 'uniform'],
];
const X4SUM = readOnly(7, 'x4sum', 'array<vec4<f32>>');
const LUT_SCALES = readOnly(8, 'lut_scales', 'array<f32>');
const LUT_F32_BINDINGS: readonly KernelBinding[] = [...PLANE_INPUTS, readOnly(4, 'tables', 'array<f32>'), ...KERNEL_OUTPUTS, X4SUM];
const LUT_I8_BINDINGS: readonly KernelBinding[] = [...PLANE_INPUTS, readOnly(4, 'qtables', 'array<u32>'), ...KERNEL_OUTPUTS, X4SUM, LUT_SCALES];
/** Workgroup size of the precompute pass. */
export const LUT_PRECOMPUTE_TILE = { WG_SIZE: 64 } as const;
/** 4-groups per plane block (one vec4<u32> of a plane: 128 activations). */
const GROUPS_PER_BLOCK = 32;
/** int8 table entries per u32 word. */
const I8_PER_WORD = 4;
/** Entries of a plane-pair table (two 4-bit plane nibbles). */
const PAIR_ENTRIES = 256;
/** Largest plane-pair table buffer the f32 LUT kernels build (bytes); larger M x K uses the 16-entry tables. */
const PAIR_TABLES_MAX_BYTES = 64 << 20;

/**
 * Whether a LUT kernel looks planes up in pairs (256-entry tables, half the lookups): the f32
 * GEMV and tiled GEMM at even bits, while M x the tables of one row stay within
 * {@link PAIR_TABLES_MAX_BYTES}, unless the tuning says PAIRS: 0.
 */
export function lutUsesPairs(bits: number, tables: 'f32' | 'i8', m: number, nt: number, tuning?: KernelTuning): boolean {
  if (tuning?.PAIRS === 0) return false;
  return tables === 'f32' && bits % 2 === 0 && m * nt * PAIR_ENTRIES * 4 <= PAIR_TABLES_MAX_BYTES;
}

function decodeOf(qt: QuantizedTensor): LutDecode {
  const d = lutDecode(qt.elementTypes[0] as string);
  if (typeof d === 'string') throw new Error(d);
  return d;
}

/**
 * f32 roundings along the longest path of one GPU LUT term (src/wgsl/block-prelude.ts,
 * lutBlockWgsl), the same in every segment kind:
 *   f32 tables: table entry (2), plane sum (bits - 1; with plane-pair tables, one add inside each
 *   pair's entry and bits/2 - 1 between pairs, fewer), the 8 nibble positions of a word (7), the
 *   4 words (3), the constant-term add (1), the scale (1): bits + 13;
 *   int8 tables: integer sums exact, one conversion times the lut scale (1), then as above: 6;
 *   the x-sum path: 4-group sum (3), 8 per word (7), 4 words (3), times c0 (1), add (1), scale (1): 16;
 * then the lane accumulation over its ceil(B / TPR) blocks, the reduction of the TPR lanes
 * (log2 TPR), the tensor scale (1).
 */
export function gpuLutRoundings(qt: QuantizedTensor, tables: 'f32' | 'i8', tuning?: KernelTuning): number {
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  const L = planeBlockLayout(qt.cols, qt.groupSize);
  const block = Math.max(tables === 'f32' ? qt.bits + 13 : 6, 16);
  return block + laneRoundings(L.blocksPerRow, 'tree', tuning?.TPR) + (useTs ? 1 : 0);
}

/**
 * Per-output extra allowance, row-major [M, N]:
 *   SLACK * |ts| * sum_g |s_g| * [ lutTerm_g + gamma_L * (alpha (2^b-1)/2 + |c0_g|) * sum_{k in g} |x_k| ]
 * with lutTerm_g = 0 for f32 tables and (1 + gamma_L) * alpha (2^b-1)/2 * Lambda_g / 2 for int8
 * tables (Lambda_g = sum over the 4-groups of g of their block's lut scale; each int8 entry is
 * within lut_scale / 2 of the f32 one). Same form as the CPU's lutF32ErrorBound / lutI8ErrorBound.
 */
export function lutBound(ctx: BoundContext, tables: 'f32' | 'i8', block = LUT_DEFAULT_BLOCK): BoundOptions {
  const { qt, m, x } = ctx;
  const dec = decodeOf(qt);
  const n = qt.rows;
  const k = qt.cols;
  const gs = qt.groupSize;
  const ng = k / gs;
  const nt = Math.ceil(k / LUT_GROUP);
  const g4 = ng === 1 ? nt : gs / LUT_GROUP;
  const half = (dec.alpha * ((1 << dec.bits) - 1)) / 2;
  const c0Base = half + dec.beta;
  const gam = gamma(gpuLutRoundings(qt, tables, ctx.tuning));
  const bt = block / LUT_GROUP;
  const tsAbs = Math.abs(qt.tensorScale);
  const out = new Float64Array(m * n);
  const ax = new Float64Array(ng);
  const lam = new Float64Array(ng);
  const ls = new Float32Array(Math.ceil(k / block));
  for (let i = 0; i < m; i++) {
    for (let g = 0; g < ng; g++) {
      let s = 0;
      for (let kk = g * gs; kk < (g + 1) * gs; kk++) s += Math.abs(x[i * k + kk] as number);
      ax[g] = s;
    }
    if (tables === 'i8') {
      lutI8Scales(x, i, k, block, ls);
      for (let g = 0; g < ng; g++) {
        let s = 0;
        for (let t = g * g4; t < Math.min((g + 1) * g4, nt); t++) s += ls[Math.floor(t / bt)] as number;
        lam[g] = s;
      }
    }
    for (let r = 0; r < n; r++) {
      let e = 0;
      for (let g = 0; g < ng; g++) {
        const gi = r * ng + g;
        const c0 = qt.zeros ? c0Base - (qt.zeros[gi] as number) : c0Base;
        const lutTerm = tables === 'i8' ? (1 + gam) * half * ((lam[g] as number) / 2) : 0;
        e += Math.abs(qt.scales[gi] as number) * (lutTerm + gam * (half + Math.abs(c0)) * (ax[g] as number));
      }
      out[i * n + r] = BOUND_SLACK * tsAbs * e;
    }
  }
  return { c: lutBoundC(qt), extra: out };
}

/** Support check shared by the LUT variants (the CPU's rule: single affine element type, <= 4 bits, 4-aligned groups). */
export function lutSupports(target: QuantizedTensor | string): true | string {
  return lutSupport(target, 'lut');
}

/** Builds the precompute pass and the lookup pass (GEMV driver or tiled GEMM) of one LUT variant. */
export async function buildLutKernel(ctx: BuildContext, tables: 'f32' | 'i8', shape: 'gemv' | 'gemm'): Promise<BuiltKernel> {
  const { gpu, gt, m, tuning } = ctx;
  const qt = gt.qt;
  const name = `lut-${shape}/${tables}`;
  const why = lutSupport(qt, name);
  if (why !== true) throw new Error(why);
  if (gt.chunks.some((c) => c.planes === undefined)) {
    throw new Error(`${name}: the GpuQuantizedTensor of ${qt.scheme} was uploaded without bit planes (uploadQuantizedTensor option planes)`);
  }
  const dec = decodeOf(qt);
  const owned = new Owned();
  try {
    const k = qt.cols;
    const L = gt.planeLayout;
    // Tables cover the padded 4-groups of whole plane blocks (zero activations past K).
    const nt = L.blocksPerRow * GROUPS_PER_BLOCK;
    const block4 = LUT_DEFAULT_BLOCK / LUT_GROUP;
    const nblocks = Math.ceil(nt / block4);
    const x = owned.add(createStorage(gpu, m * k * 4, `x [${m}, ${k}]`));
    const pairs = lutUsesPairs(qt.bits, tables, m, nt, tuning);
    const entries = pairs ? PAIR_ENTRIES : LUT_ENTRIES;
    const tbl = owned.add(createStorage(gpu, tables === 'f32' ? m * nt * entries * 4 : 4, pairs ? 'lut f32 plane-pair tables' : 'lut f32 tables'));
    const qtbl = owned.add(createStorage(gpu, tables === 'i8' ? (m * nt * LUT_ENTRIES) / I8_PER_WORD * 4 : 4, 'lut int8 tables'));
    const lsc = owned.add(createStorage(gpu, tables === 'i8' ? m * nblocks * 4 : 4, 'lut scales'));
    const x4 = owned.add(createStorage(gpu, m * nt * 4, 'x 4-group sums'));
    const y = outputBuffer(gpu, owned, m, qt.rows);
    // Precompute pass.
    const entryPoint = tables === 'i8' ? 'build_i8' : pairs ? 'build_f32_pairs' : 'build_f32';
    const pre = await getPipeline(gpu, { shader: 'lut-precompute', entryPoint, constants: LUT_PRECOMPUTE_TILE, bindings: PRECOMPUTE_BINDINGS });
    const items = tables === 'i8' ? m * nblocks : pairs ? m * nt * (PAIR_ENTRIES / LUT_ENTRIES) : m * nt;
    const [px, py] = dispatch2d(gpu, Math.ceil(items / LUT_PRECOMPUTE_TILE.WG_SIZE));
    const lp = owned.add(uniformFrom(gpu, new Uint32Array([m, k, nt, block4, nblocks, px, f32Bits(dec.alpha), 0]).buffer, 'lut precompute params'));
    const preJob: ComputeJob = {
      pipeline: pre,
      bindGroup: bindGroup(gpu, pre, [[0, x], [1, tbl], [2, qtbl], [3, lsc], [4, x4], [5, lp]], 'lut-precompute'),
      workgroups: [px, py, 1],
      label: `lut-precompute/${tables}${pairs ? ' pairs' : ''}`,
    };
    // Lookup pass.
    const c0Base = (dec.alpha * ((1 << dec.bits) - 1)) / 2 + dec.beta;
    const spec = { ...preludeSpecOf(qt), lut: { alpha: dec.alpha, c0Base }, codeAt: false };
    const blockCode = lutBlockWgsl({ bits: qt.bits, hasZeros: spec.hasZeros, tables, layout: L, pairs });
    const d = driverOf(shape, false, tuning);
    const jobs = await buildWeightJobs(
      ctx,
      owned,
      { shader: d.shader, parts: ['reduce-tree'], prelude: `${generatePrelude(spec)}\n${blockCode}`, constants: d.constants, bindings: tables === 'f32' ? LUT_F32_BINDINGS : LUT_I8_BINDINGS },
      tables === 'f32' ? tbl : qtbl,
      y,
      {
        shape,
        blocks: L.blocksPerRow,
        xStride: k,
        aux0: nt,
        aux1: block4,
        extra: tables === 'f32' ? [[7, x4]] : [[7, x4], [8, lsc]],
        chunkInputs: (ci: number) => {
          const ch = gt.chunks[ci]!;
          return [
            [0, ch.planes as GPUBuffer],
            [1, ch.scales],
            [2, ch.zeros],
            [3, ch.ids],
          ] as const;
        },
      },
    );
    return { jobs: [preJob, ...jobs], y, writeX: (xs) => writeF32(gpu, x, xs), owned: owned.list };
  } catch (err) {
    owned.destroy();
    throw err;
  }
}

const LUT_TABLE_DESCRIPTION = {
  f32: 'symmetrized f32 tables of every 4-group (precompute pass), one lookup per bit plane per 4 weights (at even bits: 256-entry tables of plane pairs, one lookup per two planes, unless the tuning says PAIRS: 0)',
  i8: `int8 tables (one scale per ${LUT_DEFAULT_BLOCK} activations), exact integer lookup sums per 4-group`,
} as const;

function lutDef(tables: 'f32' | 'i8', shape: 'gemv' | 'gemm'): VariantDef {
  const n = 'ceil(B/TPR) + log2(TPR)';
  return {
    name: `lut-${shape}/${tables}`,
    kernel: `lut-${shape}`,
    family: 'lut',
    tunedFamily: 'lut',
    variant: tables,
    shape,
    needs: [],
    cpuTwin: `lut-${tables}`,
    bound:
      tables === 'f32'
        ? { c: 1.01, rule: `c charges only the oracle rounding of w; the GPU arithmetic is in the extra term, gamma_L with L = max(bits + 13, 16) + ${n} (+1 tensor scale)`, extra: 'bit-plane cancellation: gamma_L * sum_g |s_g| (alpha (2^b-1)/2 + |c0_g|) sum_{k in g} |x_k|' }
        : { c: 1.01, rule: `as lut-${shape}/f32 with L = 16 + ${n} (+1 tensor scale)`, extra: `int8 tables: (1 + gamma_L) alpha (2^b-1)/2 * sum_g |s_g| Lambda_g / 2, plus the f32 term of lut-${shape}/f32` },
    description:
      shape === 'gemm'
        ? `tiled LUT GEMM: ${LUT_TABLE_DESCRIPTION[tables]}; each lane reads one vec4<u32> of every bit plane per step and looks its nibbles up in the tables of TILE_M activation rows`
        : `T-MAC / LUT Tensor Core GEMV: ${LUT_TABLE_DESCRIPTION[tables]}; one vec4<u32> of every bit plane per step, 4 table lookups per plane at once, one scale per segment`,
    supports: lutSupports,
    build: (ctx) => buildLutKernel(ctx, tables, shape),
    boundFor: (ctx) => lutBound(ctx, tables),
  };
}

/** LUT variants of the table. */
export const LUT_VARIANT_DEFS: readonly VariantDef[] = [lutDef('f32', 'gemv'), lutDef('i8', 'gemv'), lutDef('f32', 'gemm'), lutDef('i8', 'gemm')];
