/** `lowbit matmul`: quantize W, run one CPU mpGEMM kernel on X, check it against the f64 oracle. */
import { readWeights, writeNpyFile } from '../io/files.js';
import { sampleActivations, sampleWeights } from '../io/sample.js';
import { quantize } from '../quant/quantize.js';
import { SCHEME_NAMES, getScheme } from '../quant/schemes.js';
import { CPU_KERNEL_NAMES, checkCpuKernel, getCpuKernel, type CpuKernel } from '../cpu/kernels.js';
import { matmulRef } from '../cpu/matmul-ref.js';
import { intOption, parse, UsageError } from './args.js';
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

export const matmulCommand: Command = {
  name: 'matmul',
  summary: 'run a CPU mpGEMM kernel (ref, dequant, lut, lut-i8, bitserial) and check it against the f64 oracle',
  help: [
    'Usage: lowbit matmul [--x X.npy] [--w W.npy] --scheme S [--group G] [--kernel K] [--backend cpu]',
    '                     [--m M] [--out Y.npy] [--json]',
    '',
    'Computes Y[M, N] = X[M, K] . W[N, K]^T with W quantized by a scheme, using one CPU kernel,',
    'and checks every output against the f64 oracle (dequantize, then f64 matmul) under the',
    "kernel's documented bound |y - y_ref| <= c K 2^-24 sum_k |x_k w_k| (+ the lut tables' allowance).",
    'Without --x / --w the embedded samples are used (LLM-like weights [256, 1024]; activations',
    'with outlier channels, M rows). Prints the kernel that ran, its wall-clock time (one run,',
    'performance.now), max |error| vs the oracle, the worst error/bound ratio and pass/fail.',
    'Exit status 1 when the bound check fails.',
    '',
    'Options:',
    '  --x FILE        activations X [M, K] (.npy or .safetensors; 1-D means M = 1)',
    '  --w FILE        weights W [N, K] (.npy or .safetensors)',
    '  --scheme S      quantization scheme of W (required)',
    "  --group G       G > 0: groups of G along K; 0: per output channel; -1: per tensor (default: the scheme's)",
    `  --kernel K      ${CPU_KERNEL_NAMES.join(' | ')} (lut = lut-f32; default dequant)`,
    '  --backend B     cpu (default); webgpu is not yet available here',
    `  --m M           rows of the sample activations (default ${DEFAULT_M}); must match X when --x is given`,
    '  --out FILE      write Y [M, N] as f32 .npy (atomically)',
    '  --json          print a JSON object instead of text',
    '',
    `Schemes: ${SCHEME_NAMES.join(' ')}`,
  ].join('\n'),
  async run(argv) {
    const o = parse(argv, {
      x: { type: 'string' },
      w: { type: 'string' },
      scheme: { type: 'string' },
      group: { type: 'string' },
      kernel: { type: 'string', default: 'dequant' },
      backend: { type: 'string', default: 'cpu' },
      m: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (o.backend === 'webgpu') throw new UsageError("--backend webgpu is not yet available in 'lowbit matmul'; use --backend cpu");
    if (o.backend !== 'cpu') throw new UsageError(`--backend must be cpu (webgpu is not yet available), got '${o.backend}'`);
    if (!o.scheme) throw new UsageError('--scheme is required');
    try {
      getScheme(o.scheme);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const kernel = kernelOption(o.kernel);
    if (o.out !== undefined && !o.out.toLowerCase().endsWith('.npy')) throw new UsageError(`--out must name a .npy file, got '${o.out}'`);
    const group = intOption(o.group, '--group');
    const { x, w } = await loadOperands(o.x, o.w, intOption(o.m, '--m'));
    const qt = quantize(w.data, w.rows, w.cols, o.scheme, group === undefined ? {} : { group });
    const ok = kernel.supports(qt);
    if (ok !== true) throw new UsageError(ok);

    const m = x.rows;
    const t0 = performance.now();
    const y = kernel.run(x.data, m, qt);
    const ms = performance.now() - t0;
    const ref = matmulRef(x.data, qt, m);
    const check = checkCpuKernel(kernel, x.data, m, qt, y, ref);
    if (o.out !== undefined) await writeNpyFile(o.out, y, [m, qt.rows]);

    const shape = { m, n: qt.rows, k: qt.cols };
    const groupLabel = qt.granularity === 'group' ? qt.groupSize : qt.granularity;
    if (o.json) {
      const payload = {
        kernel: kernel.name,
        family: kernel.family,
        variant: kernel.description,
        backend: 'cpu',
        scheme: qt.scheme,
        group: groupLabel,
        x: x.name,
        w: w.name,
        shape,
        timeMs: ms,
        timing: 'wall clock (performance.now), one run',
        boundC: kernel.boundC(qt),
        extraBound: kernel.extraBound !== undefined,
        maxAbsErr: check.maxAbsErr,
        worstErrOverBound: check.worstRatio,
        pass: check.ok,
        message: check.message,
        ...(o.out !== undefined ? { out: o.out } : {}),
      };
      process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
    } else {
      const lines = [
        `kernel     ${kernel.name} (cpu): ${kernel.description}`,
        `scheme     ${qt.scheme}, group ${groupLabel}`,
        `X          ${x.name} [${m}, ${qt.cols}]`,
        `W          ${w.name} [${qt.rows}, ${qt.cols}]`,
        `time       ${ms.toFixed(3)} ms (wall clock, one run)`,
        `max |err|  ${sig(check.maxAbsErr)} vs f64 oracle`,
        `err/bound  ${sig(check.worstRatio)} (c = ${sig(kernel.boundC(qt))}${kernel.extraBound ? ' + table allowance' : ''})`,
        `check      ${check.ok ? 'pass' : 'FAIL'}: ${check.message}`,
        ...(o.out !== undefined ? [`wrote      Y [${m}, ${qt.rows}] f32 to ${o.out}`] : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return check.ok ? 0 : 1;
  },
};
