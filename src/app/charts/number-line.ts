/**
 * Number lines: one or more rows of values on a shared value axis (linear, symmetric log or
 * base-2 log), drawn with Observable Plot. Explore shows a datatype's values; Learn shows the
 * BitMoD candidate grids over a group's weights and an MX block on its element grid.
 */
import * as Plot from '@observablehq/plot';
import { exactAxis } from './axes.js';
import { linearAxisTicks, log2AxisTicks, niceTicks, symlogAxisTicks, symlogTransform } from './ticks.js';

/** One row of values. */
export interface StripRow {
  readonly label: string;
  readonly values: readonly number[];
  readonly mark: 'tick' | 'dot';
  readonly color: string;
  /** Tooltip text of the i-th value (default: the exact value). */
  readonly title?: (v: number, i: number) => string;
}

/** A vertical marker with a label (an input value, a threshold). */
export interface LineMarker {
  readonly x: number;
  readonly label: string;
  readonly color: string;
}

/** Options of {@link numberLinePlot}. */
export interface NumberLineOptions {
  readonly rows: readonly StripRow[];
  readonly scale: 'linear' | 'symlog' | 'log';
  /** Symlog linear region (the smallest positive value of a datatype). */
  readonly constant?: number;
  /** Axis range; default: every finite value (positive ones on a log axis). */
  readonly domain?: readonly [number, number];
  readonly xLabel: string;
  readonly markers?: readonly LineMarker[];
  /** Label of the whole chart for assistive technology. */
  readonly ariaLabel: string;
}

const ROW_PX = 34;
const SINGLE_ROW_PX = 46;
const MARGIN_TOP = 26;
const MARGIN_BOTTOM = 44;
/** Room beside the plot for half of an end label ("−0.09387" at 12 px). */
const MARGIN_SIDE = 36;
/** Approximate width of one y label character (12 px monospace-ish). */
const LABEL_CHAR_PX = 7;

/** The axis range of `o`. */
export function numberLineDomain(o: NumberLineOptions): [number, number] {
  if (o.domain) return [o.domain[0], o.domain[1]];
  const all = o.rows.flatMap((r) => r.values).filter((v) => Number.isFinite(v) && (o.scale !== 'log' || v > 0));
  if (all.length === 0) return o.scale === 'log' ? [1, 2] : [-1, 1];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return lo === hi ? (o.scale === 'log' ? [lo / 2, hi * 2] : [lo - 1, hi + 1]) : [lo, hi];
}

/** The tick values of the axis for a plot area `widthPx` wide. */
export function numberLineTicks(o: NumberLineOptions, widthPx: number): number[] {
  const [lo, hi] = numberLineDomain(o);
  if (o.scale === 'log') return log2AxisTicks(lo, hi, widthPx);
  if (o.scale === 'symlog') return symlogAxisTicks(lo, hi, o.constant ?? 1, widthPx);
  return linearAxisTicks(lo, hi, niceTicks(lo, hi, Math.max(2, Math.floor(widthPx / 90))), widthPx);
}

/** Draws the number line at `width` CSS pixels. */
export function numberLinePlot(o: NumberLineOptions, width: number): Element {
  // Rows sharing a label share a line (a datatype's values and the value an input encoded to).
  const labels = [...new Set(o.rows.map((r) => r.label))];
  const multi = labels.length > 1;
  const marginLeft = multi ? Math.max(...labels.map((l) => l.length)) * LABEL_CHAR_PX + 14 : MARGIN_SIDE;
  const plotWidth = width - marginLeft - MARGIN_SIDE;
  const [lo, hi] = numberLineDomain(o);
  const data = o.rows.flatMap((r) => r.values.map((v, i) => ({ row: r.label, v, title: r.title ? r.title(v, i) : String(v), color: r.color, mark: r.mark })));
  const finite = data.filter((d) => Number.isFinite(d.v) && (o.scale !== 'log' || d.v > 0) && d.v >= lo && d.v <= hi);
  const ticks = finite.filter((d) => d.mark === 'tick');
  const dots = finite.filter((d) => d.mark === 'dot');
  const markers = (o.markers ?? []).filter((m) => Number.isFinite(m.x));
  return Plot.plot({
    width,
    height: MARGIN_TOP + MARGIN_BOTTOM + (multi ? ROW_PX * labels.length : SINGLE_ROW_PX),
    marginLeft,
    marginRight: MARGIN_SIDE,
    marginTop: MARGIN_TOP,
    marginBottom: MARGIN_BOTTOM,
    ariaLabel: o.ariaLabel,
    style: { fontSize: '12px', overflow: 'visible' },
    x: {
      type: o.scale,
      domain: [lo, hi],
      ...(o.scale === 'symlog' ? { constant: o.constant ?? 1 } : {}),
      ...(o.scale === 'log' ? { base: 2 } : {}),
    },
    y: { domain: labels, axis: multi ? 'left' : null, label: null, padding: 0.15 },
    marks: [
      ...exactAxis('x', numberLineTicks(o, plotWidth), { label: o.xLabel }),
      Plot.ruleX(finite.length && o.scale !== 'log' && lo <= 0 && hi >= 0 ? [0] : [], { stroke: 'currentColor', strokeOpacity: 0.25 }),
      Plot.tickX(ticks, { x: 'v', y: 'row', stroke: 'color', strokeWidth: 1.6, title: 'title', tip: { anchor: 'bottom' } }),
      Plot.dot(dots, { x: 'v', y: 'row', fill: 'color', r: 4, fillOpacity: 0.75, title: 'title', tip: true }),
      Plot.ruleX(markers, { x: 'x', stroke: 'color', strokeWidth: 2, strokeDasharray: '4,3' }),
      ...(['start', 'middle', 'end'] as const).map((anchor) =>
        Plot.text(
          markers.filter((m) => labelAnchor(o, lo, hi, m.x) === anchor),
          { x: 'x', text: 'label', fill: 'color', frameAnchor: 'top', dy: -16, fontWeight: 600, textAnchor: anchor },
        ),
      ),
    ],
  });
}

/** Where a marker label hangs: from its left end near the left edge, right end near the right. */
function labelAnchor(o: NumberLineOptions, lo: number, hi: number, x: number): 'start' | 'middle' | 'end' {
  const t = (v: number): number => (o.scale === 'log' ? Math.log2(v) : o.scale === 'symlog' ? symlogTransform(v, o.constant ?? 1) : v);
  const f = (t(Math.min(Math.max(x, lo), hi)) - t(lo)) / (t(hi) - t(lo) || 1);
  return f < 0.25 ? 'start' : f > 0.75 ? 'end' : 'middle';
}
