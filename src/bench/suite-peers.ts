/**
 * Peers on identical shapes and identical weights: onnxruntime-node's MatMulNBits (com.microsoft,
 * block 32, accuracy_level 0) on its CPU provider (1 thread, its default thread count, and
 * intraOpNumThreads = the logical cores, as many threads as lowbit's threaded kernels use) and on
 * its WebGPU provider (the same Vulkan driver lowbit's adapter came from). The weights are a
 * lowbit QuantizedTensor of the same scheme with group 32, packed into MatMulNBits' layout
 * (ort-pack.ts); each peer's output is checked against lowbit's f64 oracle before it is timed, and
 * one that fails is reported as 'wrong'.
 *
 * lowbit is measured the way the peer is: wall clock per call, one call per sample. CPU: the
 * fastest CPU kernel that supports the scheme on one thread (the ratio with onnxruntime on 1
 * thread) and on any thread count (the WebAssembly kernels on every core: the ratios with
 * onnxruntime on its default threads and on all cores). GPU: the variant with the fastest kernel time,
 * then its setX + dispatch + readY per call (session.run also uploads A and downloads Y), with the
 * kernel-only time in its own row. With TimingSettings.rounds > 1 (`lowbit bench --rounds N`) the
 * CPU sides run in N passes, lowbit's kernels then onnxruntime's in each, and every CPU row is the
 * median of its passes' medians; the GPU sides run once.
 */
import { checkMatmulBound } from '../cpu/compare.js';
import { defaultWasmThreads } from '../cpu/wasm-threads.js';
import { uploadQuantizedTensor } from '../gpu/gpu-tensor.js';
import { getGpuKernelVariant, type GpuKernelVariant } from '../gpu/kernels.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { hasGpu, type BenchContext } from './context.js';
import { benchCpuKernels, benchKernelLabel, type BenchCpuKernel } from './cpu-kernel-list.js';
import { errorText, makeRow, matmulFlops, median } from './measure.js';
import { matMulNBitsModel } from './onnx-model.js';
import { matMulNBitsBytes, ortSupports, packMatMulNBits } from './ort-pack.js';
import { runOrtCases, type OrtCase, type OrtRunResult } from './ort-peer.js';
import { timeGpuVariant, variantsFor } from './suite-gpu.js';
import { timeAsync, timeSync } from './timers.js';
import { caseTiming, type Layer } from './shapes.js';
import type { RowStatus } from './types.js';

/** MatMulNBits block size the peers run with (block 32, onnxruntime's common choice for int4 models). */
export const PEER_BLOCK = 32;
/** accuracy_level 0: f32 activations and accumulation (the WebGPU EP's default 4 quantizes A to int8). */
export const PEER_ACCURACY_LEVEL = 0;
/** Bound constant for a peer's f32 accumulation in any order (the contract of docs/KERNELS.md, c = 2). */
const PEER_BOUND_C = 2;

/** Fewest samples of a threaded lowbit kernel and of onnxruntime's CPU provider (one call per sample: short calls need more). */
const MIN_ASYNC_SAMPLES = 20;

/** The peers a run tries, in report order. */
/** PEERS' thread count for "as many as the machine has logical cores" (defaultWasmThreads()). */
export const ALL_CORES = -1;

export const PEERS = [
  { kernel: 'ort-cpu', variant: '1 thread', provider: 'cpu', threads: 1 },
  { kernel: 'ort-cpu', variant: 'default threads', provider: 'cpu', threads: 0 },
  // intraOpNumThreads = the logical cores, the threads lowbit's threaded kernels use: ORT's default
  // is its own guess (one thread on some 2-core VMs, where 'default threads' then times 1 thread).
  { kernel: 'ort-cpu', variant: 'all cores', provider: 'cpu', threads: ALL_CORES },
  { kernel: 'ort-webgpu', variant: 'accuracy_level 0', provider: 'webgpu', threads: 0 },
] as const;

