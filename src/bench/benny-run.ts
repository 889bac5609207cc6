/**
 * CPU timing through benny (benchmark.js): one benny suite per (layer, M) with a case per
 * scheme x kernel plus the baselines, its chart saved beside the results. benny prints to
 * stdout; while a suite runs that output goes to stderr so `--json` keeps stdout clean.
 *
 * benny is an optional dependency of the installed package: when it cannot be loaded, each case
 * is timed by lowbit's own loop (one call per sample, the same median / fastest / rme fields) and
 * the rows say so.
 */
import { performance } from 'node:perf_hooks';
import { median } from './measure.js';

/**
 * One case: a name and the function benchmark.js calls repeatedly; an `async` case returns a
 * promise and is timed as a deferred benchmark (each call awaited before the next).
 */
export interface BennyCase {
  readonly name: string;
  readonly fn: () => unknown;
  readonly async?: boolean;
}

/** Timing of one case. */
export interface BennyTiming {
  readonly name: string;
  /** Median time of one call in ms (benchmark.js samples are mean times per call of a cycle). */
  readonly medianMs: number;
  readonly samples: number;
  /** Fastest sample, ms per call. */
  readonly minMs: number;
  /** Relative margin of error, percent. */
  readonly rme: number;
  /** Who timed it: benny (benchmark.js), or lowbit's own loop when benny is not installed. */
  readonly harness: 'benny' | 'lowbit';
  /** With several passes (combinePasses): each pass's median, in pass order. */
  readonly passMedians?: readonly number[];
}

/**
 * The spread of a case's samples for the row's note: on a shared or virtual machine single
 * samples can stall for hundreds of ms, and the median of a few samples shows it.
 */
export function spreadNote(t: BennyTiming): string {
  const who = t.harness === 'benny' ? 'benny' : 'lowbit loop (benny not installed)';
  if (t.passMedians && t.passMedians.length > 1) {
    return `${who}: median of ${t.passMedians.length} passes' medians (${t.passMedians.map((v) => v.toPrecision(3)).join(', ')} ms; ${t.samples} samples in all), fastest ${t.minMs.toPrecision(3)} ms, largest rme ${t.rme.toFixed(0)}%`;
  }
  return `${who}: median of ${t.samples} samples, fastest ${t.minMs.toPrecision(3)} ms, rme ${t.rme.toFixed(0)}%`;
}

/**
 * One timing per case from several passes of the same suite (`passes[i]` = pass i's timings): the
 * median of the passes' medians, every sample counted, the fastest sample, the largest rme, and
 * the passes' medians in `passMedians` for the note.
 */
export function combinePasses(passes: readonly Map<string, BennyTiming>[]): Map<string, BennyTiming> {
  const out = new Map<string, BennyTiming>();
  const first = passes[0];
  if (!first) return out;
  if (passes.length === 1) return new Map(first);
  for (const name of first.keys()) {
    const ts = passes.map((p) => p.get(name)).filter((t): t is BennyTiming => t !== undefined);
    const meds = ts.map((t) => t.medianMs);
    out.set(name, {
      name,
      medianMs: median(meds),
      samples: ts.reduce((a, t) => a + t.samples, 0),
      minMs: Math.min(...ts.map((t) => t.minMs)),
      rme: Math.max(...ts.map((t) => t.rme)),
      harness: (ts[0] as BennyTiming).harness,
      passMedians: meds,
    });
  }
  return out;
}

/** Options of {@link runBennySuite}. */
export interface BennyOptions {
  /** benchmark.js maxTime per case, seconds. */
  readonly maxTime: number;
  readonly minSamples: number;
  /** Where to save benny's chart (chart.html); none when absent. */
  readonly chart?: { readonly folder: string; readonly file: string };
  /** Called after each case with its name (progress on stderr). */
  readonly onCase?: (name: string, done: number, total: number) => void;
}

const MS_PER_S = 1e3;

/** Sends console.log to stderr while `body` runs (benny logs with console.log). */
async function logToStderr<T>(body: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = (...args: unknown[]) => {
    process.stderr.write(`${args.map(String).join(' ')}\n`);
  };
  try {
    return await body();
  } finally {
    console.log = log;
  }
}

type Benny = typeof import('benny');
let bennyModule: Promise<Benny | null> | undefined;

/** benny when it is installed, else null (it is a devDependency, optional for the package). */
function loadBenny(): Promise<Benny | null> {
  bennyModule ??= import('benny').then(
    (m) => m,
    () => null,
  );
  return bennyModule;
}

/** Two-sided 95% Student t for `df` degrees of freedom (benchmark.js's table, rounded; 1.96 beyond 30). */
function tValue(df: number): number {
  const table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
  return df >= 1 && df <= table.length ? (table[df - 1] as number) : 1.96;
}

/** Times one case without benny: a warm-up call, then one call per sample until maxTime and minSamples are both reached. */
async function timeWithLoop(c: BennyCase, opts: BennyOptions): Promise<BennyTiming> {
  await c.fn();
  const samples: number[] = [];
  const deadline = performance.now() + opts.maxTime * MS_PER_S;
  while (samples.length < Math.max(1, opts.minSamples) || performance.now() < deadline) {
    const t0 = performance.now();
    if (c.async) await c.fn();
    else c.fn();
    samples.push(performance.now() - t0);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const med = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const variance = samples.length > 1 ? samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1) : 0;
  const sem = Math.sqrt(variance / samples.length);
  const rme = mean > 0 ? ((sem * tValue(samples.length - 1)) / mean) * 100 : 0;
  return { name: c.name, medianMs: med, samples: samples.length, minMs: sorted[0] as number, rme, harness: 'lowbit' };
}

/** Runs `cases` as one benny suite named `title` (lowbit's own loop without benny); returns timings by case name. */
export async function runBennySuite(title: string, cases: readonly BennyCase[], opts: BennyOptions): Promise<Map<string, BennyTiming>> {
  const out = new Map<string, BennyTiming>();
  if (cases.length === 0) return out;
  const benny = await loadBenny();
  if (!benny) {
    for (const [i, c] of cases.entries()) {
      out.set(c.name, await timeWithLoop(c, opts));
      opts.onCase?.(c.name, i + 1, cases.length);
    }
    return out;
  }
  const { add, complete, cycle, save, suite } = benny;
  let done = 0;
  const caseOptions = { maxTime: opts.maxTime, minSamples: opts.minSamples, delay: 0 };
  const summary = await logToStderr(() =>
    suite(
      title,
      // benny treats a function returning a function as setup + body: wrap so ours never looks like that.
      ...cases.map((c) =>
        add(
          c.name,
          c.async
            ? async () => {
                await c.fn();
              }
            : () => {
                c.fn();
              },
          caseOptions,
        ),
      ),
      cycle((result) => {
        done++;
        opts.onCase?.(result.name, done, cases.length);
        return undefined;
      }),
      complete(() => undefined),
      ...(opts.chart ? [save({ file: opts.chart.file, folder: opts.chart.folder, format: 'chart.html' as const })] : []),
    ),
  );
  for (const r of summary.results) {
    const sampleMs = r.details.sampleResults.map((s) => s * MS_PER_S);
    out.set(r.name, { name: r.name, medianMs: r.details.median * MS_PER_S, samples: sampleMs.length, minMs: Math.min(...sampleMs), rme: r.details.relativeMarginOfError, harness: 'benny' });
  }
  return out;
}
