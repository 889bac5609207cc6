/**
 * Error against storage cost across schemes (the Validate report): one dot per scheme at its
 * bits/weight and NMSE, colored by scheme family, with the Pareto front (no other scheme is both
 * smaller and more accurate) drawn as a staircase and labelled. Drawn with Observable Plot.
 */
import * as Plot from '@observablehq/plot';
import { COLOR_GOOD } from './palette.js';
import { exactAxis } from './axes.js';
import { log10AxisTicks } from './ticks.js';

/** One scheme's point. */
export interface ParetoPoint {
  readonly scheme: string;
  readonly family: string;
  readonly bits: number;
  readonly nmse: number;
  /** Tooltip text with the exact values. */
  readonly title: string;
}

/**
 * The points no other point dominates (fewer or equal bits and strictly lower NMSE, or strictly
 * fewer bits and equal NMSE), sorted by bits/weight.
 */
export function paretoFront<T extends { readonly bits: number; readonly nmse: number }>(points: readonly T[]): T[] {
  const sorted = points.slice().sort((a, b) => a.bits - b.bits || a.nmse - b.nmse);
  const out: T[] = [];
  let best = Infinity;
  for (const p of sorted) {
    if (p.nmse < best) {
      out.push(p);
      best = p.nmse;
    }
  }
  return out;
}

/** Options of {@link paretoPlot}. */
export interface ParetoOptions {
  readonly points: readonly ParetoPoint[];
  /** Family names in legend order, and their colors. */
  readonly families: readonly string[];
  readonly colors: readonly string[];
  readonly ariaLabel: string;
}

const HEIGHT = 330;
const MARGIN_TOP = 30;
const MARGIN_BOTTOM = 44;
/** The NMSE axis reaches this factor beyond the extreme points (room for labels). */
const Y_PAD = 1.6;
/** Vertical room of one y tick label (px). */
const Y_TICK_GAP_PX = 22;

/** Draws the chart at `width` CSS pixels. */
export function paretoPlot(o: ParetoOptions, width: number): Element {
  const pts = o.points.filter((p) => p.nmse > 0 && Number.isFinite(p.nmse) && Number.isFinite(p.bits));
  const front = paretoFront(pts);
  const bitsMax = Math.max(1, ...pts.map((p) => p.bits));
  const bitsMin = Math.min(bitsMax, ...pts.map((p) => p.bits));
  // The staircase continues to the right edge: every point above it is dominated.
  const last = front[front.length - 1];
  const stairs = last ? [...front, { ...last, bits: bitsMax + 0.25 }] : [];
  const nmseLo = Math.min(...pts.map((p) => p.nmse)) / Y_PAD;
  const nmseHi = Math.max(...pts.map((p) => p.nmse)) * Y_PAD;
  return Plot.plot({
    width,
    height: HEIGHT,
    marginLeft: 60,
    // Room for the label of a front point at the right edge.
    marginRight: 64,
    marginTop: MARGIN_TOP,
    marginBottom: MARGIN_BOTTOM,
    ariaLabel: o.ariaLabel,
    style: { fontSize: '12px' },
    x: { domain: [Math.max(0, bitsMin - 0.25), bitsMax + 0.25], label: 'bits per weight (all metadata included)', labelAnchor: 'center', labelOffset: 36, grid: true, ticks: Math.max(3, Math.floor(width / 90)) },
    y: { type: 'log', domain: [nmseLo, nmseHi] },
    color: { domain: [...o.families], range: [...o.colors] },
    marks: [
      ...exactAxis('y', log10AxisTicks(nmseLo, nmseHi, HEIGHT - MARGIN_TOP - MARGIN_BOTTOM, Y_TICK_GAP_PX), { label: '↑ NMSE (log scale; lower is better)', grid: true }),
      Plot.line(stairs, { x: 'bits', y: 'nmse', curve: 'step-after', stroke: COLOR_GOOD, strokeWidth: 2, strokeOpacity: 0.7 }),
      Plot.dot(pts, { x: 'bits', y: 'nmse', fill: 'family', r: 5, stroke: 'white', strokeWidth: 0.8, title: 'title', tip: true }),
      // Labels up and to the right of their dots: the staircase leaves that corner free.
      Plot.text(front, { x: 'bits', y: 'nmse', text: 'scheme', dx: 7, dy: -9, textAnchor: 'start', fill: 'currentColor', fontWeight: 600 }),
    ],
  });
}