interface PeerCase {
  readonly layer: Layer;
  readonly m: number;
  readonly scheme: string;
  readonly qt?: QuantizedTensor;
  readonly reason?: string;
  readonly bytes: number;
  readonly ortIndex?: number;
  readonly timing: { readonly warmup: number; readonly iterations: number };
  /** The fastest lowbit CPU kernel on one thread, and the fastest on any thread count. */
  lowbitCpu?: LowbitCpu;
  lowbitCpuAny?: LowbitCpu;
  /** Every lowbit CPU kernel that ran the case (its output checked in the first pass), by label. */
  cpuKernels?: Map<string, { kern: BenchCpuKernel; status: RowStatus; note: string; passes: number[] }>;
  lowbitGpu?: { e2eMs: number; kernelMs: number; rttMs: number | null; overhead: number | null; variant: string; timer: string; status: RowStatus; note: string };
}

/** A lowbit CPU kernel's time on a peer case. */
interface LowbitCpu {
  /** The median of `passes`. */
  readonly ms: number;
  /** Each pass's median ms. */
  readonly passes: readonly number[];
  readonly kernel: string;
  readonly threads: number;
  readonly status: RowStatus;
  readonly note: string;
}

/** An onnxruntime execution provider the peers suite can use. */
export type PeerProvider = (typeof PEERS)[number]['provider'];

