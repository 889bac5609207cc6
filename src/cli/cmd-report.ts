/**
 * `lowbit report` (npm start): every scheme on the embedded sample, one row each; then every CPU
 * kernel checked against the f64 oracle; then the GPU kernels checked on this machine's adapter.
 * With `--in PATH` (a .npy, .safetensors, index.json or directory): the model report, every 2-D
 * tensor x scheme (src/cli/report-model.ts).
 */
import { ALL_SCHEME_NAMES, getScheme, type AnySchemeName } from '../quant/schemes.js';
import { evaluateScheme, evaluationJson, type SchemeEvaluation } from '../quant/evaluate.js';
import { CPU_KERNELS, CPU_KERNEL_NAMES, checkCpuKernel, runCpuKernel } from '../cpu/kernels.js';
import { WASM_KERNELS, WASM_KERNEL_NAMES, checkWasmKernel, wasmReferenceMismatch } from '../cpu/wasm-kernels.js';
import { WasmArena, runWasmKernelSync } from '../cpu/wasm-arena.js';
import { matmulRef } from '../cpu/matmul-ref.js';
import { sampleActivations } from '../io/sample.js';
import { acquireGpu } from '../gpu/device.js';
import { verifyMatrix, type VerifyRow } from '../gpu/verify.js';
import { GPU_KERNEL_VARIANTS } from '../gpu/kernels.js';
import { intOption, parse, schemeListArg, UsageError } from './args.js';
import type { Command } from './commands.js';
import { scaleOptions, schemeTable } from './cmd-quantize.js';
import { formatTable, sig } from './table.js';
import { loadWeightInput } from './weights-input.js';
import { budgetOption, outputFormat, runModelReportCommand } from './report-model.js';
import { threadedQuantizer } from '../report/tensor-quantizer.js';
import { defaultQuantizeThreads } from '../quant/quantize-threads.js';
import { MODEL_INPUTS } from '../io/node-model.js';
import type { QuantizeOptions } from '../quant/quantize.js';

/** Schemes whose GPU kernels the report checks by default: one per family of layouts (q4_k: llama.cpp's, with per-group offsets). */
const GPU_REPORT_SCHEMES = ['int4', 'int2', 'int3_asym', 'ternary', 'bitmod4', 'nf4', 'mxfp4', 'nvfp4', 'q4_k'] as const;

/** The report checks lowbit's kernels; the f32 baselines on dequantized weights are in `lowbit verify`. */
const GPU_REPORT_VARIANTS = GPU_KERNEL_VARIANTS.filter((v) => v.family !== 'f32').map((v) => v.name);

/** Activation rows used for the kernel checks (M = 1 is the decode case). */
const REPORT_M = 1;

/** Parses --schemes a,b,... (each a registered scheme), or every scheme without it. */
export function schemeList(value: string | undefined): AnySchemeName[] {
  return value === undefined ? [...ALL_SCHEME_NAMES] : schemeListArg(value, '--schemes');
}

/** One CPU kernel x scheme agreement row. */
export interface KernelAgreement {
  readonly scheme: string;
  readonly kernel: string;
  readonly ok: boolean;
  readonly worstRatio: number;
  readonly maxAbsErr: number;
  readonly ms: number;
  readonly message: string;
}

/**
 * Runs every CPU kernel on every scheme it supports and checks it against the oracle: the
 * TypeScript references, then the WebAssembly SIMD kernels (one thread; also bit for bit against
 * their TypeScript reference where their arithmetic matches one). Where WebAssembly SIMD does not
 * run, its kernels are left out and `wasmUnavailable` says why.
 */
