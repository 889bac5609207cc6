/**
 * Learn: BitMoD's per-group datatype choice on a group of the sample, step by step: the group,
 * the four candidate grids scaled to it on one number line over the group's weights, the squared
 * error of each (the library's quantizer with the single-variant scheme), and the choice the
 * mixture scheme stored (quantize with bitmod4/bitmod3), which must be the lowest-error one.
 */
import { getDType } from '../../dtype/registry.js';
import { evaluateScheme } from '../../quant/evaluate.js';
import { quantize } from '../../quant/quantize.js';
import { getScheme } from '../../quant/schemes.js';
import { sampleWeights } from '../../io/sample.js';
import { h, labelledSelect, replace, uniqueId } from '../dom.js';
import { chartFrame } from '../charts/frame.js';
import { numberLinePlot } from '../charts/number-line.js';
import { hbarPlot } from '../charts/bars.js';
import { COLOR_GOOD, COLOR_MAIN, COLOR_SECOND, seriesColor } from '../charts/palette.js';
import { stepper, type Step } from '../stepper.js';
import { fmt, formula, miniTable, para } from './learn-common.js';

/** Groups of the sample the lesson offers, and their size. */
const BM_GROUPS = 64;
const BM_G = 128;

/** Mounts the lesson into `box`. */
export function mountBitmodLesson(box: HTMLElement): void {
  const walk = h('div');
  const mix = labelledSelect('Mixture', [['bitmod4', 'bitmod4 (four FP4 variants)'], ['bitmod3', 'bitmod3 (four FP3 variants)']], 'bitmod4', () => render());
  const groupId = uniqueId('grp');
  const group = h('input', { id: groupId, type: 'number', value: '0', attrs: { min: '0', max: String(BM_GROUPS - 1) } });
  group.addEventListener('change', () => render());
  replace(box, [
    para('BitMoD stores one of four small grids per group of 128 weights (2 bits of id per group) and picks, per group, the one with the lowest squared error.'),
    h('div', { class: 'row' }, [mix.wrap, h('div', { class: 'field' }, [h('label', { for: groupId, text: `Group of the sample (0–${BM_GROUPS - 1})` }), group])]),
    walk,
  ]);
  function render(): void {
    const g = Math.min(BM_GROUPS - 1, Math.max(0, Math.floor(Number(group.value) || 0)));
    group.value = String(g);
    replace(walk, [stepper('bitmod', bitmodSteps(mix.select.value, g))]);
  }
  render();
}

