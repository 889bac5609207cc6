/**
 * `lowbit matmul`: quantize W, run one mpGEMM kernel on X (a CPU kernel: a TypeScript reference
 * or a WebAssembly SIMD kernel, or a WebGPU kernel variant on this machine's adapter) and check
 * it against the f64 oracle.
 */
import { readWeights, writeNpyFile } from '../io/files.js';
import { sampleActivations, sampleWeights } from '../io/sample.js';
import { dequantize, quantize } from '../quant/quantize.js';
import { GGML_SCHEME_NAMES, SCHEME_NAMES } from '../quant/schemes.js';
import { CPU_KERNEL_NAMES, checkCpuKernel, getCpuKernel, type CpuKernel } from '../cpu/kernels.js';
import { matmulRef, matmulRefDense } from '../cpu/matmul-ref.js';
import { checkMatmulBound, type BoundCheck } from '../cpu/compare.js';
import { errorMetrics } from '../quant/metrics.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { acquireGpu, type LowbitGpu } from '../gpu/device.js';
import { WASM_KERNEL_NAMES, checkWasmKernel, getWasmKernel, isWasmKernelName, runWasmKernel } from '../cpu/wasm-kernels.js';
import type { WasmKernelImpl } from '../cpu/wasm-arena.js';
import { wasmThreadsFor } from '../cpu/wasm-threads.js';
import { wasmSimdStatus } from '../cpu/wasm-module.js';
import { GPU_KERNEL_VARIANTS, getGpuKernelVariant, gpuKernelBound, runGpuKernel, variantAvailable, type GpuKernelVariant } from '../gpu/kernels.js';
import { intOption, parse, schemeArg, UsageError } from './args.js';
import type { Command } from './commands.js';
import { sig } from './table.js';

/** A matrix operand and where it came from. */
interface Operand {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly name: string;
}

/** Default M of the sample activations. */
const DEFAULT_M = 1;
/** Kernel run without --kernel (and without --variant). */
const DEFAULT_KERNEL = 'dequant';
/** Backends of --backend. */
const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;
type Backend = (typeof BACKENDS)[number];

/**
 * The WebAssembly kernel --kernel names for --backend wasm: a WebAssembly kernel name, or a CPU
 * kernel name whose family has one ('dequant' -> 'wasm-dequant'); default wasm-dequant.
 */
function wasmKernelOption(name: string | undefined): WasmKernelImpl {
  if (name === undefined) return getWasmKernel('wasm-dequant');
  const key = name === 'lut' ? 'lut-f32' : name;
  const mapped = isWasmKernelName(key) ? key : `wasm-${key}`;
  if (isWasmKernelName(mapped)) return getWasmKernel(mapped);
  try {
    return getWasmKernel(name);
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (--backend wasm; a CPU kernel name maps to wasm-<name> where one exists)`);
  }
}

/** --threads: a positive integer (WebAssembly kernels only). */
function threadsOption(value: string | undefined): number | undefined {
  const t = intOption(value, '--threads');
  if (t !== undefined && t < 1) throw new UsageError(`--threads must be a positive integer, got ${t}`);
  return t;
}

function variantOption(name: string): GpuKernelVariant {
  try {
    return getGpuKernelVariant(name);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The CPU kernel a GPU variant mirrors (the f32 variants mirror the oracle, ref). */
function variantKernel(variantName: string): string {
  const v = variantOption(variantName);
  return v.family === 'f32' ? 'ref' : v.cpuTwin;
}

/** --kernel and --variant must name the same arithmetic: a usage error otherwise. */
function checkKernelMatchesVariant(kernel: CpuKernel, variantName: string): void {
  const twin = variantKernel(variantName);
  if (twin !== kernel.name) {
    throw new UsageError(`--kernel ${kernel.name} and --variant ${variantName} contradict each other: ${variantName} computes kernel ${twin}'s arithmetic (drop --kernel, or pick a variant of ${kernel.name})`);
  }
}

