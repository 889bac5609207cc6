/** `lowbit bench`: quantize throughput, CPU and GPU kernels, and onnxruntime peers on the shapes of bench/shapes.json. */
import { resolve } from 'node:path';
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

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark quantize, CPU and GPU kernels and onnxruntime peers; write JSON, CSV, markdown',
  help: [
    'Usage: lowbit bench [--preset tiny|small|llm|quantize] [--only cpu|gpu|peers|quantize[,...]] [--peers cpu,webgpu]',
    '                    [--out DIR] [--no-files] [--json]',
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
    const outDir = o['no-files'] ? undefined : resolve(o.out ?? DEFAULT_OUT);
    const t0 = performance.now();
    const report = await runBench({
      preset,
      ...(suites ? { suites } : {}),
      ...(outDir !== undefined ? { outDir } : {}),
      ...(peerProviders ? { peerProviders } : {}),
      progress: (line) => process.stderr.write(`[${((performance.now() - t0) / MS_PER_S).toFixed(1).padStart(6)} s] ${line}\n`),
    });
    if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(toTerminal(report));
    if (outDir !== undefined) process.stderr.write(`wrote ${report.files.map((f) => `${outDir}/${f}`).join(', ')}\n`);
    const failed = report.rows.filter((r) => r.status === 'wrong' || r.status === 'error');
    return failed.some((r) => r.status === 'wrong' && r.role !== 'peer') ? 1 : 0;
  },
};
