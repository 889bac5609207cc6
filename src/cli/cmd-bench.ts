/** `lowbit bench`: quantize throughput, CPU and GPU kernels, and onnxruntime peers on the shapes of bench/shapes.json. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SHAPES_URL } from '../bench/shapes-file.js';
import { TUNE_KEYS } from '../bench/tune.js';
import { performance } from 'node:perf_hooks';
import { runBench } from '../bench/run.js';
import { toTerminal } from '../bench/output.js';
import { SUITE_NAMES, type SuiteName } from '../bench/types.js';
import { parse, UsageError } from './args.js';
import type { Command } from './commands.js';
import type { PeerProvider } from '../bench/suite-peers.js';

/**
 * Default output folder, relative to the working directory. Never the committed bench/results of
 * a checkout: `npm run bench` passes `--out bench/results` explicitly to refresh those.
 */
const DEFAULT_OUT = 'bench-results';
const PRESETS = ['tiny', 'small', 'llm', 'quantize'] as const;
const MS_PER_S = 1e3;
/** Most passes --rounds takes (each pass repeats the timing of the cpu and peers suites). */
const MAX_ROUNDS = 9;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark quantize, CPU and GPU kernels and onnxruntime peers; write JSON, CSV, markdown',
  help: [
    'Usage: lowbit bench [--preset tiny|small|llm|quantize] [--only cpu|gpu|peers|quantize[,...]] [--peers cpu,webgpu]',
    '                    [--layers NAME[,...]] [--rounds N] [--tune | --tuning FILE] [--out DIR] [--no-files] [--json]',
    '',
    'Runs the benchmark suites on the shapes of bench/shapes.json:',
    '  quantize  quantize throughput per scheme, MB/s of f32 input: the fast path on one thread (benny)',
    '            and on every core, and the reference',
    '  cpu       CPU GEMV/GEMM per scheme x kernel, beside an f32 loop and a memcpy of the same bytes (benny)',
    '  gpu       GPU GEMV/GEMM per scheme x kernel variant, kernel only (timestamp-query when available,',
    '            else wall clock; every row says which), beside the f32 variants and a copy kernel',
    '  peers     onnxruntime-node MatMulNBits (CPU and WebGPU providers) on the same weights, output',
    "            checked against lowbit's f64 oracle, reported as a ratio to lowbit",
    'Every row has effective GB/s, GFLOP/s and its fraction of the copy bandwidth. Progress goes to',
    'stderr; the table (or JSON) to stdout; DIR/latest.{json,csv,md} and benny charts in DIR/charts.',
    '',
    'Options:',
    '  --preset P   tiny (seconds), small (default; minutes on 2 cores + SwiftShader), llm (real LLM layers),',
    '               quantize (the quantizer only: every scheme at 4096 x 4096, fast path, threads, reference)',
    '  --only S     run only these suites (comma-separated)',
    '  --peers P    onnxruntime providers to try: cpu, webgpu or both (default cpu,webgpu)',
    "  --layers L   keep only these layers of the preset (names in bench/shapes.json, e.g. attn-4k)",
    '  --rounds N   time the cpu and peers suites in N passes over all their cases (1-9, default 1) and',
    "               report each case's median of its passes' medians: on a shared or noisy machine a burst",
    '               of load then moves one pass of every case instead of a few cases of the only pass',
    '  --tune       first sweep the GPU kernels\' workgroup constants (WG_SIZE, lanes per row TPR, rows per',
    '               lane RPT / TILE_M) per kernel family on the preset\'s first GPU layer, use the fastest for',
    '               the run and write them to DIR/tuning-<adapter>.json',
    '  --tune-only K  as --tune, sweeping only these family-shape keys (e.g. dequant-gemv,lut-gemv)',
    '  --tuning F   use the workgroup constants recorded in F (a tuning-<adapter>.json from --tune)',
    `  --out DIR    output folder (default ${DEFAULT_OUT})`,
    '  --no-files   write no files',
    '  --json       print the JSON report to stdout instead of the table',
  ].join('\n'),
  async run(argv) {
    const o = parse(argv, {
      preset: { type: 'string', default: 'small' },
      only: { type: 'string' },
      peers: { type: 'string' },
      out: { type: 'string' },
      'no-files': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      layers: { type: 'string' },
      rounds: { type: 'string' },
      tune: { type: 'boolean', default: false },
      tuning: { type: 'string' },
      'tune-only': { type: 'string' },
    });
    const preset = o.preset ?? 'small';
    if (!(PRESETS as readonly string[]).includes(preset)) throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}, got '${preset}'`);
    let suites: SuiteName[] | undefined;
    if (o.only !== undefined) {
      const names = o.only.split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of names) if (!(SUITE_NAMES as readonly string[]).includes(s)) throw new UsageError(`--only takes ${SUITE_NAMES.join(', ')}; got '${s}'`);
      if (names.length === 0) throw new UsageError('--only needs at least one suite');
      suites = names as SuiteName[];
    }
    let peerProviders: PeerProvider[] | undefined;
    if (o.peers !== undefined) {
      const names = o.peers.split(',').map((s) => s.trim()).filter(Boolean);
      for (const p of names) if (p !== 'cpu' && p !== 'webgpu') throw new UsageError(`--peers takes cpu and/or webgpu; got '${p}'`);
      peerProviders = names as PeerProvider[];
    }
    if (o['no-files'] && o.out !== undefined) throw new UsageError('--out and --no-files contradict each other');
    let tuneKeys: string[] | undefined;
    if (o['tune-only'] !== undefined) {
      tuneKeys = o['tune-only'].split(',').map((s) => s.trim()).filter(Boolean);
      for (const key of tuneKeys) if (!TUNE_KEYS.includes(key)) throw new UsageError(`--tune-only takes ${TUNE_KEYS.join(', ')}; got '${key}'`);
      if (tuneKeys.length === 0) throw new UsageError('--tune-only needs at least one key');
    }
    const tune = o.tune || tuneKeys !== undefined;
    if (tune && o.tuning !== undefined) throw new UsageError('--tune and --tuning contradict each other: --tune measures, --tuning reuses a recorded sweep');
    let layers: string[] | undefined;
    if (o.layers !== undefined) {
      layers = o.layers.split(',').map((s) => s.trim()).filter(Boolean);
      const known = Object.keys((JSON.parse(readFileSync(SHAPES_URL, 'utf8')) as { layers: Record<string, unknown> }).layers);
      for (const l of layers) if (!known.includes(l)) throw new UsageError(`--layers: unknown layer '${l}' (bench/shapes.json has ${known.join(', ')})`);
      if (layers.length === 0) throw new UsageError('--layers needs at least one layer name');
    }
    let tuningRecord: { text: string; source: string } | undefined;
    if (o.tuning !== undefined) {
      if (!existsSync(o.tuning)) throw new UsageError(`--tuning: no such file ${o.tuning}`);
      tuningRecord = { text: readFileSync(o.tuning, 'utf8'), source: o.tuning };
    }
    let rounds: number | undefined;
    if (o.rounds !== undefined) {
      rounds = Number(o.rounds);
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_ROUNDS) throw new UsageError(`--rounds takes a whole number from 1 to ${MAX_ROUNDS}, got '${o.rounds}'`);
    }
    const outDir = o['no-files'] ? undefined : resolve(o.out ?? DEFAULT_OUT);
    const t0 = performance.now();
    const report = await runBench({
      preset,
      ...(suites ? { suites } : {}),
      ...(outDir !== undefined ? { outDir } : {}),
      ...(peerProviders ? { peerProviders } : {}),
      ...(layers ? { layers } : {}),
      ...(rounds !== undefined ? { rounds } : {}),
      ...(tune ? { tune: true } : {}),
      ...(tuneKeys ? { tuneKeys } : {}),
      ...(tuningRecord ? { tuningRecord } : {}),
      progress: (line) => process.stderr.write(`[${((performance.now() - t0) / MS_PER_S).toFixed(1).padStart(6)} s] ${line}\n`),
    });
    if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(toTerminal(report));
    if (outDir !== undefined) process.stderr.write(`wrote ${report.files.map((f) => `${outDir}/${f}`).join(', ')}\n`);
    const failed = report.rows.filter((r) => r.status === 'wrong' || r.status === 'error');
    return failed.some((r) => r.status === 'wrong' && r.role !== 'peer') ? 1 : 0;
  },
};