function bitmodSteps(scheme: string, g: number): Step[] {
  const smp = sampleWeights();
  const perRow = smp.cols / BM_G;
  const row = Math.floor(g / perRow);
  const col0 = (g % perRow) * BM_G;
  const grp = smp.data.slice(row * smp.cols + col0, row * smp.cols + col0 + BM_G);
  const sc = getScheme(scheme);
  const mixture = quantize(grp, 1, BM_G, sc.name, { group: BM_G });
  const id = (mixture.dtypeIds as Uint8Array)[0] as number;
  const chosen = mixture.elementTypes[id] as string;
  let amax = 0;
  for (const v of grp) amax = Math.max(amax, Math.abs(v));
  const cands = sc.elementTypes.map((et, i) => {
    // Each candidate is a scheme of its own (the single BitMoD variant), same scale rule.
    const ev = evaluateScheme(grp, 1, BM_G, getScheme(et).name, { group: BM_G });
    const grid = Array.from(getDType(et).values);
    const maxAbs = Math.max(...grid.map(Math.abs));
    const scale = ev.qt.scales[0] as number;
    return { et, ev, grid, maxAbs, scale, color: seriesColor(i) };
  });
  const best = Math.min(...cands.map((c) => c.ev.metrics.mse));
  const lowest: string[] = cands.filter((c) => c.ev.metrics.mse === best).map((c) => c.et);
  return [
    {
      title: 'The group and its largest magnitude',
      render: () => [
        para(`Group ${g} of the sample: row ${row}, columns ${col0}–${col0 + BM_G - 1}, ${BM_G} weights. Its largest magnitude (absmax) is ${fmt(amax)}; every candidate grid is scaled so that its largest value lands on it.`),
      ],
    },
    {
      title: 'Four candidate grids on one number line',
      render: () => [
        para(`Each candidate's grid is written in integer units; the scale is absmax / max|grid| (stored as f16, clamped to [1e-5, 1e4]). The extra value of each variant (${sc.elementTypes.join(', ')}) sits where the plain grid has a gap or past its end.`),
        miniTable(
          `The candidates of ${scheme}`,
          ['candidate', 'grid (integer units)', 'max |grid|', 'scale (stored)'],
          cands.map((c) => [h('code', { text: c.et }), c.grid.join(' '), String(c.maxAbs), fmt(c.scale)]),
        ),
        chartFrame({
          title: `Group ${g}: its weights and the four scaled grids`,
          filename: `lowbit-${scheme}-group-${g}-grids`,
          axes: 'xy',
          legend: [{ label: 'weights of the group', color: COLOR_SECOND, shape: 'dot' }, ...cands.map((c) => ({ label: `${c.et} levels`, color: c.color, shape: 'tick' as const }))],
          caption: ['Top row: the 128 weights. Below: the levels each candidate can store for this group (grid × scale). Hover a mark for its value.'],
          render: (w) =>
            numberLinePlot(
              {
                rows: [
                  { label: 'weights', values: Array.from(grp), mark: 'dot', color: COLOR_SECOND },
                  ...cands.map((c) => ({ label: c.et, values: c.grid.map((v) => v * c.scale), mark: 'tick' as const, color: c.color, title: (v: number, i: number) => `${c.et}: ${c.grid[i]} × ${c.scale} = ${v}` })),
                ],
                scale: 'linear',
                xLabel: 'weight value',
                ariaLabel: `Group ${g} weights and the levels of the four ${scheme} candidates`,
              },
              w,
            ),
        }),
      ],
    },
    {
      title: 'Quantize with each, measure the error',
      render: () => [
        para('Every weight goes to its nearest level (ties to the lower value); the group MSE = mean((w − ŵ)²) of each candidate, from the library quantizer with the single-variant scheme:'),
        chartFrame({
          title: `Group ${g}: squared error of each candidate`,
          filename: `lowbit-${scheme}-group-${g}-mse`,
          axes: 'xy',
          legend: [
            { label: 'candidate', color: COLOR_MAIN, shape: 'bar' },
            { label: 'lowest error', color: COLOR_GOOD, shape: 'bar' },
          ],
          caption: ['Shorter is better. Hover a bar for the exact MSE.'],
          render: (w) =>
            hbarPlot(
              {
                bars: cands.map((c) => ({ label: c.et, value: c.ev.metrics.mse, color: lowest.includes(c.et) ? COLOR_GOOD : COLOR_MAIN, title: `${c.et}: MSE ${c.ev.metrics.mse}` })),
                xLabel: 'group MSE',
                refColor: COLOR_GOOD,
                ariaLabel: 'Group MSE per candidate',
              },
              w,
            ),
        }),
        miniTable(
          'Group MSE per candidate',
          ['candidate', 'group MSE'],
          cands.map((c) => [h('code', { text: c.et }), h('span', { dataset: { mse: String(c.ev.metrics.mse) }, text: fmt(c.ev.metrics.mse, 4) })]),
          'bitmod',
        ),
      ],
    },
    {
      title: 'Keep the lowest, store its id',
      render: () => [
        formula(`argmin MSE = ${lowest.join(', ')} (${fmt(best, 4)})`),
        h('p', { class: lowest.includes(chosen) ? 'ok-line' : 'error' }, [
          `quantize(…, '${scheme}') stored id ${id} → `,
          h('code', { text: chosen }),
          h('strong', { class: 'chosen-tag', text: lowest.includes(chosen) ? ' ✓ the lowest-error candidate' : ' ✗ not the lowest' }),
          '. On a tie the earlier candidate wins.',
        ]),
      ],
    },
  ];
}
