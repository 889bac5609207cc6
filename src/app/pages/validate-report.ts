/**
 * Validate's report: a compact summary first (one row per scheme, grouped by family: bits/weight,
 * NMSE, SQNR, max |err| and a badge for the kernel checks), the error-vs-bits chart with its
 * Pareto front, a filter, then the details collapsed by tensor and, inside, by scheme's kernels.
 * Rows stream in from the worker; details are built once and extended, so focus and open state
 * survive updates. Every number is the library's (evaluateScheme, the kernels' bound checks),
 * printed as the CLI prints it.
 */
import { getScheme } from '../../quant/schemes.js';
import { evaluationJson } from '../../quant/evaluate.js';
import { download, h, replace, scrollTable, uniqueId, type HChild } from '../dom.js';
import { fmtMs, fmtNum, printedMetrics } from '../format.js';
import { chartFrame } from '../charts/frame.js';
import { paretoPlot, type ParetoPoint } from '../charts/pareto.js';
import { seriesColor } from '../charts/palette.js';
import type { EvalRow, KernelRow, ValidateRequest } from '../protocol.js';
import { kernelIsProblem, modelReportOf, pairVisibility, shortReason, summarize, tallyKernels, type KernelTally, type ReportFilter, type SchemeSummary } from '../report-model.js';
import { schemeCategories } from '../scheme-groups.js';
import { rowJson } from '../../report/report-output.js';
import { createModelView } from './validate-model.js';

/** The report's handle for the page. */
export interface ReportHandle {
  readonly el: HTMLElement;
  /** Clears the report for a run of `req` on the weights called `source`. */
  reset(req: ValidateRequest, source: string): void;
  addEval(row: EvalRow): void;
  addKernel(row: KernelRow): void;
  finish(adapter: string | null): void;
  /** Every result so far (for the levels panel). */
  readonly evals: readonly EvalRow[];
}

/** What the report asks of the page. */
export interface ReportOptions {
  /** Shows the histogram and levels of one (tensor, scheme). */
  showLevels(tensor: string, scheme: string): void;
}

const FAMILIES = schemeCategories();
/** Least milliseconds between two rebuilds of the model view while a run streams results. */
const MODEL_REFRESH_MS = 1000;
const FAMILY_OF = new Map(FAMILIES.flatMap((c) => c.schemes.map((s) => [s, c.title] as const)));
const familyOf = (scheme: string): string => FAMILY_OF.get(scheme) ?? 'Other';
const FAMILY_COLORS = FAMILIES.map((_, i) => seriesColor(i));

/** One (tensor, scheme) pair's place in the details. */
interface PairView {
  readonly scheme: string;
  readonly refused: boolean;
  readonly metricsRow: HTMLTableRowElement;
  readonly kernelBlock: HTMLDetailsElement;
  readonly kernelSummary: HTMLElement;
  readonly kernelBody: HTMLTableSectionElement;
  readonly naLine: HTMLElement;
  readonly kernels: { readonly row: KernelRow; readonly tr: HTMLTableRowElement | undefined }[];
}

/** One tensor's details block. */
interface TensorView {
  readonly details: HTMLDetailsElement;
  readonly sub: HTMLElement;
  readonly metricsBody: HTMLTableSectionElement;
  readonly kernelGroups: HTMLElement;
  readonly pairs: Map<string, PairView>;
}

/** The badge of a kernel tally: pass, fail or not checked, with the counts in words. */
export function kernelBadge(t: KernelTally, checked: boolean): { cls: 'pass' | 'fail' | 'none'; text: string } {
  const ran = t.ok + t.bad;
  const skipped = t.skipped ? ` · ${t.skipped} skipped` : '';
  if (t.bad > 0) return { cls: 'fail', text: `✗ ${t.bad} of ${ran} fail${skipped}` };
  if (t.ok > 0) return { cls: 'pass', text: `✓ ${t.ok} agree${skipped}` };
  if (t.skipped > 0) return { cls: 'none', text: `${t.skipped} skipped` };
  return { cls: 'none', text: checked ? 'none ran' : 'not checked' };
}

