/**
 * Chart colors: mid-tone hues readable on the light and the dark page background alike, and in
 * a downloaded SVG/PNG (white background). Series colors follow the Tableau 10 order.
 */

/** Histogram bars, bandwidth bars, datatype values. */
export const COLOR_MAIN = '#4c78a8';
/** Quantization levels, reference lines (copy bandwidth), the encoded value. */
export const COLOR_REF = '#d2452e';
/** A chosen or passing item (the BitMoD winner, the Pareto front). */
export const COLOR_GOOD = '#2e8b57';
/** Secondary marks: inputs, weights shown under a grid. */
export const COLOR_SECOND = '#7a7f87';

/** Categorical series (variants, scheme families), in order. */
export const SERIES: readonly string[] = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#ff9da6', '#9d755d', '#bab0ac'];

/** The i-th categorical color (cycling). */
export function seriesColor(i: number): string {
  return SERIES[((i % SERIES.length) + SERIES.length) % SERIES.length] as string;
}

/** Text and background of an exported chart (the page's own colors depend on its theme). */
export const EXPORT_INK = '#1d1f23';
export const EXPORT_BACKGROUND = '#ffffff';
