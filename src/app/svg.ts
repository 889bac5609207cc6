/** Plain SVG charts of the app: a histogram with level lines, a number line and horizontal bars. */
import { sig } from './format.js';

const NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes and children. */
export function s(tag: string, attrs: Readonly<Record<string, string | number>> = {}, children: readonly (Node | string)[] = []): SVGElement {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** An <svg> root that scales to its container, labelled for assistive technology. */
function root(width: number, height: number, label: string, cls: string): SVGElement {
  return s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: `chart ${cls}`, preserveAspectRatio: 'xMidYMid meet' }, [s('title', {}, [label])]);
}

/** Up to `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((st) => st >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Options of {@link histogramChart}. */
export interface HistogramChartOptions {
  readonly lo: number;
  readonly hi: number;
  readonly counts: readonly number[];
  readonly levels: readonly number[];
  readonly logCounts: boolean;
  readonly label: string;
}

/** Bars of a weight histogram with vertical lines at the quantization levels. */
export function histogramChart(o: HistogramChartOptions): SVGElement {
  const W = 720;
  const H = 260;
  const m = { l: 48, r: 12, t: 12, b: 34 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const svg = root(W, H, o.label, 'histogram');
  const tf = (c: number): number => (o.logCounts ? Math.log10(1 + c) : c);
  const maxC = Math.max(1, ...o.counts.map(tf));
  const x = (v: number): number => m.l + ((v - o.lo) / (o.hi - o.lo)) * pw;
  const bw = pw / Math.max(1, o.counts.length);
  const g = s('g', { class: 'bars' });
  o.counts.forEach((c, i) => {
    if (c === 0) return;
    const hgt = (tf(c) / maxC) * ph;
    g.appendChild(s('rect', { x: (m.l + i * bw).toFixed(2), y: (m.t + ph - hgt).toFixed(2), width: Math.max(0.5, bw - 0.6).toFixed(2), height: hgt.toFixed(2) }));
  });
  svg.appendChild(g);
  const lv = s('g', { class: 'levels' });
  for (const v of o.levels) {
    if (v < o.lo || v > o.hi) continue;
    const xv = x(v).toFixed(2);
    lv.appendChild(s('line', { x1: xv, x2: xv, y1: m.t, y2: m.t + ph }, [s('title', {}, [`level ${sig(v, 4)}`])]));
  }
  svg.appendChild(lv);
  const axis = s('g', { class: 'axis' });
  axis.appendChild(s('line', { x1: m.l, x2: m.l + pw, y1: m.t + ph, y2: m.t + ph }));
  for (const t of niceTicks(o.lo, o.hi, 6)) {
    const xt = x(t);
    axis.appendChild(s('line', { x1: xt, x2: xt, y1: m.t + ph, y2: m.t + ph + 5 }));
    axis.appendChild(s('text', { x: xt, y: H - 14, 'text-anchor': 'middle' }, [sig(t, 3)]));
  }
  axis.appendChild(s('text', { x: 4, y: m.t + 10 }, [o.logCounts ? 'log count' : 'count']));
  axis.appendChild(s('text', { x: m.l + pw, y: H - 1, 'text-anchor': 'end' }, ['weight value']));
  svg.appendChild(axis);
  return svg;
}

/** Options of {@link numberLine}. */
export interface NumberLineOptions {
  readonly values: readonly number[];
  /** 'linear', or 'symlog': asinh(v / linthresh), to separate values near 0 in wide formats. */
  readonly scale: 'linear' | 'symlog';
  readonly linthresh: number;
  readonly label: string;
  /** A marked input value and the value it encoded to. */
  readonly input?: number;
  readonly chosen?: number;
}

/** Every value of a datatype as a tick on a number line; the input and its encoded value marked. */
export function numberLine(o: NumberLineOptions): SVGElement {
  const W = 720;
  const H = 124;
  const m = { l: 24, r: 24 };
  const pw = W - m.l - m.r;
  const y0 = 58;
  const svg = root(W, H, o.label, 'numberline');
  const f = (v: number): number => (o.scale === 'symlog' ? Math.asinh(v / o.linthresh) : v);
  const vals = o.values;
  const lo = f(vals[0] ?? -1);
  const hi = f(vals[vals.length - 1] ?? 1);
  const span = hi > lo ? hi - lo : 1;
  const x = (v: number): number => m.l + ((f(Math.min(Math.max(v, vals[0] ?? v), vals[vals.length - 1] ?? v)) - lo) / span) * pw;
  svg.appendChild(s('line', { class: 'axis-line', x1: m.l, x2: m.l + pw, y1: y0, y2: y0 }));
  const ticks = s('g', { class: 'ticks' });
  for (const v of vals) {
    const xv = x(v).toFixed(2);
    ticks.appendChild(s('line', { x1: xv, x2: xv, y1: y0 - 12, y2: y0 + 12 }, [s('title', {}, [String(v)])]));
  }
  svg.appendChild(ticks);
  // Labels: the extremes, zero, and a few values spread along the line, never overlapping.
  const labels = s('g', { class: 'labels' });
  const placed: number[] = [];
  const minGap = 56;
  const want = [vals[0], vals[vals.length - 1], 0, ...vals.filter((_, i) => i % Math.max(1, Math.ceil(vals.length / 12)) === 0)];
  for (const v of want) {
    if (v === undefined || (v === 0 && !vals.includes(0))) continue;
    const xv = x(v);
    if (placed.some((p) => Math.abs(p - xv) < minGap)) continue;
    placed.push(xv);
    labels.appendChild(s('text', { x: xv, y: y0 + 30, 'text-anchor': 'middle' }, [sig(v, 3)]));
  }
  svg.appendChild(labels);
  if (o.chosen !== undefined && Number.isFinite(o.chosen)) {
    const xc = x(o.chosen);
    svg.appendChild(s('circle', { class: 'chosen', cx: xc, cy: y0, r: 6 }, [s('title', {}, [`encoded value ${o.chosen}`])]));
  }
  if (o.input !== undefined && Number.isFinite(o.input)) {
    const xi = x(o.input);
    svg.appendChild(s('path', { class: 'input-mark', d: `M${xi - 6},${y0 - 30} L${xi + 6},${y0 - 30} L${xi},${y0 - 18} Z` }, [s('title', {}, [`input ${o.input}`])]));
    const off = o.input < (vals[0] ?? o.input) || o.input > (vals[vals.length - 1] ?? o.input);
    const anchor = xi > W - 90 ? 'end' : xi < 90 ? 'start' : 'middle';
    svg.appendChild(s('text', { class: 'input-label', x: xi, y: y0 - 36, 'text-anchor': anchor }, [`x = ${sig(o.input, 4)}${off ? ' (off the line)' : ''}`]));
  }
  svg.appendChild(s('text', { class: 'scale-note', x: W - m.r, y: H - 4, 'text-anchor': 'end' }, [o.scale === 'symlog' ? `symmetric log scale (asinh, linear within ±${sig(o.linthresh, 3)})` : 'linear scale']));
  return svg;
}

/** One bar of {@link barChart}. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** A reference value drawn as a tick on the same row (e.g. the copy bandwidth). */
  readonly ref?: number | null;
}

