// The browser app end to end: Vite build, dist-app served on 127.0.0.1, Chromium (WebGPU on SwiftShader) driving every page.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { evaluateScheme } from '../../src/quant/evaluate.js';
import { SCHEME_NAMES } from '../../src/quant/schemes.js';
import { CPU_KERNELS, CPU_KERNEL_NAMES } from '../../src/cpu/kernels.js';
import { WASM_KERNELS, WASM_KERNEL_NAMES } from '../../src/cpu/wasm-kernels.js';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from '../../vite.config.js';
import { sampleWeights } from '../../src/io/sample.js';
import { writeNpy } from '../../src/io/npy.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { ggufTensorFromF32, ggufTensorFromQuantized, writeGguf } from '../../src/io/gguf-writer.js';
import { ggufTensor, readGgufHeader, readGgufTensorF32 } from '../../src/io/gguf.js';
import { bytesSource } from '../../src/io/byte-source.js';
import { openModelFromFiles } from '../../src/io/model.js';
import { runModelReport } from '../../src/report/model-report.js';
import { planBudget } from '../../src/report/budget-plan.js';
import { sig } from '../../src/cli/table.js';
import { schemeTable } from '../../src/cli/cmd-quantize.js';
import { schemeCategories } from '../../src/app/scheme-groups.js';
import { decode, encode } from '../../src/dtype/codec.js';
import { quantize } from '../../src/quant/quantize.js';
import { matmulLutF32 } from '../../src/cpu/lut.js';
import { matmulBitSerial } from '../../src/cpu/bitserial.js';
import { LUT_K, LUT_N, LUT_SEED, LUT_X } from '../../src/app/learn/lut-example.js';
import { BS_K, BS_SEED, BS_X } from '../../src/app/learn/bitserial-example.js';
import { decodePng, pixelStats } from './png.js';
import { CHROMIUM_WEBGPU_FLAGS } from '../chromium-flags.js';
import { baseUrl, serveStatic } from '../static-server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist-app');
const SHOTS = join(ROOT, 'test-results', 'app-screenshots');
const CHROMIUM = process.env.LOWBIT_CHROMIUM ?? '/usr/bin/chromium';
const CI = process.env.CI === 'true' || process.env.CI === '1';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !CI) console.warn(`app tests skipped: no Chromium at ${CHROMIUM} (set LOWBIT_CHROMIUM)`);

/** Schemes of the sample check: one of each family, a mixture, the block formats and ternary. */
const SAMPLE_SCHEMES: readonly AnySchemeName[] = ['int4', 'int3_asym', 'nf4', 'bitmod4', 'ant3', 'mxfp4', 'nvfp4', 'fp8_e4m3', 'ternary'];
/**
 * Schemes whose matmul kernels the Validate check runs: int4 takes every kernel family (dequant,
 * LUT, bit-serial). The mixture's GPU variants are covered by the verify-matrix test (bitmod4).
 */
const KERNEL_SCHEMES: readonly AnySchemeName[] = ['int4'];


/** Splits the CLI's text table into cells (columns are separated by two or more spaces). */
function parseCliTable(text: string): Map<string, string[]> {
  const lines = text.split('\n').slice(2);
  const out = new Map<string, string[]>();
  for (const line of lines) {
    const cells = line.trim().split(/\s{2,}/);
    out.set(cells[0] as string, cells);
  }
  return out;
}

/** Writes a screenshot and checks it is not blank: real size, many colors, visible contrast. */
async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(join(SHOTS, `${name}.png`), png);
  const img = decodePng(png);
  const vp = page.viewportSize();
  expect(img.width).toBe(vp?.width);
  expect(img.height).toBeGreaterThanOrEqual(vp?.height ?? 1);
  const st = pixelStats(img);
  expect(st.colors, `${name}: distinct colors`).toBeGreaterThan(50);
  expect(st.lumaStd, `${name}: luma standard deviation`).toBeGreaterThan(8);
}

/** Every chart frame in `scope` has its declared axes with non-empty tick labels, and an x axis label. */
async function expectChartAxes(page: Page, scope: string, atLeast: number): Promise<void> {
  const report = await page.locator(scope).evaluate((root) =>
    Array.from(root.querySelectorAll<HTMLElement>('figure.chart-frame')).map((fig) => {
      const svg = fig.querySelector('.chart-body svg');
      const title = fig.querySelector('.chart-title')?.textContent ?? '?';
      const axes = (fig.dataset.axes ?? 'xy').split('');
      const ticks = axes.map((d) => Array.from(svg?.querySelectorAll(`g[aria-label="${d}-axis tick label"] text`) ?? []).filter((t) => (t.textContent ?? '').trim() !== '').length);
      const xLabel = (svg?.querySelector('g[aria-label="x-axis label"] text')?.textContent ?? '').trim();
      return { title, axes: axes.join(''), ticks, xLabel };
    }),
  );
  expect(report.length, `${scope}: charts`).toBeGreaterThanOrEqual(atLeast);
  for (const c of report) {
    // A value axis has at least two labelled ticks; a band axis (one row per item) at least one.
    for (const [i, n] of c.ticks.entries()) expect(n, `${c.title}: ${c.axes[i]} tick labels`).toBeGreaterThanOrEqual(c.axes[i] === 'x' ? 2 : 1);
    expect(c.xLabel, `${c.title}: x axis label`).not.toBe('');
  }
}

/** No part of the page is wider than the viewport. */
async function expectNoOverflow(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${what}: horizontal overflow (px)`).toBeLessThanOrEqual(0);
}

/** Presses Tab until the focused element matches `selector`; every stop must show a focus ring. */
async function tabTo(page: Page, selector: string, max = 200): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate((sel) => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return { matches: false, ring: true, name: 'body' };
      // A visually hidden file input shows its ring on the label that follows it.
      const shown = el instanceof HTMLInputElement && el.type === 'file' ? (el.nextElementSibling as HTMLElement) : el;
      const cs = getComputedStyle(shown);
      const ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
      return { matches: el.matches(sel), ring, name: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className}` };
    }, selector);
    expect(stop.ring, `focus ring on ${stop.name}`).toBe(true);
    if (stop.matches) return;
  }
  throw new Error(`${selector} not reached with ${max} Tab presses`);
}