function checkFinite(op: Operand, what: string): void {
  for (let i = 0; i < op.data.length; i++) {
    const v = op.data[i]!;
    if (v - v !== 0) throw new Error(`${what} '${op.name}' has ${v} at (row ${Math.floor(i / op.cols)}, col ${i % op.cols}); inputs must be finite`);
  }
}

async function loadOperands(xPath: string | undefined, wPath: string | undefined, mOpt: number | undefined): Promise<{ x: Operand; w: Operand }> {
  if (mOpt !== undefined && (!Number.isInteger(mOpt) || mOpt < 1)) throw new UsageError(`--m must be a positive integer, got ${mOpt}`);
  let w: Operand | undefined;
  if (wPath !== undefined) {
    const r = await readWeights(wPath);
    w = { data: r.data, rows: r.shape[0], cols: r.shape[1], name: wPath };
  }
  let x: Operand;
  if (xPath !== undefined) {
    const r = await readWeights(xPath);
    x = { data: r.data, rows: r.shape[0], cols: r.shape[1], name: xPath };
    if (mOpt !== undefined && mOpt !== x.rows) throw new UsageError(`--m ${mOpt} does not match X '${xPath}' with ${x.rows} rows (shape [${x.rows}, ${x.cols}])`);
  } else {
    const s = sampleActivations(mOpt ?? DEFAULT_M, w ? w.cols : sampleWeights().cols);
    x = { data: s.data, rows: s.rows, cols: s.cols, name: s.name };
  }
  if (!w) {
    const s = sampleWeights({ cols: x.cols });
    w = { data: s.data, rows: s.rows, cols: s.cols, name: s.name };
  }
  if (w.cols !== x.cols) {
    throw new Error(`X '${x.name}' is [${x.rows}, ${x.cols}] but W '${w.name}' is [${w.rows}, ${w.cols}]: K must match (Y = X . W^T, W in nn.Linear layout [N, K])`);
  }
  checkFinite(x, 'X');
  return { x, w };
}

