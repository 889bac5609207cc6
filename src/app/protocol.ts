/**
 * Messages between the page and the Web Worker (src/app/worker.ts). Every request carries an id;
 * the worker answers with progress, streamed rows, and one `done` or `error`.
 */
import type { ErrorMetrics } from '../quant/metrics.js';
import type { ScaleDType } from '../format/quantized-tensor.js';
import type { BenchRow } from '../bench/types.js';
import type { VerifyRow } from '../gpu/verify.js';
import type { ErrorSums } from '../report/error-sums.js';

/**
 * A 2-D weight matrix [rows, cols], row-major: its values (`data`), or a tensor of the request's
 * model that the worker reads itself (only its byte range, through Blob.slice).
 */
export interface TensorInput {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** Stored type ('f32', 'BF16', 'q4_k', ...). */
  readonly dtype: string;
  /** The file holding it ('' for in-memory weights such as the sample). */
  readonly shard: string;
  /** The values; absent for a model tensor, which the worker reads from the request's `model`. */
  readonly data?: Float32Array;
}

/** One picked file: the File and its path within a picked folder (its name otherwise). */
export interface ModelFile {
  readonly file: File;
  readonly path: string;
}

/** The picked files of a model; `id` lets a worker keep the model open across jobs. */
export interface ModelFiles {
  readonly id: number;
  readonly files: readonly ModelFile[];
}

/** Quantize-and-measure every (tensor, scheme) pair, optionally checking the matmul kernels. */
export interface ValidateRequest {
  readonly kind: 'validate';
  readonly tensors: readonly TensorInput[];
  /** Where tensors without `data` are read from. */
  readonly model?: ModelFiles;
  readonly schemes: readonly string[];
  /** null: each scheme's default group. */
  readonly group: number | null;
  readonly scale: 'absmax' | 'mse';
  /** null: each scheme's default scale storage. */
  readonly scaleDType: 'f16' | 'f32' | null;
  /** Run the CPU kernels (and the GPU variants when `useGpu`) against the f64 oracle. */
  readonly kernels: boolean;
  readonly useGpu: boolean;
  /** Activation rows of the kernel check. */
  readonly m: number;
}

/** One GPU suite case: a layer W[N, K], its M values and schemes (bench/shapes.json form). */
export interface BenchCase {
  readonly layer: { readonly name: string; readonly n: number; readonly k: number; readonly source: string };
  readonly m: readonly number[];
  readonly schemes: readonly string[];
}

/** Run the bench suite's GPU suite (src/bench/suite-gpu.ts) on the user's adapter. */
export interface BenchRequest {
  readonly kind: 'bench';
  readonly preset: string;
  readonly cases: readonly BenchCase[];
  readonly warmup: number;
  readonly iterations: number;
}

/** The GPU engineer's verification matrix (`lowbit verify`) on the embedded sample. */
export interface VerifyRequest {
  readonly kind: 'verify';
  readonly schemes: readonly string[];
  readonly quick: boolean;
}

export type WorkerRequest = ValidateRequest | BenchRequest | VerifyRequest;

/** Weight histogram over [lo, hi] in equal bins; weights outside are counted apart. */
export interface HistogramData {
  readonly lo: number;
  readonly hi: number;
  readonly counts: readonly number[];
  readonly below: number;
  readonly above: number;
  /** Weights counted (every weight, or an even stride through a very large tensor). */
  readonly counted: number;
  readonly total: number;
}

/**
 * The group whose stored scale is the median of all stored scales, and the values its codes can
 * dequantize to: levels = (decoded grid value - zero) * scale (* tensor scale).
 */
export interface RepresentativeGroup {
  readonly row: number;
  readonly col0: number;
  readonly len: number;
  readonly scale: number;
  readonly zero: number;
  readonly tensorScale: number;
  readonly elementType: string;
  readonly levels: readonly number[];
}

/** One (tensor, scheme) evaluation, as evaluateScheme reports it, without the arrays. */
export interface EvalOk {
  readonly ok: true;
  readonly tensor: string;
  readonly scheme: string;
  readonly shard: string;
  readonly dtype: string;
  readonly rows: number;
  readonly cols: number;
  readonly groupSize: number;
  readonly granularity: 'group' | 'channel' | 'tensor';
  readonly scaleDType: ScaleDType;
  readonly bitsPerWeight: number;
  /** Total stored bits (codes and every piece of metadata), an integer. */
  readonly totalBits: number;
  readonly metrics: ErrorMetrics;
  /** The error sums behind `metrics` (the model report's, src/report/error-sums.ts). */
  readonly sums: ErrorSums;
  /** Σ w² of the original tensor (f64), to pool NMSE over tensors. */
  readonly sumSquares: number;
  readonly variants: Readonly<Record<string, number>>;
  readonly quantizeMs: number;
  readonly hist: HistogramData;
  readonly rep: RepresentativeGroup;
}

/** A (tensor, scheme) pair the quantizer refused, with its message. */
export interface EvalFail {
  readonly ok: false;
  readonly tensor: string;
  readonly scheme: string;
  readonly shard: string;
  readonly dtype: string;
  readonly rows: number;
  readonly cols: number;
  readonly error: string;
}

export type EvalRow = EvalOk | EvalFail;

/** Status of one kernel run. */
export type KernelStatus = 'ok' | 'mismatch' | 'unsupported' | 'unavailable' | 'error';

/** One kernel (CPU) or variant (GPU) checked against the f64 oracle. */
export interface KernelRow {
  readonly tensor: string;
  readonly scheme: string;
  /** cpu: the TypeScript references; wasm: the WebAssembly kernels; gpu: the WGSL variants. */
  readonly backend: 'cpu' | 'wasm' | 'gpu';
  /** Kernel name (CPU) or the variant that ran (GPU, e.g. 'dequant-gemv/subgroup'). */
  readonly kernel: string;
  readonly status: KernelStatus;
  readonly m: number;
  /** Worst |y - y_ref| / bound (<= 1 passes). */
  readonly worstRatio: number | null;
  readonly maxAbsErr: number | null;
  readonly ms: number | null;
  readonly timer: string;
  /** The bound check's message, or why the kernel did not run. */
  readonly note: string;
}

/** Worker -> page. */
export type WorkerMessage =
  | { readonly id: number; readonly type: 'progress'; readonly done: number; readonly total: number; readonly label: string }
  | { readonly id: number; readonly type: 'eval'; readonly row: EvalRow }
  | { readonly id: number; readonly type: 'kernel'; readonly row: KernelRow }
  | { readonly id: number; readonly type: 'bench'; readonly row: BenchRow }
  | { readonly id: number; readonly type: 'verify'; readonly row: VerifyRow }
  | { readonly id: number; readonly type: 'notice'; readonly text: string }
  | { readonly id: number; readonly type: 'done'; readonly adapter: string | null }
  | { readonly id: number; readonly type: 'error'; readonly message: string };

/** Page -> worker. */
export interface WorkerEnvelope {
  readonly id: number;
  readonly request: WorkerRequest;
}
