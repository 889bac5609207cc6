/**
 * Benchmark: the bench suite's GPU suite (src/bench/suite-gpu.ts) on the user's adapter, in the
 * worker, with progress and Cancel: every kernel variant per scheme, checked against the f64
 * oracle, timed (timestamp-query when available, else wall clock), with GB/s next to the copy
 * kernel on the same bytes, a chart, a table and a JSON export.
 */
import shapesTable from '../../../bench/shapes.json' with { type: 'json' };
import { SCHEME_NAMES } from '../../quant/schemes.js';
import type { BenchRow } from '../../bench/types.js';
import { append, download, h, labelledCheckbox, labelledSelect, replace, scrollTable, uniqueId } from '../dom.js';
import { fmtBytes, fmtNum, sig } from '../format.js';
import { chartFrame } from '../charts/frame.js';
import { hbarPlot, type HBar } from '../charts/bars.js';
import { COLOR_MAIN, COLOR_REF, COLOR_SECOND } from '../charts/palette.js';
import type { AppEnv } from '../env.js';
import { WorkerClient } from '../worker-client.js';
import type { BenchCase, BenchRequest } from '../protocol.js';

/** A layer of bench/shapes.json. */
interface LayerEntry {
  readonly name: string;
  readonly n: number;
  readonly k: number;
  readonly source: string;
}

