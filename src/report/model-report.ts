/**
 * The model report: every 2-D tensor of a model x every scheme, one tensor in memory at a time.
 * Per tensor: read it (only its byte range), then per scheme quantize it (through one
 * TensorQuantizer), measure its error block by block (no dequantized copy), and optionally its
 * output error with activations. Rows carry bits/weight, NMSE, SQNR, max error, cosine, time and
 * mixture variant shares; a scheme that cannot take a tensor gives a refused row with the reason.
 * Totals per scheme treat the reported tensors as one vector of weights. Pure TS: the CLI and
 * the browser app run the same code.
 *
 * Memory: the tensor as f32, what the quantizer allocates (codes and scales), a 256 KiB error
 * block and, with activations, X. Nothing grows with the number of tensors except the rows.
 */
import type { AnySchemeName } from '../quant/schemes.js';
import { bitsBreakdown } from '../format/bits.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { matrixShapeOf, type Model, type ModelTensor } from '../io/model.js';
import type { ErrorMetrics } from '../quant/metrics.js';
import { variantHistogram } from '../quant/mixture.js';
import type { QuantizeOptions } from '../quant/quantize.js';
import { activationMismatch, outputEnergy, outputErrorVisitor, relativeOutputError, type Activations } from './activations.js';
import { metricsFromSums, referenceSums, tensorErrorSums, type ErrorSums } from './error-sums.js';
import { referenceQuantizer, type TensorQuantizer } from './tensor-quantizer.js';

/** What every row says about its tensor. */
export interface RowTensor {
  readonly tensor: string;
  readonly shard: string;
  /** Stored dtype ('BF16', '<f4', ...). */
  readonly dtype: string;
  readonly rows: number;
  readonly cols: number;
  readonly elements: number;
  readonly scheme: AnySchemeName;
}

/** A tensor x scheme that was measured. */
export interface ReportRowOk extends RowTensor {
  readonly status: 'ok';
  readonly groupSize: number;
  readonly granularity: QuantizedTensor['granularity'];
  readonly scaleDType: QuantizedTensor['scaleDType'];
  /** Storage per weight including every piece of metadata. */
  readonly bitsPerWeight: number;
  /** Total storage in bits (an integer). */
  readonly totalBits: number;
  readonly metrics: ErrorMetrics;
  readonly sums: ErrorSums;
  /** Groups per chosen element type (mixtures); one entry otherwise. */
  readonly variants: Readonly<Record<string, number>>;
  /** Milliseconds in the quantizer alone. */
  readonly quantizeMs: number;
  /** ||X W^T - X Wq^T|| / ||X W^T|| with the tensor's activations, when there are some. */
  readonly outputError?: number;
  /** The two squared norms behind outputError: ||X (W - Wq)^T||^2 and ||X W^T||^2. */
  readonly outputEnergies?: { readonly error: number; readonly reference: number };
  /** Why there is no output error although activations were given. */
  readonly outputErrorNote?: string;
}

/** A tensor x scheme the scheme (or the tensor's data) could not take. */
export interface ReportRowRefused extends RowTensor {
  readonly status: 'refused';
  readonly reason: string;
}

/** One tensor x scheme. */
export type ReportRow = ReportRowOk | ReportRowRefused;

/** A tensor the report left out, with why (not 2-D, not readable as f32). */
export interface SkippedTensor {
  readonly tensor: string;
  readonly shard: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly reason: string;
}

/** A scheme's figures over the whole model (the tensors it took). */
export interface SchemeTotals {
  readonly scheme: AnySchemeName;
  /** Tensors measured / refused. */
  readonly tensors: number;
  readonly refused: number;
  readonly elements: number;
  readonly totalBits: number;
  /** totalBits / elements: the element-weighted mean of the tensors' bits/weight. */
  readonly bitsPerWeight: number;
  /** sum of squared errors over the model. */
  readonly sumErr2: number;
  /** sumErr2 / elements: the element-weighted mean of the tensors' MSE. */
  readonly mse: number;
  /** sumErr2 / sum ref^2: the NMSE of the model as one vector. */
  readonly nmse: number;
  /** The element-weighted mean of the tensors' NMSE. */
  readonly nmseMean: number;
  /** 10 log10(sum ref^2 / sumErr2) of the model as one vector. */
  readonly sqnrDb: number;
  readonly maxAbsErr: number;
  /** Cosine similarity of the model as one vector. */
  readonly cosine: number;
  readonly quantizeMs: number;
  /** Groups per element type summed over the tensors (mixtures). */
  readonly variants: Readonly<Record<string, number>>;
  /** sqrt(sum of output error energies / sum of output energies) over the tensors with activations: the relative error of all their outputs as one vector. */
  readonly outputError?: number;
  readonly outputTensors: number;
}

