/**
 * Validate: load weights (files or a folder by picker or drag and drop: one .npy / .safetensors /
 * .gguf, or a sharded checkpoint with its index, as one model; or the built-in sample), pick
 * tensors (a name filter, "select all 2-D"), schemes and a group size, and see bits/weight and
 * error metrics per tensor x scheme (the model report's numbers, as the CLI prints them), a
 * histogram with the quantization levels, mixture shares, the model totals and a bits-budget
 * plan, and the matmul kernels checked against the f64 oracle on the CPU and, with WebGPU, on the
 * GPU. Work is spread over a pool of workers, one tensor per worker at a time.
 */
import { ALL_SCHEME_NAMES, getScheme } from '../../quant/schemes.js';
import { sampleWeights } from '../../io/sample.js';
import { append, h, labelledCheckbox, labelledSelect, replace, scrollTable, uniqueId } from '../dom.js';
import { errorMessage } from '../errors.js';
import { fmtShape, fmtBytes } from '../format.js';
import { filesOfDrop, filesOfInput, openPickedModel, type PickedModel, type TensorEntry } from '../load-weights.js';
import type { AppEnv } from '../env.js';
import { WorkerPool } from '../worker-client.js';
import type { ModelFile, TensorInput, ValidateRequest } from '../protocol.js';
import { schemeCategories } from '../scheme-groups.js';
import { fmtDuration, RunProgress } from '../progress.js';
import { filterTerms, matchesTerms } from '../report-model.js';
import { createReport } from './validate-report.js';
import { createLevels } from './validate-levels.js';
import { verifyPanel } from './verify-panel.js';

/** Schemes selected when the page opens. */
export const DEFAULT_SCHEMES = ['int4', 'int4_asym', 'fp4', 'nf4', 'bitmod4', 'mxfp4', 'nvfp4', 'ternary'];
/** Activation rows of the kernel check (enough to exercise the GEMM tiles and the GEMV path). */
const CHECK_M = 4;
/** Most workers the pool starts (each holds one tensor as f32 and its quantized form). */
const MAX_WORKERS = 8;

/** One tensor of the loaded weights. */
interface TensorItem extends TensorEntry {
  /** In-memory values (the sample); model tensors are read by the workers. */
  readonly data?: Float32Array;
}

interface Source {
  readonly label: string;
  readonly items: readonly TensorItem[];
  /** The picked files, when the weights are a model read by the workers. */
  readonly model?: { readonly id: number; readonly picked: PickedModel };
}

