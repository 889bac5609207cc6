/**
 * Headline numbers derived from a run's rows: lowbit vs the onnxruntime peers on int4 GEMV, LUT
 * vs dequant at 2 bits, each kernel's fraction of copy bandwidth, and quantize MB/s, at the
 * largest layer the run measured with M = 1; and per GPU kernel family the tiled GEMM against
 * the GEMV variants at the largest M > 1. Each says where it came from.
 */
import type { BenchRow, Headline } from './types.js';
import type { PairedRatio } from './paired.js';
import { quantizeHeadlines } from './suite-quantize.js';

function largest(rows: readonly BenchRow[]): BenchRow[] {
  if (rows.length === 0) return [];
  const size = Math.max(...rows.map((r) => r.n * r.k));
  return rows.filter((r) => r.n * r.k === size);
}

function fmt(x: number | null, digits = 3): string {
  return x === null ? '-' : Number(x.toPrecision(digits)).toString();
}

function shape(r: BenchRow): string {
  return `${r.layer} (${r.n}x${r.k}, M=${r.m})`;
}

function peerHeadline(rows: readonly BenchRow[], kernel: string, variant: string | undefined, label: string, scheme = 'int4'): Headline | undefined {
  const cands = largest(rows.filter((r) => r.suite === 'peers' && r.role === 'peer' && r.kernel === kernel && (variant === undefined || r.variant === variant) && r.scheme === scheme && r.m === 1));
  const r = cands[0];
  if (!r) return undefined;
  if (r.status !== 'ok') return { label, value: null, unit: 'x', detail: `${shape(r)}: peer ${r.status}: ${r.note}` };
  return {
    label,
    value: r.lowbitOverPeer,
    unit: 'x (peer ms / lowbit ms; > 1 = lowbit faster)',
    detail: `${shape(r)}, block ${r.group}: lowbit ${fmt(r.lowbitMs)} ms vs ${r.kernel} ${r.variant} ${fmt(r.peerMs)} ms (wall clock per call)`,
  };
}

function lutHeadline(rows: readonly BenchRow[], suite: 'cpu' | 'gpu'): Headline | undefined {
  // The TypeScript references (CPU) or the GPU variants; the WebAssembly kernels have their own headlines.
  const ok = rows.filter((r) => r.suite === suite && r.role === 'kernel' && !r.kernel.startsWith('wasm-') && r.scheme === 'int2' && r.m === 1 && r.status === 'ok' && r.ms !== null);
  const cands = largest(ok);
  const best = (pred: (r: BenchRow) => boolean) =>
    cands.filter(pred).reduce<BenchRow | undefined>((a, r) => (a === undefined || (r.ms as number) < (a.ms as number) ? r : a), undefined);
  const lut = best((r) => r.kernel.includes('lut'));
  const deq = best((r) => r.kernel.includes('dequant'));
  const label = `${suite.toUpperCase()} int2 GEMV: lut vs dequant`;
  if (!lut || !deq) return { label, value: null, unit: 'x', detail: `not measured in this run (${!lut ? 'no lut row' : 'no dequant row'} for int2, M=1)` };
  return {
    label,
    value: (deq.ms as number) / (lut.ms as number),
    unit: 'x (dequant ms / lut ms; > 1 = lut faster)',
    detail: `${shape(lut)}: ${[lut.kernel, lut.variant].filter(Boolean).join('/')} ${fmt(lut.ms)} ms vs ${[deq.kernel, deq.variant].filter(Boolean).join('/')} ${fmt(deq.ms)} ms`,
  };
}

/** GPU int4 at the largest layer with M > 1: the family's fastest tiled GEMM vs its fastest GEMV variant. */
export function gemmHeadline(rows: readonly BenchRow[], family: 'dequant' | 'lut' | 'bitserial'): Headline | undefined {
  const ok = rows.filter((r) => r.suite === 'gpu' && r.role === 'kernel' && r.scheme === 'int4' && r.m > 1 && r.status === 'ok' && r.ms !== null && r.kernel.startsWith(`${family}-`));
  if (ok.length === 0) return undefined;
  const mMax = Math.max(...ok.map((r) => r.m));
  const cands = largest(ok.filter((r) => r.m === mMax));
  const best = (suffix: string) =>
    cands.filter((r) => r.kernel.endsWith(suffix)).reduce<BenchRow | undefined>((a, r) => (a === undefined || (r.ms as number) < (a.ms as number) ? r : a), undefined);
  const gemm = best('-gemm');
  const gemv = best('-gemv');
  const label = `GPU int4 ${family}: tiled GEMM vs GEMV at M > 1`;
  if (!gemm || !gemv) return { label, value: null, unit: 'x', detail: `not measured in this run (${!gemm ? 'no gemm row' : 'no gemv row'} for int4, M=${mMax})` };
  return {
    label,
    value: (gemv.ms as number) / (gemm.ms as number),
    unit: 'x (gemv ms / gemm ms; > 1 = tiled GEMM faster)',
    detail: `${shape(gemm)}: ${gemm.kernel}/${gemm.variant} ${fmt(gemm.ms)} ms vs ${gemv.kernel}/${gemv.variant} ${fmt(gemv.ms)} ms`,
  };
}

