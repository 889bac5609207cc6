/**
 * Quantize throughput per scheme, MB/s of f32 input, three ways on the same weights:
 * - `quantize`, variant '1 thread': the fast path (`quantize`), timed with benny; the note adds
 *   the median process CPU time per call (user + sys), which a busy shared machine inflates less;
 * - `quantize`, variant 'T threads': `quantizeParallel` on T workers (T = logical cores), wall clock;
 *   variant 'T threads, shared input': the same with W in a SharedArrayBuffer (no copy of each
 *   block into a staging buffer on the calling thread: the serial part of the threaded path);
 * - `quantize`, variant 'T independent workers (machine ceiling)' (int4 and bitmod4): T fresh
 *   workers each quantizing 1/T of the shared W at once, no pool (quantize-ceiling.ts): what the
 *   cores give this workload, beside which the threaded rows are judged;
 * - `quantize-reference`: the readable reference (`quantizeReference`), wall clock.
 * Wall-clock loops run at least one call and stop after the preset's sample count or a time
 * budget. `quantizeHeadlines` derives the ratios the targets are stated in (docs/QUANTIZE.md).
 */
import { getScheme } from '../quant/schemes.js';
import { quantize, quantizeReference } from '../quant/quantize.js';
import { defaultQuantizeThreads, quantizeParallel, quantizeThreadsInfo, terminateQuantizeWorkers } from '../quant/quantize-threads.js';
import { runBennySuite, spreadNote } from './benny-run.js';
import { measureQuantizeCeiling } from './quantize-ceiling.js';
import type { BenchContext } from './context.js';
import { cpuCopyGbps } from './suite-cpu.js';
import { errorText, makeRow, mbPerS, median } from './measure.js';
import type { BenchRow, Headline } from './types.js';

const F32_BYTES = 4;
/** Wall-clock budget of the reference and threaded loops per scheme, ms (at least one call runs). */
const LOOP_BUDGET_MS = 8000;
/** Calls timed for the CPU-time note of the 1-thread row. */
const CPU_SAMPLES = 3;
/** Input below which quantizeParallel stays on one thread (it says so in the row). */
const PARALLEL_MIN_BYTES = 1 << 20;
/** Calls timed by the threaded and ceiling rows (within LOOP_BUDGET_MS): their spread is wide. */
const THREAD_SAMPLES = 15;
const US_PER_MS = 1000;

/** Schemes whose threaded rows get the machine's ceiling beside them (the targets' schemes). */
const CEILING_SCHEMES: ReadonlySet<string> = new Set(['int4', 'bitmod4']);
/** Variant suffix of the ceiling rows. */
export const CEILING = 'independent workers (machine ceiling)';

/** Kernel and variant names of the suite's rows. */
export const QUANTIZE_KERNELS = { fast: 'quantize', reference: 'quantize-reference' } as const;
export const ONE_THREAD = '1 thread';
/** Variant suffix of the threaded rows whose W lies in a SharedArrayBuffer. */
export const SHARED = ', shared input';

/** Median of up to `samples` timed calls, stopping after LOOP_BUDGET_MS (at least one call). */
async function timeLoop(samples: number, fn: () => unknown): Promise<{ medianMs: number; samples: number; minMs: number }> {
  const times: number[] = [];
  const start = performance.now();
  while (times.length < samples && (times.length === 0 || performance.now() - start < LOOP_BUDGET_MS)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), samples: times.length, minMs: Math.min(...times) };
}

/** Median process CPU time (user + sys) of a synchronous call, ms. */
function cpuTimeMs(fn: () => unknown): number {
  const ms: number[] = [];
  for (let i = 0; i < CPU_SAMPLES; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    ms.push((c.user + c.system) / US_PER_MS);
  }
  return median(ms);
}

