/** The model report as text tables: totals per scheme, the tensors worst first, skipped tensors, the budget plan. */
import type { BudgetPlanResult } from '../report/budget-plan.js';
import type { ModelReport, ReportRow, SchemeTotals } from '../report/model-report.js';
import { formatBytes, formatDuration } from './progress.js';
import { formatTable, sig, type Cell } from './table.js';

/** Skipped tensors listed by name before "... and N more". */
const MAX_SKIPPED_LISTED = 10;

/** Mixture shares as "fp4_er_pos 31% fp4_ea_neg 22% ...", largest first; '' for single types. */
export function variantShares(variants: Readonly<Record<string, number>>): string {
  const entries = Object.entries(variants);
  if (entries.length <= 1) return '';
  const total = entries.reduce((s, [, c]) => s + c, 0);
  if (total === 0) return '';
  return entries
    .sort((a, b) => b[1] - a[1])
    .map(([k, c]) => `${k} ${Math.round((100 * c) / total)}%`)
    .join(' ');
}

function num(x: number, digits: number): Cell {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : sig(x);
}

function totalsTable(totals: readonly SchemeTotals[], withOutput: boolean): string {
  return formatTable(
    ['scheme', 'tensors', 'bits/w', 'NMSE', 'SQNR dB', 'max |err|', 'cosine', ...(withOutput ? ['out err'] : []), 'quantize s', 'variants'],
    totals.map((t) => [
      t.scheme,
      t.refused > 0 ? `${t.tensors} (${t.refused} refused)` : t.tensors,
      t.tensors > 0 ? num(t.bitsPerWeight, 3) : '-',
      t.tensors > 0 ? sig(t.nmse, 3) : '-',
      t.tensors > 0 ? num(t.sqnrDb, 2) : '-',
      t.tensors > 0 ? sig(t.maxAbsErr, 3) : '-',
      t.tensors > 0 ? num(t.cosine, 5) : '-',
      ...(withOutput ? [t.outputError === undefined ? '-' : sig(t.outputError, 3)] : []),
      num(t.quantizeMs / 1000, 1),
      variantShares(t.variants),
    ]),
  );
}

function rowsTable(rows: readonly ReportRow[], withOutput: boolean): string {
  return formatTable(
    ['tensor', 'shape', 'dtype', 'scheme', 'bits/w', 'NMSE', 'SQNR dB', 'max |err|', 'cosine', ...(withOutput ? ['out err'] : []), 'ms', 'variants / notes'],
    rows.map((r) => {
      const head: Cell[] = [r.tensor, `${r.rows}x${r.cols}`, r.dtype, r.scheme];
      if (r.status === 'refused') return [...head, 'refused', '', '', '', '', ...(withOutput ? [''] : []), '', r.reason];
      return [
        ...head,
        num(r.bitsPerWeight, 3),
        sig(r.metrics.nmse, 3),
        num(r.metrics.sqnrDb, 2),
        sig(r.metrics.maxAbsErr, 3),
        num(r.metrics.cosine, 5),
        ...(withOutput ? [r.outputError === undefined ? '-' : sig(r.outputError, 3)] : []),
        num(r.quantizeMs, 1),
        [variantShares(r.variants), r.outputErrorNote ?? ''].filter(Boolean).join('; '),
      ];
    }),
  );
}

/** The budget plan: totals against the best single scheme, the count per scheme, each tensor's scheme. */
export function planText(plan: BudgetPlanResult): string {
  const out: string[] = [];
  if (plan.error !== undefined) return `Bits budget ${plan.budget} bits/weight: no plan: ${plan.error}`;
  out.push(`Bits budget ${plan.budget} bits/weight: the least total squared error over ${plan.choices!.length} tensors (exact search):`);
  out.push(`  plan:        ${plan.bitsPerWeight!.toFixed(4)} bits/weight, squared error ${sig(plan.sqErr!, 4)}, NMSE ${sig(plan.nmse!, 4)}`);
  const b = plan.bestSingle;
  out.push(b === undefined ? '  best single scheme: none fits the budget on every tensor' : `  best single: ${b.scheme} at ${b.bitsPerWeight.toFixed(4)} bits/weight, squared error ${sig(b.sqErr, 4)}, NMSE ${sig(b.nmse, 4)}`);
  out.push(`  schemes:     ${Object.entries(plan.schemeCounts!).map(([s, c]) => `${s} x${c}`).join(', ')}`);
  if (plan.uncovered.length > 0) out.push(`  not planned (no scheme took them): ${plan.uncovered.join(', ')}`);
  out.push('', formatTable(['tensor', 'scheme', 'bits/w', 'NMSE'], plan.choices!.map((c) => [c.tensor, c.scheme, num(c.bitsPerWeight, 3), sig(c.nmse, 3)])));
  return out.join('\n');
}

/** The whole text report. */
export function reportText(report: ModelReport, plan?: BudgetPlanResult): string {
  const m = report.model;
  const withOutput = report.rows.some((r) => r.status === 'ok' && (r.outputError !== undefined || r.outputErrorNote !== undefined));
  const out: string[] = [];
  const shards = m.shards.length === 1 ? '1 file' : `${m.shards.length} shards${m.index ? ` (${m.index})` : ''}`;
  out.push(`lowbit report: ${m.name}: ${shards}, ${m.tensors} tensors, ${formatBytes(m.tensorBytes)}; ${m.selected} 2-D tensors x ${report.schemes.length} schemes`);
  const q = report.quantizeOptions;
  const opts = [q.group !== undefined ? `group ${q.group}` : "each scheme's own group", q.scale ? `scale ${q.scale}` : '', q.scaleDType ? `scale dtype ${q.scaleDType}` : ''].filter(Boolean).join(', ');
  out.push(`options: ${opts}`, '');
  const elements = report.totals.reduce((s, t) => Math.max(s, t.elements), 0);
  out.push(`Model totals (the tensors each scheme took, as one vector; up to ${elements} weights):`, '', totalsTable(report.totals, withOutput), '');
  if (report.rows.length > 0) out.push('Per tensor, worst first (largest NMSE over the schemes):', '', rowsTable(report.rows, withOutput), '');
  if (report.skipped.length > 0) {
    const listed = report.skipped.slice(0, MAX_SKIPPED_LISTED).map((s) => `  ${s.tensor}: ${s.reason}`);
    const more = report.skipped.length - listed.length;
    out.push(`Skipped ${report.skipped.length} tensor(s) that are not 2-D weight matrices:`, ...listed, ...(more > 0 ? [`  ... and ${more} more`] : []), '');
  }
  if (plan !== undefined) out.push(planText(plan), '');
  const rate = report.readMs > 0 ? ` (${(report.bytesRead / 1e6 / (report.readMs / 1000)).toFixed(0)} MB/s)` : '';
  out.push(`read ${formatBytes(report.bytesRead)} in ${formatDuration(report.readMs)}${rate}; total ${formatDuration(report.wallMs)}`);
  return `${out.join('\n')}\n`;
}
