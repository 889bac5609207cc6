/**
 * Validate's model view, for runs over several tensors: the model totals per scheme (the
 * library's schemeTotals: every tensor a scheme took as one vector of weights, bits/weight and MSE
 * weighted by element count), the bits-budget plan (the library's planBudget, an exact search),
 * and every tensor x scheme in one table, sortable by any column and collapsible. Numbers are
 * printed in the formats of `lowbit report`'s tables.
 */
import { variantShares } from '../../cli/report-text.js';
import { planBudget, type BudgetPlanResult } from '../../report/budget-plan.js';
import type { ModelReport, ReportRow, SchemeTotals } from '../../report/model-report.js';
import { h, replace, scrollTable, uniqueId } from '../dom.js';
import { fmtShape, sig } from '../format.js';
import { fmtDuration } from '../progress.js';
import { sortRows, type SortKey } from '../report-model.js';

/** The view's handle. */
export interface ModelViewHandle {
  readonly el: HTMLElement;
  /** Clears it for a new run. */
  reset(): void;
  /** Shows the report so far (or the final one). */
  show(report: ModelReport): void;
  /** The plan last made, if any (for the JSON export). */
  plan(): BudgetPlanResult | undefined;
}

/** Fixed decimals as the CLI prints them (a non-finite number through `sig`). */
function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? String(Number(x.toFixed(digits))) : sig(x);
}

/** The per-tensor table's columns: key, header, and (for sortable ones) the sort key. */
const COLUMNS: readonly { readonly col: string; readonly head: string; readonly sort?: SortKey; readonly num?: boolean }[] = [
  { col: 'tensor', head: 'tensor', sort: 'tensor' },
  { col: 'scheme', head: 'scheme', sort: 'scheme' },
  { col: 'shape', head: 'shape', sort: 'elements', num: true },
  { col: 'dtype', head: 'dtype' },
  { col: 'bits', head: 'bits/w', sort: 'bits', num: true },
  { col: 'nmse', head: 'NMSE', sort: 'nmse', num: true },
  { col: 'sqnr', head: 'SQNR dB', sort: 'sqnr', num: true },
  { col: 'maxerr', head: 'max |err|', sort: 'maxerr', num: true },
  { col: 'cosine', head: 'cosine', sort: 'cosine', num: true },
  { col: 'ms', head: 'ms', sort: 'ms', num: true },
  { col: 'variants', head: 'variants / notes' },
];