/** A finished report. */
export interface ModelReport {
  readonly model: {
    readonly name: string;
    readonly index: string | undefined;
    readonly shards: readonly { readonly name: string; readonly size: number; readonly format: string }[];
    /** Tensors in the model / selected by the filter. */
    readonly tensors: number;
    readonly selected: number;
    readonly tensorBytes: number;
  };
  readonly schemes: readonly AnySchemeName[];
  readonly quantizeOptions: QuantizeOptions;
  /** Worst tensors first (largest NMSE over the schemes that took them), schemes in the given order. */
  readonly rows: readonly ReportRow[];
  readonly skipped: readonly SkippedTensor[];
  readonly totals: readonly SchemeTotals[];
  /** Bytes of tensor data read, and the milliseconds spent reading them. */
  readonly bytesRead: number;
  readonly readMs: number;
  readonly wallMs: number;
}

/** A Float32Array over a SharedArrayBuffer, or undefined when one that large cannot be made (the reader then allocates, or names the limit). */
function sharedF32(elements: number): Float32Array | undefined {
  try {
    return new Float32Array(new SharedArrayBuffer(elements * Float32Array.BYTES_PER_ELEMENT));
  } catch {
    return undefined;
  }
}

/** Progress of a running report. */
export interface ReportProgress {
  readonly phase: 'read' | 'quantize';
  readonly tensor: string;
  /** 0-based position of the tensor among the selected ones. */
  readonly index: number;
  readonly tensors: number;
  readonly scheme?: string;
  /** Tensor x scheme units done / in all. */
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  /** Estimated milliseconds left (from the rates seen so far), undefined until there are some. */
  readonly etaMs: number | undefined;
  readonly bytesRead: number;
}

/** Activations for a tensor: X, or why there are none (a string), or undefined (none, silently). */
export type ActivationProvider = (tensor: ModelTensor) => Promise<Activations | string | undefined>;

/** Options of {@link runModelReport}. */
export interface ModelReportOptions {
  readonly schemes: readonly AnySchemeName[];
  /** Group size, scale rule and scale dtype for every scheme. */
  readonly quantizeOptions?: QuantizeOptions;
  /** Which tensors to consider (default: all); 2-D ones that pass are reported. */
  readonly include?: (t: ModelTensor) => boolean;
  readonly quantizer?: TensorQuantizer;
  readonly activations?: ActivationProvider;
  readonly onProgress?: (p: ReportProgress) => void;
  readonly signal?: AbortSignal;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Estimates the time left from per-element rates seen so far: each scheme's rate (quantize and
 * measure) and the read rate; a scheme not seen yet counts at the mean of those seen.
 */
class Eta {
  private readonly schemeRate = new Map<string, { ms: number; n: number }>();
  private read = { ms: 0, n: 0 };
  constructor(private readonly schemes: readonly AnySchemeName[]) {}

  addScheme(s: string, ms: number, n: number): void {
    const r = this.schemeRate.get(s) ?? { ms: 0, n: 0 };
    this.schemeRate.set(s, { ms: r.ms + ms, n: r.n + n });
  }

  addRead(ms: number, n: number): void {
    this.read = { ms: this.read.ms + ms, n: this.read.n + n };
  }

