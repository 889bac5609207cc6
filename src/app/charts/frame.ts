/**
 * The frame around every chart of the app: a title, a legend, the chart drawn by the plotting
 * library (Observable Plot) at the width of its box and drawn again when that width changes, a
 * caption, and SVG/PNG downloads of the chart with its title and legend. Downloads are made in
 * the page (blob URLs); nothing leaves the machine.
 */
import { downloadBlob, h, type HChild } from '../dom.js';
import { EXPORT_BACKGROUND, EXPORT_INK } from './palette.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** How a legend entry is drawn. */
export type LegendShape = 'bar' | 'line' | 'dot' | 'tick';

/** One legend entry. */
export interface LegendItem {
  readonly label: string;
  readonly color: string;
  readonly shape: LegendShape;
}

/** What a chart frame needs. */
export interface ChartSpec {
  /** Shown above the chart and in downloads. */
  readonly title: string;
  /** Base name of the downloaded files (no extension). */
  readonly filename: string;
  /** The axes that carry tick labels ('x' for number lines, 'xy' otherwise); tests check them. */
  readonly axes: 'x' | 'xy';
  readonly legend?: readonly LegendItem[];
  readonly caption?: readonly HChild[];
  /** Draws the chart for a width in CSS pixels (Plot.plot(...)). */
  render(width: number): Element;
}

/** Width used before the box has been laid out (hidden tab, detached element). */
const FALLBACK_WIDTH = 640;
/** Redraw only when the box width changes by at least this much (px). */
const REDRAW_STEP = 8;
/** Smallest width a chart is drawn at. */
const MIN_WIDTH = 240;
/** Device pixels per CSS pixel of a downloaded PNG. */
const PNG_SCALE = 2;
/** Title and legend geometry of a downloaded chart (px). */
const EXPORT_PAD = 12;
const EXPORT_TITLE_PX = 15;
const EXPORT_LEGEND_PX = 12;
const EXPORT_LINE = 20;
/** Rough width of one legend character at EXPORT_LEGEND_PX, to lay legend entries out in rows. */
const EXPORT_CHAR_PX = 6.8;

/** A legend as a list (page). */
export function legendList(items: readonly LegendItem[]): HTMLElement {
  return h(
    'ul',
    { class: 'legend chart-legend' },
    items.map((it) => {
      const sw = h('span', { class: `swatch shape-${it.shape}`, attrs: { 'aria-hidden': 'true' } });
      sw.style.setProperty('--swatch', it.color);
      return h('li', {}, [sw, it.label]);
    }),
  );
}

/** A frame holding one chart; redraws on resize. */
export function chartFrame(spec: ChartSpec): HTMLElement {
  const body = h('div', { class: 'chart-body' });
  let drawnWidth = -1;
  const draw = (width: number): void => {
    const w = Math.max(MIN_WIDTH, Math.floor(width));
    if (Math.abs(w - drawnWidth) < REDRAW_STEP && body.firstChild) return;
    drawnWidth = w;
    body.replaceChildren(spec.render(w));
  };
  const svgBtn = h('button', { type: 'button', class: 'button small', text: 'SVG', attrs: { 'aria-label': `Download “${spec.title}” as SVG` }, on: { click: () => saveSvg() } });
  const pngBtn = h('button', { type: 'button', class: 'button small', text: 'PNG', attrs: { 'aria-label': `Download “${spec.title}” as PNG` }, on: { click: () => void savePng() } });
  const fig = h('figure', { class: 'chart-frame', dataset: { axes: spec.axes } }, [
    h('div', { class: 'chart-head' }, [h('span', { class: 'chart-title', text: spec.title }), h('span', { class: 'chart-actions' }, [h('span', { class: 'muted', text: 'Download ' }), svgBtn, pngBtn])]),
    spec.legend && spec.legend.length ? legendList(spec.legend) : null,
    body,
    spec.caption && spec.caption.length ? h('figcaption', { class: 'caption' }, spec.caption) : null,
  ]);
  draw(FALLBACK_WIDTH);
  const ro = new ResizeObserver((entries) => {
    const w = entries[entries.length - 1]?.contentRect.width ?? 0;
    if (w > 0) draw(w);
  });
  ro.observe(body);

  function exported(): { svg: SVGSVGElement; width: number; height: number } {
    const chart = body.querySelector('svg');
    if (!chart) throw new Error('nothing drawn yet');
    return composeExport(spec.title, spec.legend ?? [], chart as SVGSVGElement);
  }
  function saveSvg(): void {
    const { svg } = exported();
    downloadBlob(`${spec.filename}.svg`, new Blob([serialize(svg)], { type: 'image/svg+xml' }));
  }
  async function savePng(): Promise<void> {
    const { svg, width, height } = exported();
    const blob = await rasterize(serialize(svg), width, height);
    downloadBlob(`${spec.filename}.png`, blob);
  }
  return fig;
}