/** Mounts the Validate page into `root`. */
export function mountValidate(root: HTMLElement, env: AppEnv): void {
  const pool = new WorkerPool();
  let source: Source | undefined;
  let loadSeq = 0;
  const selectedTensors = new Set<string>();

  // ---- Weights -------------------------------------------------------------------------------
  const fileInput = h('input', { id: 'weights-files', type: 'file', class: 'visually-hidden', attrs: { accept: '.npy,.safetensors,.gguf,.json', multiple: '' } });
  const folderInput = h('input', { id: 'weights-folder', type: 'file', class: 'visually-hidden', attrs: { webkitdirectory: '', multiple: '' } });
  const dropZone = h('div', { class: 'drop', attrs: { 'data-testid': 'drop-zone' } }, [
    fileInput,
    h('label', { for: 'weights-files', class: 'button' }, ['Choose files…']),
    folderInput,
    h('label', { for: 'weights-folder', class: 'button' }, ['Choose a folder…']),
    h('span', { class: 'muted', text: ' or drop them here, or ' }),
    h('button', { type: 'button', class: 'button', id: 'use-sample', text: 'Use the built-in sample', on: { click: () => useSample() } }),
    h('p', {
      class: 'muted drop-note',
      text: '.npy, .safetensors or .gguf files; a sharded checkpoint is its shards with model.safetensors.index.json (or its folder). Only headers are read now; each tensor is read by byte range when it is quantized, so files of any size work.',
    }),
  ]);
  const sourceInfo = h('div', { class: 'source-info', attrs: { 'aria-live': 'polite' } });
  const tensorList = h('div', { class: 'tensor-list' });

  for (const input of [fileInput, folderInput]) {
    input.addEventListener('change', () => {
      const files = filesOfInput(input.files);
      input.value = '';
      if (files.length) void loadFiles(files);
    });
  }
  dropZone.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    dropZone.classList.remove('over');
    if (!ev.dataTransfer) return;
    // The drop's items are read now (they expire with the event); folders are walked after.
    void filesOfDrop(ev.dataTransfer).then(
      (files) => (files.length ? loadFiles(files) : undefined),
      (err: unknown) => failLoad(`Could not read the dropped items: ${errorMessage(err)}`),
    );
  });

  /** Forgets the loaded weights (their files are closed). */
  function clearSource(): void {
    const prev = source;
    source = undefined;
    selectedTensors.clear();
    void prev?.model?.picked.close().catch(() => undefined);
    renderTensorList();
    updateRunState();
  }

  function failLoad(message: string): void {
    clearSource();
    root.dataset.load = 'error';
    replace(sourceInfo, [h('p', { class: 'error', role: 'alert', text: message })]);
  }

  async function loadFiles(files: readonly ModelFile[]): Promise<void> {
    const seq = ++loadSeq;
    root.dataset.load = 'loading';
    replace(sourceInfo, [h('p', { text: `Reading the headers of ${files.length === 1 ? files[0]?.path : `${files.length} files`}…` })]);
    let picked: PickedModel;
    try {
      picked = await openPickedModel(files);
    } catch (err) {
      // A failed load never leaves the previous weights selected: they are cleared with the error.
      if (seq === loadSeq) failLoad(errorMessage(err));
      return;
    }
    if (seq !== loadSeq) {
      void picked.close();
      return;
    }
    const size = picked.shards.reduce((a, x) => a + x.size, 0);
    const shards = picked.shards.length;
    setSource({
      label: `${picked.label} (${shards > 1 ? `${shards} shards, ` : ''}${fmtBytes(size)}${picked.index ? `, index ${picked.index}` : ''})`,
      items: picked.entries,
      model: { id: seq, picked },
    });
  }

  function useSample(): void {
    loadSeq += 1;
    const smp = sampleWeights();
    setSource({
      label: `built-in sample: ${smp.name} (synthetic, LLM-like statistics: heavy tails, outlier input channels ${smp.outlierCols.join(', ')})`,
      items: [{ name: smp.name, shape: [smp.rows, smp.cols], dtype: 'f32', shard: '', bytes: smp.data.byteLength, elements: smp.data.length, usable: true, rows: smp.rows, cols: smp.cols, data: smp.data }],
    });
  }

  function setSource(src: Source): void {
    const prev = source;
    if (prev?.model && prev.model !== src.model) void prev.model.picked.close().catch(() => undefined);
    source = src;
    root.dataset.load = 'ready';
    selectedTensors.clear();
    const usable = src.items.filter((t) => t.usable === true);
    // Every 2-D tensor starts selected; the filter and "None" narrow it.
    for (const t of usable) selectedTensors.add(t.name);
    replace(sourceInfo, [
      h('p', {}, [h('strong', { text: 'Loaded: ' }), src.label]),
      usable.length === 0 ? h('p', { class: 'error', role: 'alert', text: 'No 2-D tensor here can be quantized: lowbit quantizes weight matrices [N, K] (nn.Linear layout).' }) : null,
    ]);
    tensorFilter.value = '';
    renderTensorList();
    updateRunState();
  }

  // ---- Tensor list ---------------------------------------------------------------------------
  const tensorFilter = h('input', { id: 'tensor-filter', type: 'search', attrs: { placeholder: 'e.g. mlp or q_proj', autocomplete: 'off', spellcheck: 'false' } });
  const tensorCount = h('p', { class: 'muted', id: 'tensor-count', attrs: { 'aria-live': 'polite' } });
  tensorFilter.addEventListener('input', () => applyTensorFilter());
  const tensorBody = h('tbody');
  const tensorTable = h('table', { class: 'results tensor-table', id: 'tensor-table' }, [
    h('thead', {}, [h('tr', {}, ['', 'tensor', 'shape', 'dtype', 'size', 'file'].map((t, i) => h('th', { attrs: { scope: 'col', ...(i === 0 ? { 'aria-label': 'selected' } : {}) }, text: t })))]),
    tensorBody,
  ]);
  const rowsByName = new Map<string, { tr: HTMLTableRowElement; box: HTMLInputElement; item: TensorItem }>();

  function matchesFilter(t: TensorItem): boolean {
    return matchesTerms(filterTerms(tensorFilter.value), [t.name, t.shard, t.dtype]);
  }

  function selectAll2d(on: boolean): void {
    for (const { box, item } of rowsByName.values()) {
      if (item.usable !== true || !matchesFilter(item)) continue;
      box.checked = on;
      if (on) selectedTensors.add(item.name);
      else selectedTensors.delete(item.name);
    }
    updateCount();
    updateRunState();
  }

  function applyTensorFilter(): void {
    for (const { tr, item } of rowsByName.values()) tr.hidden = !matchesFilter(item);
    updateCount();
  }

  function updateCount(): void {
    if (!source) return;
    const chosen = source.items.filter((t) => selectedTensors.has(t.name));
    const weights = chosen.reduce((a, t) => a + t.elements, 0);
    const shown = source.items.filter(matchesFilter).length;
    tensorCount.textContent = `${chosen.length} of ${source.items.length} tensors selected (${weights.toLocaleString('en-US')} weights)${shown < source.items.length ? `; ${shown} match the filter` : ''}.`;
  }

  function renderTensorList(): void {
    rowsByName.clear();
    if (!source) {
      replace(tensorList, []);
      return;
    }
    const rows = source.items.map((t) => {
      const id = uniqueId('tensor');
      const box = h('input', { id, type: 'checkbox', disabled: t.usable !== true, dataset: { tensor: t.name } });
      box.checked = selectedTensors.has(t.name);
      box.addEventListener('change', () => {
        if (box.checked) selectedTensors.add(t.name);
        else selectedTensors.delete(t.name);
        updateCount();
        updateRunState();
      });
      const tr = h('tr', { class: t.usable === true ? '' : 'unusable', dataset: { tensor: t.name } }, [
        h('td', {}, [box]),
        h('th', { attrs: { scope: 'row' } }, [h('label', { for: id }, [h('code', { text: t.name })]), t.usable === true ? null : h('div', { class: 'reason', text: t.usable })]),
        h('td', { class: 'num', text: fmtShape(t.shape) }),
        h('td', { text: t.dtype }),
        h('td', { class: 'num', text: fmtBytes(t.bytes) }),
        h('td', { class: 'shard', text: t.shard }),
      ]);
      rowsByName.set(t.name, { tr, box, item: t });
      return tr;
    });
    replace(tensorBody, rows);
    const many = source.items.length > 1;
    replace(tensorList, [
      many
        ? h('div', { class: 'row tensor-controls' }, [
            h('div', { class: 'field grow' }, [h('label', { for: 'tensor-filter', text: 'Filter tensors by name' }), tensorFilter]),
            h('button', { type: 'button', class: 'button small', id: 'select-2d', text: 'Select all 2-D', title: 'Select every 2-D tensor that matches the filter', on: { click: () => selectAll2d(true) } }),
            h('button', { type: 'button', class: 'button small', id: 'select-none', text: 'None', title: 'Clear the tensors that match the filter', on: { click: () => selectAll2d(false) } }),
          ])
        : null,
      tensorCount,
      scrollTable(tensorTable, 'Tensors of the loaded weights'),
    ]);
    applyTensorFilter();
  }

  // ---- Options -------------------------------------------------------------------------------
  const selectedSchemes = new Set<string>(DEFAULT_SCHEMES);
  const schemeBoxes = new Map<string, HTMLInputElement>();
  const schemeFieldset = h('fieldset', { class: 'schemes' }, [h('legend', { text: 'Schemes' })]);
  const quick = h('div', { class: 'quick' }, [
    h('button', { type: 'button', class: 'button small', text: 'Defaults', on: { click: () => setSchemes(DEFAULT_SCHEMES) } }),
    h('button', { type: 'button', class: 'button small', id: 'schemes-all', text: 'All', on: { click: () => setSchemes(ALL_SCHEME_NAMES) } }),
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
  const cores = Math.max(1, Math.min(MAX_WORKERS, navigator.hardwareConcurrency || 1));
  const workers = labelledSelect(
    'Workers',
    [['auto', `auto (${cores}, one per core)`], ...[1, 2, 4, 8].filter((n) => n <= MAX_WORKERS).map((n) => [String(n), String(n)] as const)],
    'auto',
  );
  workers.select.id = 'workers';
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
    runBtn.disabled = pool.busy || selectedTensors.size === 0 || selectedSchemes.size === 0;
    cancelBtn.disabled = !pool.busy;
  }

  // ---- Report and levels ---------------------------------------------------------------------
  const levels = createLevels();
  const report = createReport({ showLevels: (tensor, scheme) => levels.show(tensor, scheme) });

  append(root, [
    h('h2', { text: 'Validate a quantization scheme on your weights' }),
    h('p', { class: 'lede', text: 'Load a weight matrix or a whole model, choose schemes, and compare storage cost against error. Quantization runs in Web Workers in this tab; files never leave your machine.' }),
    env.gpu.available ? null : h('p', { class: 'notice', role: 'note', text: `No WebGPU here (${env.gpu.text}). Quantization and the CPU kernels work; the GPU kernel variants are skipped.` }),
    h('div', { class: 'panel' }, [h('h3', { text: '1. Weights' }), dropZone, sourceInfo, tensorList]),
    h('div', { class: 'panel' }, [
      h('h3', { text: '2. Schemes and options' }),
      schemeFieldset,
      h('div', { class: 'row' }, [group.wrap, scale.wrap, scaleDType.wrap, workers.wrap]),
      h('div', { class: 'row' }, [checkKernels.wrap, useGpu.wrap]),
    ]),
    h('div', { class: 'panel run' }, [h('div', { class: 'row' }, [runBtn, cancelBtn, progress, progressLabel]), statusLine, notices]),
    report.el,
    levels.el,
    verifyPanel(env),
  ]);
  updateRunState();

  // ---- Running -------------------------------------------------------------------------------
  async function run(): Promise<void> {
    const src = source;
    if (!src || pool.busy) return;
    const tensors: TensorInput[] = src.items
      .filter((t) => selectedTensors.has(t.name) && t.usable === true)
      .map((t) => ({ name: t.name, rows: t.rows, cols: t.cols, dtype: t.dtype, shard: t.shard, ...(t.data ? { data: t.data } : {}) }));
    const schemes = ALL_SCHEME_NAMES.filter((n) => selectedSchemes.has(n));
    const base: ValidateRequest = {
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
    // One job per tensor, each on the next free worker; a model's tensors are read by the workers.
    const model = src.model ? { id: src.model.id, files: src.model.picked.files } : undefined;
    const jobs: ValidateRequest[] = tensors.map((t) => ({ ...base, tensors: [t], ...(model ? { model } : {}) }));
    const size = Math.min(jobs.length, workers.select.value === 'auto' ? cores : Number(workers.select.value));
    const tracker = new RunProgress(tensors.map((t) => t.rows * t.cols * schemes.length));
    report.reset(base, src.label);
    levels.reset();
    replace(notices, []);
    progress.value = 0;
    progressLabel.textContent = 'starting the workers…';
    statusLine.textContent = `Quantizing ${tensors.length} tensor(s) × ${schemes.length} scheme(s) on ${size} worker${size === 1 ? '' : 's'}…`;
    root.dataset.state = 'running';
    const t0 = performance.now();
    const noticed = new Set<string>();
    let tensorsDone = 0;
    const job = pool.run(jobs, size, (msg, i) => {
      if (msg.type === 'progress') {
        tracker.update(i, msg.done, msg.total);
        if (msg.label === 'done' && msg.done === msg.total) tensorsDone += 1;
        const f = tracker.fraction();
        const eta = tracker.etaMs(performance.now() - t0);
        progress.value = f;
        progressLabel.textContent = `${(100 * f).toFixed(0)} % · ${tensorsDone}/${jobs.length} tensors${eta !== undefined && f < 1 ? ` · about ${fmtDuration(eta)} left` : ''} · ${msg.label}`;
      } else if (msg.type === 'eval') {
        report.addEval(msg.row);
        levels.added(report.evals);
      } else if (msg.type === 'kernel') {
        report.addKernel(msg.row);
      } else if (msg.type === 'notice' && !noticed.has(msg.text)) {
        // Every worker says the same thing (no GPU in workers): once is enough.
        noticed.add(msg.text);
        notices.appendChild(h('p', { class: 'notice', text: msg.text }));
      }
    });
    updateRunState();
    const outcome = await job;
    updateRunState();
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    const evals = report.evals;
    report.finish(outcome.kind === 'done' ? outcome.adapter : null);
    if (outcome.kind === 'done') {
      progress.value = 1;
      progressLabel.textContent = 'done';
      statusLine.textContent = `Done in ${secs} s: ${evals.filter((e) => e.ok).length} results${evals.some((e) => !e.ok) ? `, ${evals.filter((e) => !e.ok).length} refused (see the rows)` : ''}.`;
      root.dataset.state = 'done';
    } else if (outcome.kind === 'cancelled') {
      progressLabel.textContent = 'cancelled';
      statusLine.textContent = `Cancelled after ${secs} s; the ${evals.length} result(s) computed so far are kept.`;
      root.dataset.state = 'cancelled';
    } else {
      progressLabel.textContent = 'failed';
      replace(statusLine, [h('span', { class: 'error', role: 'alert', text: outcome.message })]);
      root.dataset.state = 'error';
    }
  }

  function cancel(): void {
    pool.cancel();
  }
}