  /** Milliseconds for `rest` elements still to read and measure with every scheme, plus `current` elements for `currentSchemes`. */
  estimate(current: number, currentSchemes: readonly string[], rest: number): number | undefined {
    const known = [...this.schemeRate.values()].filter((r) => r.n > 0).map((r) => r.ms / r.n);
    if (known.length === 0) return undefined;
    const mean = known.reduce((a, b) => a + b, 0) / known.length;
    const rate = (s: string): number => {
      const r = this.schemeRate.get(s);
      return r !== undefined && r.n > 0 ? r.ms / r.n : mean;
    };
    const readRate = this.read.n > 0 ? this.read.ms / this.read.n : 0;
    let ms = rest * readRate;
    for (const s of this.schemes) ms += rest * rate(s);
    for (const s of currentSchemes) ms += current * rate(s);
    return ms;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs the report (see the module comment). Rejects only when aborted or when the model cannot be read at all. */
export async function runModelReport(model: Model, opts: ModelReportOptions): Promise<ModelReport> {
  const t0 = now();
  const quantizer = opts.quantizer ?? referenceQuantizer;
  const qopts = opts.quantizeOptions ?? {};
  const schemes = [...opts.schemes];
  const signal = opts.signal;
  const considered = model.tensors.filter((t) => opts.include?.(t) ?? true);
  const selected: { t: ModelTensor; rows: number; cols: number }[] = [];
  const skipped: SkippedTensor[] = [];
  for (const t of considered) {
    const m = matrixShapeOf(t);
    if (typeof m === 'string') skipped.push({ tensor: t.name, shard: t.shard, dtype: t.dtype, shape: t.shape, reason: m });
    else selected.push({ t, rows: m.rows, cols: m.cols });
  }
  const total = selected.length * schemes.length;
  let remainingElements = selected.reduce((s, x) => s + x.t.elements, 0);
  // A threaded quantizer's workers read a shared tensor in place instead of receiving copies: one
  // SharedArrayBuffer the size of the largest tensor, reused for every tensor (one tensor in
  // memory at a time, as without threads).
  const shared = quantizer.sharedInput ? sharedF32(selected.reduce((mx, x) => Math.max(mx, x.t.elements), 0)) : undefined;
  const eta = new Eta(schemes);
  const rows: ReportRow[] = [];
  let done = 0;
  let bytesRead = 0;
  let readMs = 0;
  const progress = (p: Omit<ReportProgress, 'done' | 'total' | 'elapsedMs' | 'bytesRead' | 'tensors'>): void => {
    opts.onProgress?.({ ...p, done, total, tensors: selected.length, elapsedMs: now() - t0, bytesRead });
  };

  for (const [index, { t, rows: n, cols: k }] of selected.entries()) {
    signal?.throwIfAborted();
    remainingElements -= t.elements;
    const base: Omit<RowTensor, 'scheme'> = { tensor: t.name, shard: t.shard, dtype: t.dtype, rows: n, cols: k, elements: t.elements };
    progress({ phase: 'read', tensor: t.name, index, etaMs: eta.estimate(t.elements, schemes, remainingElements) });
    const tr = now();
    let w: Float32Array;
    try {
      const out = shared ? new Float32Array(shared.buffer, 0, t.elements) : undefined;
      w = await model.read(t, { ...(signal ? { signal } : {}), ...(out ? { out } : {}) });
    } catch (e) {
      signal?.throwIfAborted();
      for (const s of schemes) rows.push({ ...base, scheme: s, status: 'refused', reason: `cannot read the tensor: ${errorText(e)}` });
      done += schemes.length;
      continue;
    }
    const readTime = now() - tr;
    readMs += readTime;
    bytesRead += t.byteRange.end - t.byteRange.start;
    eta.addRead(readTime, t.elements);
    const ref = referenceSums(w);

    let act: Activations | undefined;
    let actNote: string | undefined;
    let yEnergy = 0;
    if (opts.activations !== undefined) {
      const a = await opts.activations(t);
      if (typeof a === 'string') actNote = a;
      else if (a !== undefined) {
        actNote = activationMismatch(a, k);
        if (actNote === undefined) {
          act = a;
          yEnergy = outputEnergy(a, w, n, k);
        }
      }
    }

    for (const [si, s] of schemes.entries()) {
      signal?.throwIfAborted();
      progress({ phase: 'quantize', tensor: t.name, index, scheme: s, etaMs: eta.estimate(t.elements, schemes.slice(si), remainingElements) });
      const ts = now();
      let qt: QuantizedTensor;
      try {
        qt = await quantizer(w, n, k, s, qopts);
      } catch (e) {
        rows.push({ ...base, scheme: s, status: 'refused', reason: errorText(e) });
        done++;
        continue;
      }
      const quantizeMs = now() - ts;
      const out = act !== undefined ? outputErrorVisitor(act, w, k) : undefined;
      const sums = tensorErrorSums(w, qt, ref, out?.visit);
      const bits = bitsBreakdown(qt);
      rows.push({
        ...base,
        scheme: s,
        status: 'ok',
        groupSize: qt.groupSize,
        granularity: qt.granularity,
        scaleDType: qt.scaleDType,
        bitsPerWeight: bits.perWeight,
        totalBits: bits.total,
        metrics: metricsFromSums(sums, ref),
        sums,
        variants: variantHistogram(qt),
        quantizeMs,
        ...(out !== undefined ? { outputError: relativeOutputError(out.total(), yEnergy), outputEnergies: { error: out.total(), reference: yEnergy } } : {}),
        ...(actNote !== undefined ? { outputErrorNote: actNote } : {}),
      });
      eta.addScheme(s, now() - ts, t.elements);
      done++;
    }
  }

  return {
    model: {
      name: model.name,
      index: model.index,
      shards: model.shards.map((s) => ({ name: s.name, size: s.size, format: s.format })),
      tensors: model.tensors.length,
      selected: selected.length,
      tensorBytes: model.tensorBytes,
    },
    schemes,
    quantizeOptions: qopts,
    rows: worstFirst(rows),
    skipped,
    totals: schemes.map((s) => schemeTotals(s, rows)),
    bytesRead,
    readMs,
    wallMs: now() - t0,
  };
}

/**
 * Orders rows by tensor, the worst tensor first: the largest NMSE among the schemes that took it
 * (tensors no scheme took come last), ties in model order; within a tensor, schemes keep their order.
 */
export function worstFirst(rows: readonly ReportRow[]): ReportRow[] {
  const order = new Map<string, { first: number; worst: number }>();
  rows.forEach((r, i) => {
    const o = order.get(r.tensor) ?? { first: i, worst: -Infinity };
    if (r.status === 'ok') {
      const v = Number.isNaN(r.metrics.nmse) ? Infinity : r.metrics.nmse;
      if (v > o.worst) o.worst = v;
    }
    order.set(r.tensor, o);
  });
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const oa = order.get(a.r.tensor)!;
      const ob = order.get(b.r.tensor)!;
      return ob.worst - oa.worst || oa.first - ob.first || a.i - b.i;
    })
    .map((x) => x.r);
}