/** Horizontal bars with labels and optional per-row reference ticks. */
export function barChart(bars: readonly Bar[], unit: string, label: string): SVGElement {
  const W = 720;
  const rowH = 22;
  const m = { l: 300, r: 70, t: 8, b: 26 };
  const H = m.t + m.b + rowH * Math.max(1, bars.length);
  const pw = W - m.l - m.r;
  const svg = root(W, H, label, 'bars-chart');
  const max = Math.max(1e-12, ...bars.map((b) => Math.max(b.value, b.ref ?? 0)));
  const x = (v: number): number => m.l + (v / max) * pw;
  bars.forEach((b, i) => {
    const y = m.t + i * rowH;
    svg.appendChild(s('text', { class: 'bar-label', x: m.l - 6, y: y + rowH * 0.68, 'text-anchor': 'end' }, [b.label]));
    svg.appendChild(s('rect', { class: 'bar', x: m.l, y: y + 3, width: Math.max(0.5, x(b.value) - m.l).toFixed(2), height: rowH - 6 }));
    svg.appendChild(s('text', { class: 'bar-value', x: x(b.value) + 4, y: y + rowH * 0.68 }, [`${sig(b.value, 3)} ${unit}`]));
    if (b.ref !== undefined && b.ref !== null && b.ref > 0) {
      const xr = x(b.ref);
      svg.appendChild(s('line', { class: 'bar-ref', x1: xr, x2: xr, y1: y + 1, y2: y + rowH - 1 }, [s('title', {}, [`copy: ${sig(b.ref, 3)} ${unit}`])]));
    }
  });
  const axisY = m.t + rowH * bars.length + 4;
  for (const t of niceTicks(0, max, 5)) {
    svg.appendChild(s('text', { class: 'tick', x: x(t), y: axisY + 14, 'text-anchor': 'middle' }, [sig(t, 3)]));
  }
  return svg;
}
