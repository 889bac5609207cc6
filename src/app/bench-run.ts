/**
 * The Benchmark page's run, in the worker: the bench suite's own GPU suite (src/bench/suite-gpu.ts,
 * `runGpuSuite`) on the user's adapter with a preset built from the page's choices. Rows are
 * streamed to the page as the suite appends them; progress counts the suite's progress lines.
 */
import { getScheme } from '../quant/schemes.js';
import type { LowbitGpu } from '../gpu/device.js';
import { GPU_KERNEL_VARIANTS } from '../gpu/kernels.js';
import { skipReason } from '../gpu/verify.js';
import { BenchContext } from '../bench/context.js';
import { runGpuSuite } from '../bench/suite-gpu.js';
import type { Preset } from '../bench/shapes.js';
import type { BenchRow } from '../bench/types.js';
import type { BenchRequest } from './protocol.js';

/** Callbacks of {@link runBench}. */
export interface BenchSink {
  progress(done: number, total: number, label: string): void;
  row(r: BenchRow): void;
}

/**
 * Progress lines the GPU suite prints for one (layer, M): the header, one per f32 baseline
 * variant, one per (scheme, quantized variant).
 */
export function expectedProgressLines(req: BenchRequest): number {
  const f32 = GPU_KERNEL_VARIANTS.filter((v) => v.family === 'f32').length;
  const quantized = GPU_KERNEL_VARIANTS.length - f32;
  return req.cases.reduce((sum, c) => sum + c.m.length * (1 + f32 + c.schemes.length * quantized), 0);
}

/** The preset the suite runs: only GPU cases, the page's timing. */
export function presetOf(req: BenchRequest): Preset {
  return {
    name: req.preset,
    description: `browser run of ${req.preset}`,
    timing: { warmup: req.warmup, iterations: req.iterations, bennyMaxTime: 0, bennyMinSamples: 0 },
    quantize: [],
    cpu: [],
    gpu: req.cases.map((c) => ({ layer: { ...c.layer }, m: [...c.m], schemes: c.schemes.map((s) => getScheme(s).name) })),
    peers: [],
  };
}

/**
 * A row as the page shows it: a variant the adapter cannot run says why in a few words
 * ("adapter lacks shader-f16", the verification matrix's wording) instead of the suite's note.
 */
export function withSkipReason(gpu: Pick<LowbitGpu, 'capabilities'>, row: BenchRow): BenchRow {
  if (row.status !== 'unavailable') return row;
  const v = GPU_KERNEL_VARIANTS.find((x) => x.kernel === row.kernel && x.variant === row.variant);
  const why = v ? skipReason(gpu, v) : undefined;
  return why === undefined ? row : { ...row, note: why };
}

/** Runs the GPU suite; streams rows and progress to `sink`; returns every row. */
export async function runBench(gpu: LowbitGpu, req: BenchRequest, sink: BenchSink): Promise<readonly BenchRow[]> {
  const total = expectedProgressLines(req);
  let done = 0;
  let sent = 0;
  // The suite appends to ctx.rows; each progress line first forwards the rows added since.
  const holder: { rows: readonly BenchRow[] } = { rows: [] };
  const flush = (): void => {
    for (; sent < holder.rows.length; sent++) sink.row(withSkipReason(gpu, holder.rows[sent] as BenchRow));
  };
  const ctx = new BenchContext(presetOf(req), gpu, undefined, false, (line) => {
    flush();
    sink.progress(Math.min(done, total), total, line.trim());
    done += 1;
  });
  holder.rows = ctx.rows;
  await runGpuSuite(ctx);
  flush();
  sink.progress(total, total, 'done');
  return ctx.rows;
}