/** Runs the peers suite of the context's preset on the given providers. */
export async function runPeersSuite(ctx: BenchContext, providers: readonly PeerProvider[] = ['cpu', 'webgpu']): Promise<void> {
  const cases: PeerCase[] = [];
  const ortCases: OrtCase[] = [];
  for (const c of ctx.preset.peers) {
    const timing = caseTiming(ctx.preset, c);
    for (const m of c.m) {
      for (const scheme of c.schemes) {
        const { layer } = c;
        let qt: QuantizedTensor | undefined;
        let reason: string | undefined;
        try {
          qt = ctx.quantized(layer, scheme, PEER_BLOCK);
          const sup = ortSupports(qt);
          if (sup !== true) reason = sup;
        } catch (err) {
          reason = errorText(err);
        }
        if (!qt || reason) {
          cases.push({ layer, m, scheme, reason: reason ?? 'not quantized', bytes: 0, timing });
          continue;
        }
        const packed = packMatMulNBits(qt);
        const spec = { ...packed, m, accuracyLevel: PEER_ACCURACY_LEVEL };
        const ortIndex = ortCases.length;
        ortCases.push({ id: `${layer.name}|${m}|${scheme}`, model: matMulNBitsModel(spec), a: ctx.activationsOf(layer, m), m, k: layer.k, n: layer.n });
        cases.push({ layer, m, scheme, qt, bytes: matMulNBitsBytes(spec), ortIndex, timing });
      }
    }
  }

  // Passes (TimingSettings.rounds): each pass times lowbit's CPU kernels on every case, then
  // onnxruntime's CPU runs on every case, so both sides of a ratio see the same stretch of load;
  // each time is the median of its passes' medians. The GPU sides run once.
  const rounds = ctx.preset.timing.rounds ?? 1;
  const t = { warmup: Math.max(0, ...cases.map((c) => c.timing.warmup)), iterations: Math.max(1, ...cases.map((c) => c.timing.iterations)) };
  const results: (OrtRunResult | undefined)[] = [];
  /** Per peer, per case: each pass's median ms. */
  const ortMs: number[][][] = PEERS.map(() => cases.map(() => []));
  for (let r = 0; r < rounds; r++) {
    const pass = rounds > 1 ? ` (pass ${r + 1}/${rounds})` : '';
    // lowbit, measured per call like session.run.
    for (const pc of cases) {
      if (!pc.qt) continue;
      ctx.progress(`peers ${pc.layer.name} M=${pc.m} ${pc.scheme}: lowbit CPU${pass}`);
      await timeLowbitCpu(ctx, pc, r === 0);
    }
    // The peers, one child process per provider setting; ORT runs all models of a provider in
    // one process, with the largest per-entry counts.
    for (const [i, p] of PEERS.entries()) {
      if (ortCases.length === 0) break;
      if (r > 0 && p.provider !== 'cpu') continue;
      if (!providers.includes(p.provider)) {
        if (r === 0) results.push({ provider: p.provider, ortVersion: '', error: 'not requested in this run', cases: [] });
        continue;
      }
      ctx.progress(`peers: onnxruntime ${p.provider} (${p.variant}), ${ortCases.length} models${pass}`);
      // The CPU provider gets as many samples as lowbit's threaded kernels (a call is about a millisecond).
      const iterations = p.provider === 'cpu' ? Math.max(t.iterations, MIN_ASYNC_SAMPLES) : t.iterations;
      const run = await runOrtCases(ortCases, { provider: p.provider, threads: ortThreads(p.threads), warmup: t.warmup, iterations });
      if (r === 0) results.push(run);
      cases.forEach((pc, j) => {
        const c = pc.ortIndex === undefined ? undefined : run.cases[pc.ortIndex];
        if (c?.ok && c.samplesMs && c.samplesMs.length > 0) (ortMs[i] as number[][])[j]?.push(median(c.samplesMs));
      });
    }
  }
  for (const pc of cases) {
    if (!pc.qt) continue;
    pickFastestCpu(pc);
    await timeLowbitGpu(ctx, pc);
  }

  for (const pc of cases) {
    const { layer, m } = pc;
    const base = { suite: 'peers' as const, layer: layer.name, m, n: layer.n, k: layer.k, scheme: pc.scheme, group: PEER_BLOCK };
    const flops = matmulFlops(m, layer.n, layer.k);
    if (!pc.qt || pc.ortIndex === undefined) {
      for (const p of PEERS) {
        ctx.rows.push(makeRow({ ...base, role: 'peer', kernel: p.kernel, variant: p.variant, status: 'unsupported', note: pc.reason ?? '', timer: 'none', bytes: 0, flops }));
      }
      continue;
    }
    const qt = pc.qt;
    const cpuRows: [LowbitCpu | undefined, string][] = [
      [pc.lowbitCpu, 'fastest lowbit CPU kernel on one thread'],
      [pc.lowbitCpuAny !== pc.lowbitCpu ? pc.lowbitCpuAny : undefined, 'fastest lowbit CPU kernel on any thread count'],
    ];
    for (const [r, what] of cpuRows) {
      if (!r) continue;
      ctx.rows.push(
        makeRow({
          ...base,
          role: 'lowbit-vs-peer',
          kernel: `lowbit-cpu`,
          variant: r.kernel,
          status: r.status,
          note: r.note || `${what}, wall clock per call${r.passes.length > 1 ? `; median of ${r.passes.length} passes' medians (${r.passes.map((v) => v.toPrecision(3)).join(', ')} ms)` : ''}`,
          timer: 'wall',
          ms: r.ms,
          samples: (r.threads > 1 ? Math.max(pc.timing.iterations, MIN_ASYNC_SAMPLES) : pc.timing.iterations) * r.passes.length,
          bytes: pc.bytes,
          flops,
        }),
      );
    }
    if (pc.lowbitGpu) {
      const g = pc.lowbitGpu;
      ctx.rows.push(
        makeRow({
          ...base,
          role: 'lowbit-vs-peer',
          kernel: 'lowbit-gpu',
          variant: `${g.variant} end-to-end`,
          status: g.status,
          note:
            g.note ||
            `fastest lowbit GPU variant (by kernel time): write X + dispatch + read Y, wall clock per call; ` +
              (g.rttMs !== null ? `queue round trip ${g.rttMs.toPrecision(3)} ms` : '') +
              (g.overhead !== null ? `, median per call of end to end / (its kernel time + round trip) = ${g.overhead.toPrecision(3)}` : ''),
          timer: 'wall',
          ms: g.e2eMs,
          samples: pc.timing.iterations,
          bytes: pc.bytes,
          flops,
        }),
        makeRow({
          ...base,
          role: 'lowbit-vs-peer',
          kernel: 'lowbit-gpu',
          variant: `${g.variant} kernel`,
          status: g.status,
          note: g.note || 'the same variant, kernel only',
          timer: g.timer === 'timestamp-query' ? 'timestamp-query' : 'wall',
          ms: g.kernelMs,
          samples: pc.timing.iterations,
          bytes: pc.bytes,
          flops,
        }),
      );
    }
    PEERS.forEach((p, i) => {
      const run = results[i];
      const r = run?.cases[pc.ortIndex as number];
      // onnxruntime on 1 thread meets lowbit's fastest on 1 thread; on more (its default, or all cores), lowbit's fastest on any.
      const cpu = p.threads === 1 ? pc.lowbitCpu : (pc.lowbitCpuAny ?? pc.lowbitCpu);
      const lowbitMs = p.provider === 'cpu' ? (cpu?.ms ?? null) : (pc.lowbitGpu?.e2eMs ?? null);
      const lowbitWhat = p.provider === 'cpu' ? `lowbit ${cpu?.kernel ?? '-'}` : `lowbit ${pc.lowbitGpu?.variant ?? '-'} end-to-end`;
      if (!run || !r || !r.ok || !r.y) {
        const why = r?.error ?? run?.error ?? 'not run';
        ctx.rows.push(makeRow({ ...base, role: 'peer', kernel: p.kernel, variant: p.variant, status: 'unavailable', note: `onnxruntime${run?.ortVersion ? ` ${run.ortVersion}` : ''}: ${why}`, timer: 'none', bytes: pc.bytes, flops, lowbitMs }));
        return;
      }
      const check = checkMatmulBound(r.y, ctx.oracle(qt, layer, m), m, layer.n, layer.k, { c: PEER_BOUND_C });
      const passMs = ortMs[i]?.[cases.indexOf(pc)] ?? [];
      const ms = median(passMs.length > 0 ? passMs : (r.samplesMs ?? []));
      const passNote = passMs.length > 1 ? `; median of ${passMs.length} passes' medians (${passMs.map((v) => v.toPrecision(3)).join(', ')} ms)` : '';
      ctx.rows.push(
        makeRow({
          ...base,
          role: 'peer',
          kernel: p.kernel,
          variant: p.variant,
          status: check.ok ? 'ok' : 'wrong',
          note: check.ok ? `onnxruntime ${run.ortVersion} MatMulNBits session.run${p.threads === ALL_CORES ? ` (intraOpNumThreads ${ortThreads(p.threads)})` : ''}; ratio vs ${lowbitWhat}${passNote}` : `WRONG ANSWERS vs the f64 oracle: ${check.message}`,
          timer: 'wall',
          ms,
          samples: (r.samplesMs?.length ?? 0) * Math.max(1, passMs.length),
          bytes: pc.bytes,
          flops,
          checkWorstRatio: check.worstRatio,
          peerMs: ms,
          lowbitMs,
        }),
      );
    });
  }
}