/** The fastest ok row among `rows` (by median ms). */
function fastest(rows: readonly BenchRow[]): BenchRow | undefined {
  return rows.reduce<BenchRow | undefined>((a, r) => (r.status === 'ok' && r.ms !== null && (a === undefined || r.ms < (a.ms as number)) ? r : a), undefined);
}

/** 'wasm-lut-i8 1 thread': a row's kernel and variant (benchKernelLabel of its kernel). */
export const label = (r: BenchRow): string => [r.kernel, r.variant].filter(Boolean).join(' ');

/** The rows the WebAssembly targets compare: the fastest 1-thread kernels at the largest layer measured with M = 1. */
export interface WasmTargetRows {
  /** Every ok WebAssembly row at that layer with M = 1 (any thread count). */
  readonly m1: readonly BenchRow[];
  readonly int4?: BenchRow;
  readonly int2?: BenchRow;
  readonly ternary?: BenchRow;
  readonly bitmod4?: BenchRow;
  /** int4 at M = 8 on the same layer. */
  readonly int4M8?: BenchRow;
  /**
   * Per target row, the rows of the same kind within CANDIDATE_SPREAD of its time, fastest first:
   * the kernels the cpu suite pairs (a row's median can be off by the noise the pairs remove).
   */
  readonly candidates: Readonly<Record<WasmTargetRow, readonly BenchRow[]>>;
}

/** Rows within this factor of the fastest of their kind are paired too (WasmTargetRows.candidates). */
export const CANDIDATE_SPREAD = 1.5;

/** The target pairs, by the key of their paired measurement (suite-cpu.ts): [B, A], ratio B / A. */
export const WASM_TARGET_PAIRS = {
  'int2/int4': ['int2', 'int4'],
  'ternary/int4': ['ternary', 'int4'],
  'bitmod4/int4': ['bitmod4', 'int4'],
  'int4 M=8/M=1': ['int4M8', 'int4'],
} as const satisfies Record<string, readonly [WasmTargetRow, WasmTargetRow]>;

/** The single rows of {@link WasmTargetRows}. */
export type WasmTargetRow = Exclude<keyof WasmTargetRows, 'm1' | 'candidates'>;

/** The rows of {@link WasmTargetRows} among a run's rows. */
export function wasmTargetRows(rows: readonly BenchRow[]): WasmTargetRows {
  const wasm = rows.filter((r) => r.suite === 'cpu' && r.role === 'kernel' && r.kernel.startsWith('wasm-') && r.status === 'ok' && r.ms !== null);
  const m1 = largest(wasm.filter((r) => r.m === 1));
  const oneThread = (from: readonly BenchRow[], scheme: string, family?: string) =>
    from.filter((r) => r.scheme === scheme && r.variant === '1 thread' && (family === undefined || r.kernel.startsWith(`wasm-${family}`)));
  const layer = fastest(oneThread(m1, 'int4'))?.layer;
  const kinds: Record<WasmTargetRow, readonly BenchRow[]> = {
    int4: oneThread(m1, 'int4'),
    int2: oneThread(m1, 'int2', 'lut'),
    ternary: oneThread(m1, 'ternary', 'lut'),
    bitmod4: oneThread(m1, 'bitmod4'),
    int4M8: layer === undefined ? [] : oneThread(wasm.filter((r) => r.m === 8 && r.layer === layer), 'int4'),
  };
  const candidates = {} as Record<WasmTargetRow, readonly BenchRow[]>;
  for (const [key, kind] of Object.entries(kinds) as [WasmTargetRow, readonly BenchRow[]][]) {
    const best = fastest(kind);
    candidates[key] = best ? [...kind].filter((r) => (r.ms as number) <= CANDIDATE_SPREAD * (best.ms as number)).sort((x, y) => (x.ms as number) - (y.ms as number)) : [];
  }
  return { m1, candidates, int4: candidates.int4[0], int2: candidates.int2[0], ternary: candidates.ternary[0], bitmod4: candidates.bitmod4[0], int4M8: candidates.int4M8[0] };
}

