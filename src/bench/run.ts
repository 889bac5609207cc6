/**
 * `lowbit bench` as a function: resolves the preset from bench/shapes.json, acquires the GPU when
 * a GPU or peer suite runs, runs the suites in order (quantize, cpu, gpu, peers), derives the
 * headlines and writes JSON, CSV, markdown and benny's charts to the output folder.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { acquireGpu, type LowbitGpu } from '../gpu/device.js';
import { BenchContext } from './context.js';
import { describeEnvironment } from './environment.js';
import { errorText, makeRow } from './measure.js';
import { writeReportFiles } from './output.js';
import { loadPreset } from './shapes-file.js';
import { headlines } from './summarize.js';
import { runCpuSuite } from './suite-cpu.js';
import { runGpuSuite } from './suite-gpu.js';
import { runPeersSuite, type PeerProvider } from './suite-peers.js';
import { runQuantizeSuite } from './suite-quantize.js';
import { SUITE_NAMES, type BenchReport, type SuiteName } from './types.js';

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** Preset name in bench/shapes.json (tiny, small, llm, quantize). */
  readonly preset: string;
  /** Suites to run (default: all, in SUITE_NAMES order). */
  readonly suites?: readonly SuiteName[];
  /** Folder for latest.{json,csv,md} and charts/; none written when absent. */
  readonly outDir?: string;
  /** Save benny's charts (default true when outDir is set). */
  readonly charts?: boolean;
  /** onnxruntime providers to try (default both); a provider left out is reported 'unavailable: not requested'. */
  readonly peerProviders?: readonly PeerProvider[];
  /** Progress lines (default: none). */
  readonly progress?: (line: string) => void;
}

const MS_PER_S = 1e3;

/** Runs the benchmark and returns the report (and writes its files when outDir is given). */
export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const preset = loadPreset(opts.preset);
  const suites = SUITE_NAMES.filter((s) => (opts.suites ?? SUITE_NAMES).includes(s));
  const progress = opts.progress ?? (() => undefined);
  const started = new Date();
  const t0 = performance.now();
  let gpu: LowbitGpu | { readonly unavailable: string } = { unavailable: 'not requested (no GPU or peer suite in this run)' };
  if (suites.includes('gpu') || suites.includes('peers')) {
    try {
      gpu = await acquireGpu();
      progress(`adapter: ${gpu.describe()}`);
    } catch (err) {
      gpu = { unavailable: errorText(err) };
      progress(`no GPU: ${gpu.unavailable}`);
    }
  }
  try {
    const env = describeEnvironment(gpu, started);
    const ctx = new BenchContext(preset, gpu, opts.outDir, opts.charts ?? opts.outDir !== undefined, progress);
    const runners: Record<SuiteName, (c: BenchContext) => Promise<void>> = {
      quantize: runQuantizeSuite,
      cpu: runCpuSuite,
      gpu: runGpuSuite,
      peers: (c) => runPeersSuite(c, opts.peerProviders ?? ['cpu', 'webgpu']),
    };
    for (const suite of suites) {
      progress(`== ${suite} ==`);
      try {
        await runners[suite](ctx);
      } catch (err) {
        progress(`${suite} suite failed: ${errorText(err)}`);
        ctx.rows.push(
          makeRow({ suite, role: 'kernel', layer: '-', m: 0, n: 0, k: 0, scheme: '-', group: 0, kernel: '-', status: 'error', note: `suite failed: ${errorText(err)}`, timer: 'none', bytes: 0, flops: 0 }),
        );
      }
    }
    const report: BenchReport = {
      schema: 'lowbit-bench/1',
      preset: preset.name,
      suites,
      timing: preset.timing,
      environment: { ...env, loadAvgEnd: loadavg()[0] ?? 0 },
      durationS: (performance.now() - t0) / MS_PER_S,
      rows: ctx.rows,
      headlines: headlines(ctx.rows),
      files: ctx.files,
    };
    if (opts.outDir === undefined) return report;
    const names = writeReportFiles(opts.outDir, report);
    return { ...report, files: [...names, ...report.files] };
  } finally {
    if (!('unavailable' in gpu)) gpu.destroy();
  }
}