/** intraOpNumThreads for a PEERS entry: ALL_CORES is the logical cores; 0 keeps ORT's default. */
function ortThreads(threads: number): number {
  return threads === ALL_CORES ? defaultWasmThreads() : threads;
}

/**
 * One pass of lowbit's CPU kernels on a peer case: each kernel's output is checked against the
 * oracle in the first pass (a kernel that throws is dropped), then timed per call like session.run.
 */
async function timeLowbitCpu(ctx: BenchContext, pc: PeerCase, first: boolean): Promise<void> {
  const qt = pc.qt as QuantizedTensor;
  const { layer, m } = pc;
  const pt = pc.timing;
  const x = ctx.activationsOf(layer, m);
  if (first) {
    pc.cpuKernels = new Map();
    const ref = ctx.oracle(qt, layer, m);
    for (const kern of benchCpuKernels()) {
      if (kern.supports(qt) !== true) continue;
      try {
        const y = new Float32Array(m * qt.rows);
        await kern.run(x, m, qt, y);
        const check = checkMatmulBound(y, ref, m, qt.rows, qt.cols, kern.bound(qt, m, x));
        pc.cpuKernels.set(benchKernelLabel(kern), { kern, status: check.ok ? 'ok' : 'wrong', note: check.ok ? '' : check.message, passes: [] });
      } catch (err) {
        ctx.progress(`  ${benchKernelLabel(kern)}: ${errorText(err)}`);
      }
    }
  }
  const y = new Float32Array(m * qt.rows);
  for (const [label, e] of pc.cpuKernels ?? []) {
    const { kern } = e;
    try {
      // A threaded kernel is awaited call by call (timeAsync: one call per sample, like session.run).
      const { ms } = kern.async ? await timeAsync(() => kern.run(x, m, qt, y) as Promise<Float32Array>, pt.warmup, Math.max(pt.iterations, MIN_ASYNC_SAMPLES)) : timeSync(() => kern.run(x, m, qt, y), pt.warmup, pt.iterations);
      e.passes.push(ms);
    } catch (err) {
      ctx.progress(`  ${label}: ${errorText(err)}`);
    }
  }
}

