/**
 * CPU GEMV/GEMM per scheme x kernel, timed with benny, one benny suite (and chart) per layer and
 * M. Beside each kernel: a plain f32 loop on the unquantized weights and a memcpy of the same
 * bytes. Every kernel's output is checked against lowbit's f64 oracle before it is timed. With
 * TimingSettings.rounds > 1 the benny suite runs that many times and each row is the median of its
 * passes' medians (combinePasses). Then the WebAssembly target ratios are measured again as
 * pairs, the two kernels timed in alternating blocks (measureTargetPairs, paired.ts).
 */
import { checkMatmulBound } from '../cpu/compare.js';
import { combinePasses, runBennySuite, spreadNote, type BennyCase, type BennyTiming } from './benny-run.js';
import type { BenchContext } from './context.js';
import { benchCpuKernels, benchKernelLabel, type BenchCpuKernel } from './cpu-kernel-list.js';
import { copyBytes, f32MatmulLoop } from './cpu-baselines.js';
import { activationBytes, errorText, f32MatmulBytes, gbPerS, makeRow, matmulFlops, quantizedWeightBytes } from './measure.js';
import { timeSync } from './timers.js';
import type { BenchRow, RowStatus } from './types.js';
import { pairedRatio } from './paired.js';
import { label, wasmTargetRows, WASM_TARGET_PAIRS } from './summarize.js';
import type { AnySchemeName } from '../quant/schemes.js';

/** Read + write GB/s of TypedArray.set over `bytes` bytes on this CPU (memoized per size). */
export function cpuCopyGbps(ctx: BenchContext, bytes: number): number {
  const key = `cpu|${bytes}`;
  const hit = ctx.copyCache.get(key);
  if (hit !== undefined) return hit;
  const src = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4096) src[i] = i & 0xff;
  const dst = new Uint8Array(bytes);
  const { ms } = timeSync(() => copyBytes(dst, src), ctx.preset.timing.warmup, Math.max(5, ctx.preset.timing.iterations));
  const gbps = gbPerS(2 * bytes, ms);
  ctx.copyCache.set(key, gbps);
  return gbps;
}

const F32_KERNEL = 'f32-loop';

/** Runs the CPU suite of the context's preset. */
export async function runCpuSuite(ctx: BenchContext): Promise<void> {
  const t = ctx.preset.timing;
  const kernels = benchCpuKernels();
  for (const c of ctx.preset.cpu) {
    const { layer } = c;
    const { n, k } = layer;
    for (const m of c.m) {
      const x = ctx.activationsOf(layer, m);
      const title = `cpu ${layer.name} ${n}x${k} M=${m}`;
      interface Pending {
        scheme: string;
        kernel: string;
        variant: string;
        /** The benny case's name. */
        label: string;
        group: number;
        bytes: number;
        status: RowStatus;
        note: string;
        worst: number | null;
      }
      const pending: Pending[] = [];
      const cases: BennyCase[] = [];
      // The unquantized baseline: the layer's original f32 weights.
      const wF32 = ctx.weightsOf(layer);
      const yF32 = new Float32Array(m * n);
      cases.push({ name: F32_KERNEL, fn: () => f32MatmulLoop(x, wF32, m, n, k, yF32) });
      for (const scheme of c.schemes) {
        let qt;
        try {
          qt = ctx.quantized(layer, scheme);
        } catch (err) {
          pending.push({ scheme, kernel: '-', variant: '', label: '-', group: 0, bytes: 0, status: 'error', note: `quantize: ${errorText(err)}`, worst: null });
          continue;
        }
        const bytes = quantizedWeightBytes(qt).total + activationBytes(m, n, k);
        for (const kern of kernels) {
          const id = { kernel: kern.name, variant: kern.variant, label: `${scheme} ${benchKernelLabel(kern)}` };
          const sup = kern.supports(qt);
          if (sup !== true) {
            pending.push({ scheme, ...id, group: qt.groupSize, bytes, status: 'unsupported', note: sup, worst: null });
            continue;
          }
          const y = new Float32Array(m * n);
          let status: RowStatus = 'ok';
          let note = '';
          let worst: number | null = null;
          try {
            await kern.run(x, m, qt, y);
            const check = checkMatmulBound(y, ctx.oracle(qt, layer, m), m, n, k, kern.bound(qt, m, x));
            worst = check.worstRatio;
            if (!check.ok) {
              status = 'wrong';
              note = check.message;
            }
          } catch (err) {
            pending.push({ scheme, ...id, group: qt.groupSize, bytes, status: 'error', note: errorText(err), worst: null });
            continue;
          }
          const q = qt;
          cases.push({ name: id.label, fn: () => kern.run(x, m, q, y), async: kern.async });
          pending.push({ scheme, ...id, group: qt.groupSize, bytes, status, note, worst });
        }
      }
      const rounds = t.rounds ?? 1;
      ctx.progress(`${title}: ${cases.length} cases${rounds > 1 ? `, ${rounds} passes` : ''}`);
      const chartFile = `cpu-${layer.name}-M${m}`;
      // Passes over all cases, one after another (TimingSettings.rounds); the chart shows the first.
      const passes: Map<string, BennyTiming>[] = [];
      for (let r = 0; r < rounds; r++) {
        const pass = rounds > 1 ? ` (pass ${r + 1}/${rounds})` : '';
        passes.push(
          await runBennySuite(`${title}${pass}`, cases, {
            maxTime: t.bennyMaxTime,
            minSamples: c.bennyMinSamples ?? t.bennyMinSamples,
            ...(r === 0 && ctx.charts && ctx.outDir ? { chart: { folder: `${ctx.outDir}/charts`, file: chartFile } } : {}),
            onCase: (name, done, total) => ctx.progress(`  [${done}/${total}]${pass} ${name}`),
          }),
        );
      }
      const timings = combinePasses(passes);
      if (ctx.charts && ctx.outDir) ctx.files.push(`charts/${chartFile}.chart.html`);
      const f32 = timings.get(F32_KERNEL);
      const f32Bytes = f32MatmulBytes(m, n, k);
      const flops = matmulFlops(m, n, k);
      const base = { suite: 'cpu' as const, layer: layer.name, m, n, k };
      ctx.rows.push(
        makeRow({
          ...base,
          role: 'f32-baseline',
          scheme: 'f32',
          group: 0,
          kernel: F32_KERNEL,
          status: f32 ? 'ok' : 'error',
          note: `plain f32 loop on unquantized weights${f32 ? `; ${spreadNote(f32)}` : ''}`,
          timer: 'benny',
          ms: f32?.medianMs ?? null,
          samples: f32?.samples ?? 0,
          bytes: f32Bytes,
          flops,
          copyGbps: cpuCopyGbps(ctx, f32Bytes),
          f32Ms: f32?.medianMs ?? null,
        }),
      );
      for (const p of pending) {
        const timing = timings.get(p.label);
        const measured = timing !== undefined && (p.status === 'ok' || p.status === 'wrong');
        ctx.rows.push(
          makeRow({
            ...base,
            role: 'kernel',
            scheme: p.scheme,
            group: p.group,
            kernel: p.kernel,
            variant: p.variant,
            status: p.status,
            note: measured ? [p.note, spreadNote(timing)].filter(Boolean).join('; ') : p.note,
            timer: measured ? 'benny' : 'none',
            ms: measured ? timing.medianMs : null,
            samples: measured ? timing.samples : 0,
            bytes: p.bytes,
            flops,
            copyGbps: p.bytes > 0 ? cpuCopyGbps(ctx, p.bytes) : null,
            f32Ms: f32?.medianMs ?? null,
            checkWorstRatio: p.worst,
          }),
        );
      }
    }
  }
  measureTargetPairs(ctx, kernels);
}

