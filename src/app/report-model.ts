/**
 * The Validate report's model, pure TS: one summary per scheme over every tensor evaluated
 * (bits/weight and error pooled by tensor size, the kernel checks tallied), the short reason of a
 * kernel that did not run, and the filter that decides what the report shows; the results as
 * the library's model report (for its totals and bits-budget plan) and the per-tensor table's sort.
 */
import type { EvalFail, EvalOk, EvalRow, KernelRow } from './protocol.js';
import type { AnySchemeName } from '../quant/schemes.js';
import type { QuantizeOptions } from '../quant/quantize.js';
import { schemeTotals, worstFirst, type ModelReport, type ReportRow } from '../report/model-report.js';

/** Kernel check outcomes of a set of kernel rows. */
export interface KernelTally {
  /** Ran and agreed with the f64 oracle within the bound. */
  readonly ok: number;
  /** Ran and disagreed, or threw. */
  readonly bad: number;
  /** Could not run here (the adapter lacks a capability). */
  readonly skipped: number;
  /** Do not apply to the scheme (a LUT kernel on a float grid). */
  readonly notApplicable: number;
}

/** Tallies kernel rows by outcome. */
export function tallyKernels(rows: readonly KernelRow[]): KernelTally {
  let ok = 0;
  let bad = 0;
  let skipped = 0;
  let notApplicable = 0;
  for (const r of rows) {
    if (r.status === 'ok') ok += 1;
    else if (r.status === 'mismatch' || r.status === 'error') bad += 1;
    else if (r.status === 'unavailable') skipped += 1;
    else notApplicable += 1;
  }
  return { ok, bad, skipped, notApplicable };
}

/** The pooled numbers of a scheme over several tensors. */
export interface PooledMetrics {
  /** Total stored bits / total weights. */
  readonly bitsPerWeight: number;
  /** Σ err² / Σ w² over every tensor: each tensor's NMSE weighted by its Σ w². */
  readonly nmse: number;
  /** −10 log10(nmse), the library's SQNR (10 log10 Σ w² / Σ err²). */
  readonly sqnrDb: number;
  /** The largest max |err| of any tensor. */
  readonly maxAbsErr: number;
  readonly weights: number;
}

/**
 * Pools evaluations of one scheme on several tensors as if they were one tensor: bits/weight by
 * element count, NMSE as Σ err² / Σ w² (nmse_i · Σw²_i recovers each tensor's Σ err²).
 */
export function poolMetrics(evals: readonly EvalOk[]): PooledMetrics {
  let weights = 0;
  let bits = 0;
  let err2 = 0;
  let ref2 = 0;
  let maxAbsErr = 0;
  for (const e of evals) {
    const n = e.rows * e.cols;
    weights += n;
    bits += e.bitsPerWeight * n;
    // nmse_i is 0 when exact (no error) and Infinity when Σ w² is 0 but the error is not.
    if (e.metrics.nmse === Infinity) err2 = Infinity;
    else err2 += e.metrics.nmse * e.sumSquares;
    ref2 += e.sumSquares;
    maxAbsErr = Math.max(maxAbsErr, e.metrics.maxAbsErr);
  }
  const nmse = err2 === 0 ? 0 : ref2 === 0 ? Infinity : err2 / ref2;
  return { bitsPerWeight: weights ? bits / weights : NaN, nmse, sqnrDb: nmse === 0 ? Infinity : -10 * Math.log10(nmse), maxAbsErr, weights };
}

/** One row of the summary: a scheme over every tensor. */
export interface SchemeSummary {
  readonly scheme: string;
  readonly family: string;
  /** Evaluations that succeeded, in arrival order. */
  readonly evals: readonly EvalOk[];
  /** Tensors the quantizer refused, with its messages. */
  readonly refused: readonly EvalFail[];
  /** Pooled numbers; undefined when every tensor was refused. */
  readonly pooled: PooledMetrics | undefined;
  readonly kernels: KernelTally;
}

/** One summary per scheme, in the order schemes first appear in `evals`. */
export function summarize(evals: readonly EvalRow[], kernels: readonly KernelRow[], familyOf: (scheme: string) => string): SchemeSummary[] {
  const order: string[] = [];
  for (const e of evals) if (!order.includes(e.scheme)) order.push(e.scheme);
  return order.map((scheme) => {
    const mine = evals.filter((e) => e.scheme === scheme);
    const ok = mine.filter((e): e is EvalOk => e.ok);
    return {
      scheme,
      family: familyOf(scheme),
      evals: ok,
      refused: mine.filter((e): e is EvalFail => !e.ok),
      pooled: ok.length ? poolMetrics(ok) : undefined,
      kernels: tallyKernels(kernels.filter((k) => k.scheme === scheme)),
    };
  });
}

/**
 * The reason part of a kernel's "does not support" message, in a few words: "kernel lut-f32 does
 * not support scheme nf4: <reason> (supported: ...)" gives <reason>; other text is kept whole.
 */
export function shortReason(note: string): string {
  const m = /does not support scheme \S+(?: with [^:]+)?: (.*?)(?: \(supported: [^)]*\))?$/.exec(note);
  return (m?.[1] ?? note).trim();
}

/** The report filter: words that must each appear in a row's names, and whether only problems show. */
export interface ReportFilter {
  readonly text: string;
  readonly problemsOnly: boolean;
}

