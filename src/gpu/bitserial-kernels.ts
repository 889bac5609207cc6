/**
 * Bit-serial kernel variant (BitMoD style), mirroring the CPU `bitserial` (src/cpu/bitserial.ts):
 * weights as at most a few signed power-of-two terms per the CPU's term encodings (binary when
 * every value has at most two set bits, radix-4 Booth otherwise; asymmetric integers recoded as
 * q - zero), per-group partial sums rescaled once by scale * unit. The term tables are derived
 * here from the CPU's exported helpers and handed to the prelude (shaders/bitserial-dot.wgsl).
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { bitSerialSupport, bitSerialTermTables } from '../cpu/bitserial.js';
import { boundConstant } from '../cpu/bound.js';
import { generatePrelude, preludeSpecOf, type BitSerialPreludeData } from '../wgsl/prelude.js';
import { bitSerialBlockWgsl, blockLayout } from '../wgsl/block-prelude.js';
import {
  Owned,
  WEIGHT_BINDINGS,
  activationBuffer,
  blockRoundings,
  buildWeightJobs,
  driverOf,
  f32Writer,
  outputBuffer,
  schemeFacts,
  type BuildContext,
  type BuiltKernel,
  type VariantDef,
} from './kernel-common.js';
import type { KernelTuning } from './tuning.js';

/** The term tables of a tensor (the CPU kernel's, src/cpu/bitserial.ts) in the prelude's layout, plus kappa. */
export function bitSerialPreludeData(qt: QuantizedTensor): { data: BitSerialPreludeData; kappa: number } {
  const { terms, kappa, offset, lists, codeIndex, units } = bitSerialTermTables(qt);
  const entries = Math.max(...lists.map((l) => l.length));
  const index: number[] = [];
  for (const c of codeIndex) index.push(...c);
  const mul: number[] = [];
  for (const l of lists) {
    for (let e = 0; e < entries; e++) {
      const ts = l[e] ?? [];
      for (let p = 0; p < terms; p++) {
        const t = ts[p];
        mul.push(t ? t.sign * 2 ** t.shift : 0);
      }
    }
  }
  return { data: { terms, entries, d: offset, index, mul, unit: [...units] }, kappa };
}

/**
 * f32 roundings of one term in the block drivers: the segment's L codes add their T exact
 * power-of-two products each (at most L T - 1 additions, counted as L T), one rescale by
 * scale * unit, the block, lane and reduction sums (blockRoundings), the oracle's w (1) and the
 * tensor scale (2). kappa covers opposite-sign Booth terms.
 */
export function gpuBitSerialRoundings(qt: QuantizedTensor, terms: number, tuning?: KernelTuning): number {
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  const L = blockLayout(qt.bits, qt.cols, qt.groupSize);
  const segs = L.segment === 'block' ? 1 : L.segment === 'word' ? 4 : L.quadsPerBlock;
  return blockRoundings(L.segmentLength * terms, segs, L.blocksPerRow, 'tree', tuning?.TPR, 1 + (useTs ? 2 : 0));
}

/** The bit-serial GPU kernels' rule on top of the CPU's: quads of 4 codes must not cross quant groups. */
export function gpuBitSerialSupport(target: QuantizedTensor | string): true | string {
  const ok = bitSerialSupport(target);
  if (ok !== true) return ok;
  const f = schemeFacts(target);
  if (f.groupSize !== undefined && f.cols !== undefined && f.groupSize % 4 !== 0 && f.groupSize !== f.cols) {
    return `group size ${f.groupSize} is not a multiple of 4 (a quad of codes would cross groups)`;
  }
  return true;
}

async function buildBitserialKernel(ctx: BuildContext, shape: 'gemv' | 'gemm'): Promise<BuiltKernel> {
  const { gpu, gt, m, tuning } = ctx;
  const qt = gt.qt;
  const ok = gpuBitSerialSupport(qt);
  if (ok !== true) throw new Error(ok);
  const owned = new Owned();
  try {
    const { data } = bitSerialPreludeData(qt);
    const L = gt.layout;
    const x = activationBuffer(gpu, owned, m, L.kPadded, 4);
    const y = outputBuffer(gpu, owned, m, qt.rows);
    const spec = { ...preludeSpecOf(qt), bitSerial: data, codeAt: false };
    const block = bitSerialBlockWgsl({ bits: qt.bits, hasZeros: spec.hasZeros, hasIds: spec.hasIds, terms: data.terms, layout: L });
    const d = driverOf(shape, false, tuning);
    const jobs = await buildWeightJobs(
      ctx,
      owned,
      { shader: d.shader, parts: ['reduce-tree'], prelude: `${generatePrelude(spec)}\n${block}`, constants: d.constants, bindings: WEIGHT_BINDINGS },
      x,
      y,
      { shape, blocks: L.blocksPerRow, xStride: L.kPadded },
    );
    return { jobs, y, writeX: f32Writer(gpu, x, m, qt.cols, L.kPadded), owned: owned.list };
  } catch (err) {
    owned.destroy();
    throw err;
  }
}

function bitserialDef(shape: 'gemv' | 'gemm'): VariantDef {
  return {
    name: shape === 'gemm' ? 'bitserial-gemm/tiled' : 'bitserial-gemv/plain',
    kernel: `bitserial-${shape}`,
    family: 'bitserial',
    tunedFamily: 'bitserial',
    variant: shape === 'gemm' ? 'tiled' : 'plain',
    shape,
    needs: [],
    cpuTwin: 'bitserial',
    bound: {
      c: 2,
      rule: 'n = T L + S + ceil(B/TPR) + log2(TPR) + 1 (+2 tensor scale): segment of L codes with T terms each, S segments per block, B blocks per row, times kappa (Booth terms of both signs)',
    },
    description:
      shape === 'gemm'
        ? 'tiled bit-serial GEMM: each lane decodes a block of codes into their <= T power-of-two terms once and applies them to TILE_M activation rows, one rescale per segment'
        : 'BitMoD bit-serial GEMV: a vec4<u32> of codes per step, weights as <= T signed power-of-two terms (binary or radix-4 Booth), per-segment partial sums rescaled once by scale * unit',
    supports: (target) => gpuBitSerialSupport(target),
    build: (ctx) => buildBitserialKernel(ctx, shape),
    boundFor({ qt, tuning }) {
      const { data, kappa } = bitSerialPreludeData(qt);
      return { c: boundConstant(gpuBitSerialRoundings(qt, data.terms, tuning), qt.cols, kappa) };
    },
  };
}

/** Bit-serial variants of the table. */
export const BITSERIAL_VARIANT_DEFS: readonly VariantDef[] = [bitserialDef('gemv'), bitserialDef('gemm')];
