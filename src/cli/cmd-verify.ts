/**
 * `lowbit verify`: runs the scheme x GPU kernel x variant matrix on the current adapter against
 * the CPU f64 oracle on the embedded sample, plus the bit-exact GPU dequantize per scheme, and
 * prints a pass/fail table naming every variant. `verifyMatrix` returns the rows for the report
 * and the browser app.
 */
import { acquireGpu, type LowbitGpu } from '../gpu/device.js';
import { uploadQuantizedTensor } from '../gpu/gpu-tensor.js';
import { GPU_KERNEL_VARIANTS, dequantizeGpu, gpuKernelBound, runGpuKernel, variantAvailable } from '../gpu/kernels.js';
import { checkMatmulBound } from '../cpu/compare.js';
import { matmulRefDense } from '../cpu/matmul-ref.js';
import { dequantize, quantize } from '../quant/quantize.js';
import { SCHEME_NAMES, isSchemeName } from '../quant/schemes.js';
import { sampleActivations, sampleWeights } from '../io/sample.js';
import { parse, UsageError } from './args.js';
import { formatTable, sig } from './table.js';
import type { Command } from './commands.js';

/** One row of the verification matrix. */
export interface VerifyRow {
  readonly scheme: string;
  /** Variant name, e.g. 'dequant-gemv/subgroup', or 'dequantize' for the bit-exact check. */
  readonly variant: string;
  readonly family: string;
  /** CPU kernel computing the same arithmetic ('ref' for the f32 baselines and dequantize). */
  readonly cpuTwin: string;
  /** pass / fail (a bound or bit mismatch) / error (the variant threw) / skip (adapter lacks a capability). */
  readonly status: 'pass' | 'fail' | 'error' | 'skip';
  /** Shapes run, as 'MxNxK'. */
  readonly shapes: readonly string[];
  /** Worst |err| / bound over the shapes (0 for bit-exact passes). */
  readonly worstRatio: number;
  readonly maxAbsErr: number;
  /** Failure, error or skip text; the first offending element for bound failures. */
  readonly message: string;
  /** Kernel time of the last shape, by `timer`. */
  readonly gpuMs?: number;
  readonly timer?: string;
}

/** Options of {@link verifyMatrix}. */
export interface VerifyOptions {
  /** Schemes to run (default: all). */
  readonly schemes?: readonly string[];
  /** Variants to run (default: all in GPU_KERNEL_VARIANTS). */
  readonly variants?: readonly string[];
  /** Smaller sample (N=64, K=256, M=1 and 3) instead of N=256, K=1024, M=1 and 4. */
  readonly quick?: boolean;
  /** Called after each row (progress). */
  readonly onRow?: (row: VerifyRow) => void;
}

interface Shape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

function shapesFor(quick: boolean): { n: number; k: number; ms: readonly number[] } {
  return quick ? { n: 64, k: 256, ms: [1, 3] } : { n: 256, k: 1024, ms: [1, 4] };
}

/** First index whose f32 bit patterns differ (any NaN matches NaN; a subnormal may flush to a same-signed zero, as WGSL allows). */
function firstBitMismatch(got: Float32Array, want: Float32Array): number {
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < w.length; i++) {
    if (g[i] === w[i]) continue;
    const a = got[i] as number;
    const b = want[i] as number;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === 0 && Math.abs(b) < 2 ** -126 && (g[i] as number) >>> 31 === (w[i] as number) >>> 31) continue;
    return i;
  }
  return -1;
}

/**
 * Runs the matrix on `gpu`: for every scheme, the GPU dequantize (bit-exact) and every variant
 * that supports the scheme (skipped, with the reason, when the adapter lacks a capability),
 * each on the embedded sample weights and activations, judged by checkMatmulBound with the
 * variant's bound.
 */
