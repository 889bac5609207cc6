/**
 * Validate: load weights (file picker, drag and drop, or the built-in sample), pick schemes and a
 * group size, and see bits/weight and error metrics per tensor x scheme (evaluateScheme, the
 * function the CLI report uses), a histogram with the quantization levels, mixture shares, and
 * the matmul kernels checked against the f64 oracle on the CPU and, with WebGPU, on the GPU.
 */
import { SCHEME_NAMES, getScheme } from '../../quant/schemes.js';
import { sampleWeights } from '../../io/sample.js';
import { evaluationJson } from '../../quant/evaluate.js';
import { append, download, h, labelledCheckbox, labelledSelect, replace, uniqueId } from '../dom.js';
import { errorMessage } from '../errors.js';
import { fmtMs, fmtNum, fmtShape, fmtBytes, printedMetrics, sig } from '../format.js';
import { histogramChart } from '../svg.js';
import { readWeightFile, type LoadedFile } from '../load-weights.js';
import type { AppEnv } from '../env.js';
import { WorkerClient } from '../worker-client.js';
import type { EvalOk, EvalRow, KernelRow, TensorInput, ValidateRequest } from '../protocol.js';
import type { VerifyRow } from '../../gpu/verify.js';
import { schemeCategories } from '../scheme-groups.js';

/** Schemes selected when the page opens. */
export const DEFAULT_SCHEMES = ['int4', 'int4_asym', 'fp4', 'nf4', 'bitmod4', 'mxfp4', 'nvfp4', 'ternary'];
/** Activation rows of the kernel check (enough to exercise the GEMM tiles and the GEMV path). */
const CHECK_M = 4;

interface Source {
  readonly label: string;
  /** Tensors available, with their checkbox state. */
  readonly items: readonly { readonly name: string; readonly shape: readonly number[]; readonly dtype: string; readonly usable: true | string; readonly load: () => TensorInput }[];
}