function svgEl(tag: string, attrs: Readonly<Record<string, string | number>>, text?: string): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The chart's SVG with a white background, the title on top and the legend under it, standalone. */
export function composeExport(title: string, legend: readonly LegendItem[], chart: SVGSVGElement): { svg: SVGSVGElement; width: number; height: number } {
  const cw = Number(chart.getAttribute('width')) || chart.getBoundingClientRect().width;
  const ch = Number(chart.getAttribute('height')) || chart.getBoundingClientRect().height;
  const width = Math.ceil(cw + 2 * EXPORT_PAD);
  // Legend entries flow left to right, wrapping at the chart width.
  const placed: { item: LegendItem; x: number; row: number }[] = [];
  let x = EXPORT_PAD;
  let row = 0;
  for (const item of legend) {
    const w = 22 + item.label.length * EXPORT_CHAR_PX + 16;
    if (x + w > width - EXPORT_PAD && x > EXPORT_PAD) {
      row += 1;
      x = EXPORT_PAD;
    }
    placed.push({ item, x, row });
    x += w;
  }
  const legendRows = legend.length ? row + 1 : 0;
  const top = EXPORT_PAD + EXPORT_LINE + legendRows * EXPORT_LINE;
  const height = Math.ceil(top + ch + EXPORT_PAD);
  const svg = svgEl('svg', {
    xmlns: SVG_NS,
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    style: `color: ${EXPORT_INK}; font-family: system-ui, sans-serif`,
  }) as SVGSVGElement;
  svg.appendChild(svgEl('rect', { x: 0, y: 0, width, height, fill: EXPORT_BACKGROUND }));
  svg.appendChild(svgEl('text', { x: EXPORT_PAD, y: EXPORT_PAD + EXPORT_TITLE_PX, 'font-size': EXPORT_TITLE_PX, 'font-weight': 600, fill: EXPORT_INK }, title));
  for (const p of placed) {
    const y = EXPORT_PAD + EXPORT_LINE * (p.row + 1) + EXPORT_LEGEND_PX;
    const c = p.item.color;
    const mark =
      p.item.shape === 'dot'
        ? svgEl('circle', { cx: p.x + 6, cy: y - 4, r: 5, fill: c })
        : p.item.shape === 'line' || p.item.shape === 'tick'
          ? svgEl('line', { x1: p.x + 6, x2: p.x + 6, y1: y - 11, y2: y + 2, stroke: c, 'stroke-width': 3 })
          : svgEl('rect', { x: p.x, y: y - 10, width: 12, height: 12, fill: c });
    svg.appendChild(mark);
    svg.appendChild(svgEl('text', { x: p.x + 18, y, 'font-size': EXPORT_LEGEND_PX, fill: EXPORT_INK }, p.item.label));
  }
  const inner = chart.cloneNode(true) as SVGSVGElement;
  inner.setAttribute('x', String(EXPORT_PAD));
  inner.setAttribute('y', String(top));
  inner.setAttribute('width', String(cw));
  inner.setAttribute('height', String(ch));
  inner.style.color = EXPORT_INK;
  inner.style.background = 'none';
  svg.appendChild(inner);
  return { svg, width, height };
}

function serialize(svg: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}\n`;
}

/** Draws serialized SVG onto a canvas at PNG_SCALE and returns the PNG. */
function rasterize(svgText: string, width: number, height: number): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  return new Promise<Blob>((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = width * PNG_SCALE;
      canvas.height = height * PNG_SCALE;
      const ctx = canvas.getContext('2d');
      if (!ctx) {
        reject(new Error('no 2D canvas'));
        return;
      }
      ctx.scale(PNG_SCALE, PNG_SCALE);
      ctx.drawImage(img, 0, 0, width, height);
      URL.revokeObjectURL(url);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png');
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('the chart could not be drawn as an image'));
    };
    img.src = url;
  });
}
