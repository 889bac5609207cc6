/**
 * A model report as JSON and CSV (what `lowbit report --json / --csv` writes and the app exports).
 * JSON numbers that are not finite (an exact tensor's SQNR) become null, as JSON.stringify
 * writes them. Pure TS.
 */
import type { BudgetPlanResult } from './budget-plan.js';
import type { ModelReport, ReportRow } from './model-report.js';

/** Extra facts a report file records about how it was made. */
export interface ReportContext {
  /** The tensor filter, as given. */
  readonly tensors?: string;
  /** The activations file, as given. */
  readonly activations?: string;
}

/** One row as a flat JSON object (no arrays of data). */
export function rowJson(r: ReportRow): Record<string, unknown> {
  const base = { tensor: r.tensor, shard: r.shard, dtype: r.dtype, shape: [r.rows, r.cols], elements: r.elements, scheme: r.scheme, status: r.status };
  if (r.status === 'refused') return { ...base, reason: r.reason };
  return {
    ...base,
    groupSize: r.groupSize,
    granularity: r.granularity,
    scaleDType: r.scaleDType,
    bitsPerWeight: r.bitsPerWeight,
    totalBits: r.totalBits,
    ...r.metrics,
    sumSquaredError: r.sums.sumErr2,
    variants: r.variants,
    quantizeMs: r.quantizeMs,
    ...(r.outputError !== undefined ? { outputError: r.outputError } : {}),
    ...(r.outputErrorNote !== undefined ? { outputErrorNote: r.outputErrorNote } : {}),
  };
}

/** The whole report (and the budget plan, when there is one) as a JSON document. */
export function reportJson(report: ModelReport, plan?: BudgetPlanResult, context: ReportContext = {}): string {
  const doc = {
    model: report.model,
    schemes: report.schemes,
    options: { ...report.quantizeOptions, ...context },
    totals: report.totals,
    rows: report.rows.map(rowJson),
    skipped: report.skipped,
    ...(plan !== undefined ? { budget: plan } : {}),
    timing: { wallMs: report.wallMs, readMs: report.readMs, bytesRead: report.bytesRead },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** CSV columns, one row per tensor x scheme. */
export const CSV_COLUMNS = [
  'tensor', 'shard', 'dtype', 'rows', 'cols', 'scheme', 'status', 'reason', 'group_size', 'granularity', 'scale_dtype',
  'bits_per_weight', 'total_bits', 'mse', 'nmse', 'sqnr_db', 'max_abs_err', 'cosine', 'quantize_ms', 'variants', 'output_error',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (leading = + @ or a tab) gets a leading apostrophe.
 */
export function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const text = /^[=+@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The rows as CSV with a header line. */
export function reportCsv(report: ModelReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of report.rows) {
    const ok = r.status === 'ok' ? r : undefined;
    const cells: (string | number | undefined)[] = [
      r.tensor, r.shard, r.dtype, r.rows, r.cols, r.scheme, r.status, r.status === 'refused' ? r.reason : undefined,
      ok?.groupSize, ok?.granularity, ok?.scaleDType, ok?.bitsPerWeight, ok?.totalBits, ok?.metrics.mse, ok?.metrics.nmse,
      ok?.metrics.sqnrDb, ok?.metrics.maxAbsErr, ok?.metrics.cosine, ok?.quantizeMs,
      ok ? Object.entries(ok.variants).map(([k, c]) => `${k}:${c}`).join(' ') : undefined, ok?.outputError,
    ];
    lines.push(cells.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}