/** Lower-case words of a filter text. */
export function filterTerms(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

/** True when every term is part of at least one of `fields` (case-insensitive). */
export function matchesTerms(terms: readonly string[], fields: readonly string[]): boolean {
  const low = fields.map((f) => f.toLowerCase());
  return terms.every((t) => low.some((f) => f.includes(t)));
}

/** Whether a kernel row is a problem (did not agree, failed, or was skipped). */
export function kernelIsProblem(r: KernelRow): boolean {
  return r.status === 'mismatch' || r.status === 'error' || r.status === 'unavailable';
}

/** What the filter shows of one (tensor, scheme) pair: the pair itself and which of its kernel rows. */
export interface PairVisibility {
  readonly visible: boolean;
  readonly kernels: readonly boolean[];
}

/**
 * Decides what one (tensor, scheme) pair shows. A kernel row shows when the words match its
 * tensor, scheme, family, kernel name or backend and, with problemsOnly, when it is a problem; the
 * pair shows when its own names match (or one of its kernel rows shows) and, with problemsOnly,
 * when it was refused or has a problem row.
 */
export function pairVisibility(filter: ReportFilter, pair: { tensor: string; scheme: string; family: string; refused: boolean }, kernels: readonly KernelRow[]): PairVisibility {
  const terms = filterTerms(filter.text);
  const names = [pair.tensor, pair.scheme, pair.family];
  const kernelShown = kernels.map((k) => matchesTerms(terms, [...names, k.kernel, k.backend]) && (!filter.problemsOnly || kernelIsProblem(k)));
  const nameMatch = matchesTerms(terms, names);
  const problem = pair.refused || kernels.some(kernelIsProblem);
  const visible = (nameMatch || kernelShown.some(Boolean)) && (!filter.problemsOnly || problem);
  // A pair shown for its own names lists every kernel row the problem filter lets through.
  const rows = nameMatch ? kernels.map((k) => !filter.problemsOnly || kernelIsProblem(k)) : kernelShown;
  return { visible, kernels: rows };
}

/** An app result as a row of the library's model report (src/report/model-report.ts). */
export function reportRowOf(e: EvalRow): ReportRow {
  const base = { tensor: e.tensor, shard: e.shard, dtype: e.dtype, rows: e.rows, cols: e.cols, elements: e.rows * e.cols, scheme: e.scheme as AnySchemeName };
  if (!e.ok) return { ...base, status: 'refused', reason: e.error };
  return {
    ...base,
    status: 'ok',
    groupSize: e.groupSize,
    granularity: e.granularity,
    scaleDType: e.scaleDType,
    bitsPerWeight: e.bitsPerWeight,
    totalBits: e.totalBits,
    metrics: e.metrics,
    sums: e.sums,
    variants: e.variants,
    quantizeMs: e.quantizeMs,
  };
}

/** The results as the library's ModelReport (rows worst tensor first, totals per scheme), for planBudget and the export. */
export function modelReportOf(evals: readonly EvalRow[], schemes: readonly string[], model: { name: string; tensors: number; tensorBytes: number }, quantizeOptions: QuantizeOptions, wallMs: number): ModelReport {
  const rows = evals.map(reportRowOf);
  const names = schemes as readonly AnySchemeName[];
  return {
    model: { name: model.name, index: undefined, shards: [], tensors: model.tensors, selected: new Set(rows.map((r) => r.tensor)).size, tensorBytes: model.tensorBytes },
    schemes: names,
    quantizeOptions,
    rows: worstFirst(rows),
    skipped: [],
    totals: names.map((s) => schemeTotals(s, rows)),
    bytesRead: 0,
    readMs: 0,
    wallMs,
  };
}

/** Columns the per-tensor table sorts by. */
export type SortKey = 'tensor' | 'scheme' | 'elements' | 'bits' | 'nmse' | 'sqnr' | 'maxerr' | 'cosine' | 'ms';

function sortValue(r: ReportRow, key: SortKey): number | string {
  switch (key) {
    case 'tensor':
      return r.tensor;
    case 'scheme':
      return r.scheme;
    case 'elements':
      return r.elements;
    default:
      if (r.status !== 'ok') return NaN;
      return key === 'bits' ? r.bitsPerWeight : key === 'nmse' ? r.metrics.nmse : key === 'sqnr' ? r.metrics.sqnrDb : key === 'maxerr' ? r.metrics.maxAbsErr : key === 'cosine' ? r.metrics.cosine : r.quantizeMs;
  }
}

/**
 * Rows sorted by `key` (ascending or descending); refused rows (no number) and NaN last either
 * way; ties keep their order (a stable sort), so sorting by scheme then by NMSE groups nothing away.
 */
export function sortRows(rows: readonly ReportRow[], key: SortKey, dir: 'asc' | 'desc'): ReportRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, v: sortValue(r, key) }))
    .sort((a, b) => {
      const an = typeof a.v === 'number' && Number.isNaN(a.v);
      const bn = typeof b.v === 'number' && Number.isNaN(b.v);
      if (an || bn) return an === bn ? a.i - b.i : an ? 1 : -1;
      const c = typeof a.v === 'string' ? a.v.localeCompare(b.v as string) : (a.v as number) - (b.v as number);
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.r);
}
