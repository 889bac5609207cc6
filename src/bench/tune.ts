/**
 * `lowbit bench --tune`: sweeps the weight kernels' workgroup constants (WG_SIZE, TPR, RPT /
 * TILE_M; src/gpu/tuning.ts) on the device at hand and keeps the fastest per kernel family and
 * shape. Each candidate is prepared, checked against the f64 oracle and timed by its kernel time
 * (median of the preset's iterations); candidates that fail the check never win. The sweep runs
 * in two stages to stay short on slow adapters: WG_SIZE x TPR with the default rows per lane,
 * then the rows per lane (RPT or TILE_M) with the best of those; the f32 LUT kernels then try their
 * other table form (PAIRS: plane-pair or 16-entry tables) with the best shape. The winners are applied to the
 * device for the rest of the run and recorded in the report and in `tuning-<adapter>.json`.
 */
import type { AnySchemeName } from '../quant/schemes.js';
import type { LowbitGpu } from '../gpu/device.js';
import { uploadQuantizedTensor } from '../gpu/gpu-tensor.js';
import { getGpuKernelVariant, variantAvailable } from '../gpu/kernels.js';
import { kernelTuning, setTuning, tuningKey, tuningProblem, type KernelTuning, type TunedFamily, type TuningTable } from '../gpu/tuning.js';
import type { BenchContext } from './context.js';
import { errorText } from './measure.js';
import type { Layer } from './shapes.js';
import { timeGpuVariant } from './suite-gpu.js';

/** One measured candidate. */
export interface TuneCandidate {
  readonly tuning: KernelTuning;
  /** Median kernel ms, or null when it failed (note says why). */
  readonly ms: number | null;
  readonly note: string;
}

/** The sweep of one (family, shape). */
export interface TuneResult {
  readonly key: string;
  readonly variant: string;
  readonly scheme: AnySchemeName;
  readonly layer: string;
  readonly m: number;
  readonly best: KernelTuning;
  readonly bestMs: number | null;
  readonly defaultMs: number | null;
  readonly candidates: readonly TuneCandidate[];
}

/** What a tuning run records. */
export interface TuningRecord {
  readonly schema: 'lowbit-tuning/1';
  readonly adapter: string;
  readonly table: TuningTable;
  readonly results: readonly TuneResult[];
}

/** The kernels swept: family, shape, the variant timed (subgroup flavours when available) and its scheme. */
const TARGETS: readonly { family: TunedFamily; shape: 'gemv' | 'gemm'; variants: readonly string[]; scheme: AnySchemeName }[] = [
  { family: 'dequant', shape: 'gemv', variants: ['dequant-gemv/subgroup', 'dequant-gemv/plain'], scheme: 'int4' },
  { family: 'lut', shape: 'gemv', variants: ['lut-gemv/f32'], scheme: 'int2' },
  { family: 'bitserial', shape: 'gemv', variants: ['bitserial-gemv/plain'], scheme: 'int4' },
  { family: 'f32', shape: 'gemv', variants: ['f32-gemv/subgroup', 'f32-gemv/plain'], scheme: 'int4' },
  { family: 'dequant', shape: 'gemm', variants: ['dequant-gemm/tiled'], scheme: 'int4' },
  { family: 'lut', shape: 'gemm', variants: ['lut-gemm/f32'], scheme: 'int2' },
  { family: 'bitserial', shape: 'gemm', variants: ['bitserial-gemm/tiled'], scheme: 'int4' },
  { family: 'f32', shape: 'gemm', variants: ['f32-gemm/tiled'], scheme: 'int4' },
];

/** First-stage candidates: (WG_SIZE, TPR). */
const WG_TPR: readonly (readonly [number, number])[] = [
  [64, 1],
  [128, 1],
  [64, 4],
  [128, 8],
  [128, 16],
  [128, 32],
  [256, 32],
  [256, 64],
];
/** Second-stage candidates: rows per lane. */
const ROWS: readonly number[] = [1, 2, 4, 8];