/** Creates the model view. */
export function createModelView(): ModelViewHandle {
  let report: ModelReport | undefined;
  let plan: BudgetPlanResult | undefined;
  let sort: { key: SortKey; dir: 'asc' | 'desc' } | undefined;

  const totalsBody = h('tbody');
  const totalsTable = h('table', { class: 'results totals', id: 'totals-table' }, [
    h('caption', { text: 'Model totals per scheme: the tensors it took as one vector of weights (bits/weight and MSE weighted by element count, NMSE = Σ err² / Σ w²), as `lowbit report` prints them.' }),
    h('thead', {}, [h('tr', {}, ['scheme', 'tensors', 'weights', 'bits/w', 'NMSE', 'SQNR dB', 'max |err|', 'cosine', 'quantize', 'variants'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
    totalsBody,
  ]);

  const budgetId = uniqueId('budget');
  const budgetInput = h('input', { id: budgetId, type: 'number', value: '4.5', attrs: { min: '0', step: '0.125', inputmode: 'decimal' } });
  budgetInput.id = 'budget-input';
  const planBtn = h('button', { type: 'button', class: 'button', id: 'plan-budget', text: 'Plan', disabled: true, on: { click: () => makePlan() } });
  const planBox = h('div', { class: 'budget-result', id: 'budget-result', attrs: { 'aria-live': 'polite' } });

  const tableHead = h('thead');
  const tableBody = h('tbody');
  const rowsTable = h('table', { class: 'results model-rows', id: 'model-table' }, [tableHead, tableBody]);
  const rowsSummary = h('span', { class: 'details-sub' });
  const rowsBox = h('details', { class: 'model-rows-box', id: 'model-rows', attrs: { open: '' } }, [
    h('summary', {}, [h('span', { class: 'details-title', text: 'Every tensor × scheme' }), ' ', rowsSummary]),
    h('p', { class: 'muted', text: 'Worst tensor first (largest NMSE of any scheme). Click a column heading to sort by it; click again to reverse.' }),
    scrollTable(rowsTable, 'Every tensor and scheme'),
  ]) as HTMLDetailsElement;

  const el = h('div', { class: 'model-view', id: 'model-view', hidden: true }, [
    h('h4', { text: 'Model totals' }),
    scrollTable(totalsTable, 'Model totals per scheme'),
    h('h4', { text: 'Bits budget' }),
    h('p', {
      class: 'muted',
      text: 'One measured scheme per tensor, chosen to minimize the model’s total squared error with the average bits/weight at most the budget (an exact search, the plan `lowbit report --budget` prints), against the best single scheme that fits.',
    }),
    h('div', { class: 'row' }, [h('div', { class: 'field' }, [h('label', { for: 'budget-input', text: 'Budget (bits/weight)' }), budgetInput]), planBtn]),
    planBox,
    rowsBox,
  ]);
  budgetInput.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') makePlan();
  });

  function reset(): void {
    report = undefined;
    plan = undefined;
    sort = undefined;
    el.hidden = true;
    planBtn.disabled = true;
    replace(totalsBody, []);
    replace(tableHead, []);
    replace(tableBody, []);
    replace(planBox, []);
    rowsSummary.textContent = '';
  }

  function show(r: ModelReport): void {
    report = r;
    el.hidden = r.rows.length === 0;
    planBtn.disabled = r.rows.length === 0;
    replace(totalsBody, r.totals.filter((t) => t.tensors + t.refused > 0).map(totalsRow));
    renderRows();
  }

  function totalsRow(t: SchemeTotals): HTMLTableRowElement {
    const ok = t.tensors > 0;
    const cell = (col: string, text: string, exact?: number): HTMLTableCellElement => h('td', { class: 'num', dataset: { col }, text, ...(exact !== undefined ? { title: `exact: ${exact}` } : {}) });
    return h('tr', { dataset: { scheme: t.scheme } }, [
      h('th', { attrs: { scope: 'row' }, text: t.scheme }),
      cell('tensors', t.refused > 0 ? `${t.tensors} (${t.refused} refused)` : String(t.tensors)),
      cell('weights', t.elements.toLocaleString('en-US')),
      cell('bits', ok ? fixed(t.bitsPerWeight, 3) : '-', t.bitsPerWeight),
      cell('nmse', ok ? sig(t.nmse, 3) : '-', t.nmse),
      cell('sqnr', ok ? fixed(t.sqnrDb, 2) : '-', t.sqnrDb),
      cell('maxerr', ok ? sig(t.maxAbsErr, 3) : '-', t.maxAbsErr),
      cell('cosine', ok ? fixed(t.cosine, 5) : '-', t.cosine),
      cell('ms', fmtDuration(t.quantizeMs)),
      h('td', { class: 'variants', dataset: { col: 'variants' }, text: variantShares(t.variants) }),
    ]);
  }

  function renderRows(): void {
    if (!report) return;
    const rows = sort ? sortRows(report.rows, sort.key, sort.dir) : report.rows;
    const tensors = new Set(report.rows.map((r) => r.tensor)).size;
    rowsSummary.textContent = `${report.rows.length} rows: ${tensors} tensor${tensors === 1 ? '' : 's'} × ${report.schemes.length} scheme${report.schemes.length === 1 ? '' : 's'}`;
    replace(tableHead, [
      h(
        'tr',
        {},
        COLUMNS.map((c) => {
          if (!c.sort) return h('th', { attrs: { scope: 'col' }, text: c.head });
          const key = c.sort;
          const on = sort?.key === key;
          return h('th', { attrs: { scope: 'col', 'aria-sort': on ? (sort?.dir === 'asc' ? 'ascending' : 'descending') : 'none' } }, [
            h('button', {
              type: 'button',
              class: 'sort',
              dataset: { sort: key },
              text: `${c.head}${on ? (sort?.dir === 'asc' ? ' ▲' : ' ▼') : ''}`,
              on: { click: () => sortBy(key) },
            }),
          ]);
        }),
      ),
    ]);
    replace(tableBody, rows.map(tableRow));
  }

  function sortBy(key: SortKey): void {
    // Names sort A to Z first; numbers largest first (the worst NMSE, the most bits).
    const first: 'asc' | 'desc' = key === 'tensor' || key === 'scheme' ? 'asc' : 'desc';
    sort = sort?.key === key ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: first };
    renderRows();
    (tableHead.querySelector(`button[data-sort="${key}"]`) as HTMLButtonElement | null)?.focus();
  }

  function tableRow(r: ReportRow): HTMLTableRowElement {
    const td = (col: string, text: string, num = false, exact?: number): HTMLTableCellElement =>
      h('td', { class: num ? 'num' : '', dataset: { col }, text, ...(exact !== undefined ? { title: `exact: ${exact}` } : {}) });
    const head = [h('th', { attrs: { scope: 'row' }, dataset: { col: 'tensor' } }, [h('code', { text: r.tensor })]), td('scheme', r.scheme), td('shape', fmtShape([r.rows, r.cols]), true), td('dtype', r.dtype)];
    if (r.status === 'refused') {
      return h('tr', { class: 'refused', dataset: { tensor: r.tensor, scheme: r.scheme } }, [...head, h('td', { class: 'error', attrs: { colspan: '7' }, text: `refused: ${r.reason}` })]);
    }
    return h('tr', { dataset: { tensor: r.tensor, scheme: r.scheme } }, [
      ...head,
      td('bits', fixed(r.bitsPerWeight, 3), true, r.bitsPerWeight),
      td('nmse', sig(r.metrics.nmse, 3), true, r.metrics.nmse),
      td('sqnr', fixed(r.metrics.sqnrDb, 2), true, r.metrics.sqnrDb),
      td('maxerr', sig(r.metrics.maxAbsErr, 3), true, r.metrics.maxAbsErr),
      td('cosine', fixed(r.metrics.cosine, 5), true, r.metrics.cosine),
      td('ms', fixed(r.quantizeMs, 1), true),
      td('variants', variantShares(r.variants)),
    ]);
  }

  function makePlan(): void {
    if (!report) return;
    const b = Number(budgetInput.value);
    if (budgetInput.value.trim() === '' || !Number.isFinite(b) || b <= 0) {
      plan = undefined;
      replace(planBox, [h('p', { class: 'error', role: 'alert', text: `The budget must be a positive number of bits per weight, got ${JSON.stringify(budgetInput.value)}.` })]);
      return;
    }
    plan = planBudget(report, b);
    renderPlan(plan);
  }

  function renderPlan(p: BudgetPlanResult): void {
    if (p.error !== undefined || !p.choices) {
      replace(planBox, [h('p', { class: 'error', role: 'alert', text: `No plan for ${p.budget} bits/weight: ${p.error ?? 'no tensor was measured'}.` })]);
      return;
    }
    const best = p.bestSingle;
    const counts = Object.entries(p.schemeCounts ?? {}).map(([s, c]) => `${s} ×${c}`).join(', ');
    const planTable = h('table', { class: 'results plan', id: 'plan-table' }, [
      h('thead', {}, [h('tr', {}, ['tensor', 'scheme', 'bits/w', 'NMSE'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
      h(
        'tbody',
        {},
        p.choices.map((c) =>
          h('tr', { dataset: { tensor: c.tensor, scheme: c.scheme } }, [
            h('th', { attrs: { scope: 'row' } }, [h('code', { text: c.tensor })]),
            h('td', { text: c.scheme, dataset: { col: 'scheme' } }),
            h('td', { class: 'num', text: fixed(c.bitsPerWeight, 3) }),
            h('td', { class: 'num', text: sig(c.nmse, 3) }),
          ]),
        ),
      ),
    ]);
    replace(planBox, [
      h('p', { id: 'plan-line', dataset: { bits: String(p.bitsPerWeight), sqerr: String(p.sqErr) } }, [
        h('strong', { text: `Plan for ${p.budget} bits/weight: ` }),
        `${(p.bitsPerWeight as number).toFixed(4)} bits/weight, NMSE ${sig(p.nmse as number, 4)} (squared error ${sig(p.sqErr as number, 4)}) over ${p.choices.length} tensors; ${counts}.`,
      ]),
      h('p', {
        id: 'plan-best-single',
        text: best ? `Best single scheme within the budget: ${best.scheme} at ${best.bitsPerWeight.toFixed(4)} bits/weight, NMSE ${sig(best.nmse, 4)}.` : 'No single scheme fits the budget on every tensor.',
      }),
      p.uncovered.length ? h('p', { class: 'muted', text: `Not planned (no scheme took them): ${p.uncovered.join(', ')}` }) : null,
      scrollTable(planTable, 'The plan: one scheme per tensor'),
    ]);
  }

  return { el, reset, show, plan: () => plan };
}