/** What a paired measurement adds to a headline's detail. */
function pairedDetail(p: PairedRatio, rowRatio: number, scale = 1): string {
  const lo = Math.min(...p.ratios) * scale;
  const hi = Math.max(...p.ratios) * scale;
  return `paired: ${p.b} ${fmt(p.bMs)} ms vs ${p.a} ${fmt(p.aMs)} ms per call, median of ${p.ratios.length} alternating blocks' ratios (${fmt(lo)}-${fmt(hi)}); the two rows' medians give ${fmt(rowRatio * scale)}`;
}

/**
 * The WebAssembly kernels against the issue's targets (WasmTargetRows, all on one thread unless
 * said): int2 and ternary LUT vs int4 (target <= 0.6), bitmod4 vs int4 (<= 1.5), the per-row cost
 * at M = 8 vs M = 1 (<= 0.4), and the threaded int4 time over the copy-bandwidth time of the same
 * bytes (goal <= 3). A ratio with a paired measurement of the same two kernels (`pairs`, timed in
 * alternating blocks) takes its value from it; else from the two rows' medians.
 */
export function wasmHeadlines(rows: readonly BenchRow[], pairs: readonly PairedRatio[] = []): Headline[] {
  const t = wasmTargetRows(rows);
  const { m1, int4: i4 } = t;
  if (m1.length === 0) return [];
  // The paired measurement with the lowest ratio among the target's candidate kernels against
  // the fastest A row, and the candidate row it measured.
  const paired = (key: keyof typeof WASM_TARGET_PAIRS, a: BenchRow): [PairedRatio, BenchRow] | undefined => {
    const bs = t.candidates[WASM_TARGET_PAIRS[key][0]];
    let best: [PairedRatio, BenchRow] | undefined;
    for (const p of pairs) {
      const b = bs.find((r) => label(r) === p.b);
      if (p.key === key && p.layer === a.layer && p.a === label(a) && b && (!best || p.ratio < best[0].ratio)) best = [p, b];
    }
    return best;
  };
  const out: Headline[] = [];
  const vsInt4 = (key: 'int2/int4' | 'ternary/int4' | 'bitmod4/int4', r: BenchRow | undefined, what: string, target: string) => {
    const h = `CPU WASM ${what} GEMV vs int4 WASM GEMV (1 thread)`;
    if (!r || !i4) {
      out.push({ label: h, value: null, unit: 'x', detail: `not measured in this run (${!i4 ? 'no int4' : `no ${what}`} WebAssembly row at M=1)` });
      return;
    }
    const pb = paired(key, i4);
    const [p, b] = pb ?? [undefined, r];
    const rowRatio = (b.ms as number) / (i4.ms as number);
    const rowsDetail = `${label(b)} ${fmt(b.ms)} ms vs int4 ${label(i4)} ${fmt(i4.ms)} ms`;
    out.push({ label: h, value: p ? p.ratio : rowRatio, unit: `x (ms / int4 ms; target ${target})`, detail: `${shape(b)}: ${p ? pairedDetail(p, rowRatio) : rowsDetail}` });
  };
  vsInt4('int2/int4', t.int2, 'int2 LUT', '<= 0.6');
  vsInt4('ternary/int4', t.ternary, 'ternary LUT', '<= 0.6');
  vsInt4('bitmod4/int4', t.bitmod4, 'bitmod4', '<= 1.5');
  // M = 8 against M = 1 on one thread: the fastest int4 kernel at each (what a caller would run).
  const m8Label = 'CPU WASM int4 M=8: per-row cost vs M=1 (fastest kernels, 1 thread)';
  const pb8 = i4 ? paired('int4 M=8/M=1', i4) : undefined;
  const p = pb8?.[0];
  const r8 = pb8?.[1] ?? t.int4M8;
  if (i4) {
    const rowRatio = r8 ? (r8.ms as number) / (i4.ms as number) : 0;
    out.push(
      r8
        ? {
            label: m8Label,
            value: (p ? p.ratio : rowRatio) / 8,
            unit: 'x (M=8 ms / 8 / M=1 ms; target <= 0.4)',
            detail: `${shape(r8)}: ${p ? pairedDetail(p, rowRatio, 1 / 8) : `${label(r8)} ${fmt(r8.ms)} ms vs M=1 ${label(i4)} ${fmt(i4.ms)} ms`}`,
          }
        : { label: m8Label, value: null, unit: 'x', detail: 'not measured in this run (no int4 WebAssembly row at M=8)' },
    );
  }
  const t4 = fastest(m1.filter((r) => r.scheme === 'int4'));
  if (t4 && t4.fractionOfCopy !== null && t4.fractionOfCopy > 0) {
    out.push({
      label: 'CPU WASM int4 GEMV (fastest, any threads): time vs copy-bandwidth time',
      value: 1 / t4.fractionOfCopy,
      unit: 'x (kernel ms / ms to copy the same bytes on one thread; goal <= 3)',
      detail: `${shape(t4)}: ${label(t4)} ${fmt(t4.ms)} ms, ${fmt(t4.gbps)} GB/s vs copy ${fmt(t4.copyGbps)} GB/s`,
    });
  }
  return out;
}