/** Sweeps every target on the preset's first GPU layer (M = 1 for GEMVs, the largest M > 1, else 8, for GEMMs), applies and returns the winners. */
export async function runTuning(ctx: BenchContext, gpu: LowbitGpu, keys?: readonly string[]): Promise<TuningRecord> {
  const first = ctx.preset.gpu[0];
  const layer: Layer = first ? first.layer : { name: 'tiny', n: 64, k: 256, source: '' };
  const gemmM = Math.max(...ctx.preset.gpu.flatMap((c) => c.m).filter((m) => m > 1), 0) || 8;
  const timing = { warmup: 1, iterations: Math.max(3, Math.min(ctx.preset.timing.iterations, 5)) };
  const results: TuneResult[] = [];
  const table: Record<string, KernelTuning> = {};
  for (const target of TARGETS) {
    if (keys && !keys.includes(tuningKey(target.family, target.shape))) continue;
    const variant = target.variants.map((n) => getGpuKernelVariant(n)).find((v) => variantAvailable(gpu, v) === true);
    if (!variant) continue;
    const m = target.shape === 'gemv' ? 1 : gemmM;
    const key = tuningKey(target.family, target.shape);
    ctx.progress(`tune ${key}: ${variant.name} ${target.scheme} ${layer.name} ${layer.n}x${layer.k} M=${m}`);
    let qt;
    try {
      qt = ctx.quantized(layer, target.scheme);
    } catch (err) {
      ctx.progress(`  ${errorText(err)}`);
      continue;
    }
    const gt = uploadQuantizedTensor(gpu, qt);
    const candidates: TuneCandidate[] = [];
    const measure = async (t: KernelTuning): Promise<number | null> => {
      const why = tuningProblem(gpu, t);
      if (why) {
        candidates.push({ tuning: t, ms: null, note: why });
        return null;
      }
      const r = await timeGpuVariant(ctx, gpu, variant, gt, layer, m, { ...timing, tuning: t });
      const ok = r.status === 'ok' && r.ms !== null;
      candidates.push({ tuning: t, ms: ok ? r.ms : null, note: ok ? '' : `${r.status}: ${r.note}` });
      ctx.progress(`  ${JSON.stringify(t)}: ${ok ? `${(r.ms as number).toPrecision(3)} ms` : `${r.status} ${r.note}`}`);
      return ok ? r.ms : null;
    };
    try {
      const def = kernelTuning(gpu, target.family, target.shape);
      const rowsKey = target.shape === 'gemv' ? 'RPT' : 'TILE_M';
      const defaultMs = await measure(def);
      let best = def;
      let bestMs = defaultMs ?? Infinity;
      for (const [wg, tpr] of WG_TPR) {
        const t = { ...def, WG_SIZE: wg, TPR: tpr };
        if (t.WG_SIZE === def.WG_SIZE && t.TPR === def.TPR) continue;
        const ms = await measure(t);
        if (ms !== null && ms < bestMs) [best, bestMs] = [t, ms];
      }
      const stage1 = best;
      for (const rows of ROWS) {
        const t = { ...stage1, [rowsKey]: rows };
        if (t[rowsKey] === stage1[rowsKey]) continue;
        const ms = await measure(t);
        if (ms !== null && ms < bestMs) [best, bestMs] = [t, ms];
      }
      // The f32 LUT kernels: plane-pair tables against the 16-entry ones, with the best shape.
      if (best.PAIRS !== undefined) {
        const t = { ...best, PAIRS: best.PAIRS === 0 ? 1 : 0 };
        const ms = await measure(t);
        if (ms !== null && ms < bestMs) [best, bestMs] = [t, ms];
      }
      table[key] = best;
      results.push({ key, variant: variant.name, scheme: target.scheme, layer: layer.name, m, best, bestMs: Number.isFinite(bestMs) ? bestMs : null, defaultMs, candidates });
    } finally {
      gt.destroy();
    }
  }
  setTuning(gpu, table);
  return { schema: 'lowbit-tuning/1', adapter: gpu.describe(), table, results };
}

/** Checks a parsed tuning record and applies its table to `gpu`. @throws Error naming the problem. */
export function applyTuningRecord(gpu: LowbitGpu, record: unknown, source: string): TuningTable {
  const r = record as Partial<TuningRecord> | null;
  if (!r || r.schema !== 'lowbit-tuning/1' || typeof r.table !== 'object' || r.table === null) {
    throw new Error(`${source}: not a lowbit tuning record (schema lowbit-tuning/1 with a table)`);
  }
  setTuning(gpu, r.table);
  return r.table;
}

/** The (family, shape) keys --tune sweeps, e.g. 'dequant-gemv'. */
export const TUNE_KEYS: readonly string[] = TARGETS.map((t) => tuningKey(t.family, t.shape));

/** A file-name-safe name of an adapter: vendor, architecture and description, lower case, runs of other characters as '-'. */
export function adapterSlug(gpu: LowbitGpu): string {
  const a = gpu.adapter;
  const name = [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'unknown-adapter';
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'unknown-adapter';
}

/** File name of a tuning record for an adapter: tuning-<adapter slug>.json. */
export function tuningFileName(gpu: LowbitGpu): string {
  return `tuning-${adapterSlug(gpu)}.json`;
}
