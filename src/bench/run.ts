/**
 * `lowbit bench` as a function: resolves the preset from bench/shapes.json, acquires the GPU when
 * a GPU or peer suite runs, runs the suites in order (quantize, cpu, gpu, peers), derives the
 * headlines and writes JSON, CSV, markdown and benny's charts to the output folder.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { tuningTable } from '../gpu/tuning.js';
import { applyTuningRecord, runTuning, tuningFileName } from './tune.js';
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
  /** Keep only these layers (bench/shapes.json names) in every suite of the preset. */
  readonly layers?: readonly string[];
  /** Passes over the cpu and peers suites' cases (TimingSettings.rounds; default the preset's, else 1). */
  readonly rounds?: number;
  /** Sweep the GPU kernels' workgroup constants first and use the best (lowbit bench --tune). */
  readonly tune?: boolean;
  /** With `tune`: sweep only these (family, shape) keys, e.g. 'dequant-gemv' (default: all). */
  readonly tuneKeys?: readonly string[];
  /** A tuning record (JSON text of a tuning-<adapter>.json) to apply before the suites. */
  readonly tuningRecord?: { readonly text: string; readonly source: string };
}

const MS_PER_S = 1e3;

/** Runs the benchmark and returns the report (and writes its files when outDir is given). */
export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const full = loadPreset(opts.preset);
  const keep = opts.layers;
  const pick = <T extends { layer: { name: string } }>(list: readonly T[]) => (keep ? list.filter((c) => keep.includes(c.layer.name)) : list);
  const timing = opts.rounds !== undefined ? { ...full.timing, rounds: opts.rounds } : full.timing;
  const preset = { ...full, timing, quantize: pick(full.quantize), cpu: pick(full.cpu), gpu: pick(full.gpu), peers: pick(full.peers) };
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
    let tuning: BenchReport['tuning'];
    let tuningFile: { name: string; text: string } | undefined;
    if (!('unavailable' in gpu) && (opts.tune || opts.tuningRecord)) {
      let source = 'defaults';
      if (opts.tuningRecord) {
        applyTuningRecord(gpu, JSON.parse(opts.tuningRecord.text) as unknown, opts.tuningRecord.source);
        source = opts.tuningRecord.source;
        progress(`tuning from ${source}`);
      }
      let sweep: NonNullable<BenchReport['tuning']>['sweep'];
      if (opts.tune) {
        progress('== tune ==');
        const rec = await runTuning(ctx, gpu, opts.tuneKeys);
        source = 'lowbit bench --tune';
        sweep = rec.results.map((r) => ({ key: r.key, variant: r.variant, scheme: r.scheme, layer: r.layer, m: r.m, bestMs: r.bestMs, defaultMs: r.defaultMs, candidates: r.candidates.length }));
        tuningFile = { name: tuningFileName(gpu), text: `${JSON.stringify(rec, null, 2)}\n` };
      }
      tuning = { table: tuningTable(gpu), source, ...(sweep ? { sweep } : {}) };
    }
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
      headlines: headlines(ctx.rows, ctx.pairs),
      pairs: ctx.pairs,
      files: ctx.files,
      ...(tuning ? { tuning } : {}),
    };
    if (opts.outDir === undefined) return report;
    const names = writeReportFiles(opts.outDir, report);
    if (tuningFile) {
      writeFileSync(join(opts.outDir, tuningFile.name), tuningFile.text);
      names.push(tuningFile.name);
    }
    return { ...report, files: [...names, ...report.files] };
  } finally {
    if (!('unavailable' in gpu)) gpu.destroy();
  }
}