/** Alternating block pairs per pass (TimingSettings.rounds) of each paired target ratio. */
const PAIRED_BLOCKS_PER_PASS = 16;

/**
 * The WebAssembly target ratios (summarize.ts WASM_TARGET_PAIRS: int2, ternary and bitmod4 over
 * int4, int4 M = 8 over M = 1) measured again as pairs: the fastest A row's kernel against each
 * candidate B kernel (wasmTargetRows: within CANDIDATE_SPREAD of the fastest B row), timed in
 * alternating blocks (paired.ts), into ctx.pairs; the headline takes the lowest ratio.
 */
function measureTargetPairs(ctx: BenchContext, kernels: readonly BenchCpuKernel[]): void {
  const t = wasmTargetRows(ctx.rows);
  const layer = ctx.preset.cpu.find((c) => c.layer.name === t.int4?.layer)?.layer;
  if (!layer) return;
  const callOf = (r: BenchRow): (() => unknown) | undefined => {
    const kern = kernels.find((k) => benchKernelLabel(k) === label(r) && !k.async);
    if (!kern) return undefined;
    const qt = ctx.quantized(layer, r.scheme as AnySchemeName);
    const x = ctx.activationsOf(layer, r.m);
    const y = new Float32Array(r.m * r.n);
    return () => kern.run(x, r.m, qt, y);
  };
  const blocks = PAIRED_BLOCKS_PER_PASS * (ctx.preset.timing.rounds ?? 1);
  for (const [key, [bRow, aRow]] of Object.entries(WASM_TARGET_PAIRS)) {
    const a = t[aRow];
    const fa = a && callOf(a);
    if (!a || !fa) continue;
    // Every candidate kernel of the B side (within CANDIDATE_SPREAD of the fastest row).
    for (const b of t.candidates[bRow]) {
      const fb = callOf(b);
      if (!fb) continue;
      ctx.progress(`cpu ${layer.name}: paired ${key} (${label(b)} vs ${label(a)}, ${blocks} alternating blocks)`);
      ctx.pairs.push({ key, layer: layer.name, a: label(a), b: label(b), ...pairedRatio(fa, fb, { blocks }) });
    }
  }
}
