/**
 * Validate: load weights (file picker, drag and drop, or the built-in sample), pick schemes and a
 * group size, and see bits/weight and error metrics per tensor x scheme (evaluateScheme, the
 * function the CLI report uses), a histogram with the quantization levels, mixture shares, and
 * the matmul kernels checked against the f64 oracle on the CPU and, with WebGPU, on the GPU.
 */
import { SCHEME_NAMES, getScheme } from '../../quant/schemes.js';
import { sampleWeights } from '../../io/sample.js';
import { append, h, labelledCheckbox, labelledSelect, replace, uniqueId } from '../dom.js';
import { errorMessage } from '../errors.js';
import { fmtShape, fmtBytes } from '../format.js';
import { readWeightFile, type LoadedFile } from '../load-weights.js';
import type { AppEnv } from '../env.js';
import { WorkerClient } from '../worker-client.js';
import type { TensorInput, ValidateRequest } from '../protocol.js';
import { schemeCategories } from '../scheme-groups.js';
import { createReport } from './validate-report.js';
import { createLevels } from './validate-levels.js';
import { verifyPanel } from './verify-panel.js';

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
    const setAll = (on: boolean): void => {
      for (const t of source?.items ?? []) {
        if (t.usable !== true) continue;
        if (on) selectedTensors.add(t.name);
        else selectedTensors.delete(t.name);
      }
      renderTensorList();
      updateRunState();
    };
    replace(tensorList, [
      many ? h('p', { class: 'muted', text: `${source.items.length} tensors; choose the 2-D ones to quantize:` }) : null,
      many
        ? h('div', { class: 'quick' }, [
            h('button', { type: 'button', class: 'button small', text: 'All usable', on: { click: () => setAll(true) } }),
            h('button', { type: 'button', class: 'button small', text: 'None', on: { click: () => setAll(false) } }),
          ])
        : null,
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

  // ---- Report and levels ---------------------------------------------------------------------
  const levels = createLevels();
  const report = createReport({ showLevels: (tensor, scheme) => levels.show(tensor, scheme) });

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
    report.el,
    levels.el,
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
    report.reset(req);
    levels.reset();
    replace(notices, []);
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
          report.addEval(msg.row);
          levels.added(report.evals);
        } else if (msg.type === 'kernel') {
          report.addKernel(msg.row);
        } else if (msg.type === 'notice') {
          notices.appendChild(h('p', { class: 'notice', text: msg.text }));
        }
      },
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
      statusLine.textContent = `Done in ${secs} s: ${evals.filter((e) => e.ok).length} results${evals.some((e) => !e.ok) ? `, ${evals.filter((e) => !e.ok).length} refused by the quantizer (see the rows)` : ''}.`;
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
    client.cancel();
  }
}
