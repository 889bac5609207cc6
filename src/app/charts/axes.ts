/**
 * Axes with exactly the given ticks and labels. Plot formats the ticks of a log scale through
 * d3's log tickFormat, which blanks the labels of some ticks (3·10^k, 5·10^k) even when a
 * tickFormat function is given; an axis mark with an explicit `text` channel labels every tick.
 */
import * as Plot from '@observablehq/plot';
import { tickLabel } from './ticks.js';

/** Options of {@link exactAxis}. */
export interface ExactAxisOptions {
  readonly label: string;
  /** Distance of an x axis label below the axis (px). */
  readonly labelOffset?: number;
  readonly grid?: boolean;
}

/** The axis (and optional grid) marks of `dim` with ticks at `ticks`, labelled by tickLabel. */
export function exactAxis(dim: 'x' | 'y', ticks: readonly number[], o: ExactAxisOptions): Plot.Markish[] {
  const values = [...ticks];
  const text = (d: number): string => tickLabel(d);
  if (dim === 'x') {
    return [
      ...(o.grid ? [Plot.gridX(values)] : []),
      Plot.axisX(values, { text, label: o.label, labelAnchor: 'center', labelOffset: o.labelOffset ?? 36 }),
    ];
  }
  return [...(o.grid ? [Plot.gridY(values)] : []), Plot.axisY(values, { text, label: o.label })];
}
