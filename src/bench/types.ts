/** The record types of a `lowbit bench` run: one row per measured thing, plus the run's environment. */

import type { PairedRatio } from './paired.js';

/** The suites a run can contain (`--only`). */
export const SUITE_NAMES = ['quantize', 'cpu', 'gpu', 'peers'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

/**
 * - ok: measured, and its output passed the check against the f64 oracle (when checked);
 * - wrong: it ran but its output failed the check (the row keeps the timing, marked);
 * - unsupported: the kernel/peer does not support this scheme or shape (note says why);
 * - unavailable: the device, capability or peer is missing here (note says what);
 * - error: it threw (note holds the message).
 */
export type RowStatus = 'ok' | 'wrong' | 'unsupported' | 'unavailable' | 'error';

/** Which clock timed a row. */
export type RowTimer = 'benny' | 'timestamp-query' | 'wall' | 'none';

/** What a row is, in the comparisons the report makes. */
export type RowRole =
  /** a lowbit quantized kernel (or the quantizer) */
  | 'kernel'
  /** an f32 baseline on unquantized weights */
  | 'f32-baseline'
  /** the plain copy of the same bytes */
  | 'copy'
  /** a peer library (onnxruntime-node MatMulNBits) */
  | 'peer'
  /** lowbit measured the way the peer is measured, for the ratio */
  | 'lowbit-vs-peer';

/** One benchmark row. Missing numbers are null (never NaN) so the JSON stays valid. */
export interface BenchRow {
  readonly suite: SuiteName;
  readonly role: RowRole;
  /** A stable name: suite/layer/M/scheme/kernel[/variant]. */
  readonly name: string;
  /** Layer name from bench/shapes.json. */
  readonly layer: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Scheme name, or 'f32' for baselines and copies. */
  readonly scheme: string;
  /** Group size along K of the quantized tensor (0 for f32 rows). */
  readonly group: number;
  /** Kernel (cpu: dequant / lut / bitserial / f32-loop / memcpy; gpu: the variant's kernel; peers: provider). */
  readonly kernel: string;
  /** Variant (gpu) or a detail such as the thread count (peers); '' when none. */
  readonly variant: string;
  readonly status: RowStatus;
  /** Why a row is not ok, or what it compares. */
  readonly note: string;
  readonly timer: RowTimer;
  /** Median time of one call in ms. */
  readonly ms: number | null;
  readonly samples: number;
  /** Bytes the kernel moves: packed codes + scales + zero points + ids + activations + outputs (as stored in memory). */
  readonly bytes: number;
  /** bytes / ms in GB/s. */
  readonly gbps: number | null;
  /** 2 M N K / ms in GFLOP/s (quantize rows: null). */
  readonly gflops: number | null;
  /** The copy of the same bytes on the same device (CPU: TypedArray.set; GPU: shaders/copy.wgsl), read + write GB/s. */
  readonly copyGbps: number | null;
  /** gbps / copyGbps. */
  readonly fractionOfCopy: number | null;
  /** The f32 baseline's median ms at the same shape and device. */
  readonly f32Ms: number | null;
  /** f32Ms / ms: > 1 means faster than the unquantized f32 kernel. */
  readonly speedupVsF32: number | null;
  /** Quantize rows: MB/s of f32 input (1e6 bytes). */
  readonly mbPerS: number | null;
  /** Check against lowbit's f64 oracle: worst |err| / bound (<= 1 passes). */
  readonly checkWorstRatio: number | null;
  /** Peer rows: the peer's median ms, lowbit's median ms measured the same way, and peerMs / lowbitMs (> 1: lowbit faster). */
  readonly peerMs: number | null;
  readonly lowbitMs: number | null;
  readonly lowbitOverPeer: number | null;
}

/** The adapter a run used, or why there was none. */
export interface AdapterInfo {
  readonly available: boolean;
  readonly description: string;
  readonly vendor: string;
  readonly architecture: string;
  readonly software: boolean;
  readonly via: string;
  readonly timer: 'timestamp-query' | 'wall' | 'none';
  readonly features: readonly string[];
  readonly reason?: string;
}

/** Where and with what a run was made. */
export interface BenchEnvironment {
  readonly date: string;
  readonly cpuModel: string;
  readonly cpuCores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly chromium: string;
  readonly lowbit: string;
  readonly onnxruntime: string;
  readonly webgpuPackage: string;
  readonly benny: string;
  /** The WebAssembly kernels' SIMD level (baseline or relaxed) and why (src/cpu/wasm-module.ts). */
  readonly wasmSimd: string;
  readonly adapter: AdapterInfo;
  /** Load average over the last minute at the start and at the end (a busy machine makes noisy numbers). */
  readonly loadAvgStart: number;
  readonly loadAvgEnd: number;
}

/** The timing settings of a preset. */
export interface TimingSettings {
  /** Untimed GPU dispatches / peer runs before timing. */
  readonly warmup: number;
  /** Timed GPU dispatches / peer runs; the median is reported. */
  readonly iterations: number;
  /** benny (benchmark.js) maxTime per case, seconds. */
  readonly bennyMaxTime: number;
  /** benny minSamples per case. */
  readonly bennyMinSamples: number;
  /**
   * Passes over every case of the cpu and peers suites (default 1): each case's time is the median
   * of its passes' medians, so a burst of load from other processes, which moves every case timed
   * during it, moves one pass of each case instead of one case.
   */
  readonly rounds?: number;
}

/** A whole run: what the JSON file holds. */
export interface BenchReport {
  readonly schema: 'lowbit-bench/1';
  readonly preset: string;
  readonly suites: readonly SuiteName[];
  readonly timing: TimingSettings;
  readonly environment: BenchEnvironment;
  readonly durationS: number;
  readonly rows: readonly BenchRow[];
  /** Headline numbers derived from the rows (see summarize.ts). */
  readonly headlines: readonly Headline[];
  /** The cpu suite's paired measurements of the WebAssembly target ratios (src/bench/paired.ts). */
  readonly pairs: readonly PairedRatio[];
  /** Files written besides the JSON (CSV, markdown, benny charts), relative to the output folder. */
  readonly files: readonly string[];
  /** The GPU kernels' workgroup constants in force (after --tune or --tuning), and the sweep when one ran. */
  readonly tuning?: {
    readonly table: Readonly<Record<string, { readonly WG_SIZE: number; readonly TPR: number; readonly RPT?: number; readonly TILE_M?: number; readonly PAIRS?: number }>>;
    readonly source: string;
    readonly sweep?: readonly { readonly key: string; readonly variant: string; readonly scheme: string; readonly layer: string; readonly m: number; readonly bestMs: number | null; readonly defaultMs: number | null; readonly candidates: number }[];
  };
}

/** One headline number with how it was derived. */
export interface Headline {
  readonly label: string;
  readonly value: number | null;
  readonly unit: string;
  readonly detail: string;
}
