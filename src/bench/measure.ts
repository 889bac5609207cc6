/**
 * Byte and FLOP accounting of a matmul row, medians, and the row builder every suite uses so each
 * number appears with its limits: effective GB/s, GFLOP/s, the copy of the same bytes, the f32
 * baseline.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { BenchRow, RowRole, RowStatus, RowTimer, SuiteName } from './types.js';

const F32_BYTES = 4;
const BYTES_PER_GB = 1e9;
const BYTES_PER_MB = 1e6;
const FLOP_PER_GFLOP = 1e9;
const MS_PER_S = 1e3;

/** The median (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Bytes of a quantized weight as lowbit holds it in memory, CPU and GPU alike: packed code words,
 * f32 scales (the f16/E8M0/E4M3 values are held widened to f32), one byte per zero point and per
 * datatype id.
 */
export function quantizedWeightBytes(qt: QuantizedTensor): { codes: number; scales: number; zeros: number; ids: number; total: number } {
  const groups = qt.rows * (qt.cols / qt.groupSize);
  const codes = qt.rows * qt.wordsPerRow * 4;
  const scales = groups * F32_BYTES;
  const zeros = qt.zeros ? groups : 0;
  const ids = qt.dtypeIds ? groups : 0;
  return { codes, scales, zeros, ids, total: codes + scales + zeros + ids };
}

/** Activations X [M, K] and outputs Y [M, N] in f32. */
export function activationBytes(m: number, n: number, k: number): number {
  return (m * k + m * n) * F32_BYTES;
}

/** Bytes of an f32 GEMV/GEMM on unquantized weights: W + X + Y. */
export function f32MatmulBytes(m: number, n: number, k: number): number {
  return n * k * F32_BYTES + activationBytes(m, n, k);
}

/** 2 M N K. */
export function matmulFlops(m: number, n: number, k: number): number {
  return 2 * m * n * k;
}

/** GB/s of `bytes` moved in `ms`. */
export function gbPerS(bytes: number, ms: number): number {
  return bytes / BYTES_PER_GB / (ms / MS_PER_S);
}

/** MB/s of `bytes` processed in `ms`. */
export function mbPerS(bytes: number, ms: number): number {
  return bytes / BYTES_PER_MB / (ms / MS_PER_S);
}

/** GFLOP/s of `flops` in `ms`. */
export function gflopPerS(flops: number, ms: number): number {
  return flops / FLOP_PER_GFLOP / (ms / MS_PER_S);
}

function finite(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

/** What a suite knows about one measurement; {@link makeRow} derives the rest. */
export interface RowInput {
  readonly suite: SuiteName;
  readonly role: RowRole;
  readonly layer: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly scheme: string;
  readonly group: number;
  readonly kernel: string;
  readonly variant?: string;
  readonly status: RowStatus;
  readonly note?: string;
  readonly timer: RowTimer;
  readonly ms?: number | null;
  readonly samples?: number;
  readonly bytes: number;
  /** FLOPs of one call; 0 for rows where GFLOP/s means nothing (copies, quantize). */
  readonly flops: number;
  readonly copyGbps?: number | null;
  readonly f32Ms?: number | null;
  readonly mbPerS?: number | null;
  readonly checkWorstRatio?: number | null;
  readonly peerMs?: number | null;
  readonly lowbitMs?: number | null;
}

/** Builds a row: effective GB/s, GFLOP/s, fraction of copy bandwidth and speed-up over f32 from the inputs. */
export function makeRow(r: RowInput): BenchRow {
  const ms = finite(r.ms);
  const gbps = ms !== null && ms > 0 ? finite(gbPerS(r.bytes, ms)) : null;
  const copy = finite(r.copyGbps);
  const f32Ms = finite(r.f32Ms);
  const peerMs = finite(r.peerMs);
  const lowbitMs = finite(r.lowbitMs);
  const variant = r.variant ?? '';
  return {
    suite: r.suite,
    role: r.role,
    name: [r.suite, r.layer, `M${r.m}`, r.scheme, r.kernel, variant].filter(Boolean).join('/'),
    layer: r.layer,
    m: r.m,
    n: r.n,
    k: r.k,
    scheme: r.scheme,
    group: r.group,
    kernel: r.kernel,
    variant,
    status: r.status,
    note: r.note ?? '',
    timer: r.timer,
    ms,
    samples: r.samples ?? 0,
    bytes: r.bytes,
    gbps,
    gflops: ms !== null && ms > 0 && r.flops > 0 ? finite(gflopPerS(r.flops, ms)) : null,
    copyGbps: copy,
    fractionOfCopy: gbps !== null && copy !== null && copy > 0 ? gbps / copy : null,
    f32Ms,
    speedupVsF32: f32Ms !== null && ms !== null && ms > 0 ? f32Ms / ms : null,
    mbPerS: finite(r.mbPerS),
    checkWorstRatio: finite(r.checkWorstRatio),
    peerMs,
    lowbitMs,
    lowbitOverPeer: peerMs !== null && lowbitMs !== null && lowbitMs > 0 ? peerMs / lowbitMs : null,
  };
}

/** A one-line error message of anything thrown. */
export function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}
