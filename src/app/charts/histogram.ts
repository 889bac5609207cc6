/**
 * The weight histogram with the quantization levels of a representative group on top (the
 * Validate page), drawn with Observable Plot: counts per bin on a linear or log axis, one rule per
 * level, tooltips with each bin's exact range and count and each level's exact value.
 */
import * as Plot from '@observablehq/plot';
import type { HistogramData } from '../protocol.js';
import { COLOR_MAIN, COLOR_REF } from './palette.js';
import { exactAxis } from './axes.js';
import { linearAxisTicks, log10AxisTicks, niceTicks, tickLabel } from './ticks.js';

/** Options of {@link histogramPlot}. */
export interface HistogramPlotOptions {
  readonly hist: HistogramData;
  readonly levels: readonly number[];
  readonly logCounts: boolean;
  readonly ariaLabel: string;
}

/** One bin, as plotted. */
interface Bin {
  readonly x1: number;
  readonly x2: number;
  readonly count: number;
}

/** The bins of `hist` with their exact edges (lo + i · width, as analysis.ts bins them). */
export function histogramBins(hist: HistogramData): Bin[] {
  const n = hist.counts.length;
  const width = (hist.hi - hist.lo) / n;
  return hist.counts.map((count, i) => ({ x1: hist.lo + i * width, x2: i === n - 1 ? hist.hi : hist.lo + (i + 1) * width, count }));
}

const HEIGHT = 280;
const MARGIN_LEFT = 56;
/** Bars on a log axis start here (a count of 1 still shows). */
const LOG_FLOOR = 0.5;

/** Draws the histogram at `width` CSS pixels. */
export function histogramPlot(o: HistogramPlotOptions, width: number): Element {
  const bins = histogramBins(o.hist).filter((b) => b.count > 0);
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const levels = o.levels.filter((v) => v >= o.hist.lo && v <= o.hist.hi);
  const plotWidth = width - MARGIN_LEFT - 16;
  // The ends of the range are padding, not data: label only round values inside.
  const xTicks = linearAxisTicks(o.hist.lo, o.hist.hi, niceTicks(o.hist.lo, o.hist.hi, Math.max(2, Math.floor(plotWidth / 70))), plotWidth, undefined, false);
  return Plot.plot({
    width,
    height: HEIGHT,
    marginLeft: MARGIN_LEFT,
    marginBottom: 42,
    ariaLabel: o.ariaLabel,
    style: { fontSize: '12px' },
    x: { domain: [o.hist.lo, o.hist.hi], ticks: xTicks, tickFormat: tickLabel, label: 'weight value', labelAnchor: 'center', labelOffset: 36 },
    y: o.logCounts
      ? { type: 'log', domain: [LOG_FLOOR, maxCount * 1.1] }
      : { domain: [0, maxCount * 1.05], label: '↑ weights per bin', grid: true, tickFormat: tickLabel, ticks: 5 },
    marks: [
      ...(o.logCounts ? exactAxis('y', log10AxisTicks(1, maxCount * 1.1, HEIGHT - 70, 22), { label: '↑ weights per bin (log scale)', grid: true }) : []),
      Plot.rectY(bins, {
        x1: 'x1',
        x2: 'x2',
        y1: o.logCounts ? LOG_FLOOR : 0,
        y2: 'count',
        fill: COLOR_MAIN,
        insetLeft: 0.3,
        insetRight: 0.3,
        title: (b: Bin) => `weights in [${b.x1}, ${b.x2}): ${b.count}`,
        tip: true,
      }),
      Plot.ruleX(levels, { stroke: COLOR_REF, strokeWidth: 1.2, strokeOpacity: 0.85, title: (v: number) => `level ${v}`, tip: true }),
      Plot.ruleY(o.logCounts ? [] : [0]),
    ],
  });
}