/** Runs the quantize suite of the context's preset. */
export async function runQuantizeSuite(ctx: BenchContext): Promise<void> {
  const t = ctx.preset.timing;
  const threads = defaultQuantizeThreads();
  try {
    for (const c of ctx.preset.quantize) {
      const { layer } = c;
      const w = ctx.weightsOf(layer);
      const shared = new Float32Array(new SharedArrayBuffer(w.byteLength));
      shared.set(w);
      const bytes = layer.n * layer.k * F32_BYTES;
      const copyGbps = cpuCopyGbps(ctx, bytes);
      const title = `quantize ${layer.name} ${layer.n}x${layer.k}`;
      const samples = c.bennyMinSamples ?? t.bennyMinSamples;
      ctx.progress(`${title}: ${c.schemes.length} schemes (fast path, ${threads} threads, reference)`);
      const failed = new Map<string, string>();
      const cases = c.schemes.flatMap((scheme) => {
        try {
          // Quantize once outside the timing: catches unsupported options and warms the JIT.
          ctx.quantized(layer, scheme);
          return [{ name: scheme, fn: () => quantize(w, layer.n, layer.k, scheme) }];
        } catch (err) {
          failed.set(scheme, errorText(err));
          return [];
        }
      });
      const timings = await runBennySuite(title, cases, {
        maxTime: t.bennyMaxTime,
        minSamples: samples,
        ...(ctx.charts && ctx.outDir ? { chart: { folder: `${ctx.outDir}/charts`, file: `quantize-${layer.name}` } } : {}),
        onCase: (name, done, total) => ctx.progress(`  [${done}/${total}] quantize ${name}`),
      });
      if (ctx.charts && ctx.outDir && cases.length) ctx.files.push(`charts/quantize-${layer.name}.chart.html`);
      const base = { suite: 'quantize' as const, role: 'kernel' as const, layer: layer.name, m: 1, n: layer.n, k: layer.k, bytes, flops: 0, copyGbps };
      for (const scheme of c.schemes) {
        const group = failed.has(scheme) ? getScheme(scheme).defaultGroup : ctx.quantized(layer, scheme).groupSize;
        const error = failed.get(scheme);
        if (error !== undefined) {
          for (const [kernel, variant] of [[QUANTIZE_KERNELS.fast, ONE_THREAD], [QUANTIZE_KERNELS.fast, `${threads} threads`], [QUANTIZE_KERNELS.fast, `${threads} threads${SHARED}`], [QUANTIZE_KERNELS.reference, ONE_THREAD]] as const) {
            ctx.rows.push(makeRow({ ...base, scheme, group, kernel, variant, status: 'error', note: error, timer: 'none', ms: null, samples: 0 }));
          }
          continue;
        }
        /** A wall-clock row of this scheme: `ms` the median of `samples` calls. */
        const wallRow = (kernel: string, variant: string, note: string, ms: number, n: number): void => {
          ctx.rows.push(makeRow({ ...base, scheme, group, kernel, variant, status: 'ok', note, timer: 'wall', ms, samples: n, mbPerS: mbPerS(bytes, ms) }));
        };
        const timing = timings.get(scheme);
        const cpuMs = cpuTimeMs(() => quantize(w, layer.n, layer.k, scheme));
        ctx.rows.push(
          makeRow({
            ...base,
            scheme,
            group,
            kernel: QUANTIZE_KERNELS.fast,
            variant: ONE_THREAD,
            status: 'ok',
            note: `quantize (fast path); MB/s of f32 input${timing ? `; ${spreadNote(timing)}` : ''}; process CPU time ${cpuMs.toPrecision(3)} ms per call (${mbPerS(bytes, cpuMs).toFixed(0)} MB/s of CPU time, median of ${CPU_SAMPLES})`,
            timer: timing ? 'benny' : 'none',
            ms: timing?.medianMs ?? null,
            samples: timing?.samples ?? 0,
            mbPerS: timing ? mbPerS(bytes, timing.medianMs) : null,
          }),
        );
        // Threads: quantizeParallel on every core (same tensor, bit for bit), W copied per block or shared.
        for (const [input, suffix] of [[w, ''], [shared, SHARED]] as const) {
          ctx.progress(`  quantize ${scheme}: ${threads} threads${suffix}`);
          const before = quantizeThreadsInfo();
          const par = await timeLoop(Math.max(samples, THREAD_SAMPLES), () => quantizeParallel(input, layer.n, layer.k, scheme, { threads }));
          const after = quantizeThreadsInfo();
          const parNote =
            bytes < PARALLEL_MIN_BYTES || threads < 2
              ? `below quantizeParallel's threshold (${bytes < PARALLEL_MIN_BYTES ? 'input < 1 MiB' : 'one core'}): runs on one thread`
              : after.fallbacks > before.fallbacks
                ? `fell back to one thread: ${after.lastFallbackReason}`
                : `${after.blocksDone - before.blocksDone} blocks on ${threads} workers over ${par.samples} calls`;
          wallRow(QUANTIZE_KERNELS.fast, `${threads} threads${suffix}`, `quantizeParallel${suffix ? ' on W in a SharedArrayBuffer' : ''}; wall clock, median of ${par.samples}, fastest ${par.minMs.toPrecision(3)} ms; ${parNote}`, par.medianMs, par.samples);
        }
        // The machine's ceiling for the threaded rows: independent workers, no pool (quantize-ceiling.ts).
        if (CEILING_SCHEMES.has(scheme) && threads >= 2 && bytes >= PARALLEL_MIN_BYTES) {
          ctx.progress(`  quantize ${scheme}: ${threads} ${CEILING}`);
          const variant = `${threads} ${CEILING}`;
          try {
            const c = await measureQuantizeCeiling(shared, layer.n, layer.k, scheme, threads, Math.max(samples, THREAD_SAMPLES));
            const note = `not lowbit's pool: ${threads} fresh workers each quantize 1/${threads} of the rows of the shared W at once (no copy, one job each); wall clock, median of ${c.samples}; one share alone ${fmt(c.aloneMs)} ms, so the cores give ${fmt(c.speedup)}x (${threads} x alone / all at once)`;
            wallRow(QUANTIZE_KERNELS.fast, variant, note, c.allMs, c.samples);
          } catch (err) {
            ctx.rows.push(makeRow({ ...base, scheme, group, kernel: QUANTIZE_KERNELS.fast, variant, status: 'error', note: errorText(err), timer: 'none', ms: null, samples: 0 }));
          }
        }
        ctx.progress(`  quantize ${scheme}: reference`);
        const ref = await timeLoop(samples, () => quantizeReference(w, layer.n, layer.k, scheme));
        wallRow(QUANTIZE_KERNELS.reference, ONE_THREAD, `quantizeReference (readable reference); wall clock, median of ${ref.samples}, fastest ${ref.minMs.toPrecision(3)} ms`, ref.medianMs, ref.samples);
      }
    }
  } finally {
    await terminateQuantizeWorkers();
  }
}