/** Model totals of one scheme over the rows it measured (see SchemeTotals). */
export function schemeTotals(scheme: AnySchemeName, rows: readonly ReportRow[]): SchemeTotals {
  let tensors = 0;
  let refused = 0;
  let elements = 0;
  let totalBits = 0;
  let sumErr2 = 0;
  let sumRef2 = 0;
  let sumApprox2 = 0;
  let dot = 0;
  let nmseWeighted = 0;
  let maxAbsErr = 0;
  let quantizeMs = 0;
  let outErr = 0;
  let outRef = 0;
  let outputTensors = 0;
  const variants: Record<string, number> = {};
  for (const r of rows) {
    if (r.scheme !== scheme) continue;
    if (r.status === 'refused') {
      refused++;
      continue;
    }
    tensors++;
    elements += r.elements;
    totalBits += r.totalBits;
    sumErr2 += r.sums.sumErr2;
    sumRef2 += r.sums.sumRef2;
    sumApprox2 += r.sums.sumApprox2;
    dot += r.sums.dot;
    nmseWeighted += r.metrics.nmse * r.elements;
    if (r.metrics.maxAbsErr > maxAbsErr || Number.isNaN(r.metrics.maxAbsErr)) maxAbsErr = Number.isNaN(maxAbsErr) ? maxAbsErr : r.metrics.maxAbsErr;
    quantizeMs += r.quantizeMs;
    for (const [v, c] of Object.entries(r.variants)) variants[v] = (variants[v] ?? 0) + c;
    if (r.outputEnergies !== undefined) {
      outErr += r.outputEnergies.error;
      outRef += r.outputEnergies.reference;
      outputTensors++;
    }
  }
  const cosine = sumRef2 === 0 && sumApprox2 === 0 ? 1 : sumRef2 === 0 || sumApprox2 === 0 ? 0 : dot / Math.sqrt(sumRef2 * sumApprox2);
  return {
    scheme,
    tensors,
    refused,
    elements,
    totalBits,
    bitsPerWeight: elements > 0 ? totalBits / elements : NaN,
    sumErr2,
    mse: elements > 0 ? sumErr2 / elements : NaN,
    nmse: sumErr2 === 0 ? 0 : sumRef2 === 0 ? Infinity : sumErr2 / sumRef2,
    nmseMean: elements > 0 ? nmseWeighted / elements : NaN,
    sqnrDb: sumErr2 === 0 ? Infinity : sumRef2 === 0 ? -Infinity : 10 * Math.log10(sumRef2 / sumErr2),
    maxAbsErr,
    cosine,
    quantizeMs,
    variants,
    ...(outputTensors > 0 ? { outputError: relativeOutputError(outErr, outRef) } : {}),
    outputTensors,
  };
}