export async function verifyMatrix(gpu: LowbitGpu, opts: VerifyOptions = {}): Promise<VerifyRow[]> {
  const schemes = opts.schemes ?? SCHEME_NAMES;
  for (const s of schemes) if (!isSchemeName(s)) throw new UsageError(`unknown scheme '${s}'; known: ${SCHEME_NAMES.join(', ')}`);
  const variants = GPU_KERNEL_VARIANTS.filter((v) => !opts.variants || opts.variants.includes(v.name));
  const { n, k, ms } = shapesFor(opts.quick ?? false);
  const sample = sampleWeights({ rows: n, cols: k });
  const xs = new Map(ms.map((m) => [m, sampleActivations(m, k).data]));
  const rows: VerifyRow[] = [];
  const push = (row: VerifyRow) => {
    rows.push(row);
    opts.onRow?.(row);
  };
  for (const scheme of schemes) {
    const qt = quantize(sample.data, n, k, scheme);
    const w = dequantize(qt);
    const gt = uploadQuantizedTensor(gpu, qt);
    try {
      // Bit-exact dequantize.
      try {
        const got = await dequantizeGpu(gpu, gt);
        const bad = firstBitMismatch(got.w, w);
        push({
          scheme,
          variant: 'dequantize',
          family: 'dequant',
          cpuTwin: 'dequantize',
          status: bad < 0 ? 'pass' : 'fail',
          shapes: [`${n}x${k}`],
          worstRatio: 0,
          maxAbsErr: bad < 0 ? 0 : Math.abs((got.w[bad] as number) - (w[bad] as number)),
          message: bad < 0 ? 'bit-exact' : `bits differ at (row ${Math.floor(bad / k)}, col ${bad % k}): got ${got.w[bad]}, expected ${w[bad]}`,
          gpuMs: got.gpuMs,
          timer: got.timer,
        });
      } catch (err) {
        push({ scheme, variant: 'dequantize', family: 'dequant', cpuTwin: 'dequantize', status: 'error', shapes: [], worstRatio: NaN, maxAbsErr: NaN, message: (err as Error).message });
      }
      for (const v of variants) {
        if (v.supports(qt) !== true) continue;
        const base = { scheme, variant: v.name, family: v.family, cpuTwin: v.cpuTwin };
        const avail = variantAvailable(gpu, v);
        if (avail !== true) {
          push({ ...base, status: 'skip', shapes: [], worstRatio: NaN, maxAbsErr: NaN, message: avail });
          continue;
        }
        let worst = 0;
        let maxErr = 0;
        let failure: string | undefined;
        let last: { gpuMs?: number; timer: string } | undefined;
        const shapes: Shape[] = ms.map((m) => ({ m, n, k }));
        try {
          for (const { m } of shapes) {
            const x = xs.get(m) as Float32Array;
            const got = await runGpuKernel(gpu, v.name, x, m, gt);
            last = got;
            const res = checkMatmulBound(got.y, matmulRefDense(x, w, m, n, k), m, n, k, gpuKernelBound(v, { qt, m, x, w }));
            worst = Math.max(worst, res.worstRatio);
            maxErr = Math.max(maxErr, res.maxAbsErr);
            if (!res.ok && failure === undefined) failure = `M=${m}: ${res.message}`;
          }
          push({
            ...base,
            status: failure === undefined ? 'pass' : 'fail',
            shapes: shapes.map((s) => `${s.m}x${s.n}x${s.k}`),
            worstRatio: worst,
            maxAbsErr: maxErr,
            message: failure ?? 'within bound',
            ...(last ? { gpuMs: last.gpuMs, timer: last.timer } : {}),
          });
        } catch (err) {
          push({ ...base, status: 'error', shapes: shapes.map((s) => `${s.m}x${s.n}x${s.k}`), worstRatio: NaN, maxAbsErr: NaN, message: (err as Error).message });
        }
      }
    } finally {
      gt.destroy();
    }
  }
  return rows;
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check every scheme x GPU kernel variant on this adapter against the CPU oracle',
  help: [
    'Usage: lowbit verify [--json] [--schemes a,b] [--quick]',
    '',
    'Quantizes the embedded sample weights (256 x 1024; --quick: 64 x 256) with every scheme, and',
    'on the current WebGPU adapter runs the bit-exact dequantize and every kernel variant that',
    'supports the scheme (M = 1 and 4; --quick: 1 and 3) against the f64 CPU oracle, each under',
    "its documented error bound. Variants needing a capability the adapter lacks are listed as",
    'skip. Prints a table with the variant that ran, the worst error/bound ratio and the timing;',
    'exit status 1 on any failure or error.',
    '',
    'Options:',
    '  --schemes a,b   only these schemes (default: all)',
    '  --quick         smaller sample and shapes',
    '  --json          print a JSON object instead of the table',
  ].join('\n'),
  async run(argv) {
    const opts = parse(argv, {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      schemes: { type: 'string' },
    });
    const schemes = opts.schemes
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (schemes) for (const s of schemes) if (!isSchemeName(s)) throw new UsageError(`unknown scheme '${s}'; known: ${SCHEME_NAMES.join(', ')}`);
    const gpu = await acquireGpu();
    try {
      if (!opts.json) process.stderr.write(`adapter: ${gpu.describe()}\n`);
      const rows = await verifyMatrix(gpu, {
        ...(schemes ? { schemes } : {}),
        quick: opts.quick,
        onRow: opts.json ? undefined : (r) => process.stderr.write(`  ${r.status.padEnd(5)} ${r.scheme} ${r.variant}\n`),
      });
      const bad = rows.filter((r) => r.status === 'fail' || r.status === 'error');
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ adapter: gpu.adapter, capabilities: gpu.capabilities, ok: bad.length === 0, rows }, null, 2)}\n`);
      } else {
        const table = formatTable(
          ['scheme', 'variant', 'cpu twin', 'result', 'err/bound', 'max |err|', 'time ms', 'timer'],
          rows.map((r) => [
            r.scheme,
            r.variant,
            r.cpuTwin,
            r.status,
            r.status === 'pass' || r.status === 'fail' ? sig(r.worstRatio, 3) : '-',
            r.status === 'pass' || r.status === 'fail' ? sig(r.maxAbsErr, 3) : '-',
            r.gpuMs === undefined ? '-' : sig(r.gpuMs, 3),
            r.timer ?? '-',
          ]),
        );
        const counts = ['pass', 'fail', 'error', 'skip'].map((s) => `${rows.filter((r) => r.status === s).length} ${s}`).join(', ');
        const details = bad.map((r) => `${r.status.toUpperCase()} ${r.scheme} ${r.variant}: ${r.message}`);
        process.stdout.write(`${table}\n\n${counts}\n${details.length ? `${details.join('\n')}\n` : ''}`);
      }
      return bad.length === 0 ? 0 : 1;
    } finally {
      gpu.destroy();
    }
  },
};
