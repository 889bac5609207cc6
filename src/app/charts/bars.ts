/**
 * Horizontal bar charts drawn with Observable Plot: labelled bars with an optional reference tick
 * per row (the Benchmark page's GB/s against the copy kernel, the BitMoD candidates' MSE), and
 * 100 % stacked bars (the per-group datatype shares of mixtures).
 */
import * as Plot from '@observablehq/plot';
import { seriesColor } from './palette.js';
import { exactAxis } from './axes.js';
import { log2AxisTicks, tickLabel } from './ticks.js';

/** One bar. */
export interface HBar {
  readonly label: string;
  readonly value: number;
  readonly color: string;
  /** A reference value drawn as a tick on the same row. */
  readonly ref?: number | null;
  /** Tooltip text. */
  readonly title: string;
}

/** Options of {@link hbarPlot}. */
export interface HBarOptions {
  readonly bars: readonly HBar[];
  readonly xLabel: string;
  readonly refColor: string;
  readonly log?: boolean;
  readonly ariaLabel: string;
}

const ROW_PX = 24;
/** Approximate width of one label character at 11-12 px. */
const LABEL_CHAR_PX = 7.2;
/** Labels wider than this share of the chart are cut with an ellipsis (the tooltip has them whole). */
const MAX_LABEL_SHARE = 0.45;

/** The left margin for labels, capped at a share of the width. */
function labelMargin(labels: readonly string[], width: number): number {
  const want = Math.max(...labels.map((l) => l.length), 4) * LABEL_CHAR_PX + 20;
  return Math.min(want, Math.floor(width * MAX_LABEL_SHARE));
}

/** Cuts a label to `maxChars` with an ellipsis (the tooltip keeps it whole). */
function cut(maxChars: number): (l: string) => string {
  return (l) => (l.length > maxChars ? `${l.slice(0, Math.max(1, maxChars - 1))}…` : l);
}

/** Draws labelled horizontal bars at `width` CSS pixels. */
export function hbarPlot(o: HBarOptions, width: number): Element {
  const labels = o.bars.map((b) => b.label);
  const marginLeft = labelMargin(labels, width);
  const maxChars = Math.floor((marginLeft - 20) / LABEL_CHAR_PX);
  const values = o.bars.flatMap((b) => [b.value, b.ref ?? 0]).filter((v) => v > 0);
  const hi = Math.max(1e-12, ...values);
  const lo = o.log ? Math.min(...values, hi) / 1.5 : 0;
  const refs = o.bars.filter((b) => b.ref !== undefined && b.ref !== null && b.ref > 0);
  const plotWidth = width - marginLeft - 24;
  return Plot.plot({
    width,
    height: 56 + ROW_PX * Math.max(1, o.bars.length),
    marginLeft,
    marginRight: 24,
    marginBottom: 44,
    ariaLabel: o.ariaLabel,
    style: { fontSize: '11.5px' },
    x: o.log
      ? { type: 'log', base: 2, domain: [lo, hi * 1.1] }
      : { domain: [0, hi * 1.05], label: o.xLabel, labelAnchor: 'center', labelOffset: 36, grid: true, ticks: Math.max(2, Math.floor(plotWidth / 80)), tickFormat: tickLabel },
    y: { domain: labels, label: null, tickFormat: cut(maxChars), padding: 0.2 },
    marks: [
      ...(o.log ? exactAxis('x', log2AxisTicks(lo, hi, plotWidth, undefined, false), { label: o.xLabel, grid: true }) : []),
      Plot.barX(o.bars, { x1: lo, x2: 'value', y: 'label', fill: 'color', title: 'title', tip: true }),
      Plot.tickX(refs, { x: 'ref', y: 'label', stroke: o.refColor, strokeWidth: 3 }),
      Plot.ruleX(o.log ? [] : [0]),
    ],
  });
}

/** One stacked row: a label and its parts. */
export interface ShareRow {
  readonly label: string;
  readonly parts: readonly { readonly name: string; readonly count: number }[];
}

/** Options of {@link sharePlot}. */
export interface ShareOptions {
  readonly rows: readonly ShareRow[];
  /** Part names in legend order (colors follow this order). */
  readonly names: readonly string[];
  /** What a count counts ("groups"). */
  readonly unit: string;
  readonly ariaLabel: string;
}

/** The color of part `name` among `names`. */
export function shareColor(names: readonly string[], name: string): string {
  return seriesColor(Math.max(0, names.indexOf(name)));
}

/** Draws 100 % stacked horizontal bars at `width` CSS pixels. */
export function sharePlot(o: ShareOptions, width: number): Element {
  const data = o.rows.flatMap((r) => {
    const total = r.parts.reduce((a, p) => a + p.count, 0) || 1;
    return r.parts.map((p) => ({ row: r.label, name: p.name, count: p.count, pct: (100 * p.count) / total, total }));
  });
  const labels = o.rows.map((r) => r.label);
  const marginLeft = labelMargin(labels, width);
  const maxChars = Math.floor((marginLeft - 20) / LABEL_CHAR_PX);
  return Plot.plot({
    width,
    height: 56 + ROW_PX * 1.4 * Math.max(1, o.rows.length),
    marginLeft,
    marginRight: 16,
    marginBottom: 44,
    ariaLabel: o.ariaLabel,
    style: { fontSize: '11.5px' },
    x: { domain: [0, 100], label: `share of ${o.unit} (%)`, labelAnchor: 'center', labelOffset: 36, ticks: Math.max(2, Math.min(10, Math.floor((width - marginLeft) / 70))), grid: true },
    y: { domain: labels, label: null, padding: 0.25, tickFormat: cut(maxChars) },
    color: { domain: [...o.names], range: o.names.map((_, i) => seriesColor(i)) },
    marks: [
      Plot.barX(
        data,
        Plot.stackX({
          x: 'pct',
          y: 'row',
          fill: 'name',
          order: [...o.names],
          title: (d: { row: string; name: string; count: number; total: number; pct: number }) => `${d.row}\n${d.name}: ${d.count} of ${d.total} ${o.unit} (${d.pct.toFixed(2)} %)`,
          tip: true,
        }),
      ),
    ],
  });
}