export function cpuAgreement(results: readonly SchemeEvaluation[], m: number): KernelAgreement[] & { wasmUnavailable?: string } {
  const rows: KernelAgreement[] & { wasmUnavailable?: string } = [];
  let arena: WasmArena | undefined;
  try {
    arena = WasmArena.createSync('plain');
  } catch (err) {
    rows.wasmUnavailable = (err as Error).message;
  }
  for (const r of results) {
    const x = sampleActivations(m, r.cols).data;
    const ref = matmulRef(x, r.qt, m);
    for (const name of CPU_KERNEL_NAMES) {
      if (name === 'ref') continue;
      const kernel = CPU_KERNELS[name];
      if (kernel.supports(r.qt) !== true) continue;
      const t0 = performance.now();
      const y = runCpuKernel(kernel, x, m, r.qt);
      const ms = performance.now() - t0;
      const check = checkCpuKernel(kernel, x, m, r.qt, y, ref);
      rows.push({ scheme: r.scheme, kernel: name, ok: check.ok, worstRatio: check.worstRatio, maxAbsErr: check.maxAbsErr, ms, message: check.message });
    }
    if (!arena) continue;
    for (const name of WASM_KERNEL_NAMES) {
      const kernel = WASM_KERNELS[name];
      if (kernel.supports(r.qt) !== true) continue;
      const t0 = performance.now();
      const y = runWasmKernelSync(kernel, arena, x, m, r.qt);
      const ms = performance.now() - t0;
      const check = checkWasmKernel(kernel, x, m, r.qt, y, ref);
      const mismatch = wasmReferenceMismatch(name, x, m, r.qt, y);
      const message = mismatch === undefined ? check.message : `${check.message}; ${mismatch}`;
      rows.push({ scheme: r.scheme, kernel: name, ok: check.ok && mismatch === undefined, worstRatio: check.worstRatio, maxAbsErr: check.maxAbsErr, ms, message });
    }
    arena.clearWeights();
  }
  return rows;
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'the main report: every scheme on the sample (or your weights), kernels checked on CPU and GPU',
  help: [
    'Usage: lowbit report [--schemes a,b,...] [--group G] [--no-gpu] [--gpu-all] [--json]',
    '       lowbit report --in PATH [--tensors REGEX] [--schemes a,b,...] [--group G] [--budget B]',
    '                     [--activations FILE] [--json | --csv] [--out FILE] [--quiet]',
    '',
    'Without --in: quantizes the embedded sample weights (a deterministic synthetic matrix with',
    "LLM-like statistics: heavy tails and a few outlier input channels) with every scheme (lowbit's,",
    "then llama.cpp's ggml block formats q4_0 ... tq2_0, skipped where K is not a multiple of their",
    'block) at its default group size and prints one row per scheme: bits/weight with all metadata,',
    'NMSE, SQNR, max |error|, cosine similarity and quantize time. Then every CPU kernel (dequant,',
    'lut-f32, lut-i8, bitserial) and every WebAssembly SIMD kernel (wasm-dequant, wasm-dequant-i8,',
    'wasm-lut-i8, wasm-bitserial; one thread) runs a GEMV (M = 1) on each scheme it supports and is',
    'checked against the f64 oracle under its error bound (the WebAssembly ones also bit for bit',
    "against their TypeScript reference where one exists). Then the GPU kernels run on this machine's WebGPU",
    'adapter on the sample and are checked the same way (`lowbit verify` has the full matrix).',
    '`npm start` runs this report. Exit status 1 if any check fails.',
    '',
    `With --in PATH (${MODEL_INPUTS}, e.g. a sharded`,
    'checkpoint with its model.safetensors.index.json): the model report. Every 2-D tensor x every',
    'scheme, reading one tensor at a time (only its bytes; F32/F16/BF16/F64 converted to f32), with',
    'bits/weight, NMSE, SQNR, max |error|, cosine, quantize time and mixture variant shares; model',
    'totals per scheme (the tensors as one vector of weights: bits/weight and MSE weighted by',
    'element count); the worst tensors first; progress and time left on stderr. A scheme that',
    'cannot take a tensor (a group that does not divide K, NaN weights) gives a refused row.',
    '',
    'Options:',
    '  --in PATH           a model (see above) instead of the sample',
    '  --tensors REGEX     only tensors whose name matches (a JavaScript regular expression)',
    '  --tensor NAME       only the tensor named NAME',
    '  --schemes a,b,...   schemes to run (default: every scheme)',
    "  --group G           group size for every scheme: G > 0, 0 per channel, -1 per tensor",
    '  --scale R           absmax (default) or mse; --scale-dtype f32|f16 where a scheme allows',
    '  --budget B          plan one scheme per tensor for the least total squared error with',
    '                      average bits/weight <= B (exact), among the schemes measured',
    '  --activations FILE  activations X (one tensor shared by all, or one per layer named as the',
    "                      weight or without '.weight'): adds ||XW^T - XWq^T|| / ||XW^T|| per row",
    '  --json, --csv       JSON (everything) or CSV (one line per tensor x scheme) instead of tables',
    '  --out FILE          write the report to FILE atomically (format from --json/--csv or the',
    '                      extension .json/.csv); Ctrl-C never leaves a partial file',
    '  --threads N         quantize each tensor on N worker threads (default: the logical cores; 1: this thread)',
    '  --quiet             no progress on stderr',
    `  --gpu-all           (sample) check the GPU kernels on every scheme (default: ${GPU_REPORT_SCHEMES.join(' ')})`,
    '  --no-gpu            (sample) skip the GPU section',
  ].join('\n'),
  async run(argv) {
    const o = parse(argv, {
      in: { type: 'string' },
      tensor: { type: 'string' },
      tensors: { type: 'string' },
      schemes: { type: 'string' },
      group: { type: 'string' },
      scale: { type: 'string' },
      'scale-dtype': { type: 'string' },
      budget: { type: 'string' },
      activations: { type: 'string' },
      json: { type: 'boolean', default: false },
      csv: { type: 'boolean', default: false },
      out: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      threads: { type: 'string' },
      'no-gpu': { type: 'boolean', default: false },
      'gpu-all': { type: 'boolean', default: false },
    });
    const schemes = schemeList(o.schemes);
    const group = intOption(o.group, '--group');
    const quantizeOptions: QuantizeOptions = { ...scaleOptions(o.scale, o['scale-dtype']), ...(group !== undefined ? { group } : {}) };
    if (o.in !== undefined) {
      return runModelReportCommand({
        in: o.in,
        schemes,
        quantizeOptions,
        ...(o.tensors !== undefined ? { tensors: o.tensors } : {}),
        ...(o.tensor !== undefined ? { tensor: o.tensor } : {}),
        ...(o.budget !== undefined ? { budget: budgetOption(o.budget) } : {}),
        ...(o.activations !== undefined ? { activations: o.activations } : {}),
        format: outputFormat(o.json, o.csv, o.out),
        ...(o.out !== undefined ? { out: o.out } : {}),
        quiet: o.quiet,
        quantizer: threadedQuantizer(threadsOption(o.threads)),
      });
    }
    if (o.threads !== undefined) throw new UsageError('--threads needs --in PATH (a model to report on)');
    for (const flag of ['tensor', 'tensors', 'budget', 'activations', 'out'] as const) {
      if (o[flag] !== undefined) throw new UsageError(`--${flag} needs --in PATH (a model to report on)`);
    }
    if (o.csv) throw new UsageError('--csv needs --in PATH (a model to report on)');
    const input = await loadWeightInput(undefined, undefined);
    const progress = !o.json && process.stderr.isTTY;
    const say = (text: string) => {
      if (progress) process.stderr.write(`\r\x1b[K${text}`);
    };
    const results: SchemeEvaluation[] = [];
    const refused: { scheme: string; reason: string }[] = [];
    const skipped: string[] = [];
    for (const [i, s] of schemes.entries()) {
      say(`quantizing ${i + 1}/${schemes.length} ${s}`);
      // ggml block formats need K to be a multiple of their block (32 or 256): skip them otherwise.
      const block = getScheme(s).family === 'ggml' ? getScheme(s).fixedBlock : undefined;
      if (block !== undefined && input.cols % block !== 0) {
        skipped.push(`${s} (K=${input.cols} is not a multiple of its block of ${block})`);
        continue;
      }
      try {
        results.push(evaluateScheme(input.data, input.rows, input.cols, s, quantizeOptions));
      } catch (err) {
        refused.push({ scheme: s, reason: (err as Error).message });
      }
    }
    say('checking CPU kernels');
    const cpu = cpuAgreement(results, REPORT_M);

    let gpuRows: VerifyRow[] = [];
    let gpuAdapter = 'skipped (--no-gpu)';
    let gpuError: string | undefined;
    if (!o['no-gpu']) {
      try {
        const gpu = await acquireGpu();
        try {
          gpuAdapter = gpu.describe();
          const schemes = o['gpu-all'] ? ALL_SCHEME_NAMES : GPU_REPORT_SCHEMES;
          gpuRows = await verifyMatrix(gpu, { schemes, variants: GPU_REPORT_VARIANTS, onRow: (r) => say(`checking GPU kernels: ${r.scheme} ${r.variant}`) });
        } finally {
          gpu.destroy();
        }
      } catch (err) {
        gpuError = (err as Error).message;
        gpuAdapter = `unavailable: ${gpuError}`;
      }
    }
    if (progress) process.stderr.write('\r\x1b[K');

    const cpuBad = cpu.filter((r) => !r.ok);
    const gpuBad = gpuRows.filter((r) => r.status === 'fail' || r.status === 'error');
    const ok = cpuBad.length === 0 && gpuBad.length === 0;
    if (o.json) {
      const payload = {
        input: { name: input.name, shape: [input.rows, input.cols] },
        schemes: results.map(evaluationJson),
        ...(skipped.length ? { skipped } : {}),
        ...(refused.length > 0 ? { refused } : {}),
        cpuKernels: cpu,
        ...(cpu.wasmUnavailable === undefined ? {} : { wasmUnavailable: cpu.wasmUnavailable }),
        gpu: { adapter: gpuAdapter, ...(gpuError ? { error: gpuError } : {}), rows: gpuRows },
        ok,
      };
      process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
      return ok ? 0 : 1;
    }
    const out: string[] = [];
    const groupText = group === undefined ? 'at its default group' : `with --group ${group}`;
    out.push(`lowbit report: ${input.name} [${input.rows} x ${input.cols}], ${o.schemes === undefined ? 'every scheme' : 'each scheme'} ${groupText}`, '');
    out.push(schemeTable(results), '');
    if (skipped.length) out.push(`skipped: ${skipped.join('; ')}`, '');
    for (const r of refused) out.push(`refused ${r.scheme}: ${r.reason}`);
    if (refused.length > 0) out.push('');
    out.push(`CPU kernels vs the f64 oracle (GEMV, M = ${REPORT_M}; err/bound <= 1 passes):`, '');
    out.push(cpuKernelTable(cpu, CPU_KERNEL_NAMES.filter((k) => k !== 'ref')), '');
    out.push(`WebAssembly SIMD kernels vs the f64 oracle (one thread; also bit for bit against their TypeScript reference where one exists):`, '');
    out.push(cpu.wasmUnavailable === undefined ? cpuKernelTable(cpu, WASM_KERNEL_NAMES) : `skipped: ${cpu.wasmUnavailable}`, '');
    out.push(`GPU kernels on ${gpuAdapter}:`);
    if (gpuRows.length > 0) {
      out.push('', gpuTable(gpuRows));
      const counts = ['pass', 'fail', 'error', 'skip'].map((s) => `${gpuRows.filter((r) => r.status === s).length} ${s}`).join(', ');
      out.push('', `GPU: ${counts}${o['gpu-all'] ? '' : " (representative schemes; 'lowbit verify' runs all)"}`);
    }
    for (const r of cpuBad) out.push(`FAIL ${r.kernel.startsWith('wasm-') ? 'wasm' : 'cpu'} ${r.scheme} ${r.kernel}: ${r.message}`);
    for (const r of gpuBad) out.push(`${r.status.toUpperCase()} gpu ${r.scheme} ${r.variant}: ${r.message}`);
    out.push('', ok ? 'all kernel checks passed' : 'some kernel checks FAILED');
    process.stdout.write(`${out.join('\n')}\n`);
    return ok ? 0 : 1;
  },
};