function fmt(x: number | null, digits = 3): string {
  return x === null ? '-' : Number(x.toPrecision(digits)).toString();
}

/**
 * The quantize targets' numbers at the largest layer a run quantized: int4 and bitmod4 MB/s on
 * one thread, bitmod4's time over int4's, the slowest scheme, the speed-up of threads and of the
 * fast path over the reference.
 */
export function quantizeHeadlines(rows: readonly BenchRow[]): Headline[] {
  const ok = rows.filter((r) => r.suite === 'quantize' && r.status === 'ok' && r.ms !== null);
  if (ok.length === 0) return [];
  const size = Math.max(...ok.map((r) => r.n * r.k));
  const at = ok.filter((r) => r.n * r.k === size);
  const pick = (scheme: string, kernel: string) => at.find((r) => r.scheme === scheme && r.kernel === kernel && r.variant === ONE_THREAD);
  const fast = (s: string) => pick(s, QUANTIZE_KERNELS.fast);
  const shapeOf = (r: BenchRow) => `${r.layer} (${r.n}x${r.k})`;
  const out: Headline[] = [];
  for (const scheme of ['int4', 'bitmod4']) {
    const r = fast(scheme);
    if (r) out.push({ label: `quantize ${scheme} g${r.group}, 1 thread`, value: r.mbPerS, unit: 'MB/s of f32 input', detail: `${shapeOf(r)}: ${fmt(r.ms)} ms per call (${r.note.split('; ').slice(-1)[0]})` });
  }
  const i4 = fast('int4');
  const b4 = fast('bitmod4');
  if (i4 && b4) out.push({ label: 'quantize bitmod4 time / int4 time, 1 thread', value: (b4.ms as number) / (i4.ms as number), unit: 'x (target <= 4)', detail: `${shapeOf(i4)}: ${fmt(b4.ms)} ms vs ${fmt(i4.ms)} ms` });
  const singles = at.filter((r) => r.kernel === QUANTIZE_KERNELS.fast && r.variant === ONE_THREAD);
  const slowest = singles.reduce<BenchRow | undefined>((a, r) => (a === undefined || (r.mbPerS as number) < (a.mbPerS as number) ? r : a), undefined);
  if (slowest && singles.length > 1) {
    out.push({ label: `quantize slowest of ${singles.length} schemes (${slowest.scheme}), 1 thread`, value: slowest.mbPerS, unit: 'MB/s of f32 input (target >= 100)', detail: `${shapeOf(slowest)}: ${fmt(slowest.ms)} ms per call` });
  }
  for (const scheme of ['int4', 'bitmod4']) {
    const one = fast(scheme);
    for (const par of at.filter((r) => r.scheme === scheme && r.kernel === QUANTIZE_KERNELS.fast && r.variant !== ONE_THREAD)) {
      if (!one) break;
      // Below the threshold (or after a fallback) the "threaded" row ran on one thread: no ratio.
      const threaded = !par.note.includes('one thread');
      out.push({ label: `quantize ${scheme}: ${par.variant} vs 1 thread`, value: threaded ? (one.ms as number) / (par.ms as number) : null, unit: 'x speed-up', detail: `${shapeOf(one)}: ${fmt(par.ms)} ms vs ${fmt(one.ms)} ms; ${par.note}` });
    }
    const ref = pick(scheme, QUANTIZE_KERNELS.reference);
    if (one && ref) out.push({ label: `quantize ${scheme}: fast path vs reference`, value: (ref.ms as number) / (one.ms as number), unit: 'x speed-up', detail: `${shapeOf(one)}: ${fmt(one.ms)} ms vs ${fmt(ref.ms)} ms` });
  }
  return out;
}