/** Creates the report. */
export function createReport(opts: ReportOptions): ReportHandle {
  const evals: EvalRow[] = [];
  const kernels: KernelRow[] = [];
  let req: ValidateRequest | undefined;
  let adapter: string | null = null;
  let sourceName = '';
  const t0 = { ms: 0 };
  const tensors = new Map<string, TensorView>();
  const modelView = createModelView();

  const headline = h('p', { class: 'report-headline', id: 'report-headline', role: 'status' }, ['Run a validation to see the report.']);
  const kernelSummary = h('p', { class: 'kernel-summary', id: 'kernel-summary' });
  const filterId = uniqueId('filter');
  const filterInput = h('input', { id: filterId, type: 'search', attrs: { placeholder: 'scheme, family, tensor or kernel', autocomplete: 'off', spellcheck: 'false' } });
  filterInput.id = 'report-filter';
  const showId = uniqueId('show');
  const showSel = h('select', { id: showId }, [h('option', { value: 'all', text: 'everything' }), h('option', { value: 'problems', text: 'problems only (fail, error, refused, skipped)' })]);
  showSel.id = 'report-show';
  const filterNote = h('p', { class: 'muted filter-note', attrs: { 'aria-live': 'polite' } });
  filterInput.addEventListener('input', () => applyFilter());
  showSel.addEventListener('change', () => applyFilter());
  const exportCsv = h('button', { type: 'button', class: 'button', id: 'export-csv', text: 'Export CSV', disabled: true, on: { click: () => exportAs('csv') } });
  const exportJson = h('button', { type: 'button', class: 'button', id: 'export-json', text: 'Export JSON', disabled: true, on: { click: () => exportAs('json') } });

  const summaryHead = h('thead');
  const summaryTable = h('table', { class: 'results summary', id: 'summary-table' }, [
    h('caption', { text: 'One row per scheme: bits per weight (all metadata included) and error against the original weights, as the CLI prints them; the badge counts the matmul kernels checked against the f64 oracle.' }),
    summaryHead,
  ]);
  const paretoBox = h('div', { class: 'pareto-box', id: 'pareto-box' });
  const detailsBox = h('div', { class: 'tensor-details-list', id: 'tensor-details' });

  const el = h('div', { class: 'panel report', id: 'report' }, [
    h('h3', { text: '3. Report' }),
    headline,
    kernelSummary,
    h('div', { class: 'row filter-row' }, [
      h('div', { class: 'field grow' }, [h('label', { for: filterId, text: 'Filter' }), filterInput]),
      h('div', { class: 'field' }, [h('label', { for: showId, text: 'Show' }), showSel]),
      exportCsv,
      exportJson,
    ]),
    filterNote,
    h('h4', { text: 'Summary' }),
    scrollTable(summaryTable, 'Summary, one row per scheme', 'cards'),
    paretoBox,
    modelView.el,
    h('h4', { text: 'Details by tensor' }),
    h('p', { class: 'muted', text: 'Open a tensor for its numbers per scheme and the kernel checks per scheme.' }),
    detailsBox,
  ]);

  let frame = 0;
  const scheduleSummary = (): void => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      renderSummary();
      renderPareto();
      renderModel();
      applyFilter();
    });
  };

  /**
   * The model view: shown once results span several tensors. While results stream in it is
   * rebuilt at most once a second (a large model has thousands of rows); `finish` always does.
   */
  let modelShownAt = -Infinity;
  function renderModel(force = false): void {
    if (!req || tensors.size < 2) {
      modelView.reset();
      return;
    }
    if (!force && performance.now() - modelShownAt < MODEL_REFRESH_MS) return;
    modelShownAt = performance.now();
    const r = req;
    const qopts = { scale: r.scale, ...(r.group !== null ? { group: r.group } : {}), ...(r.scaleDType !== null ? { scaleDType: r.scaleDType } : {}) };
    modelView.show(modelReportOf(evals, r.schemes, { name: sourceName, tensors: r.tensors.length, tensorBytes: 0 }, qopts, performance.now() - t0.ms));
  }

  function reset(r: ValidateRequest, source: string): void {
    req = r;
    sourceName = source;
    t0.ms = performance.now();
    modelShownAt = -Infinity;
    modelView.reset();
    adapter = null;
    evals.length = 0;
    kernels.length = 0;
    tensors.clear();
    replace(detailsBox, []);
    replace(summaryHead, []);
    for (const tb of Array.from(summaryTable.tBodies)) tb.remove();
    replace(paretoBox, []);
    exportCsv.disabled = true;
    exportJson.disabled = true;
    replace(kernelSummary, [r.kernels ? 'Kernel checks running…' : 'Kernel check is off.']);
    headline.textContent = `Quantizing ${r.tensors.length} tensor(s) × ${r.schemes.length} scheme(s)…`;
  }

  function tensorView(name: string, rows: number, cols: number): TensorView {
    const have = tensors.get(name);
    if (have) return have;
    const sub = h('span', { class: 'details-sub' });
    const metricsBody = h('tbody');
    const caption = `${name}: one row per scheme, numbers as the CLI prints them (hover a number for its exact value)`;
    const metrics = h('table', { class: 'results metrics', dataset: { tensor: name }, attrs: { 'aria-label': caption } }, [
      h('thead', {}, [
        h(
          'tr',
          {},
          ['scheme', 'group', 'bits/w', 'NMSE', 'SQNR dB', 'max |err|', 'cosine', 'ms', 'variants', 'levels'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })),
        ),
      ]),
      metricsBody,
    ]);
    const kernelGroups = h('div', { class: 'kernel-groups' });
    const details = h('details', { class: 'tensor-details', dataset: { tensor: name } }, [
      h('summary', {}, [h('span', { class: 'details-title' }, [h('code', { text: name }), ` [${rows} × ${cols}]`]), ' ', sub]),
      h('div', { class: 'details-body' }, [
        h('p', { class: 'table-caption', text: caption }),
        scrollTable(metrics, `Numbers of ${name} per scheme`),
        req?.kernels ? h('h5', { text: `Kernel checks on ${name}, by scheme (Y = X · Wᵀ, M = ${req.m}, against the f64 oracle)` }) : null,
        kernelGroups,
      ]),
    ]) as HTMLDetailsElement;
    detailsBox.appendChild(details);
    const view: TensorView = { details, sub, metricsBody, kernelGroups, pairs: new Map() };
    tensors.set(name, view);
    return view;
  }

  function pairView(t: TensorView, row: EvalRow): PairView {
    const kernelSummaryEl = h('span', { class: 'details-sub' });
    const kernelBody = h('tbody');
    const naLine = h('p', { class: 'muted na-line', hidden: true });
    const table = h('table', { class: 'results kernels' }, [
      h('thead', {}, [h('tr', {}, ['where', 'kernel / variant that ran', 'result', 'err / bound', 'max |err|', 'time'].map((c) => h('th', { text: c, attrs: { scope: 'col' } })))]),
      kernelBody,
    ]);
    const kernelBlock = h('details', { class: 'kernel-details', dataset: { scheme: row.scheme, tensor: row.tensor }, hidden: !req?.kernels }, [
      h('summary', {}, [h('code', { class: 'details-title', text: row.scheme }), ' ', kernelSummaryEl]),
      scrollTable(table, `Kernel checks of ${row.scheme} on ${row.tensor}`),
      naLine,
    ]) as HTMLDetailsElement;
    t.kernelGroups.appendChild(kernelBlock);
    const view: PairView = { scheme: row.scheme, refused: !row.ok, metricsRow: metricsRow(row), kernelBlock, kernelSummary: kernelSummaryEl, kernelBody, naLine, kernels: [] };
    t.metricsBody.appendChild(view.metricsRow);
    t.pairs.set(row.scheme, view);
    updatePairSummary(view);
    return view;
  }

  function metricsRow(r: EvalRow): HTMLTableRowElement {
    if (!r.ok) {
      return h('tr', { class: 'refused', dataset: { scheme: r.scheme, tensor: r.tensor } }, [
        h('th', { text: r.scheme, attrs: { scope: 'row' } }),
        h('td', { attrs: { colspan: '9' }, class: 'error', text: `refused: ${r.error}` }),
      ]);
    }
    const p = printedMetrics(r);
    const cell = (col: string, text: string, title?: string): HTMLTableCellElement => h('td', { class: 'num', dataset: { col }, text, ...(title ? { title } : {}) });
    return h('tr', { dataset: { scheme: r.scheme, tensor: r.tensor } }, [
      h('th', { text: r.scheme, attrs: { scope: 'row' }, title: getScheme(r.scheme).description }),
      cell('group', p.group),
      cell('bits', p.bits, `exact: ${r.bitsPerWeight}`),
      cell('nmse', p.nmse, `exact: ${r.metrics.nmse}`),
      cell('sqnr', p.sqnr, `exact: ${r.metrics.sqnrDb}`),
      cell('maxerr', p.maxErr, `exact: ${r.metrics.maxAbsErr}`),
      cell('cosine', p.cosine, `exact: ${r.metrics.cosine}`),
      cell('ms', p.ms),
      h('td', { class: 'variants', dataset: { col: 'variants' }, text: p.variants }),
      h('td', {}, [
        h('button', {
          type: 'button',
          class: 'button small',
          text: 'Levels',
          attrs: { 'aria-label': `Show the histogram and levels of ${r.tensor} with ${r.scheme}` },
          on: { click: () => opts.showLevels(r.tensor, r.scheme) },
        }),
      ]),
    ]);
  }

  function updatePairSummary(p: PairView): void {
    const t = tallyKernels(p.kernels.map((k) => k.row));
    const b = kernelBadge(t, req?.kernels ?? false);
    replace(p.kernelSummary, [h('span', { class: `badge ${b.cls}`, text: b.text })]);
    const na = p.kernels.filter((k) => k.row.status === 'unsupported');
    p.naLine.hidden = na.length === 0;
    replace(p.naLine, [
      h('strong', { text: 'Not applicable: ' }),
      ...na.flatMap((k, i) => [i ? '; ' : '', h('code', { text: k.row.kernel }), ` (${shortReason(k.row.note)})`]),
    ]);
  }

  function updateTensorSummary(t: TensorView): void {
    const pairs = [...t.pairs.values()];
    const tally = tallyKernels(pairs.flatMap((p) => p.kernels.map((k) => k.row)));
    const refused = pairs.filter((p) => p.refused).length;
    const b = kernelBadge(tally, req?.kernels ?? false);
    replace(t.sub, [
      `${pairs.length} scheme${pairs.length === 1 ? '' : 's'}${refused ? `, ${refused} refused` : ''} · kernels `,
      h('span', { class: `badge ${b.cls}`, text: b.text }),
    ]);
  }

  function addEval(row: EvalRow): void {
    evals.push(row);
    const t = tensorView(row.tensor, row.ok ? row.rows : 0, row.ok ? row.cols : 0);
    pairView(t, row);
    updateTensorSummary(t);
    exportCsv.disabled = false;
    exportJson.disabled = false;
    scheduleSummary();
  }

  function addKernel(row: KernelRow): void {
    kernels.push(row);
    const t = tensors.get(row.tensor);
    const p = t?.pairs.get(row.scheme);
    if (!t || !p) return;
    const tr = row.status === 'unsupported' ? undefined : kernelRow(row);
    if (tr) p.kernelBody.appendChild(tr);
    p.kernels.push({ row, tr });
    updatePairSummary(p);
    updateTensorSummary(t);
    renderKernelSummary();
    scheduleSummary();
  }

  function kernelRow(r: KernelRow): HTMLTableRowElement {
    const result: HChild[] =
      r.status === 'ok'
        ? ['✓ agrees']
        : r.status === 'unavailable'
          ? [`skipped: ${r.note}`]
          : [r.status === 'mismatch' ? '✗ outside the bound' : '✗ error', h('div', { class: 'note', text: r.note })];
    return h('tr', { class: `status-${r.status}`, dataset: { backend: r.backend, status: r.status, kernel: r.kernel } }, [
      h('td', { text: r.backend.toUpperCase() }),
      h('td', {}, [h('code', { text: r.kernel })]),
      h('td', { class: 'status-cell' }, result),
      h('td', { class: 'num', text: fmtNum(r.worstRatio, 3), ...(r.worstRatio !== null ? { title: `exact: ${r.worstRatio}` } : {}) }),
      h('td', { class: 'num', text: fmtNum(r.maxAbsErr, 3), ...(r.maxAbsErr !== null ? { title: `exact: ${r.maxAbsErr}` } : {}) }),
      h('td', { class: 'num', text: r.ms === null ? '–' : `${fmtMs(r.ms)} (${r.timer})` }),
    ]);
  }

  function renderKernelSummary(): void {
    if (!req?.kernels) return;
    const t = tallyKernels(kernels);
    const gpuRuns = kernels.filter((k) => k.backend === 'gpu' && k.status !== 'unavailable');
    const gpuText = !req.useGpu
      ? 'GPU variants not run (no WebGPU, or switched off).'
      : gpuRuns.length === 0
        ? 'No GPU variant ran yet.'
        : `GPU: ${gpuRuns.filter((k) => k.status === 'ok').length}/${gpuRuns.length} variant runs agree${adapter ? ` on ${adapter}` : ''}.`;
    kernelSummary.textContent = `Kernel checks (M = ${req.m}, activations from the library's sampleActivations): ${t.ok} of ${t.ok + t.bad} runs agree with the f64 oracle${t.skipped ? `, ${t.skipped} skipped` : ''}. ${gpuText}`;
  }

  function summaries(): SchemeSummary[] {
    return summarize(evals, kernels, familyOf);
  }

  function renderSummary(): void {
    const list = summaries();
    const multi = tensors.size > 1;
    replace(summaryHead, [
      h(
        'tr',
        {},
        ['scheme', 'bits/w', 'NMSE', 'SQNR dB', 'max |err|', ...(multi ? ['tensors'] : []), 'kernels'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })),
      ),
    ]);
    for (const tb of Array.from(summaryTable.tBodies)) tb.remove();
    const cols = multi ? 7 : 6;
    for (const fam of FAMILIES) {
      const rows = list.filter((s) => s.family === fam.title);
      if (rows.length === 0) continue;
      summaryTable.appendChild(
        h('tbody', { dataset: { family: fam.title } }, [
          h('tr', { class: 'family-row' }, [h('th', { attrs: { colspan: String(cols), scope: 'colgroup' }, text: fam.title })]),
          ...rows.map((s) => summaryRow(s, multi)),
        ]),
      );
    }
    headline.textContent = `${list.length} scheme${list.length === 1 ? '' : 's'} on ${tensors.size} tensor${tensors.size === 1 ? '' : 's'}${
      multi ? ' (pooled: bits/weight by size, NMSE = Σ err² / Σ w² over all tensors)' : ''
    }.`;
  }

  function summaryRow(s: SchemeSummary, multi: boolean): HTMLTableRowElement {
    const b = kernelBadge(s.kernels, req?.kernels ?? false);
    const label = (l: string): Record<string, string> => ({ 'data-label': l });
    const single = !multi && s.evals.length === 1 ? s.evals[0] : undefined;
    // One tensor: the evaluation's own numbers, printed exactly as the CLI prints them.
    const p = single
      ? printedMetrics(single)
      : s.pooled
        ? printedMetrics({ granularity: 'group', groupSize: 0, bitsPerWeight: s.pooled.bitsPerWeight, metrics: { nmse: s.pooled.nmse, sqnrDb: s.pooled.sqnrDb, maxAbsErr: s.pooled.maxAbsErr, cosine: 0 }, quantizeMs: 0, variants: {} })
        : undefined;
    const exact = single ? { bits: single.bitsPerWeight, nmse: single.metrics.nmse, sqnr: single.metrics.sqnrDb, maxErr: single.metrics.maxAbsErr } : s.pooled ? { bits: s.pooled.bitsPerWeight, nmse: s.pooled.nmse, sqnr: s.pooled.sqnrDb, maxErr: s.pooled.maxAbsErr } : undefined;
    const num = (col: string, lab: string, text: string, ex?: number): HTMLTableCellElement =>
      h('td', { class: 'num', dataset: { col }, attrs: label(lab), text, ...(ex !== undefined ? { title: `exact: ${ex}` } : {}) });
    return h('tr', { dataset: { scheme: s.scheme, family: s.family } }, [
      h('th', { attrs: { scope: 'row' }, title: getScheme(s.scheme).description, text: s.scheme }),
      ...(p && exact
        ? [num('bits', 'bits/w', p.bits, exact.bits), num('nmse', 'NMSE', p.nmse, exact.nmse), num('sqnr', 'SQNR dB', p.sqnr, exact.sqnr), num('maxerr', 'max |err|', p.maxErr, exact.maxErr)]
        : [h('td', { class: 'error', attrs: { colspan: '4', ...label('refused') }, text: `refused: ${s.refused[0]?.error ?? ''}` })]),
      ...(multi ? [h('td', { class: 'num', attrs: label('tensors'), text: `${s.evals.length}${s.refused.length ? ` (+${s.refused.length} refused)` : ''}` })] : []),
      h('td', { dataset: { col: 'kernels' }, attrs: label('kernels') }, [h('span', { class: `badge ${b.cls}`, text: b.text })]),
    ]);
  }

  function renderPareto(): void {
    const points: ParetoPoint[] = summaries()
      .filter((s) => s.pooled !== undefined)
      .map((s) => {
        const pm = s.pooled as NonNullable<SchemeSummary['pooled']>;
        return {
          scheme: s.scheme,
          family: s.family,
          bits: pm.bitsPerWeight,
          nmse: pm.nmse,
          title: `${s.scheme} (${s.family})\nbits/weight ${pm.bitsPerWeight}\nNMSE ${pm.nmse}\nSQNR ${pm.sqnrDb} dB`,
        };
      });
    if (points.length < 2) {
      replace(paretoBox, []);
      return;
    }
    const used = FAMILIES.map((f) => f.title).filter((f) => points.some((p) => p.family === f));
    const colors = used.map((f) => FAMILY_COLORS[FAMILIES.findIndex((x) => x.title === f)] as string);
    replace(paretoBox, [
      chartFrame({
        title: 'Error against storage: the schemes to choose from',
        filename: 'lowbit-error-vs-bits',
        axes: 'xy',
        legend: [...used.map((f, i) => ({ label: f, color: colors[i] as string, shape: 'dot' as const })), { label: 'Pareto front', color: '#2e8b57', shape: 'line' as const }],
        caption: [
          'Each dot is a scheme at its bits per weight and NMSE. The green staircase is the Pareto front: the labelled schemes are the ones no other scheme beats on both storage and error. Hover a dot for its exact numbers.',
        ],
        render: (w) => paretoPlot({ points, families: used, colors, ariaLabel: 'NMSE against bits per weight, one dot per scheme' }, w),
      }),
    ]);
  }

  function currentFilter(): ReportFilter {
    return { text: filterInput.value, problemsOnly: showSel.value === 'problems' };
  }

  function applyFilter(): void {
    const f = currentFilter();
    const active = f.text.trim() !== '' || f.problemsOnly;
    const visibleSchemes = new Set<string>();
    let shownPairs = 0;
    let allPairs = 0;
    for (const [tensor, t] of tensors) {
      let any = false;
      for (const p of t.pairs.values()) {
        allPairs += 1;
        const v = pairVisibility(f, { tensor, scheme: p.scheme, family: familyOf(p.scheme), refused: p.refused }, p.kernels.map((k) => k.row));
        p.metricsRow.hidden = !v.visible;
        p.kernelBlock.hidden = !v.visible || !req?.kernels;
        p.kernels.forEach((k, i) => {
          if (k.tr) k.tr.hidden = !v.kernels[i];
        });
        if (v.visible) {
          any = true;
          shownPairs += 1;
          visibleSchemes.add(p.scheme);
          if (active && p.kernels.some((k, i) => v.kernels[i] && (f.problemsOnly ? kernelIsProblem(k.row) : true))) p.kernelBlock.open = true;
        }
      }
      t.details.hidden = !any;
      if (active && any) t.details.open = true;
    }
    for (const tr of Array.from(summaryTable.querySelectorAll<HTMLTableRowElement>('tbody tr[data-scheme]'))) tr.hidden = !visibleSchemes.has(tr.dataset.scheme ?? '');
    for (const tb of Array.from(summaryTable.tBodies)) tb.hidden = !Array.from(tb.rows).some((r) => r.dataset.scheme !== undefined && !r.hidden);
    filterNote.textContent = active ? `Showing ${shownPairs} of ${allPairs} tensor × scheme results.` : '';
  }

  function finish(a: string | null): void {
    adapter = a;
    renderKernelSummary();
    renderSummary();
    renderPareto();
    renderModel(true);
    applyFilter();
  }

  function exportAs(kind: 'csv' | 'json'): void {
    if (kind === 'json') {
      const qopts = req ? { scale: req.scale, ...(req.group !== null ? { group: req.group } : {}), ...(req.scaleDType !== null ? { scaleDType: req.scaleDType } : {}) } : {};
      const model = modelReportOf(evals, req?.schemes ?? [], { name: sourceName, tensors: req?.tensors.length ?? 0, tensorBytes: 0 }, qopts, 0);
      const plan = modelView.plan();
      const payload = {
        tool: 'lowbit app',
        source: sourceName,
        options: req ? { group: req.group, scale: req.scale, scaleDType: req.scaleDType, m: req.m } : null,
        adapter,
        results: evals.map((e) => (e.ok ? { tensor: e.tensor, shard: e.shard, dtype: e.dtype, ...evaluationJson(e), totalBits: e.totalBits } : { tensor: e.tensor, shard: e.shard, dtype: e.dtype, scheme: e.scheme, error: e.error })),
        // The model report's form (as `lowbit report --json` writes it): totals per scheme, rows worst first, the plan.
        totals: model.totals,
        rows: model.rows.map(rowJson),
        ...(plan ? { plan } : {}),
        kernels,
      };
      download('lowbit-validate.json', `${JSON.stringify(payload, jsonNumbers, 2)}\n`, 'application/json');
      return;
    }
    const header = ['tensor', 'shard', 'dtype', 'scheme', 'rows', 'cols', 'groupSize', 'granularity', 'scaleDType', 'bitsPerWeight', 'totalBits', 'mse', 'nmse', 'sqnrDb', 'maxAbsErr', 'cosine', 'relMse', 'quantizeMs', 'variants', 'error'];
    const lines = [header.join(',')];
    for (const e of evals) {
      const cells: (string | number)[] = e.ok
        ? [e.tensor, e.shard, e.dtype, e.scheme, e.rows, e.cols, e.groupSize, e.granularity, e.scaleDType, e.bitsPerWeight, e.totalBits, e.metrics.mse, e.metrics.nmse, e.metrics.sqnrDb, e.metrics.maxAbsErr, e.metrics.cosine, e.metrics.relMse, e.quantizeMs, Object.entries(e.variants).map(([k, v]) => `${k}:${v}`).join(' '), '']
        : [e.tensor, e.shard, e.dtype, e.scheme, e.rows, e.cols, '', '', '', '', '', '', '', '', '', '', '', '', '', e.error];
      lines.push(cells.map(csvCell).join(','));
    }
    download('lowbit-validate.csv', `${lines.join('\n')}\n`, 'text/csv');
  }

  return { el, reset, addEval, addKernel, finish, evals };
}

/** JSON has no Infinity/NaN: write them as strings so the file stays valid. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** One CSV cell (RFC 4180 quoting). */
function csvCell(v: string | number): string {
  const t = String(v);
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}
