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
import { GEMV_TILE, Owned, WEIGHT_BINDINGS, activationBuffer, buildGemvJobs, outputBuffer, writeF32, type BuildContext, type BuiltKernel, type VariantDef } from './kernel-common.js';

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
 * f32 roundings of one term: the term adds within a weight (T), the group partial sum (at most
 * ceil(K / WG) elements per invocation), the rescale (1), the invocation's accumulation over its
 * groups (ceil(K / WG)), the tree (log2 WG), the tensor scale (1), and the oracle's w (1, 2 with
 * a tensor scale). Terms are exact products; kappa covers opposite-sign Booth terms.
 */
export function gpuBitSerialRoundings(qt: QuantizedTensor, terms: number, wg: number = GEMV_TILE.WG_SIZE): number {
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  return terms + 2 * Math.ceil(qt.cols / wg) + 1 + Math.log2(wg) + (useTs ? 3 : 1);
}

async function buildBitserialKernel(ctx: BuildContext): Promise<BuiltKernel> {
  const { gpu, gt, m } = ctx;
  const qt = gt.qt;
  const ok = bitSerialSupport(qt);
  if (ok !== true) throw new Error(ok);
  const owned = new Owned();
  try {
    const { data } = bitSerialPreludeData(qt);
    const x = activationBuffer(gpu, owned, m, qt.cols, 4);
    const y = outputBuffer(gpu, owned, m, qt.rows);
    const jobs = await buildGemvJobs(
      ctx,
      owned,
      { shader: 'gemv-tree', parts: ['bitserial-dot'], prelude: generatePrelude({ ...preludeSpecOf(qt), bitSerial: data }), constants: GEMV_TILE, bindings: WEIGHT_BINDINGS },
      x,
      y,
      { rowsPerWg: GEMV_TILE.ROWS_PER_WG },
    );
    return { jobs, y, writeX: (xs) => writeF32(gpu, x, xs), owned: owned.list };
  } catch (err) {
    owned.destroy();
    throw err;
  }
}

const bitserialGemv: VariantDef = {
  name: 'bitserial-gemv/plain',
  kernel: 'bitserial-gemv',
  family: 'bitserial',
  variant: 'plain',
  shape: 'gemv',
  needs: [],
  cpuTwin: 'bitserial',
  bound: { c: 2, rule: 'n = T + 2 ceil(K/64) + 1 + log2(64) + 1 (+2 tensor scale), times kappa (Booth terms of both signs)' },
  description: 'BitMoD bit-serial: weights as <= T signed power-of-two terms (binary or radix-4 Booth), per-group partial sums rescaled once by scale * unit',
  supports: (target) => bitSerialSupport(target),
  build: buildBitserialKernel,
  boundFor({ qt }) {
    const { data, kappa } = bitSerialPreludeData(qt);
    return { c: boundConstant(gpuBitSerialRoundings(qt, data.terms), qt.cols, kappa) };
  },
};

/** Bit-serial variants of the table. */
export const BITSERIAL_VARIANT_DEFS: readonly VariantDef[] = [bitserialGemv];