function kernelOption(name: string): CpuKernel {
  try {
    return getCpuKernel(name);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * The GPU variant `lowbit matmul --backend webgpu` runs: `--variant` when given, else the first
 * variant of the table mirroring CPU kernel `kernel` (ref: the f32 variants on dequantized
 * weights) that supports the tensor and the adapter has what it needs, a tiled GEMM first when M > 1.
 */
export function chooseGpuVariant(gpu: LowbitGpu, kernel: CpuKernel, qt: QuantizedTensor, m: number, requested?: string): GpuKernelVariant {
  if (requested !== undefined) {
    const v = variantOption(requested);
    const sup = v.supports(qt);
    if (sup !== true) throw new UsageError(`${v.name} does not support ${qt.scheme}: ${sup}`);
    const avail = variantAvailable(gpu, v);
    if (avail !== true) throw new Error(`${v.name} ${avail}`);
    return v;
  }
  const twins = GPU_KERNEL_VARIANTS.filter((v) => (kernel.name === 'ref' ? v.family === 'f32' : v.cpuTwin === kernel.name));
  const ordered = [...twins.filter((v) => m > 1 && v.shape === 'gemm'), ...twins.filter((v) => v.shape === 'gemv')];
  const usable = ordered.filter((v) => v.supports(qt) === true && variantAvailable(gpu, v) === true);
  if (usable.length === 0) {
    const why = twins.map((v) => `${v.name}: ${v.supports(qt) === true ? variantAvailable(gpu, v) : v.supports(qt)}`).join('; ');
    throw new UsageError(`no WebGPU variant of kernel ${kernel.name} can run ${qt.scheme} on this adapter (${why || 'none exists'})`);
  }
  return usable[0]!;
}

/** What one backend produced: Y, its time and the clock, the variant and the bound check. */
interface MatmulRun {
  readonly y: Float32Array;
  readonly ms: number;
  readonly timing: string;
  readonly variant: string;
  readonly description: string;
  readonly adapter?: string;
  readonly boundC: number;
  readonly extraBound: boolean;
  readonly check: BoundCheck;
}

function runCpu(kernel: CpuKernel, x: Float32Array, m: number, qt: QuantizedTensor): MatmulRun {
  const t0 = performance.now();
  const y = kernel.run(x, m, qt);
  const ms = performance.now() - t0;
  const check = checkCpuKernel(kernel, x, m, qt, y, matmulRef(x, qt, m));
  const extraBound = kernel.extraBound?.(x, qt, m) !== undefined;
  return { y, ms, timing: 'wall clock (performance.now), one run', variant: kernel.name, description: kernel.description, boundC: kernel.boundC(qt), extraBound, check };
}

/**
 * Runs a WebAssembly kernel: one warm-up run (it lays out the weights once, as a model load
 * would), then the timed run.
 */
async function runWasm(kernel: WasmKernelImpl, x: Float32Array, m: number, qt: QuantizedTensor, threads: number | undefined): Promise<MatmulRun> {
  const t0 = performance.now();
  await runWasmKernel(kernel, x, m, qt, threads === undefined ? {} : { threads });
  const firstMs = performance.now() - t0;
  const t1 = performance.now();
  const y = await runWasmKernel(kernel, x, m, qt, threads === undefined ? {} : { threads });
  const ms = performance.now() - t1;
  const check = checkWasmKernel(kernel, x, m, qt, y, matmulRef(x, qt, m));
  const extraBound = kernel.extraBound?.(x, qt, m) !== undefined;
  const used = wasmThreadsFor(threads, m * qt.rows * qt.cols);
  const timing = `wall clock (performance.now), one run after a first run of ${firstMs.toFixed(3)} ms that laid out the weights; ${used} thread${used > 1 ? 's' : ''}`;
  return { y, ms, timing, variant: kernel.name, description: kernel.description, boundC: kernel.boundC(qt), extraBound, check };
}

async function runWebgpu(kernel: CpuKernel, requested: string | undefined, x: Float32Array, m: number, qt: QuantizedTensor): Promise<MatmulRun> {
  const gpu = await acquireGpu();
  try {
    const v = chooseGpuVariant(gpu, kernel, qt, m, requested);
    const got = await runGpuKernel(gpu, v.name, x, m, qt);
    const w = dequantize(qt);
    const bound = gpuKernelBound(v, { qt, m, x, w, tuning: got.tuning });
    const check = checkMatmulBound(got.y, matmulRefDense(x, w, m, qt.rows, qt.cols), m, qt.rows, qt.cols, bound);
    const timing = got.timer === 'timestamp-query' ? 'GPU timestamp-query, kernel passes only, one run' : 'wall clock from submit to done, one run';
    return { y: got.y, ms: got.gpuMs ?? NaN, timing, variant: got.variant, description: v.description, adapter: gpu.describe(), boundC: bound.c, extraBound: bound.extra !== undefined, check };
  } finally {
    gpu.destroy();
  }
}

export const matmulCommand: Command = {
  name: 'matmul',
  summary: 'run one mpGEMM kernel (ref, dequant, lut, lut-i8, bitserial; WebAssembly SIMD; WebGPU) checked against the f64 oracle',
  help: [
    'Usage: lowbit matmul [--x X.npy] [--w W.npy] --scheme S [--group G] [--kernel K] [--backend cpu|wasm|webgpu]',
    '                     [--variant V] [--threads N] [--m M] [--out Y.npy] [--json]',
    '',
    'Computes Y[M, N] = X[M, K] . W[N, K]^T with W quantized by a scheme, using one kernel on the',
    "CPU (a TypeScript reference, or with --backend wasm a WebAssembly SIMD kernel) or on this",
    "machine's WebGPU adapter, and checks every output against the f64 oracle",
    "(dequantize, then f64 matmul) under the kernel's documented bound",
    "|y - y_ref| <= c K 2^-24 sum_k |x_k w_k| (+ a per-output extra term for the LUT and int8 kernels",
    'and for weights with per-group offsets, such as the k-quants; docs/KERNELS.md).',
    'Without --x / --w the embedded samples are used (LLM-like weights [256, 1024]; activations',
    'with outlier channels, M rows). Prints the kernel (and on WebGPU the variant and adapter)',
    'that ran, its time (CPU: wall clock; wasm: wall clock of a second run, the first one lays out',
    'the weights; WebGPU: timestamp-query when the adapter has it, else wall clock), max |error| vs',
    'the oracle, the worst error/bound ratio and pass/fail, and the',
    "output's error against X . W^T on the unquantized weights (what the quantization costs).",
    'Exit status 1 when the bound check fails.',
    '',
    'Options:',
    '  --x FILE        activations X [M, K] (.npy or .safetensors; 1-D means M = 1)',
    '  --w FILE        weights W [N, K] (.npy or .safetensors)',
    '  --scheme S      quantization scheme of W (required)',
    "  --group G       G > 0: groups of G along K; 0: per output channel; -1: per tensor (default: the scheme's)",
    `  --kernel K      ${CPU_KERNEL_NAMES.join(' | ')} (lut = lut-f32; default ${DEFAULT_KERNEL}, or the kernel --variant computes);`,
    `                  wasm: ${WASM_KERNEL_NAMES.join(' | ')} (default wasm-dequant; dequant = wasm-dequant)`,
    '  --backend B     cpu (default: the TypeScript kernels), wasm (WebAssembly SIMD128) or webgpu',
    '  --threads N     wasm: threads (default: the logical cores; under 2^20 multiply-adds, one)',
    '  --variant V     webgpu: run this variant (default: the first of the kernel\'s variants the',
    '                  adapter supports, a tiled GEMM first when M > 1); one of:',
    `                  ${GPU_KERNEL_VARIANTS.map((v) => v.name).join(' ')}`,
    `  --m M           rows of the sample activations (default ${DEFAULT_M}); must match X when --x is given`,
    '  --out FILE      write Y [M, N] as f32 .npy (atomically)',
    '  --json          print a JSON object instead of text',
    '',
    `Schemes: ${SCHEME_NAMES.join(' ')}`,
    `ggml schemes (kernels ref and dequant, on the CPU and on WebGPU): ${GGML_SCHEME_NAMES.join(' ')}`,
  ].join('\n'),
  async run(argv) {
    const o = parse(argv, {
      x: { type: 'string' },
      w: { type: 'string' },
      scheme: { type: 'string' },
      group: { type: 'string' },
      kernel: { type: 'string' },
      backend: { type: 'string', default: 'cpu' },
      variant: { type: 'string' },
      threads: { type: 'string' },
      m: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (!(BACKENDS as readonly string[]).includes(o.backend)) throw new UsageError(`--backend must be cpu, wasm or webgpu, got '${o.backend}'`);
    const backend = o.backend as Backend;
    if (o.variant !== undefined && backend !== 'webgpu') throw new UsageError('--variant needs --backend webgpu');
    if (o.threads !== undefined && backend !== 'wasm') throw new UsageError('--threads needs --backend wasm');
    if (!o.scheme) throw new UsageError('--scheme is required');
    const schemeName = schemeArg(o.scheme);
    const wasmKernel = backend === 'wasm' ? wasmKernelOption(o.kernel) : undefined;
    const threads = threadsOption(o.threads);
    const kernel = kernelOption(wasmKernel ? (wasmKernel.family === 'lut' ? 'lut-f32' : wasmKernel.family) : (o.kernel ?? (o.variant !== undefined ? variantKernel(o.variant) : DEFAULT_KERNEL)));
    if (o.kernel !== undefined && o.variant !== undefined) checkKernelMatchesVariant(kernel, o.variant);
    if (o.out !== undefined && !o.out.toLowerCase().endsWith('.npy')) throw new UsageError(`--out must name a .npy file, got '${o.out}'`);
    const group = intOption(o.group, '--group');
    const { x, w } = await loadOperands(o.x, o.w, intOption(o.m, '--m'));
    const qt = quantize(w.data, w.rows, w.cols, schemeName, group === undefined ? {} : { group });
    const m = x.rows;
    let r: MatmulRun;
    if (backend === 'webgpu') {
      r = await runWebgpu(kernel, o.variant, x.data, m, qt);
    } else if (wasmKernel) {
      const ok = wasmKernel.supports(qt);
      if (ok !== true) throw new UsageError(`kernel ${wasmKernel.name} does not support ${qt.scheme}: ${ok}`);
      r = await runWasm(wasmKernel, x.data, m, qt, threads);
    } else {
      const ok = kernel.supports(qt);
      if (ok !== true) throw new UsageError(ok);
      r = runCpu(kernel, x.data, m, qt);
    }
    const { y, ms, check } = r;
    if (o.out !== undefined) await writeNpyFile(o.out, y, [m, qt.rows]);
    // What the quantization costs at the output: Y against X . W^T on the unquantized W (f64).
    const vsFloat = errorMetrics(matmulRefDense(x.data, w.data, m, w.rows, w.cols).y, y);

    const shape = { m, n: qt.rows, k: qt.cols };
    const groupLabel = qt.granularity === 'group' ? qt.groupSize : qt.granularity;
    // The threads the WebAssembly kernel ran on (runWasmKernel's choice for this call).
    const wasmThreads = wasmKernel ? wasmThreadsFor(threads, m * qt.rows * qt.cols) : 1;
    if (o.json) {
      const payload = {
        kernel: wasmKernel ? wasmKernel.name : kernel.name,
        family: wasmKernel ? wasmKernel.family : kernel.family,
        variant: r.variant,
        description: r.description,
        backend,
        ...(wasmKernel ? { threads: wasmThreads, ...(threads !== undefined ? { threadsRequested: threads } : {}), simd: wasmSimdStatus().simd } : {}),
        ...(r.adapter !== undefined ? { adapter: r.adapter } : {}),
        scheme: qt.scheme,
        group: groupLabel,
        x: x.name,
        w: w.name,
        shape,
        timeMs: ms,
        timing: r.timing,
        boundC: r.boundC,
        extraBound: r.extraBound,
        maxAbsErr: check.maxAbsErr,
        worstErrOverBound: check.worstRatio,
        pass: check.ok,
        message: check.message,
        vsUnquantized: { nmse: vsFloat.nmse, sqnrDb: vsFloat.sqnrDb, maxAbsErr: vsFloat.maxAbsErr, cosine: vsFloat.cosine },
        ...(o.out !== undefined ? { out: o.out } : {}),
      };
      process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
    } else {
      const lines = [
        backend === 'webgpu'
          ? `kernel     ${kernel.name} (webgpu variant ${r.variant}): ${r.description}`
          : wasmKernel
            ? `kernel     ${wasmKernel.name} (wasm, ${wasmSimdStatus().simd} SIMD, ${wasmThreads} thread${wasmThreads > 1 ? 's' : ''}): ${r.description}`
            : `kernel     ${kernel.name} (cpu): ${r.description}`,
        ...(r.adapter !== undefined ? [`adapter    ${r.adapter}`] : []),
        `scheme     ${qt.scheme}, group ${groupLabel}`,
        `X          ${x.name} [${m}, ${qt.cols}]`,
        `W          ${w.name} [${qt.rows}, ${qt.cols}]`,
        `time       ${ms.toFixed(3)} ms (${r.timing})`,
        `max |err|  ${sig(check.maxAbsErr)} vs f64 oracle`,
        `err/bound  ${sig(check.worstRatio)} (c = ${sig(r.boundC)}${r.extraBound ? ' + the kernel\'s per-output extra term' : ''})`,
        `check      ${check.ok ? 'pass' : 'FAIL'}: ${check.message}`,
        `vs W f32   output error against the unquantized weights (X . W^T in f64): NMSE ${sig(vsFloat.nmse, 3)}, SQNR ${vsFloat.sqnrDb.toFixed(2)} dB, max |err| ${sig(vsFloat.maxAbsErr, 3)}, cosine ${vsFloat.cosine.toFixed(5)}`,
        ...(o.out !== undefined ? [`wrote      Y [${m}, ${qt.rows}] f32 to ${o.out}`] : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return check.ok ? 0 : 1;
  },
};
