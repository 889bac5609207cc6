/**
 * CPU timing through benny (benchmark.js): one benny suite per (layer, M) with a case per
 * scheme x kernel plus the baselines, its chart saved beside the results. benny prints to
 * stdout; while a suite runs that output goes to stderr so `--json` keeps stdout clean.
 */
import { add, complete, cycle, save, suite } from 'benny';

/** One case: a name and the synchronous function benchmark.js calls repeatedly. */
export interface BennyCase {
  readonly name: string;
  readonly fn: () => unknown;
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
}

/**
 * The spread of a case's samples for the row's note: on a shared or virtual machine single
 * samples can stall for hundreds of ms, and the median of a few samples shows it.
 */
export function spreadNote(t: BennyTiming): string {
  return `benny: median of ${t.samples} samples, fastest ${t.minMs.toPrecision(3)} ms, rme ${t.rme.toFixed(0)}%`;
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

/** Runs `cases` as one benny suite named `title`; returns timings by case name. */
export async function runBennySuite(title: string, cases: readonly BennyCase[], opts: BennyOptions): Promise<Map<string, BennyTiming>> {
  const out = new Map<string, BennyTiming>();
  if (cases.length === 0) return out;
  let done = 0;
  const caseOptions = { maxTime: opts.maxTime, minSamples: opts.minSamples, delay: 0 };
  const summary = await logToStderr(() =>
    suite(
      title,
      // benny treats a function returning a function as setup + body: wrap so ours never looks like that.
      ...cases.map((c) =>
        add(
          c.name,
          () => {
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
    out.set(r.name, { name: r.name, medianMs: r.details.median * MS_PER_S, samples: sampleMs.length, minMs: Math.min(...sampleMs), rme: r.details.relativeMarginOfError });
  }
  return out;
}
