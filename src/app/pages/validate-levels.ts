/**
 * Validate's levels panel: the weight histogram of a chosen (tensor, scheme) with the levels of
 * its representative group, and the per-group datatype shares of every mixture result, both drawn
 * with the plotting library inside chart frames (title, legend, tooltips, downloads).
 */
import { h, labelledCheckbox, replace, uniqueId } from '../dom.js';
import { sig } from '../format.js';
import { chartFrame } from '../charts/frame.js';
import { histogramPlot } from '../charts/histogram.js';
import { shareColor, sharePlot } from '../charts/bars.js';
import { COLOR_MAIN, COLOR_REF } from '../charts/palette.js';
import type { EvalOk, EvalRow } from '../protocol.js';

/** The panel's handle for the page. */
export interface LevelsHandle {
  readonly el: HTMLElement;
  reset(): void;
  /** A new result arrived (the first successful one is shown). */
  added(evals: readonly EvalRow[]): void;
  /** Shows one (tensor, scheme) and scrolls to it. */
  show(tensor: string, scheme: string): void;
}

const keyOf = (r: { tensor: string; scheme: string }): string => `${r.tensor}\u0000${r.scheme}`;

/** Creates the levels panel. */
export function createLevels(): LevelsHandle {
  let evals: readonly EvalRow[] = [];
  let key = '';
  const selectId = uniqueId('hist');
  const select = h('select', { id: selectId, disabled: true });
  select.id = 'hist-select';
  const logBox = labelledCheckbox('log counts', false, () => renderHistogram());
  const histPanel = h('div', { class: 'hist-panel' });
  const shares = h('div', { class: 'shares', id: 'variant-shares' });
  select.addEventListener('change', () => {
    key = select.value;
    renderHistogram();
  });
  const el = h('div', { class: 'panel', id: 'levels-panel' }, [
    h('h3', { text: 'Weights and quantization levels' }),
    h('div', { class: 'row' }, [h('div', { class: 'field' }, [h('label', { for: 'hist-select', text: 'Tensor × scheme' }), select]), logBox.wrap]),
    histPanel,
    h('h4', { text: 'Per-group datatype choice (mixtures)' }),
    shares,
  ]);

  function okEvals(): EvalOk[] {
    return evals.filter((e): e is EvalOk => e.ok);
  }

  function reset(): void {
    evals = [];
    key = '';
    renderOptions();
    renderHistogram();
    renderShares();
  }

  function added(all: readonly EvalRow[]): void {
    evals = all;
    const ok = okEvals();
    if (key === '' && ok[0]) {
      key = keyOf(ok[0]);
      renderOptions();
      renderHistogram();
    } else renderOptions();
    renderShares();
  }

  function show(tensor: string, scheme: string): void {
    key = keyOf({ tensor, scheme });
    select.value = key;
    renderHistogram();
    el.scrollIntoView({ block: 'start' });
  }

  function renderOptions(): void {
    const ok = okEvals();
    replace(
      select,
      ok.map((e) => h('option', { value: keyOf(e), text: `${e.tensor} × ${e.scheme}` })),
    );
    if (key) select.value = key;
    select.disabled = ok.length === 0;
  }

  function renderHistogram(): void {
    const e = okEvals().find((r) => keyOf(r) === key);
    if (!e) {
      replace(histPanel, [h('p', { class: 'muted', text: 'Run a validation to see the weights and the levels of each scheme.' })]);
      return;
    }
    const { hist, rep } = e;
    const where =
      e.granularity === 'group' ? `group at row ${rep.row}, columns ${rep.col0}–${rep.col0 + rep.len - 1}` : e.granularity === 'channel' ? `output channel ${rep.row}` : 'the whole tensor';
    const levelsText = `${rep.levels.length} levels = ${rep.elementType} grid${rep.zero ? ` − zero point ${rep.zero}` : ''} × scale ${sig(rep.scale, 4)}${rep.tensorScale !== 1 ? ` × tensor scale ${sig(rep.tensorScale, 4)}` : ''}`;
    const logCounts = logBox.input.checked;
    replace(histPanel, [
      chartFrame({
        title: `${e.tensor} × ${e.scheme}: weights and the levels of one group`,
        filename: `lowbit-histogram-${e.scheme}`,
        axes: 'xy',
        legend: [
          { label: 'weights per bin', color: COLOR_MAIN, shape: 'bar' },
          { label: `${rep.levels.length} quantization levels of the group`, color: COLOR_REF, shape: 'line' },
        ],
        caption: [
          h('strong', { text: `${e.tensor} × ${e.scheme}: ` }),
          `${levelsText}, from the ${where} (its scale is the median of all stored scales). `,
          `${hist.counted.toLocaleString()} weights${hist.counted < hist.total ? ` (every ${Math.ceil(hist.total / hist.counted)}th of ${hist.total.toLocaleString()})` : ''}; `,
          `${hist.below.toLocaleString()} below and ${hist.above.toLocaleString()} above the plotted range [${sig(hist.lo, 3)}, ${sig(hist.hi, 3)}]. Hover a bar or a level for its exact value.`,
        ],
        render: (w) => histogramPlot({ hist, levels: rep.levels, logCounts, ariaLabel: `Histogram of ${e.tensor} with the ${e.scheme} levels of a representative group` }, w),
      }),
    ]);
  }

  function renderShares(): void {
    const mixes = okEvals().filter((e) => Object.keys(e.variants).length > 1);
    if (mixes.length === 0) {
      replace(shares, [h('p', { class: 'muted', text: 'No mixture scheme (bitmod3/4, ant3/4) in the results.' })]);
      return;
    }
    const names: string[] = [];
    for (const e of mixes) for (const n of Object.keys(e.variants)) if (!names.includes(n)) names.push(n);
    const rows = mixes.map((e) => ({ label: `${e.tensor} × ${e.scheme}`, parts: Object.entries(e.variants).map(([name, count]) => ({ name, count })) }));
    replace(shares, [
      chartFrame({
        title: 'Which datatype each group chose',
        filename: 'lowbit-variant-shares',
        axes: 'xy',
        legend: names.map((n) => ({ label: n, color: shareColor(names, n), shape: 'bar' as const })),
        caption: ['Share of the quantization groups that picked each candidate datatype (lowest group MSE). Hover a segment for the exact count.'],
        render: (w) => sharePlot({ rows, names, unit: 'groups', ariaLabel: 'Per-group datatype shares of the mixture schemes' }, w),
      }),
      h(
        'ul',
        { class: 'share-list visually-hidden' },
        rows.map((r) => h('li', { class: 'share', text: `${r.label}: ${r.parts.map((p) => `${p.name} ${p.count} groups`).join(', ')}` })),
      ),
    ]);
  }

  reset();
  return { el, reset, added, show };
}