describe.skipIf(!haveChromium && !CI)('browser app', () => {
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  const problems: string[] = [];
  beforeEach(() => {
    problems.length = 0;
  });

  /** A new page that records console errors and uncaught exceptions into `problems`. */
  async function openPage(ctx: BrowserContext, hash: string): Promise<Page> {
    const page = await ctx.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error on #${hash}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error on #${hash}: ${err.message}`));
    await page.goto(`${base}/#${hash}`);
    await page.waitForSelector(`#page-${hash}[data-ready="true"]`, { timeout: 30_000 });
    return page;
  }

  beforeAll(async () => {
    await build({ configFile: join(ROOT, 'vite.config.ts'), root: ROOT, logLevel: 'warn' });
    expect(existsSync(join(DIST, 'index.html'))).toBe(true);
    // Served as a static host must serve it: COOP + COEP make the page cross-origin isolated (threads).
    server = await serveStatic(DIST, CROSS_ORIGIN_ISOLATION_HEADERS);
    base = baseUrl(server).replace(/\/$/, '');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_WEBGPU_FLAGS],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  });

  it('loads every page without console errors, with WebGPU reported, and screenshots each', async () => {
    const page = await openPage(context, 'validate');
    expect(await page.locator('#gpu-status').textContent()).toMatch(/^(WebGPU: |No WebGPU)/);
    for (const hash of ['validate', 'explore', 'bench', 'learn'] as const) {
      await page.click(`#tab-${hash}`);
      await page.waitForSelector(`#page-${hash}[data-ready="true"]`);
      expect(await page.locator(`#tab-${hash}`).getAttribute('aria-selected')).toBe('true');
      expect(await page.evaluate(() => location.hash)).toBe(`#${hash}`);
      if (hash === 'learn') {
        // Every lesson is a stepper; the bit-serial term table lists the 16 codes of fp4_er_pos.
        expect(await page.locator('#page-learn .stepper').count()).toBe(4);
        expect(await page.locator('#bitserial-terms tbody tr').count()).toBe(16);
      }
      await screenshot(page, `${hash}-desktop`);
    }
    // Keyboard: the tabs are buttons; arrow keys move between them and show the page.
    await page.focus('#tab-learn');
    await page.keyboard.press('Home');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-validate');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-explore');
    expect(await page.locator('#page-validate').isHidden()).toBe(true);
    expect(await page.locator('#page-explore').isVisible()).toBe(true);
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-learn');
    // A deep link opens its page.
    const deep = await openPage(context, 'bench');
    expect(await deep.locator('#tab-bench').getAttribute('aria-selected')).toBe('true');
    await deep.close();
    await page.close();
    expect(problems).toEqual([]);
  }, 90_000);

  it('validates the built-in sample: the summary and the details print the numbers the CLI prints, with charts, and the kernels agree with the oracle', async () => {
    const page = await openPage(context, 'validate');
    const gpu = await page.evaluate(() => document.body.dataset.gpu);
    await page.click('#schemes-none');
    for (const s of SAMPLE_SCHEMES) await page.check(`input[data-scheme="${s}"]`);
    await page.uncheck('input[data-testid="check-kernels"]');
    await page.click('#use-sample');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 90_000 });

    const smp = sampleWeights();
    const cli = parseCliTable(schemeTable(SAMPLE_SCHEMES.map((s) => evaluateScheme(smp.data, smp.rows, smp.cols, s))));
    for (const s of SAMPLE_SCHEMES) {
      const want = cli.get(s) as string[];
      // CLI columns: scheme, group, bits/w, NMSE, SQNR dB, max |err|, cosine, ms, variants.
      const summary = page.locator(`#summary-table tr[data-scheme="${s}"]`);
      const sCell = (col: string) => summary.locator(`td[data-col="${col}"]`).textContent();
      expect([await sCell('bits'), await sCell('nmse'), await sCell('sqnr'), await sCell('maxerr')], `${s} summary`).toEqual(want.slice(2, 6));
      const row = page.locator(`.tensor-details table.metrics tr[data-scheme="${s}"]`);
      const cell = (col: string) => row.locator(`td[data-col="${col}"]`).textContent();
      expect([await cell('group'), await cell('bits'), await cell('nmse'), await cell('sqnr'), await cell('maxerr'), await cell('cosine')], s).toEqual(want.slice(1, 7));
      expect(await cell('variants'), s).toBe(want[8] ?? '');
    }
    // Grouped by family: one heading row per family present.
    const families = schemeCategories().filter((c) => c.schemes.some((s) => (SAMPLE_SCHEMES as readonly string[]).includes(s)));
    expect(await page.locator('#summary-table tr.family-row').allTextContents()).toEqual(families.map((c) => c.title));
    // Details start collapsed; the error-vs-bits chart, the histogram and the shares chart have labelled axes.
    expect(await page.locator('.tensor-details').getAttribute('open')).toBeNull();
    await page.click('.tensor-details > summary');
    await page.click('.tensor-details tr[data-scheme="bitmod4"] button');
    expect(await page.locator('#levels-panel .caption').first().textContent()).toContain('bitmod4');
    expect(await page.locator('#levels-panel .chart-body svg g[aria-label="rule"] line').count()).toBeGreaterThan(10);
    expect(await page.locator('#variant-shares .share').count()).toBe(2);
    await expectChartAxes(page, '#page-validate', 3);
    // The Pareto front is labelled: its labels are scheme names.
    const front = await page.locator('#pareto-box svg g[aria-label="text"] text').allTextContents();
    expect(front.length).toBeGreaterThan(0);
    expect(front.every((t) => (SAMPLE_SCHEMES as readonly string[]).includes(t))).toBe(true);
    await screenshot(page, 'validate-sample-results');

    // The filter: a scheme name leaves one summary row.
    await page.fill('#report-filter', 'ant3');
    expect(await page.locator('#summary-table tr[data-scheme]:visible').count()).toBe(1);
    await page.fill('#report-filter', '');

    const download = page.waitForEvent('download');
    await page.click('#export-json');
    const json = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as { results: { scheme: AnySchemeName; bitsPerWeight: number }[] };
    // The app runs schemes in registry order.
    const order = SCHEME_NAMES.filter((s) => SAMPLE_SCHEMES.includes(s));
    expect(json.results.map((r) => r.scheme)).toEqual(order);
    expect(json.results.map((r) => r.bitsPerWeight)).toEqual(order.map((s) => evaluateScheme(smp.data, smp.rows, smp.cols, s).bitsPerWeight));
    // A chart downloads as a standalone SVG with its title.
    const svgDownload = page.waitForEvent('download');
    await page.click('#pareto-box .chart-actions button:text("SVG")');
    const svgText = readFileSync(await (await svgDownload).path(), 'utf8');
    expect(svgText).toContain('<svg');
    expect(svgText).toContain('Error against storage');
    const pngDownload = page.waitForEvent('download');
    await page.click('#pareto-box .chart-actions button:text("PNG")');
    const png = decodePng(readFileSync(await (await pngDownload).path()));
    expect(png.width).toBeGreaterThan(400);
    expect(pixelStats(png).colors).toBeGreaterThan(20);

    // Kernel check on int4 (every CPU kernel and GPU variant that applies runs; SwiftShader compiles slowly).
    await page.click('#schemes-none');
    for (const s of KERNEL_SCHEMES) await page.check(`input[data-scheme="${s}"]`);
    await page.check('input[data-testid="check-kernels"]');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 100_000 });
    const statuses = await page.locator('.kernel-details tbody tr').evaluateAll((trs) => trs.map((tr) => `${(tr as HTMLElement).dataset.backend}:${(tr as HTMLElement).dataset.status}:${tr.textContent}`));
    expect(statuses.filter((s) => /:(mismatch|error):/.test(s))).toEqual([]);
    // Every CPU kernel of the registry that takes the scheme ran and agreed (ref is the oracle itself).
    const cpuExpected = KERNEL_SCHEMES.flatMap((sc) => CPU_KERNEL_NAMES.filter((n) => n !== 'ref' && CPU_KERNELS[n].supports(sc) === true));
    expect(statuses.filter((s) => s.startsWith('cpu:ok')).length).toBe(cpuExpected.length);
    // Every WebAssembly kernel that takes the scheme ran on threads (the page is isolated) and agreed.
    const wasmExpected = KERNEL_SCHEMES.flatMap((sc) => WASM_KERNEL_NAMES.filter((n) => WASM_KERNELS[n].supports(sc) === true));
    const wasmOk = statuses.filter((s) => s.startsWith('wasm:ok'));
    expect(wasmOk.length).toBe(wasmExpected.length);
    for (const s of wasmOk) expect(s).toMatch(/\(\d+ threads\)/);
    // A skipped row says why in a few words.
    for (const s of statuses.filter((x) => x.includes(':unavailable:'))) expect(s).toMatch(/skipped: adapter lacks [a-z0-9_-]+/);
    expect(await page.locator('#summary-table tr[data-scheme="int4"] .badge').textContent()).toMatch(/^✓ \d+ agree/);
    if (gpu === 'yes') {
      expect(statuses.filter((s) => s.startsWith('gpu:ok')).length).toBeGreaterThanOrEqual(3);
      expect(await page.locator('#kernel-summary').textContent()).toMatch(/GPU: (\d+)\/\1 variant runs agree/);
    }
    await page.click('.tensor-details > summary');
    await page.click('.kernel-details > summary');
    await screenshot(page, 'validate-kernels');
    await page.close();
    expect(problems).toEqual([]);
  }, 200_000);

  it('keyboard only: one validation from the sample to the kernel details, every stop with a visible focus ring', async () => {
    const page = await openPage(context, 'validate');
    await tabTo(page, '#use-sample');
    await page.keyboard.press('Enter');
    await tabTo(page, '#schemes-none');
    await page.keyboard.press('Enter');
    await tabTo(page, 'input[data-scheme="int2"]');
    await page.keyboard.press('Space');
    await tabTo(page, 'input[data-testid="use-gpu"]');
    if (await page.locator('input[data-testid="use-gpu"]').isChecked()) await page.keyboard.press('Space');
    await tabTo(page, '#run-validate');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 60_000 });
    await tabTo(page, '#report-filter');
    await tabTo(page, '.tensor-details > summary');
    await page.keyboard.press('Enter');
    expect(await page.locator('.tensor-details').getAttribute('open')).not.toBeNull();
    await tabTo(page, '.kernel-details > summary');
    await page.keyboard.press('Enter');
    expect(await page.locator('.kernel-details tbody tr:visible').count()).toBeGreaterThan(0);
    // Typing in the filter narrows the kernels to the matching ones.
    await page.focus('#report-filter');
    await page.keyboard.type('lut');
    const kernels = await page.locator('.kernel-details tbody tr:visible').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.kernel ?? ''));
    expect(kernels.length).toBeGreaterThan(0);
    expect(kernels.every((k) => k.includes('lut'))).toBe(true);
    await screenshot(page, 'validate-keyboard');
    await page.close();
    expect(problems).toEqual([]);
  }, 90_000);

  it('reads an uploaded .npy, refuses a 3-D one clearly, and cancels a running job', async () => {
    const page = await openPage(context, 'validate');
    const w = sampleWeights({ rows: 64, cols: 128, seed: 5 });
    await page.setInputFiles('#weights-files', { name: 'layer.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(writeNpy(w.data, [64, 128])) });
    // A .npy is one tensor named after its file.
    await expect.poll(() => page.locator('#tensor-table tr[data-tensor="layer"]').textContent()).toContain('[64 × 128]');
    await page.uncheck('input[data-testid="check-kernels"]');
    await page.click('#schemes-none');
    await page.check('input[data-scheme="int4"]');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 60_000 });
    const want = parseCliTable(schemeTable([evaluateScheme(w.data, 64, 128, 'int4')])).get('int4') as string[];
    expect(await page.locator('#summary-table tr[data-scheme="int4"] td[data-col="nmse"]').textContent()).toBe(want[3]);
    expect(await page.locator('#summary-table tr[data-scheme="int4"] td[data-col="bits"]').textContent()).toBe(want[2]);

    await page.setInputFiles('#weights-files', { name: 'cube.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(writeNpy(new Float32Array(24), [2, 3, 4])) });
    await expect.poll(() => page.locator('#page-validate').textContent()).toContain('only 2-D weight matrices');
    expect(await page.locator('#run-validate').isDisabled()).toBe(true);

    // Cancel: every scheme on the sample with the kernel checks takes seconds (quantizing alone no
    // longer does); Cancel ends it at once and a new run works.
    await page.click('#use-sample');
    await page.click('#schemes-all');
    await page.check('input[data-testid="check-kernels"]');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="running"]');
    await page.click('#cancel-validate');
    await page.waitForSelector('#page-validate[data-state="cancelled"]', { timeout: 5_000 });
    expect(await page.locator('#validate-status').textContent()).toContain('Cancelled');
    await page.click('#schemes-none');
    await page.check('input[data-scheme="int8"]');
    await page.uncheck('input[data-testid="check-kernels"]');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 60_000 });
    expect(await page.locator('#summary-table tr[data-scheme="int8"]').count()).toBe(1);
    await page.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('loads a sharded model (two shards + index) and a .gguf through the file input: select all 2-D, numbers equal the library, totals, budget, sort, CSV, cancel, failed loads clear', async () => {
    // A synthetic checkpoint: two safetensors shards and their index, a 1-D norm among the weights.
    const mats: Record<string, readonly [number, number]> = {
      'model.layers.0.mlp.up_proj.weight': [64, 256],
      'model.layers.0.self_attn.q_proj.weight': [32, 256],
      'model.layers.1.mlp.down_proj.weight': [48, 128],
    };
    const data = new Map(Object.entries(mats).map(([name, [r, c]], i) => [name, sampleWeights({ rows: r, cols: c, seed: 70 + i }).data] as const));
    const t = (name: string) => ({ name, shape: mats[name] as readonly number[], data: data.get(name) as Float32Array });
    const norm = { name: 'model.layers.0.input_layernorm.weight', shape: [256], data: sampleWeights({ rows: 1, cols: 256, seed: 79 }).data };
    const shard1 = writeSafetensors([t('model.layers.0.mlp.up_proj.weight'), norm]);
    const shard2 = writeSafetensors([t('model.layers.0.self_attn.q_proj.weight'), t('model.layers.1.mlp.down_proj.weight')]);
    const s1 = 'model-00001-of-00002.safetensors';
    const s2 = 'model-00002-of-00002.safetensors';
    const index = JSON.stringify({
      metadata: { total_size: shard1.length + shard2.length },
      weight_map: { 'model.layers.0.mlp.up_proj.weight': s1, [norm.name]: s1, 'model.layers.0.self_attn.q_proj.weight': s2, 'model.layers.1.mlp.down_proj.weight': s2 },
    });
    const ckpt = [
      { name: s1, bytes: shard1 },
      { name: s2, bytes: shard2 },
      { name: 'model.safetensors.index.json', bytes: new TextEncoder().encode(index) },
      { name: 'config.json', bytes: new TextEncoder().encode('{}') },
    ];
    const payload = (files: readonly { name: string; bytes: Uint8Array }[]) => files.map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: Buffer.from(f.bytes) }));
    // q4_k takes K = 256 only (its super-block): the [48, 128] tensor gives a refused row.
    const schemes: readonly AnySchemeName[] = ['int4', 'bitmod4', 'q4_k'];

    // The library's report over the same files (Node's File through the same Blob.slice reader).
    const libModel = await openModelFromFiles(ckpt.map((f) => new File([f.bytes as Uint8Array<ArrayBuffer>], f.name)));
    const lib = await runModelReport(libModel, { schemes });
    await libModel.close();

    const page = await openPage(context, 'validate');
    await page.setInputFiles('#weights-files', payload(ckpt));
    await page.waitForSelector('#page-validate[data-load="ready"]');
    expect(await page.locator('#tensor-table tbody tr').count()).toBe(4);
    expect(await page.locator(`#tensor-table tr[data-tensor="${norm.name}"]`).textContent()).toContain('only 2-D weight matrices');
    expect(await page.locator(`#tensor-table tr[data-tensor="${norm.name}"] input`).isDisabled()).toBe(true);
    // The name filter and "Select all 2-D": the two mlp tensors, then every 2-D one.
    await page.click('#select-none');
    expect(await page.locator('#tensor-count').textContent()).toMatch(/^0 of 4 tensors selected/);
    await page.fill('#tensor-filter', 'mlp');
    expect(await page.locator('#tensor-table tbody tr:visible').count()).toBe(2);
    await page.click('#select-2d');
    expect(await page.locator('#tensor-count').textContent()).toMatch(/^2 of 4 tensors selected \(22,528 weights\)/);
    await page.fill('#tensor-filter', '');
    await page.click('#select-2d');
    expect(await page.locator('#tensor-count').textContent()).toMatch(/^3 of 4 tensors selected/);

    await page.click('#schemes-none');
    for (const s of schemes) await page.check(`input[data-scheme="${s}"]`);
    await page.uncheck('input[data-testid="check-kernels"]');
    await page.selectOption('#workers', '2');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 90_000 });
    expect(await page.locator('#validate-status').textContent()).toContain('1 refused');

    // Every row and total is the library's number, exactly (the cell's title holds the exact value).
    const exact = (loc: ReturnType<Page['locator']>, col: string) => loc.locator(`[data-col="${col}"]`).getAttribute('title');
    expect(await page.locator('#model-table tbody tr').count()).toBe(lib.rows.length);
    for (const r of lib.rows) {
      const tr = page.locator(`#model-table tr[data-tensor="${r.tensor}"][data-scheme="${r.scheme}"]`);
      if (r.status === 'refused') {
        expect(await tr.textContent(), `${r.tensor} ${r.scheme}`).toContain('refused');
        continue;
      }
      const want = [r.bitsPerWeight, r.metrics.nmse, r.metrics.sqnrDb, r.metrics.maxAbsErr, r.metrics.cosine].map((x) => `exact: ${x}`);
      expect([await exact(tr, 'bits'), await exact(tr, 'nmse'), await exact(tr, 'sqnr'), await exact(tr, 'maxerr'), await exact(tr, 'cosine')], `${r.tensor} ${r.scheme}`).toEqual(want);
      expect(await tr.locator('[data-col="nmse"]').textContent()).toBe(sig(r.metrics.nmse, 3));
    }
    for (const tot of lib.totals) {
      const tr = page.locator(`#totals-table tr[data-scheme="${tot.scheme}"]`);
      expect([await exact(tr, 'bits'), await exact(tr, 'nmse'), await exact(tr, 'cosine')], tot.scheme).toEqual([tot.bitsPerWeight, tot.nmse, tot.cosine].map((x) => `exact: ${x}`));
      expect(await tr.locator('[data-col="tensors"]').textContent()).toBe(tot.refused ? `${tot.tensors} (${tot.refused} refused)` : String(tot.tensors));
    }
    // The bits budget: a bad one is named; below every scheme there is no plan, and the page says why; then the library's plan.
    await page.fill('#budget-input', '-1');
    await page.click('#plan-budget');
    expect(await page.locator('#budget-result [role="alert"]').textContent()).toContain('must be a positive number');
    await page.fill('#budget-input', '1');
    await page.click('#plan-budget');
    expect(planBudget(lib, 1).error).toBeDefined();
    expect(await page.locator('#budget-result [role="alert"]').textContent()).toContain(`No plan for 1 bits/weight: ${planBudget(lib, 1).error}`);
    await page.fill('#budget-input', '4.4');
    await page.click('#plan-budget');
    const plan = planBudget(lib, 4.4);
    expect(plan.error).toBeUndefined();
    expect(Number(await page.locator('#plan-line').getAttribute('data-bits'))).toBe(plan.bitsPerWeight);
    const planned = await page.locator('#plan-table tbody tr').evaluateAll((trs) => trs.map((tr) => `${(tr as HTMLElement).dataset.tensor}=${(tr as HTMLElement).dataset.scheme}`));
    expect(planned).toEqual(plan.choices?.map((c) => `${c.tensor}=${c.scheme}`));

    // Sort by NMSE (largest first, then smallest first); refused rows stay last.
    const nmses = async () => page.locator('#model-table tbody tr:not(.refused) [data-col="nmse"]').evaluateAll((tds) => tds.map((td) => Number((td.getAttribute('title') ?? '').slice(7))));
    await page.click('#model-table button[data-sort="nmse"]');
    const down = await nmses();
    expect(down).toEqual([...down].sort((a, b) => b - a));
    expect(await page.locator('#model-table th[aria-sort="descending"] button').getAttribute('data-sort')).toBe('nmse');
    await page.click('#model-table button[data-sort="nmse"]');
    expect(await nmses()).toEqual([...down].reverse());
    expect(await page.locator('#model-table tbody tr').last().getAttribute('class')).toBe('refused');
    await screenshot(page, 'validate-model');

    // CSV: one line per tensor x scheme with the shard, the dtype and the library's numbers.
    const csvDownload = page.waitForEvent('download');
    await page.click('#export-csv');
    const lines = readFileSync(await (await csvDownload).path(), 'utf8').trim().split('\n');
    const head = (lines[0] as string).split(',');
    expect(lines.length).toBe(1 + lib.rows.length);
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      const get = (k: string) => cells[head.indexOf(k)] as string;
      const r = lib.rows.find((x) => x.tensor === get('tensor') && x.scheme === get('scheme'));
      expect(r, line).toBeDefined();
      expect(get('shard')).toBe(r?.shard);
      if (r?.status === 'ok') expect(Number(get('nmse'))).toBe(r.metrics.nmse);
      else expect(get('error')).not.toBe('');
    }
    // The per-tensor table collapses.
    await page.click('#model-rows > summary');
    expect(await page.locator('#model-rows').getAttribute('open')).toBeNull();
    await page.click('#model-rows > summary');

    // 390 px: the tensor list, the totals and the per-tensor table fit (they scroll inside their box).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    await expectNoOverflow(page, 'the model view at 390 px');
    await screenshot(page, 'validate-model-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Cancel a model run: every scheme with the kernel checks on two workers.
    await page.click('#schemes-all');
    await page.check('input[data-testid="check-kernels"]');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="running"]');
    await page.click('#cancel-validate');
    await page.waitForSelector('#page-validate[data-state="cancelled"]', { timeout: 5_000 });
    await page.uncheck('input[data-testid="check-kernels"]');

    // A .gguf: an f32 tensor, a q4_k tensor (dequantized by the library's GGUF reader) and a 1-D norm.
    const gw = sampleWeights({ rows: 32, cols: 256, seed: 81 }).data;
    const gq = quantize(sampleWeights({ rows: 16, cols: 512, seed: 82 }).data, 16, 512, 'q4_k');
    const gguf = writeGguf(
      [['general.architecture', { type: 'string', value: 'llama' }]],
      [ggufTensorFromF32('blk.0.ffn_up.weight', gw, [32, 256]), ggufTensorFromQuantized('blk.0.attn_q.weight', gq), ggufTensorFromF32('output_norm.weight', norm.data, [256])],
    );
    const header = await readGgufHeader(bytesSource(gguf, 'tiny.gguf'));
    await page.setInputFiles('#weights-files', payload([{ name: 'tiny.gguf', bytes: gguf }]));
    await page.waitForSelector('#page-validate[data-load="ready"]');
    expect(await page.locator('#tensor-table tbody tr').count()).toBe(3);
    expect(await page.locator('#tensor-table tr[data-tensor="blk.0.attn_q.weight"]').textContent()).toContain('q4_k');
    await page.click('#schemes-none');
    for (const s of ['int4', 'q4_k'] as const) await page.check(`input[data-scheme="${s}"]`);
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 60_000 });
    for (const name of ['blk.0.ffn_up.weight', 'blk.0.attn_q.weight']) {
      const w = (await readGgufTensorF32(bytesSource(gguf, 'tiny.gguf'), header, name)).data;
      const [rows, cols] = ggufTensor(header, name).shape as [number, number];
      for (const s of ['int4', 'q4_k'] as const) {
        const e = evaluateScheme(w, rows, cols, s);
        const tr = page.locator(`#model-table tr[data-tensor="${name}"][data-scheme="${s}"]`);
        expect([await exact(tr, 'bits'), await exact(tr, 'nmse'), await exact(tr, 'maxerr')], `${name} ${s}`).toEqual([e.bitsPerWeight, e.metrics.nmse, e.metrics.maxAbsErr].map((x) => `exact: ${x}`));
      }
    }
    expect(await page.locator('#model-table tr[data-tensor="blk.0.attn_q.weight"] [data-col="dtype"]').first().textContent()).toBe('q4_k');

    // Failed loads clear the previous model: a corrupt shard, then an index naming a shard not picked.
    const corrupt = new Uint8Array(shard1);
    new DataView(corrupt.buffer).setUint32(0, 0xffffff, true);
    await page.setInputFiles('#weights-files', payload([{ name: 'broken.safetensors', bytes: corrupt }]));
    await page.waitForSelector('#page-validate[data-load="error"]');
    expect(await page.locator('.source-info [role="alert"]').textContent()).toContain('broken.safetensors');
    expect(await page.locator('#tensor-table').count()).toBe(0);
    expect(await page.locator('#run-validate').isDisabled()).toBe(true);
    await page.setInputFiles('#weights-files', payload(ckpt));
    await page.waitForSelector('#page-validate[data-load="ready"]');
    await page.setInputFiles('#weights-files', payload([ckpt[0], ckpt[2]] as { name: string; bytes: Uint8Array }[]));
    await page.waitForSelector('#page-validate[data-load="error"]');
    expect(await page.locator('.source-info [role="alert"]').textContent()).toContain(s2);
    expect(await page.locator('#tensor-table').count()).toBe(0);
    expect(await page.locator('#run-validate').isDisabled()).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
  }, 180_000);

  it('takes a folder (webkitdirectory) and dropped files as one model', async () => {
    // A folder holding a checkpoint: two .npy tensors, a .safetensors one, and files that are not weights.
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-app-folder-'));
    const folder = join(dir, 'ckpt');
    mkdirSync(folder);
    const a = sampleWeights({ rows: 16, cols: 128, seed: 91 }).data;
    const b = sampleWeights({ rows: 8, cols: 256, seed: 92 }).data;
    writeFileSync(join(folder, 'a.npy'), writeNpy(a, [16, 128]));
    writeFileSync(join(folder, 'b.safetensors'), writeSafetensors([{ name: 'b.weight', shape: [8, 256], data: b }]));
    writeFileSync(join(folder, 'config.json'), '{}');
    writeFileSync(join(folder, 'README.md'), 'not weights');
    const page = await openPage(context, 'validate');
    await page.setInputFiles('#weights-folder', folder);
    await page.waitForSelector('#page-validate[data-load="ready"]');
    expect(await page.locator('.source-info').textContent()).toContain('ckpt/');
    expect(await page.locator('#tensor-table tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.tensor))).toEqual(['a', 'b.weight']);
    expect(await page.locator('#tensor-table tr[data-tensor="a"] td.shard').textContent()).toBe('ckpt/a.npy');
    await page.click('#schemes-none');
    await page.check('input[data-scheme="int4"]');
    await page.uncheck('input[data-testid="check-kernels"]');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 60_000 });
    for (const [name, w, rows, cols] of [['a', a, 16, 128], ['b.weight', b, 8, 256]] as const) {
      const e = evaluateScheme(w, rows, cols, 'int4');
      expect(await page.locator(`#model-table tr[data-tensor="${name}"] [data-col="nmse"]`).getAttribute('title')).toBe(`exact: ${e.metrics.nmse}`);
    }

    // A drop of two files (a synthetic DataTransfer: no folder entries, so its file list is read).
    const drop = await page.evaluateHandle(
      ([x, y]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(x as number[])], 'x.npy'));
        dt.items.add(new File([new Uint8Array(y as number[])], 'y.npy'));
        return dt;
      },
      [Array.from(writeNpy(a, [16, 128])), Array.from(writeNpy(b, [8, 256]))],
    );
    await page.dispatchEvent('[data-testid="drop-zone"]', 'drop', { dataTransfer: drop });
    await expect.poll(() => page.locator('#tensor-table tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.tensor))).toEqual(['x', 'y']);
    expect(await page.locator('#tensor-count').textContent()).toMatch(/^2 of 2 tensors selected/);
    await page.close();
    rmSync(dir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  }, 90_000);

  it('reads a tensor that lies beyond 2 GiB in a 2.1 GiB file (sparse), through Blob.slice: no size refusal, no whole-file read', async () => {
    // A .safetensors whose first tensor (1-D U8, listed but not quantized) fills 2^31 + 4096 bytes;
    // the weight matrix after it starts past the 2 GiB mark. The file is sparse: only its ends are written.
    const w = sampleWeights({ rows: 16, cols: 128, seed: 95 }).data;
    const pad = 2 ** 31 + 4096;
    const headerJson = JSON.stringify({
      'pad.buffer': { dtype: 'U8', shape: [pad], data_offsets: [0, pad] },
      'layer.weight': { dtype: 'F32', shape: [16, 128], data_offsets: [pad, pad + w.byteLength] },
    });
    const headerBytes = new TextEncoder().encode(headerJson.padEnd(Math.ceil(headerJson.length / 8) * 8, ' '));
    const lead = new Uint8Array(8 + headerBytes.length);
    new DataView(lead.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
    lead.set(headerBytes, 8);
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-app-big-'));
    const path = join(dir, 'big.safetensors');
    const fd = openSync(path, 'w');
    writeSync(fd, lead, 0, lead.length, 0);
    writeSync(fd, new Uint8Array(w.buffer, w.byteOffset, w.byteLength), 0, w.byteLength, lead.length + pad);
    closeSync(fd);
    expect(statSync(path).size).toBeGreaterThan(2 ** 31);
    try {
      const page = await openPage(context, 'validate');
      await page.setInputFiles('#weights-files', path);
      await page.waitForSelector('#page-validate[data-load="ready"]', { timeout: 30_000 });
      expect(await page.locator('.source-info').textContent()).toContain('2.0 GiB');
      expect(await page.locator('#tensor-table tr[data-tensor="pad.buffer"]').textContent()).toContain('only 2-D weight matrices');
      await page.click('#schemes-none');
      await page.check('input[data-scheme="int4"]');
      await page.uncheck('input[data-testid="check-kernels"]');
      await page.click('#run-validate');
      await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 60_000 });
      const e = evaluateScheme(w, 16, 128, 'int4');
      expect(await page.locator('.tensor-details table.metrics tr[data-scheme="int4"] td[data-col="nmse"]').getAttribute('title')).toBe(`exact: ${e.metrics.nmse}`);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
  }, 90_000);

  it('runs the GPU verification matrix (lowbit verify) for a scheme and names every variant, skipped ones with a reason', async () => {
    const page = await openPage(context, 'validate');
    if ((await page.evaluate(() => document.body.dataset.gpu)) !== 'yes') {
      expect(await page.locator('#run-verify').isDisabled()).toBe(true);
      return;
    }
    await page.click('#verify-panel > summary');
    await page.fill('#verify-panel input[type="text"]', 'bitmod4');
    await page.click('#run-verify');
    await page.waitForSelector('#verify-panel[data-state="done"]', { timeout: 100_000 });
    const rows = await page.locator('#verify-table tbody tr').evaluateAll((trs) => trs.map((tr) => `${(tr as HTMLElement).dataset.status} ${tr.querySelector('code')?.textContent} ${tr.querySelector('.status-cell')?.textContent}`));
    expect(rows.some((r) => r.startsWith('pass dequantize'))).toBe(true);
    expect(rows.filter((r) => r.startsWith('pass ')).length).toBeGreaterThanOrEqual(3);
    expect(rows.filter((r) => /^(fail|error) /.test(r))).toEqual([]);
    for (const r of rows.filter((x) => x.startsWith('skip '))) expect(r).toMatch(/skipped: adapter lacks [a-z0-9_-]+/);
    await page.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('explores a datatype: the encoder shows the codec result and the tie rule; number lines have spaced, labelled ticks', async () => {
    const page = await openPage(context, 'explore');
    await page.selectOption('#dtype-select', 'float4_e2m1fn');
    await page.fill('#encode-input', '2.5');
    const code = encode('float4_e2m1fn', 2.5);
    await expect.poll(() => page.locator('#encode-table td[data-field="code"]').textContent()).toContain(`${code} (0x`);
    expect(await page.locator('#encode-table td[data-field="decoded-value"]').textContent()).toBe(String(decode('float4_e2m1fn', code)));
    expect(await page.locator('#encode-rounding').textContent()).toContain('a tie');
    // 15 finite values, one tick each.
    expect(await page.locator('.line-box svg g[aria-label="tick"] line').count()).toBe(15);
    await expectChartAxes(page, '#page-explore', 1);
    // The widest formats: E8M0 on a log axis and E5M2 on a symlog axis, labels apart from each other.
    for (const name of ['float8_e8m0fnu', 'float8_e5m2'] as const) {
      await page.selectOption('#dtype-select', name);
      const boxes = await page.locator('.line-box svg g[aria-label="x-axis tick label"] text').evaluateAll((ts) => ts.map((t) => (t as SVGGraphicsElement).getBoundingClientRect()).map((r) => [r.left, r.right]));
      expect(boxes.length, name).toBeGreaterThanOrEqual(3);
      const sorted = boxes.sort((a, b) => (a[0] as number) - (b[0] as number));
      for (let i = 1; i < sorted.length; i++) expect((sorted[i] as number[])[0], `${name}: labels overlap`).toBeGreaterThanOrEqual((sorted[i - 1] as number[])[1] as number);
    }
    await page.selectOption('#dtype-select', 'float8_e4m3fn');
    await page.fill('#encode-input', '1000');
    await expect.poll(() => page.locator('#encode-rounding').textContent()).toContain('saturates to 448');
    await screenshot(page, 'explore-e4m3');
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it("learns: the walkthroughs' numbers equal the library's kernels, stepped through with Next step", async () => {
    const page = await openPage(context, 'learn');
    // LUT walkthrough for int3: step to the end with the Next button, then read the check table.
    const lut = page.locator('.stepper[data-walk="lut"]');
    const steps = Number(await lut.getAttribute('data-steps'));
    for (let i = 1; i < steps; i++) await lut.locator('button[data-act="next"]').click();
    expect(await lut.getAttribute('data-step')).toBe(String(steps - 1));
    expect(await lut.locator('button[data-act="next"]').isDisabled()).toBe(true);
    for (const scheme of ['int3', 'int4_asym', 'ternary'] as const) {
      await page.selectOption('#learn-lut-scheme', scheme);
      await lut.locator('input[data-act="all"]').check();
      const w = sampleWeights({ rows: LUT_N, cols: LUT_K, seed: LUT_SEED }).data;
      const y = matmulLutF32(LUT_X, 1, quantize(w, LUT_N, LUT_K, scheme, { group: LUT_K }));
      const walk = await lut.locator('table.lut-check [data-walk]').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.walk)));
      expect(walk, scheme).toEqual(Array.from(y));
    }
    // Bit-serial walkthrough for bitmod4 and int4 (Booth terms).
    const bs = page.locator('.stepper[data-walk="bitserial"]');
    for (const scheme of ['bitmod4', 'int4'] as const) {
      await page.locator('#learn-bitserial select').nth(1).selectOption(scheme);
      const n = Number(await bs.getAttribute('data-steps'));
      for (let i = 1; i < n; i++) await bs.locator('button[data-act="next"]').click();
      const w = sampleWeights({ rows: 1, cols: BS_K, seed: BS_SEED }).data;
      const y = matmulBitSerial(BS_X, 1, quantize(w, 1, BS_K, scheme, { group: BS_K }));
      expect(Number(await bs.locator('table.bs-check [data-walk]').getAttribute('data-walk')), scheme).toBe(y[0]);
    }
    // Every lesson shown whole: the charts have labelled axes; MX and NVFP4 match the library's quantize.
    for (const box of await page.locator('.stepper input[data-act="all"]').all()) await box.check();
    await expectChartAxes(page, '#page-learn', 3);
    expect(await page.locator('#learn-bitmod .chosen-tag').textContent()).toContain('✓');
    for (const scheme of ['mxfp4', 'nvfp4'] as const) {
      await page.selectOption('#learn-block-scheme', scheme);
      await page.locator('.stepper[data-walk="blocks"] input[data-act="all"]').check();
      expect(await page.locator('#learn-blocks .ok-line').last().textContent(), scheme).toContain('✓ identical');
    }
    await screenshot(page, 'learn-all-steps');
    await page.close();
    expect(problems).toEqual([]);
  }, 90_000);

  it('runs the GPU benchmark (tiny preset) and reports GB/s against the copy kernel', async () => {
    const page = await openPage(context, 'bench');
    const gpu = await page.evaluate(() => document.body.dataset.gpu);
    if (gpu !== 'yes') {
      expect(await page.locator('#run-bench').isDisabled()).toBe(true);
      return;
    }
    await page.selectOption('#bench-preset', 'tiny');
    await page.click('#run-bench');
    await page.waitForSelector('#page-bench[data-state="done"]', { timeout: 100_000 });
    const rows = await page.locator('#bench-table tbody tr[data-status="ok"][data-role="kernel"]').count();
    expect(rows).toBeGreaterThan(0);
    const fractions = await page.locator('#bench-table tbody tr[data-status="ok"][data-role="kernel"] td[data-col="fraction"]').allTextContents();
    expect(fractions.every((f) => /^\d+(\.\d)? %$/.test(f))).toBe(true);
    expect(await page.locator('#bench-chart svg g[aria-label="bar"] rect').count()).toBeGreaterThan(0);
    // Variants the adapter cannot run say why in a few words.
    for (const t of await page.locator('#bench-table tbody tr[data-status="unavailable"] .status-cell').allTextContents()) expect(t).toMatch(/^skipped: adapter lacks [a-z0-9_-]+/);
    // The copy bandwidth is drawn as a reference tick on the rows.
    expect(await page.locator('#bench-chart svg g[aria-label="tick"] line').count()).toBeGreaterThan(0);
    await expectChartAxes(page, '#page-bench', 1);
    await screenshot(page, 'bench-tiny');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    await expectNoOverflow(page, 'bench at 390 px');
    await expectChartAxes(page, '#page-bench', 1);
    await screenshot(page, 'bench-tiny-390');
    await page.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('works without WebGPU and on a 390 px screen: no page is wider than the screen, tables say they scroll or become cards', async () => {
    const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    // Hide WebGPU from the page (the worker only uses the GPU when the page found one).
    await narrow.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
    const page = await openPage(narrow, 'validate');
    expect(await page.locator('#gpu-status').textContent()).toContain('No WebGPU');
    await page.click('#schemes-none');
    for (const s of ['int2', 'int4', 'bitmod4'] as const) await page.check(`input[data-scheme="${s}"]`);
    await page.click('#use-sample');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 60_000 });
    const backends = await page.locator('.kernel-details tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.backend));
    expect(backends.length).toBeGreaterThan(0);
    expect(backends.every((b) => b === 'cpu' || b === 'wasm')).toBe(true);
    await page.click('.tensor-details > summary');
    await page.click('.kernel-details > summary');
    // The summary is cards; every other table that is wider than the screen says it scrolls.
    expect(await page.locator('#summary-table tr[data-scheme="int4"]').evaluate((tr) => getComputedStyle(tr).display)).toBe('grid');
    const hints = await page.locator('#page-validate .table-scroll').evaluateAll((ws) =>
      ws.filter((w) => (w as HTMLElement).offsetParent !== null).map((w) => ({ over: (w as HTMLElement).dataset.overflow === 'true', hint: !(w.querySelector('.scroll-hint') as HTMLElement).hidden })),
    );
    expect(hints.some((x) => x.over)).toBe(true);
    for (const x of hints) expect(x.hint).toBe(x.over);
    await expectChartAxes(page, '#page-validate', 3);
    await expectNoOverflow(page, 'validate at 390 px');
    await screenshot(page, 'validate-390-no-webgpu');
    for (const hash of ['explore', 'bench', 'learn'] as const) {
      await page.click(`#tab-${hash}`);
      await page.waitForSelector(`#page-${hash}[data-ready="true"]`);
      if (hash === 'explore') await page.selectOption('#dtype-select', 'float8_e8m0fnu');
      if (hash === 'learn') for (const box of await page.locator('.stepper input[data-act="all"]').all()) await box.check();
      if (hash !== 'bench') await expectChartAxes(page, `#page-${hash}`, 1);
      await expectNoOverflow(page, `${hash} at 390 px`);
      await screenshot(page, `${hash}-390`);
    }
    await page.close();
    await narrow.close();
    expect(problems).toEqual([]);
  }, 120_000);
});