/** Mounts the Validate page into `root`. */
export function mountValidate(root: HTMLElement, env: AppEnv): void {
  const client = new WorkerClient();
  let source: Source | undefined;
  const selectedTensors = new Set<string>();
  let evals: EvalRow[] = [];
  let kernels: KernelRow[] = [];
  let lastRequest: ValidateRequest | undefined;
  let adapterUsed: string | null = null;
  let histKey = '';

  // ---- Weights -------------------------------------------------------------------------------
  const fileId = uniqueId('file');
  const fileInput = h('input', { id: fileId, type: 'file', class: 'visually-hidden', attrs: { accept: '.npy,.safetensors' } });
  const dropZone = h('div', { class: 'drop', attrs: { 'data-testid': 'drop-zone' } }, [
    fileInput,
    h('label', { for: fileId, class: 'button' }, ['Choose a .npy or .safetensors file…']),
    h('span', { class: 'muted', text: ' or drop one here, or ' }),
    h('button', { type: 'button', class: 'button', id: 'use-sample', text: 'Use the built-in sample', on: { click: () => useSample() } }),
  ]);
  const sourceInfo = h('div', { class: 'source-info', attrs: { 'aria-live': 'polite' } });
  const tensorList = h('div', { class: 'tensor-list' });

  fileInput.addEventListener('change', () => {
    const f = fileInput.files?.[0];
    if (f) void loadFile(f);
    fileInput.value = '';
  });
  dropZone.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    dropZone.classList.remove('over');
    const f = ev.dataTransfer?.files?.[0];
    if (f) void loadFile(f);
  });

  async function loadFile(f: File): Promise<void> {
    replace(sourceInfo, [h('p', { text: `Reading ${f.name}…` })]);
    let loaded: LoadedFile;
    try {
      loaded = await readWeightFile(f);
    } catch (err) {
      replace(sourceInfo, [h('p', { class: 'error', role: 'alert', text: errorMessage(err) })]);
      return;
    }
    setSource({ label: `${loaded.fileName} (${fmtBytes(loaded.bytes)})`, items: loaded.entries });
  }

  function useSample(): void {
    const smp = sampleWeights();
    setSource({
      label: `built-in sample: ${smp.name} (synthetic, LLM-like statistics: heavy tails, outlier input channels ${smp.outlierCols.join(', ')})`,
      items: [{ name: smp.name, shape: [smp.rows, smp.cols], dtype: 'f32', usable: true, load: () => ({ name: smp.name, rows: smp.rows, cols: smp.cols, data: smp.data }) }],
    });
  }

  function setSource(src: Source): void {
    source = src;
    selectedTensors.clear();
    const usable = src.items.filter((t) => t.usable === true);
    // Select the first usable tensor; the user picks others.
    if (usable[0]) selectedTensors.add(usable[0].name);
    const n2d = usable.length;
    replace(sourceInfo, [
      h('p', {}, [h('strong', { text: 'Loaded: ' }), src.label]),
      n2d === 0 ? h('p', { class: 'error', role: 'alert', text: 'No 2-D tensor in this file can be quantized: lowbit quantizes weight matrices [N, K] (nn.Linear layout).' }) : null,
    ]);
    renderTensorList();
    updateRunState();
  }

  function renderTensorList(): void {
    if (!source) {
      replace(tensorList, []);
      return;
    }
    const rows = source.items.map((t) => {
      const id = uniqueId('tensor');
      const input = h('input', { id, type: 'checkbox', disabled: t.usable !== true });
      input.checked = selectedTensors.has(t.name);
      input.addEventListener('change', () => {
        if (input.checked) selectedTensors.add(t.name);
        else selectedTensors.delete(t.name);
        updateRunState();
      });
      return h('li', { class: t.usable === true ? '' : 'unusable' }, [
        input,
        h('label', { for: id }, [h('code', { text: t.name }), ` ${fmtShape(t.shape)} ${t.dtype}`]),
        t.usable === true ? null : h('span', { class: 'reason', text: ` — ${t.usable}` }),
      ]);
    });
    const many = source.items.length > 1;
    replace(tensorList, [
      many ? h('p', { class: 'muted', text: `${source.items.length} tensors; choose the 2-D ones to quantize:` }) : null,
      h('ul', { class: 'tensors' }, rows),
    ]);
  }

  // ---- Options -------------------------------------------------------------------------------
  const selectedSchemes = new Set<string>(DEFAULT_SCHEMES);
  const schemeBoxes = new Map<string, HTMLInputElement>();
  const schemeFieldset = h('fieldset', { class: 'schemes' }, [h('legend', { text: 'Schemes' })]);
  const quick = h('div', { class: 'quick' }, [
    h('button', { type: 'button', class: 'button small', text: 'Defaults', on: { click: () => setSchemes(DEFAULT_SCHEMES) } }),
    h('button', { type: 'button', class: 'button small', text: 'All', on: { click: () => setSchemes(SCHEME_NAMES) } }),
    h('button', { type: 'button', class: 'button small', id: 'schemes-none', text: 'None', on: { click: () => setSchemes([]) } }),
  ]);
  schemeFieldset.appendChild(quick);
  for (const cat of schemeCategories()) {
    const grid = h('div', { class: 'scheme-grid' });
    for (const name of cat.schemes) {
      const id = uniqueId('scheme');
      const input = h('input', { id, type: 'checkbox', value: name, dataset: { scheme: name } });
      input.checked = selectedSchemes.has(name);
      input.addEventListener('change', () => {
        if (input.checked) selectedSchemes.add(name);
        else selectedSchemes.delete(name);
        updateRunState();
      });
      schemeBoxes.set(name, input);
      grid.appendChild(h('div', { class: 'check', title: getScheme(name).description }, [input, h('label', { for: id, text: name })]));
    }
    schemeFieldset.appendChild(h('div', { class: 'scheme-cat' }, [h('h4', { text: cat.title }), grid]));
  }
  function setSchemes(names: readonly string[]): void {
    selectedSchemes.clear();
    for (const n of names) selectedSchemes.add(n);
    for (const [n, box] of schemeBoxes) box.checked = selectedSchemes.has(n);
    updateRunState();
  }

  const group = labelledSelect(
    'Group size (along K)',
    [
      ['default', "each scheme's default"],
      ['32', '32'],
      ['64', '64'],
      ['128', '128'],
      ['256', '256'],
      ['0', 'per output channel (0)'],
      ['-1', 'per tensor (-1)'],
    ],
    'default',
  );
  const scale = labelledSelect('Scale rule', [['absmax', 'absmax'], ['mse', 'mse (clip-ratio search)']], 'absmax');
  const scaleDType = labelledSelect('Scale storage', [['default', "scheme's default"], ['f16', 'f16'], ['f32', 'f32']], 'default');
  const checkKernels = labelledCheckbox('Check the matmul kernels against the f64 oracle', true);
  const useGpu = labelledCheckbox(env.gpu.available ? 'Run the GPU kernel variants (WebGPU)' : 'GPU kernel variants (no WebGPU here)', env.gpu.available);
  useGpu.input.disabled = !env.gpu.available;
  checkKernels.input.dataset.testid = 'check-kernels';
  useGpu.input.dataset.testid = 'use-gpu';

  // ---- Run controls --------------------------------------------------------------------------
  const runBtn = h('button', { type: 'button', class: 'button primary', id: 'run-validate', text: 'Quantize and measure', on: { click: () => void run() } });
  const cancelBtn = h('button', { type: 'button', class: 'button', id: 'cancel-validate', text: 'Cancel', disabled: true, on: { click: () => cancel() } });
  const progress = h('progress', { id: 'validate-progress', attrs: { max: '1', value: '0', 'aria-label': 'Progress' } });
  const progressLabel = h('span', { class: 'progress-label', attrs: { 'aria-live': 'polite' } });
  const statusLine = h('p', { class: 'status', id: 'validate-status', role: 'status' });
  const notices = h('div', { class: 'notices' });

  function updateRunState(): void {
    runBtn.disabled = client.busy || selectedTensors.size === 0 || selectedSchemes.size === 0;
    cancelBtn.disabled = !client.busy;
  }

  // ---- Results -------------------------------------------------------------------------------
  const resultsBody = h('tbody');
  const resultsTable = h('table', { class: 'results', id: 'results-table' }, [
    h('caption', { text: 'Bits per weight (all metadata included) and error against the original weights; numbers printed as the CLI prints them' }),
    h('thead', {}, [
      h('tr', {}, ['tensor', 'scheme', 'group', 'bits/w', 'NMSE', 'SQNR dB', 'max |err|', 'cosine', 'ms', 'variants', ''].map((t) => h('th', { text: t, attrs: { scope: 'col' } }))),
    ]),
    resultsBody,
  ]);
  const exportCsv = h('button', { type: 'button', class: 'button', id: 'export-csv', text: 'Export CSV', disabled: true, on: { click: () => exportAs('csv') } });
  const exportJson = h('button', { type: 'button', class: 'button', id: 'export-json', text: 'Export JSON', disabled: true, on: { click: () => exportAs('json') } });

  const histSelect = h('select', { id: 'hist-select' });
  const histLog = labelledCheckbox('log counts', false, () => renderHistogram());
  const histPanel = h('div', { class: 'hist-panel' });
  histSelect.addEventListener('change', () => {
    histKey = histSelect.value;
    renderHistogram();
  });
  const shares = h('div', { class: 'shares', id: 'variant-shares' });
  const kernelSummary = h('p', { class: 'kernel-summary', id: 'kernel-summary' });
  const kernelBody = h('tbody');
  const kernelTable = h('table', { class: 'results kernels', id: 'kernel-table' }, [
    h('caption', { text: 'Y = X · Wᵀ with the quantized W, each output held to |y − y_ref| ≤ c·K·u·Σ|x·w| (+ the documented extra for LUT kernels) against the f64 oracle' }),
    h('thead', {}, [h('tr', {}, ['tensor', 'scheme', 'where', 'kernel / variant that ran', 'status', 'worst err/bound', 'max |err|', 'time', 'detail'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
    kernelBody,
  ]);

  const histSelectId = uniqueId('hist');
  histSelect.id = histSelectId;

  append(root, [
    h('h2', { text: 'Validate a quantization scheme on your weights' }),
    h('p', { class: 'lede', text: 'Load a weight matrix, choose schemes, and compare storage cost against error. Quantization runs in a Web Worker in this tab; files never leave your machine.' }),
    env.gpu.available ? null : h('p', { class: 'notice', role: 'note', text: `No WebGPU here (${env.gpu.text}). Quantization and the CPU kernels work; the GPU kernel variants are skipped.` }),
    h('div', { class: 'panel' }, [h('h3', { text: '1. Weights' }), dropZone, sourceInfo, tensorList]),
    h('div', { class: 'panel' }, [
      h('h3', { text: '2. Schemes and options' }),
      schemeFieldset,
      h('div', { class: 'row' }, [group.wrap, scale.wrap, scaleDType.wrap]),
      h('div', { class: 'row' }, [checkKernels.wrap, useGpu.wrap]),
    ]),
    h('div', { class: 'panel run' }, [h('div', { class: 'row' }, [runBtn, cancelBtn, progress, progressLabel]), statusLine, notices]),
    h('div', { class: 'panel' }, [h('h3', { text: '3. Results' }), h('div', { class: 'table-wrap' }, [resultsTable]), h('div', { class: 'row' }, [exportCsv, exportJson])]),
    h('div', { class: 'panel' }, [
      h('h3', { text: 'Weights and quantization levels' }),
      h('div', { class: 'row' }, [h('div', { class: 'field' }, [h('label', { for: histSelectId, text: 'Tensor × scheme' }), histSelect]), histLog.wrap]),
      histPanel,
      h('h4', { text: 'Per-group datatype choice (mixtures)' }),
      shares,
    ]),
    h('div', { class: 'panel' }, [h('h3', { text: 'Matmul kernels against the f64 oracle' }), kernelSummary, h('div', { class: 'table-wrap' }, [kernelTable])]),
    verifyPanel(env),
  ]);
  updateRunState();

  // ---- Running -------------------------------------------------------------------------------
  async function run(): Promise<void> {
    if (!source || client.busy) return;
    const tensors: TensorInput[] = [];
    for (const item of source.items) {
      if (!selectedTensors.has(item.name) || item.usable !== true) continue;
      try {
        tensors.push(item.load());
      } catch (err) {
        replace(statusLine, [h('span', { class: 'error', text: errorMessage(err) })]);
        return;
      }
    }
    const schemes = SCHEME_NAMES.filter((n) => selectedSchemes.has(n));
    const req: ValidateRequest = {
      kind: 'validate',
      tensors,
      schemes,
      group: group.select.value === 'default' ? null : Number(group.select.value),
      scale: scale.select.value === 'mse' ? 'mse' : 'absmax',
      scaleDType: scaleDType.select.value === 'f16' || scaleDType.select.value === 'f32' ? scaleDType.select.value : null,
      kernels: checkKernels.input.checked,
      useGpu: useGpu.input.checked && env.gpu.available,
      m: CHECK_M,
    };
    lastRequest = req;
    evals = [];
    kernels = [];
    histKey = '';
    adapterUsed = null;
    replace(resultsBody, []);
    replace(kernelBody, []);
    replace(notices, []);
    replace(kernelSummary, [req.kernels ? 'Running…' : 'Kernel check is off.']);
    renderHistogramOptions();
    progress.value = 0;
    progressLabel.textContent = 'starting the worker…';
    statusLine.textContent = `Quantizing ${tensors.length} tensor(s) × ${schemes.length} scheme(s)…`;
    root.dataset.state = 'running';
    const t0 = performance.now();
    const job = client.run(req, {
      onMessage(msg) {
        if (msg.type === 'progress') {
          progress.value = msg.total > 0 ? msg.done / msg.total : 1;
          progressLabel.textContent = `${Math.floor(msg.done)}/${msg.total} ${msg.label}`;
        } else if (msg.type === 'eval') {
          evals.push(msg.row);
          resultsBody.appendChild(resultRow(msg.row));
          if (msg.row.ok && histKey === '') histKey = keyOf(msg.row);
          renderHistogramOptions();
          if (histKey === keyOf(msg.row)) renderHistogram();
          renderShares();
        } else if (msg.type === 'kernel') {
          kernels.push(msg.row);
          kernelBody.appendChild(kernelRow(msg.row));
          renderKernelSummary();
        } else if (msg.type === 'notice') {
          notices.appendChild(h('p', { class: 'notice', text: msg.text }));
        }
      },
    });
    updateRunState();
    const outcome = await job;
    updateRunState();
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (outcome.kind === 'done') {
      adapterUsed = outcome.adapter;
      progress.value = 1;
      progressLabel.textContent = 'done';
      statusLine.textContent = `Done in ${secs} s: ${evals.filter((e) => e.ok).length} results${evals.some((e) => !e.ok) ? `, ${evals.filter((e) => !e.ok).length} refused by the quantizer (see the rows)` : ''}.`;
      root.dataset.state = 'done';
      renderKernelSummary();
    } else if (outcome.kind === 'cancelled') {
      progressLabel.textContent = 'cancelled';
      statusLine.textContent = `Cancelled after ${secs} s; the ${evals.length} result(s) computed so far are kept.`;
      root.dataset.state = 'cancelled';
    } else {
      progressLabel.textContent = 'failed';
      replace(statusLine, [h('span', { class: 'error', role: 'alert', text: outcome.message })]);
      root.dataset.state = 'error';
    }
    exportCsv.disabled = evals.length === 0;
    exportJson.disabled = evals.length === 0;
  }

  function cancel(): void {
    client.cancel();
  }

  // ---- Rendering -----------------------------------------------------------------------------
  function keyOf(r: { tensor: string; scheme: string }): string {
    return `${r.tensor}\u0000${r.scheme}`;
  }

  function resultRow(r: EvalRow): HTMLTableRowElement {
    if (!r.ok) {
      return h('tr', { class: 'refused', dataset: { scheme: r.scheme } }, [
        h('td', { text: r.tensor }),
        h('th', { text: r.scheme, attrs: { scope: 'row' } }),
        h('td', { attrs: { colspan: '9' }, class: 'error', text: r.error }),
      ]);
    }
    const p = printedMetrics(r);
    const cell = (col: string, text: string, title?: string): HTMLTableCellElement => h('td', { class: 'num', dataset: { col }, text, ...(title ? { title } : {}) });
    return h('tr', { dataset: { scheme: r.scheme, tensor: r.tensor } }, [
      h('td', { class: 'tensor-name', text: r.tensor, title: `${r.rows} × ${r.cols}` }),
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
          text: 'Histogram',
          attrs: { 'aria-label': `Show the histogram of ${r.tensor} with ${r.scheme}` },
          on: {
            click: () => {
              histKey = keyOf(r);
              histSelect.value = histKey;
              renderHistogram();
              histPanel.scrollIntoView({ block: 'nearest' });
            },
          },
        }),
      ]),
    ]);
  }

  function renderHistogramOptions(): void {
    const ok = evals.filter((e): e is EvalOk => e.ok);
    replace(
      histSelect,
      ok.map((e) => h('option', { value: keyOf(e), text: `${e.tensor} × ${e.scheme}` })),
    );
    if (histKey) histSelect.value = histKey;
    histSelect.disabled = ok.length === 0;
  }

  function renderHistogram(): void {
    const e = evals.find((r): r is EvalOk => r.ok && keyOf(r) === histKey);
    if (!e) {
      replace(histPanel, [h('p', { class: 'muted', text: 'Run a validation to see the weights and the levels of each scheme.' })]);
      return;
    }
    const { hist, rep } = e;
    const where =
      e.granularity === 'group' ? `group at row ${rep.row}, columns ${rep.col0}–${rep.col0 + rep.len - 1}` : e.granularity === 'channel' ? `output channel ${rep.row}` : 'the whole tensor';
    const levelsText = `${rep.levels.length} levels = ${rep.elementType} grid${rep.zero ? ` − zero point ${rep.zero}` : ''} × scale ${sig(rep.scale, 4)}${rep.tensorScale !== 1 ? ` × tensor scale ${sig(rep.tensorScale, 4)}` : ''}`;
    replace(histPanel, [
      h('div', { class: 'hist-chart' }, [
        histogramChart({
          lo: hist.lo,
          hi: hist.hi,
          counts: hist.counts,
          levels: rep.levels,
          logCounts: histLog.input.checked,
          label: `Histogram of ${e.tensor} with the ${e.scheme} levels of a representative group`,
        }),
      ]),
      h('p', { class: 'caption' }, [
        h('strong', { text: `${e.tensor} × ${e.scheme}: ` }),
        `${levelsText}, from the ${where} (its scale is the median of all stored scales). `,
        `${hist.counted.toLocaleString()} weights${hist.counted < hist.total ? ` (every ${Math.ceil(hist.total / hist.counted)}th of ${hist.total.toLocaleString()})` : ''}; `,
        `${hist.below.toLocaleString()} below and ${hist.above.toLocaleString()} above the plotted range [${sig(hist.lo, 3)}, ${sig(hist.hi, 3)}].`,
      ]),
    ]);
  }

  function renderShares(): void {
    const mixes = evals.filter((e): e is EvalOk => e.ok && Object.keys(e.variants).length > 1);
    if (mixes.length === 0) {
      replace(shares, [h('p', { class: 'muted', text: 'No mixture scheme (bitmod3/4, ant3/4) in the results.' })]);
      return;
    }
    replace(
      shares,
      mixes.map((e) => {
        const total = Object.values(e.variants).reduce((a, b) => a + b, 0) || 1;
        const entries = Object.entries(e.variants);
        return h('div', { class: 'share' }, [
          h('div', { class: 'share-title', text: `${e.tensor} × ${e.scheme}` }),
          h(
            'div',
            { class: 'share-bar', role: 'img', attrs: { 'aria-label': entries.map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`).join(', ') } },
            entries.map(([k, v], i) => {
              const seg = h('span', { class: `seg c${i % 6}`, title: `${k}: ${v} groups` });
              seg.style.width = `${(100 * v) / total}%`;
              return seg;
            }),
          ),
          h(
            'ul',
            { class: 'legend' },
            entries.map(([k, v], i) => h('li', {}, [h('span', { class: `swatch c${i % 6}` }), `${k}: ${v} groups (${((100 * v) / total).toFixed(1)}%)`])),
          ),
        ]);
      }),
    );
  }

  function kernelRow(r: KernelRow): HTMLTableRowElement {
    return h('tr', { class: `status-${r.status}`, dataset: { backend: r.backend, status: r.status } }, [
      h('td', { text: r.tensor }),
      h('td', { text: r.scheme }),
      h('td', { text: r.backend.toUpperCase() }),
      h('td', {}, [h('code', { text: r.kernel })]),
      h('td', { class: 'status-cell', text: r.status === 'ok' ? '✓ agrees' : r.status }),
      h('td', { class: 'num', text: fmtNum(r.worstRatio, 3) }),
      h('td', { class: 'num', text: fmtNum(r.maxAbsErr, 3) }),
      h('td', { class: 'num', text: r.ms === null ? '–' : `${fmtMs(r.ms)} (${r.timer})` }),
      h('td', { class: 'note', text: r.note }),
    ]);
  }

  function renderKernelSummary(): void {
    if (!lastRequest?.kernels) return;
    const ran = kernels.filter((k) => k.status === 'ok' || k.status === 'mismatch' || k.status === 'error');
    const ok = kernels.filter((k) => k.status === 'ok');
    const gpuRuns = kernels.filter((k) => k.backend === 'gpu' && k.status !== 'unavailable');
    const gpuText = !lastRequest.useGpu
      ? 'GPU variants not run (no WebGPU, or switched off).'
      : gpuRuns.length === 0
        ? 'No GPU variant ran yet.'
        : `GPU: ${gpuRuns.filter((k) => k.status === 'ok').length}/${gpuRuns.length} variant runs agree${adapterUsed ? ` on ${adapterUsed}` : ''}.`;
    kernelSummary.textContent = `${ok.length} of ${ran.length} kernel runs agree with the f64 oracle (M = ${lastRequest.m}, activations from the library's sampleActivations). ${gpuText}`;
  }

  function exportAs(kind: 'csv' | 'json'): void {
    if (kind === 'json') {
      const payload = {
        tool: 'lowbit app',
        options: lastRequest ? { group: lastRequest.group, scale: lastRequest.scale, scaleDType: lastRequest.scaleDType, m: lastRequest.m } : null,
        adapter: adapterUsed,
        results: evals.map((e) =>
          e.ok
            ? { tensor: e.tensor, ...evaluationJson(e) }
            : { tensor: e.tensor, scheme: e.scheme, error: e.error },
        ),
        kernels,
      };
      download('lowbit-validate.json', `${JSON.stringify(payload, jsonNumbers, 2)}\n`, 'application/json');
      return;
    }
    const header = ['tensor', 'scheme', 'rows', 'cols', 'groupSize', 'granularity', 'scaleDType', 'bitsPerWeight', 'mse', 'nmse', 'sqnrDb', 'maxAbsErr', 'cosine', 'relMse', 'quantizeMs', 'variants', 'error'];
    const lines = [header.join(',')];
    for (const e of evals) {
      const cells = e.ok
        ? [e.tensor, e.scheme, e.rows, e.cols, e.groupSize, e.granularity, e.scaleDType, e.bitsPerWeight, e.metrics.mse, e.metrics.nmse, e.metrics.sqnrDb, e.metrics.maxAbsErr, e.metrics.cosine, e.metrics.relMse, e.quantizeMs, Object.entries(e.variants).map(([k, v]) => `${k}:${v}`).join(' '), '']
        : [e.tensor, e.scheme, '', '', '', '', '', '', '', '', '', '', '', '', '', '', e.error];
      lines.push(cells.map(csvCell).join(','));
    }
    download('lowbit-validate.csv', `${lines.join('\n')}\n`, 'text/csv');
  }
}

/** The `lowbit verify` matrix on the embedded sample, for the selected schemes, in its own worker. */
function verifyPanel(env: AppEnv): HTMLElement {
  const client = new WorkerClient();
  const quick = labelledCheckbox('quick (64 × 256, M = 1 and 3)', true);
  quick.input.dataset.testid = 'verify-quick';
  const schemesId = uniqueId('vschemes');
  const schemesInput = h('input', { id: schemesId, type: 'text', value: 'int4, bitmod4, mxfp4', attrs: { spellcheck: 'false' } });
  const runBtn = h('button', { type: 'button', class: 'button', id: 'run-verify', text: 'Run the verification matrix', disabled: !env.gpu.available });
  const cancelBtn = h('button', { type: 'button', class: 'button', id: 'cancel-verify', text: 'Cancel', disabled: true, on: { click: () => client.cancel() } });
  const progress = h('progress', { attrs: { max: '1', value: '0', 'aria-label': 'Verification progress' } });
  const status = h('p', { class: 'status', id: 'verify-status', role: 'status' });
  const body = h('tbody');
  const panel = h('div', { class: 'panel', id: 'verify-panel' }, [
    h('h3', { text: 'GPU verification matrix (lowbit verify)' }),
    h('p', {
      class: 'muted',
      text: "verifyMatrix (src/gpu/verify.ts), as `lowbit verify` runs it: the embedded sample quantized with each scheme, the GPU dequantize compared bit for bit, then every kernel variant that supports the scheme against the f64 oracle under its bound.",
    }),
    env.gpu.available ? null : h('p', { class: 'notice', text: 'Needs WebGPU.' }),
    h('div', { class: 'row' }, [h('div', { class: 'field' }, [h('label', { for: schemesId, text: 'Schemes (comma separated)' }), schemesInput]), quick.wrap, runBtn, cancelBtn, progress]),
    status,
    h('div', { class: 'table-wrap' }, [
      h('table', { class: 'results', id: 'verify-table' }, [
        h('thead', {}, [h('tr', {}, ['scheme', 'variant that ran', 'CPU twin', 'status', 'shapes M×N×K', 'worst err/bound', 'max |err|', 'time', 'detail'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))]),
        body,
      ]),
    ]),
  ]);
  const rows: VerifyRow[] = [];
  runBtn.addEventListener('click', () => {
    const schemes = schemesInput.value.split(/[\s,]+/).filter(Boolean);
    const unknown = schemes.filter((x) => !(SCHEME_NAMES as readonly string[]).includes(x));
    if (schemes.length === 0 || unknown.length) {
      status.textContent = unknown.length ? `Unknown scheme(s): ${unknown.join(', ')}` : 'Name at least one scheme.';
      return;
    }
    rows.length = 0;
    replace(body, []);
    runBtn.disabled = true;
    cancelBtn.disabled = false;
    panel.dataset.state = 'running';
    status.textContent = `Verifying ${schemes.join(', ')}…`;
    void client
      .run(
        { kind: 'verify', schemes, quick: quick.input.checked },
        {
          onMessage(msg) {
            if (msg.type === 'progress') progress.value = msg.total ? msg.done / msg.total : 1;
            else if (msg.type === 'verify') {
              const r = msg.row;
              rows.push(r);
              body.appendChild(
                h('tr', { class: `status-${r.status === 'pass' ? 'ok' : r.status === 'skip' ? 'unavailable' : 'mismatch'}`, dataset: { status: r.status } }, [
                  h('td', { text: r.scheme }),
                  h('td', {}, [h('code', { text: r.variant })]),
                  h('td', { text: r.cpuTwin }),
                  h('td', { class: 'status-cell', text: r.status }),
                  h('td', { text: r.shapes.join(' ') }),
                  h('td', { class: 'num', text: fmtNum(r.worstRatio, 3) }),
                  h('td', { class: 'num', text: fmtNum(r.maxAbsErr, 3) }),
                  h('td', { class: 'num', text: r.gpuMs === undefined ? '–' : `${fmtMs(r.gpuMs)} (${r.timer ?? ''})` }),
                  h('td', { class: 'note', text: r.message }),
                ]),
              );
            }
          },
        },
      )
      .then((o) => {
        runBtn.disabled = false;
        cancelBtn.disabled = true;
        const pass = rows.filter((r) => r.status === 'pass').length;
        const bad = rows.filter((r) => r.status === 'fail' || r.status === 'error').length;
        status.textContent =
          o.kind === 'done'
            ? `${pass} passed, ${bad} failed, ${rows.length - pass - bad} skipped on ${o.adapter ?? 'the GPU'}.`
            : o.kind === 'cancelled'
              ? 'Cancelled.'
              : o.message;
        panel.dataset.state = o.kind;
      });
  });
  return panel;
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