/** The fastest lowbit CPU kernel of a peer case on one thread and on any thread count, by the median of its passes. */
function pickFastestCpu(pc: PeerCase): void {
  for (const [label, e] of pc.cpuKernels ?? []) {
    if (e.passes.length === 0) continue;
    const r: LowbitCpu = { ms: median(e.passes), passes: e.passes, kernel: label, threads: e.kern.threads, status: e.status, note: e.note };
    if (r.threads === 1 && (!pc.lowbitCpu || r.ms < pc.lowbitCpu.ms)) pc.lowbitCpu = r;
    if (!pc.lowbitCpuAny || r.ms < pc.lowbitCpuAny.ms) pc.lowbitCpuAny = r;
  }
}

/** lowbit's GPU on a peer case (when there is a GPU): the variant with the fastest kernel time, then that variant end to end. */
async function timeLowbitGpu(ctx: BenchContext, pc: PeerCase): Promise<void> {
  const gpu = ctx.gpu;
  if (!hasGpu(gpu)) return;
  const qt = pc.qt as QuantizedTensor;
  const { layer, m } = pc;
  const pt = pc.timing;
  ctx.progress(`peers ${layer.name} M=${m} ${pc.scheme}: lowbit GPU`);
  const gt = uploadQuantizedTensor(gpu, qt);
  try {
    // Taken from the GPU suite's rows for this layer, M and scheme when it ran (at the scheme's
    // default group), else found here.
    let best: GpuKernelVariant | undefined = fastestInGpuSuite(ctx, layer.name, m, pc.scheme);
    if (!best) {
      let bestMs = Infinity;
      for (const v of variantsFor(m, 'quantized')) {
        const r = await timeGpuVariant(ctx, gpu, v, gt, layer, m, pt);
        if (r.ms !== null && r.status === 'ok' && r.ms < bestMs) {
          best = v;
          bestMs = r.ms;
        }
      }
    }
    if (best) {
      const r = await timeGpuVariant(ctx, gpu, best, gt, layer, m, { ...pt, endToEnd: true });
      if (r.endToEndMs !== null && r.ms !== null) {
        pc.lowbitGpu = { e2eMs: r.endToEndMs, kernelMs: r.ms, rttMs: r.roundTripMs, overhead: r.overheadRatio, variant: best.name, timer: r.timer, status: r.status, note: r.note };
      }
    }
  } finally {
    gt.destroy();
  }
}

/** The quantized variant with the lowest ok kernel time in the GPU suite's rows, if it ran this case. */
function fastestInGpuSuite(ctx: BenchContext, layer: string, m: number, scheme: string): GpuKernelVariant | undefined {
  let best: { name: string; ms: number } | undefined;
  for (const r of ctx.rows) {
    if (r.suite !== 'gpu' || r.role !== 'kernel' || r.layer !== layer || r.m !== m || r.scheme !== scheme || r.status !== 'ok' || r.ms === null) continue;
    if (!best || r.ms < best.ms) best = { name: `${r.kernel}/${r.variant}`, ms: r.ms };
  }
  if (!best) return undefined;
  try {
    return getGpuKernelVariant(best.name);
  } catch {
    return undefined;
  }
}