/** A preset's GPU cases, resolved against the layers. */
interface GpuPreset {
  readonly name: string;
  readonly description: string;
  readonly warmup: number;
  readonly iterations: number;
  readonly cases: readonly BenchCase[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Layers and GPU presets of bench/shapes.json (entries that do not parse are skipped). */
export function readShapesTable(table: unknown): { layers: LayerEntry[]; presets: GpuPreset[] } {
  const layers: LayerEntry[] = [];
  const presets: GpuPreset[] = [];
  if (!isRecord(table)) return { layers, presets };
  const ls = isRecord(table.layers) ? table.layers : {};
  for (const [name, v] of Object.entries(ls)) {
    if (isRecord(v) && typeof v.n === 'number' && typeof v.k === 'number') layers.push({ name, n: v.n, k: v.k, source: typeof v.source === 'string' ? v.source : '' });
  }
  const ps = isRecord(table.presets) ? table.presets : {};
  for (const [name, v] of Object.entries(ps)) {
    if (!isRecord(v) || !Array.isArray(v.gpu)) continue;
    const timing = isRecord(v.timing) ? v.timing : {};
    const cases: BenchCase[] = [];
    for (const c of v.gpu) {
      if (!isRecord(c)) continue;
      const layer = layers.find((l) => l.name === c.layer);
      const ms = Array.isArray(c.m) ? c.m.filter((x): x is number => typeof x === 'number') : [];
      const schemes = Array.isArray(c.schemes) ? c.schemes.filter((x): x is string => typeof x === 'string' && (SCHEME_NAMES as readonly string[]).includes(x)) : [];
      if (layer && ms.length && schemes.length) cases.push({ layer, m: ms, schemes });
    }
    if (cases.length) {
      presets.push({
        name,
        description: typeof v.description === 'string' ? v.description : '',
        warmup: typeof timing.warmup === 'number' ? timing.warmup : 3,
        iterations: typeof timing.iterations === 'number' ? timing.iterations : 10,
        cases,
      });
    }
  }
  return { layers, presets };
}

/** Mounts the Benchmark page. */
export function mountBench(root: HTMLElement, env: AppEnv): void {
  const { layers, presets } = readShapesTable(shapesTable);
  const client = new WorkerClient();
  let rows: BenchRow[] = [];
  let adapter: string | null = null;
  let lastReq: BenchRequest | undefined;
  let started = '';

  const presetSel = labelledSelect(
    'Preset (bench/shapes.json)',
    [...presets.map((p) => [p.name, p.name] as const), ['custom', 'custom…'] as const],
    presets.some((p) => p.name === 'tiny') ? 'tiny' : (presets[0]?.name ?? 'custom'),
    () => renderPreset(),
  );
  presetSel.select.id = 'bench-preset';
  const presetInfo = h('div', { class: 'preset-info' });

  // Custom case controls.
  const layerSel = labelledSelect(
    'Layer W[N, K]',
    layers.map((l) => [l.name, `${l.name}: ${l.n} × ${l.k}`] as const),
    layers.find((l) => l.name === 'square-1k')?.name ?? layers[0]?.name ?? '',
  );
  const mId = uniqueId('m');
  const mInput = h('input', { id: mId, type: 'text', value: '1, 8', attrs: { inputmode: 'numeric' } });
  const schemesId = uniqueId('schemes');
  const schemesInput = h('select', { id: schemesId, attrs: { multiple: '', size: '8' } }, SCHEME_NAMES.map((n) => h('option', { value: n, text: n })));
  for (const o of Array.from(schemesInput.options)) o.selected = ['int4', 'int2', 'bitmod4', 'mxfp4'].includes(o.value);
  const custom = h('div', { class: 'row custom', hidden: true }, [
    layerSel.wrap,
    h('div', { class: 'field' }, [h('label', { for: mId, text: 'M values (comma separated)' }), mInput]),
    h('div', { class: 'field' }, [h('label', { for: schemesId, text: 'Schemes (Ctrl/⌘-click for several)' }), schemesInput]),
  ]);
  const warmupId = uniqueId('warmup');
  const itersId = uniqueId('iters');
  const warmupInput = h('input', { id: warmupId, type: 'number', value: '1', attrs: { min: '0', max: '100' } });
  const itersInput = h('input', { id: itersId, type: 'number', value: '3', attrs: { min: '1', max: '1000' } });

  const runBtn = h('button', { type: 'button', class: 'button primary', id: 'run-bench', text: 'Run the GPU benchmark', disabled: !env.gpu.available, on: { click: () => void run() } });
  const cancelBtn = h('button', { type: 'button', class: 'button', id: 'cancel-bench', text: 'Cancel', disabled: true, on: { click: () => client.cancel() } });
  const progress = h('progress', { id: 'bench-progress', attrs: { max: '1', value: '0', 'aria-label': 'Benchmark progress' } });
  const progressLabel = h('span', { class: 'progress-label', attrs: { 'aria-live': 'polite' } });
  const statusLine = h('p', { class: 'status', id: 'bench-status', role: 'status' });
  const chartBox = h('div', { class: 'chart-box', id: 'bench-chart' });
  const logScale = labelledCheckbox('log scale', false, () => renderChart());
  const body = h('tbody');
  const exportBtn = h('button', { type: 'button', class: 'button', id: 'export-bench', text: 'Export JSON', disabled: true, on: { click: () => exportJson() } });

  append(root, [
    h('h2', { text: 'Benchmark the kernels on your GPU' }),
    h('p', {
      class: 'lede',
      text: "Runs lowbit's GPU benchmark suite in a worker on this browser's WebGPU adapter: each kernel variant is checked against the f64 oracle, then timed. Effective GB/s counts the bytes a kernel must move (packed weights as held in memory, X and Y); the copy kernel on the same bytes is the device's achievable bandwidth.",
    }),
    env.gpu.available
      ? env.gpu.software
        ? h('p', { class: 'notice', role: 'note', text: `This adapter is a software rasterizer (${env.gpu.text}): timings measure a CPU emulating a GPU.` })
        : null
      : h('p', { class: 'notice', role: 'note', text: `No WebGPU here (${env.gpu.text}), so there is nothing to benchmark. The Validate page still checks the CPU kernels, and \`lowbit bench\` in Node times the CPU kernels.` }),
    h('div', { class: 'panel' }, [
      h('div', { class: 'row' }, [
        presetSel.wrap,
        h('div', { class: 'field' }, [h('label', { for: warmupId, text: 'Warm-up dispatches' }), warmupInput]),
        h('div', { class: 'field' }, [h('label', { for: itersId, text: 'Timed dispatches (median)' }), itersInput]),
      ]),
      presetInfo,
      custom,
    ]),
    h('div', { class: 'panel run' }, [h('div', { class: 'row' }, [runBtn, cancelBtn, progress, progressLabel]), statusLine]),
    h('div', { class: 'panel' }, [h('h3', { text: 'Effective bandwidth' }), h('div', { class: 'row' }, [logScale.wrap]), chartBox]),
    h('div', { class: 'panel' }, [
      h('h3', { text: 'Every row' }),
      scrollTable(
        h('table', { class: 'results', id: 'bench-table' }, [
          h('caption', { text: 'Median of the timed dispatches; GB/s = bytes / time; fraction = GB/s ÷ copy GB/s' }),
          h('thead', {}, [
            h('tr', {}, ['layer', 'M', 'scheme', 'kernel / variant', 'status', 'time', 'timer', 'bytes', 'GB/s', 'copy GB/s', 'of copy', 'vs f32', 'err/bound', 'note'].map((t) => h('th', { text: t, attrs: { scope: 'col' } }))),
          ]),
          body,
        ]),
        'Every benchmark row',
      ),
      h('div', { class: 'row' }, [exportBtn]),
    ]),
  ]);
  renderPreset();

  function currentPreset(): GpuPreset | undefined {
    return presets.find((p) => p.name === presetSel.select.value);
  }

  function renderPreset(): void {
    const p = currentPreset();
    custom.hidden = p !== undefined;
    if (!p) {
      replace(presetInfo, [h('p', { class: 'muted', text: 'Choose a layer, M values and schemes.' })]);
      return;
    }
    warmupInput.value = String(p.warmup);
    itersInput.value = String(p.iterations);
    replace(presetInfo, [
      h('p', { class: 'muted', text: p.description }),
      h(
        'ul',
        { class: 'cases' },
        p.cases.map((c) => h('li', {}, [h('strong', { text: `${c.layer.name} (${c.layer.n} × ${c.layer.k})` }), ` M = ${c.m.join(', ')}: ${c.schemes.join(' ')}`])),
      ),
    ]);
  }

  function request(): BenchRequest | string {
    const warmup = Math.max(0, Math.floor(Number(warmupInput.value)));
    const iterations = Math.max(1, Math.floor(Number(itersInput.value)));
    if (!Number.isFinite(warmup) || !Number.isFinite(iterations)) return 'warm-up and timed dispatches must be numbers';
    const p = currentPreset();
    if (p) return { kind: 'bench', preset: p.name, cases: p.cases, warmup, iterations };
    const layer = layers.find((l) => l.name === layerSel.select.value);
    if (!layer) return 'choose a layer';
    const ms = mInput.value
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (ms.length === 0 || ms.some((m) => !Number.isInteger(m) || m < 1)) return `M values must be positive integers, got '${mInput.value}'`;
    const schemes = Array.from(schemesInput.selectedOptions).map((o) => o.value);
    if (schemes.length === 0) return 'choose at least one scheme';
    return { kind: 'bench', preset: 'custom', cases: [{ layer, m: ms, schemes }], warmup, iterations };
  }

  async function run(): Promise<void> {
    const req = request();
    if (typeof req === 'string') {
      replace(statusLine, [h('span', { class: 'error', role: 'alert', text: req })]);
      return;
    }
    lastReq = req;
    rows = [];
    adapter = null;
    started = new Date().toISOString();
    replace(body, []);
    replace(chartBox, []);
    exportBtn.disabled = true;
    runBtn.disabled = true;
    cancelBtn.disabled = false;
    progress.value = 0;
    statusLine.textContent = `Running ${req.preset} on the GPU…`;
    root.dataset.state = 'running';
    const t0 = performance.now();
    const outcome = await client.run(req, {
      onMessage(msg) {
        if (msg.type === 'progress') {
          progress.value = msg.total > 0 ? msg.done / msg.total : 1;
          progressLabel.textContent = msg.label;
        } else if (msg.type === 'bench') {
          rows.push(msg.row);
          body.appendChild(tableRow(msg.row));
          renderChart();
        }
      },
    });
    runBtn.disabled = !env.gpu.available;
    cancelBtn.disabled = true;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (outcome.kind === 'done') {
      adapter = outcome.adapter;
      progress.value = 1;
      progressLabel.textContent = 'done';
      statusLine.textContent = `Done in ${secs} s on ${adapter ?? 'the GPU'}: ${rows.filter((r) => r.status === 'ok').length} rows ok, ${rows.filter((r) => r.status !== 'ok').length} not.`;
      root.dataset.state = 'done';
    } else if (outcome.kind === 'cancelled') {
      progressLabel.textContent = 'cancelled';
      statusLine.textContent = `Cancelled after ${secs} s; ${rows.length} row(s) kept.`;
      root.dataset.state = 'cancelled';
    } else {
      progressLabel.textContent = 'failed';
      replace(statusLine, [h('span', { class: 'error', role: 'alert', text: outcome.message })]);
      root.dataset.state = 'error';
    }
    exportBtn.disabled = rows.length === 0;
  }

  function tableRow(r: BenchRow): HTMLTableRowElement {
    const variant = r.variant ? `${r.kernel}/${r.variant}` : r.kernel;
    return h('tr', { class: `status-${r.status}`, dataset: { status: r.status, role: r.role } }, [
      h('td', { text: r.layer }),
      h('td', { class: 'num', text: String(r.m) }),
      h('td', { text: r.scheme }),
      h('td', {}, [h('code', { text: variant })]),
      h('td', { class: 'status-cell', text: r.status === 'unavailable' ? `skipped: ${r.note}` : r.status }),
      h('td', { class: 'num', text: r.ms === null ? '–' : `${sig(r.ms, 3)} ms` }),
      h('td', { text: r.timer }),
      h('td', { class: 'num', text: r.bytes ? fmtBytes(r.bytes) : '–' }),
      h('td', { class: 'num', dataset: { col: 'gbps' }, text: fmtNum(r.gbps, 3) }),
      h('td', { class: 'num', text: fmtNum(r.copyGbps, 3) }),
      h('td', { class: 'num', dataset: { col: 'fraction' }, text: r.fractionOfCopy === null ? '–' : `${(100 * r.fractionOfCopy).toFixed(1)} %` }),
      h('td', { class: 'num', text: r.speedupVsF32 === null ? '–' : `${sig(r.speedupVsF32, 3)}×` }),
      h('td', { class: 'num', text: fmtNum(r.checkWorstRatio, 2) }),
      h('td', { class: 'note', text: r.status === 'unavailable' ? '' : r.note }),
    ]);
  }

  function renderChart(): void {
    const ok = rows.filter((r) => r.status === 'ok' && r.gbps !== null);
    if (ok.length === 0) {
      replace(chartBox, [h('p', { class: 'muted', text: 'No timed rows yet.' })]);
      return;
    }
    const layers = new Set(ok.map((r) => `${r.layer}/${r.m}`));
    const bars: HBar[] = ok.map((r) => {
      const variant = r.variant ? `${r.kernel}/${r.variant}` : r.kernel;
      const where = layers.size > 1 ? `${r.layer} M=${r.m} ` : '';
      return {
        label: `${where}${r.scheme === 'f32' ? '' : `${r.scheme} `}${variant}`,
        value: r.gbps as number,
        ref: r.copyGbps,
        color: r.role === 'kernel' ? COLOR_MAIN : COLOR_SECOND,
        title: [
          `${r.layer} (${r.n} × ${r.k}), M = ${r.m}`,
          `${r.scheme} ${variant}`,
          `${r.gbps} GB/s (${r.ms} ms, ${r.timer})`,
          r.copyGbps !== null ? `copy: ${r.copyGbps} GB/s${r.fractionOfCopy !== null ? `, ${(100 * r.fractionOfCopy).toFixed(2)} % of it` : ''}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      };
    });
    const one = layers.size === 1 ? ok[0] : undefined;
    replace(chartBox, [
      chartFrame({
        title: `Effective bandwidth per kernel variant${one ? ` (${one.layer}, ${one.n} × ${one.k}, M = ${one.m})` : ''}`,
        filename: `lowbit-bench-${lastReq?.preset ?? 'run'}`,
        axes: 'xy',
        legend: [
          { label: 'quantized kernel variant', color: COLOR_MAIN, shape: 'bar' },
          { label: 'f32 baseline / copy', color: COLOR_SECOND, shape: 'bar' },
          { label: 'copy kernel on the same bytes (achievable GB/s)', color: COLOR_REF, shape: 'tick' },
        ],
        caption: [
          'Bars: effective GB/s of each variant (bytes it must move ÷ median time). Red tick: the copy kernel moving the same bytes on this device, the bandwidth to compare against. Rows that failed the oracle check are left out. Hover a bar for its exact numbers.',
        ],
        render: (w) => hbarPlot({ bars, xLabel: 'effective bandwidth (GB/s)', refColor: COLOR_REF, log: logScale.input.checked, ariaLabel: 'Effective GB/s per kernel variant with the copy bandwidth' }, w),
      }),
    ]);
  }

  function exportJson(): void {
    const payload = {
      schema: 'lowbit-bench/1',
      tool: 'lowbit app (browser)',
      preset: lastReq?.preset ?? null,
      suites: ['gpu'],
      timing: lastReq ? { warmup: lastReq.warmup, iterations: lastReq.iterations } : null,
      environment: { date: started, userAgent: navigator.userAgent, adapter, software: env.gpu.software },
      cases: lastReq?.cases ?? [],
      rows,
    };
    download(`lowbit-bench-${lastReq?.preset ?? 'run'}.json`, `${JSON.stringify(payload, null, 2)}\n`, 'application/json');
  }
}