/**
 * The GPU LUT GEMV target: int2 and ternary on the fastest LUT variant against int4 on the
 * fastest dequant variant (target < 1), from the gpu suite's rows at the largest layer with M = 1.
 */
export function gpuLutHeadlines(rows: readonly BenchRow[]): Headline[] {
  const m1 = largest(rows.filter((r) => r.suite === 'gpu' && r.role === 'kernel' && r.m === 1 && r.status === 'ok' && r.ms !== null));
  if (m1.length === 0) return [];
  const deq = fastest(m1.filter((r) => r.scheme === 'int4' && r.kernel.startsWith('dequant-')));
  return ['int2', 'ternary'].map((scheme) => {
    const lut = fastest(m1.filter((r) => r.scheme === scheme && r.kernel.startsWith('lut-')));
    const h = `GPU ${scheme} LUT GEMV vs int4 dequant GEMV`;
    if (!lut || !deq) return { label: h, value: null, unit: 'x', detail: `not measured in this run (no ${!deq ? 'int4 dequant' : `${scheme} LUT`} row at M=1)` };
    return { label: h, value: (lut.ms as number) / (deq.ms as number), unit: 'x (ms / int4 ms; target < 1)', detail: `${shape(lut)}: ${label(lut)} ${fmt(lut.ms)} ms vs int4 ${label(deq)} ${fmt(deq.ms)} ms` };
  });
}

/** The headline numbers of `rows` (the WebAssembly target ratios from `pairs` where measured). */
export function headlines(rows: readonly BenchRow[], pairs: readonly PairedRatio[] = []): Headline[] {
  const out: Headline[] = [];
  const push = (h: Headline | undefined) => {
    if (h) out.push(h);
  };
  push(peerHeadline(rows, 'ort-webgpu', undefined, 'GPU int4 GEMV: lowbit vs onnxruntime WebGPU'));
  push(peerHeadline(rows, 'ort-cpu', '1 thread', 'CPU int4 GEMV: lowbit vs onnxruntime CPU (1 thread)'));
  push(peerHeadline(rows, 'ort-cpu', 'default threads', 'CPU int4 GEMV: lowbit vs onnxruntime CPU (default threads)'));
  push(peerHeadline(rows, 'ort-cpu', 'all cores', 'CPU int4 GEMV: lowbit vs onnxruntime CPU (all cores)'));
  push(peerHeadline(rows, 'ort-cpu', '1 thread', 'CPU int2 GEMV: lowbit vs onnxruntime CPU (1 thread)', 'int2'));
  push(peerHeadline(rows, 'ort-cpu', 'default threads', 'CPU int2 GEMV: lowbit vs onnxruntime CPU (default threads)', 'int2'));
  push(peerHeadline(rows, 'ort-cpu', 'all cores', 'CPU int2 GEMV: lowbit vs onnxruntime CPU (all cores)', 'int2'));
  out.push(...wasmHeadlines(rows, pairs));
  push(lutHeadline(rows, 'cpu'));
  push(lutHeadline(rows, 'gpu'));
  out.push(...gpuLutHeadlines(rows));
  for (const suite of ['cpu', 'gpu'] as const) {
    const cands = largest(rows.filter((r) => r.suite === suite && r.scheme === 'int4' && r.m === 1 && r.status === 'ok' && r.fractionOfCopy !== null));
    for (const r of cands) {
      out.push({
        label: `${suite.toUpperCase()} int4 GEMV ${[r.kernel, r.variant].filter(Boolean).join('/')}: fraction of copy bandwidth`,
        value: r.fractionOfCopy,
        unit: 'of copy GB/s',
        detail: `${shape(r)}: ${fmt(r.gbps)} GB/s effective vs copy ${fmt(r.copyGbps)} GB/s; ${fmt(r.ms)} ms`,
      });
    }
  }
  for (const family of ['dequant', 'lut', 'bitserial'] as const) push(gemmHeadline(rows, family));
  out.push(...quantizeHeadlines(rows));
  return out;
}
