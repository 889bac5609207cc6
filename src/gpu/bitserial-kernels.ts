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
import {
  GEMM_TILE,
  GEMV_TILE,
  Owned,
  WEIGHT_BINDINGS,
  activationBuffer,
  buildWeightJobs,
  mTiles,
  outputBuffer,
  writeF32,
  type BuildContext,
  type BuiltKernel,
  type VariantDef,
} from './kernel-common.js';

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
 * f32 roundings of one term: the group partial sum (each of the at most E = ceil(G / WG)
 * elements of the group an invocation visits adds its T terms serially: T E), the rescale (1),
 * the invocation's accumulation over the groups it visits (min(K / G, ceil(K / WG))), the tree
 * (log2 WG), the tensor scale (1), and the oracle's w (1, 2 with a tensor scale). Terms are
 * exact products (powers of two); kappa covers opposite-sign Booth terms. The tiled GEMM
 * accumulates serially over K: wg = 1.
 */
export function gpuBitSerialRoundings(qt: QuantizedTensor, terms: number, wg: number = GEMV_TILE.WG_SIZE): number {
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  const gs = qt.groupSize;
  const k = qt.cols;
  return terms * Math.ceil(gs / wg) + 1 + Math.min(k / gs, Math.ceil(k / wg)) + Math.log2(wg) + (useTs ? 3 : 1);
}

async function buildBitserialKernel(ctx: BuildContext, shape: 'gemv' | 'gemm'): Promise<BuiltKernel> {
  const { gpu, gt, m } = ctx;
  const qt = gt.qt;
  const ok = bitSerialSupport(qt);
  if (ok !== true) throw new Error(ok);
  const owned = new Owned();
  try {
    const { data } = bitSerialPreludeData(qt);
    const x = activationBuffer(gpu, owned, m, qt.cols, 4);
    const y = outputBuffer(gpu, owned, m, qt.rows);
    const prelude = generatePrelude({ ...preludeSpecOf(qt), bitSerial: data });
    const jobs =
      shape === 'gemm'
        ? await buildWeightJobs(ctx, owned, { shader: 'gemm-tiled', parts: ['bitserial-tile'], prelude, constants: GEMM_TILE, bindings: WEIGHT_BINDINGS }, x, y, { rowsPerWg: GEMM_TILE.TILE_N, mTiles: mTiles(gpu, m) })
        : await buildWeightJobs(ctx, owned, { shader: 'gemv-tree', parts: ['bitserial-dot'], prelude, constants: GEMV_TILE, bindings: WEIGHT_BINDINGS }, x, y, { rowsPerWg: GEMV_TILE.ROWS_PER_WG });
    return { jobs, y, writeX: (xs) => writeF32(gpu, x, xs), owned: owned.list };
  } catch (err) {
    owned.destroy();
    throw err;
  }
}

function bitserialDef(shape: 'gemv' | 'gemm'): VariantDef {
  const wg = shape === 'gemm' ? 1 : GEMV_TILE.WG_SIZE;
  return {
    name: shape === 'gemm' ? 'bitserial-gemm/tiled' : 'bitserial-gemv/plain',
    kernel: `bitserial-${shape}`,
    family: 'bitserial',
    variant: shape === 'gemm' ? 'tiled' : 'plain',
    shape,
    needs: [],
    cpuTwin: 'bitserial',
    bound: {
      c: 2,
      rule:
        shape === 'gemm'
          ? 'n = T G + 1 + K/G + 1 (+2 tensor scale), G the group size, times kappa (Booth terms of both signs)'
          : 'n = T ceil(G/64) + 1 + min(K/G, ceil(K/64)) + log2(64) + 1 (+2 tensor scale), G the group size, times kappa (Booth terms of both signs)',
    },
    description:
      shape === 'gemm'
        ? `tiled bit-serial GEMM: each weight decoded once into its <= T power-of-two terms and applied to ${GEMM_TILE.TILE_M} activation rows staged in workgroup memory (tile as dequant-gemm/tiled)`
        : 'BitMoD bit-serial GEMV: weights as <= T signed power-of-two terms (binary or radix-4 Booth), per-group partial sums rescaled once by scale * unit',
    supports: (target) => bitSerialSupport(target),
    build: (ctx) => buildBitserialKernel(ctx, shape),
    boundFor({ qt }) {
      const { data, kappa } = bitSerialPreludeData(qt);
      return { c: boundConstant(gpuBitSerialRoundings(qt, data.terms, wg), qt.cols, kappa) };
    },
  };
}

/** Bit-serial variants of the table. */
export const BITSERIAL_VARIANT_DEFS: readonly VariantDef[] = [bitserialDef('gemv'), bitserialDef('gemm')];