/** One row per scheme, one column per kernel: worst err/bound, or '-' when unsupported. */
function cpuKernelTable(rows: readonly KernelAgreement[], kernels: readonly string[]): string {
  const schemes = [...new Set(rows.map((r) => r.scheme))];
  return formatTable(
    ['scheme', ...kernels.map((k) => `${k} err/bound`)],
    schemes.map((s) => [
      s,
      ...kernels.map((k) => {
        const r = rows.find((x) => x.scheme === s && x.kernel === k);
        return r ? `${r.ok ? '' : 'FAIL '}${sig(r.worstRatio, 2)}` : '-';
      }),
    ]),
  );
}

function gpuTable(rows: readonly VerifyRow[]): string {
  return formatTable(
    ['scheme', 'variant', 'result', 'err/bound', 'gpu ms', 'timer'],
    rows.map((r) => [
      r.scheme,
      r.variant,
      r.status === 'skip' ? `skip: ${r.message}` : r.status,
      r.status === 'pass' || r.status === 'fail' ? sig(r.worstRatio, 2) : '-',
      r.gpuMs === undefined ? '-' : sig(r.gpuMs, 3),
      r.timer ?? '-',
    ]),
  );
}

/** --threads: a positive integer, default the logical cores. */
function threadsOption(value: string | undefined): number {
  const n = intOption(value, '--threads') ?? defaultQuantizeThreads();
  if (n < 1) throw new UsageError(`--threads must be at least 1, got ${n}`);
  return n;
}
