// The browser app end to end: Vite build, dist-app served on 127.0.0.1, Chromium (WebGPU on SwiftShader) driving every page.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'vite';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { evaluateScheme } from '../../src/quant/evaluate.js';
import { SCHEME_NAMES } from '../../src/quant/schemes.js';
import { CPU_KERNELS, CPU_KERNEL_NAMES } from '../../src/cpu/kernels.js';
import { sampleWeights } from '../../src/io/sample.js';
import { writeNpy } from '../../src/io/npy.js';
import { schemeTable } from '../../src/cli/cmd-quantize.js';
import { decode, encode } from '../../src/dtype/codec.js';
import { decodePng, pixelStats } from './png.js';
import { CHROMIUM_WEBGPU_FLAGS } from '../chromium-flags.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist-app');
const SHOTS = join(ROOT, 'test-results', 'app-screenshots');
const CHROMIUM = process.env.LOWBIT_CHROMIUM ?? '/usr/bin/chromium';
const CI = process.env.CI === 'true' || process.env.CI === '1';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !CI) console.warn(`app tests skipped: no Chromium at ${CHROMIUM} (set LOWBIT_CHROMIUM)`);

/** Schemes of the sample check: one of each family, a mixture, the block formats and ternary. */
const SAMPLE_SCHEMES = ['int4', 'int3_asym', 'nf4', 'bitmod4', 'ant3', 'mxfp4', 'nvfp4', 'fp8_e4m3', 'ternary'];
/**
 * Schemes whose matmul kernels the Validate check runs: int4 takes every kernel family (dequant,
 * LUT, bit-serial). The mixture's GPU variants are covered by the verify-matrix test (bitmod4).
 */
const KERNEL_SCHEMES = ['int4'];

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/** A static file server for dist-app (GET only, no directory escapes). */
function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const file = resolve(dir, rel === '' ? 'index.html' : rel);
    if (!file.startsWith(dir + sep) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

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
    server = await serve(DIST);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
    for (const hash of ['validate', 'explore', 'bench', 'learn']) {
      await page.click(`#tab-${hash}`);
      await page.waitForSelector(`#page-${hash}[data-ready="true"]`);
      expect(await page.locator(`#tab-${hash}`).getAttribute('aria-selected')).toBe('true');
      expect(await page.evaluate(() => location.hash)).toBe(`#${hash}`);
      if (hash === 'learn') {
        // Every walkthrough rendered: LUT check table, BitMoD candidates, bit-serial terms (16 codes of fp4_er_pos) and its check.
        expect(await page.locator('table.lut-check tbody tr').count()).toBe(2);
        expect(await page.locator('.chosen-tag').count()).toBe(1);
        expect(await page.locator('#bitserial-terms tbody tr').count()).toBe(16);
        expect(await page.locator('table.bs-check tbody tr').count()).toBe(1);
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

  it('validates the built-in sample with the numbers the CLI prints, and the kernels agree with the oracle', async () => {
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
      const row = page.locator(`#results-table tr[data-scheme="${s}"]`);
      const cell = (col: string) => row.locator(`td[data-col="${col}"]`).textContent();
      const want = cli.get(s) as string[];
      // CLI columns: scheme, group, bits/w, NMSE, SQNR dB, max |err|, cosine, ms, variants.
      expect([await cell('group'), await cell('bits'), await cell('nmse'), await cell('sqnr'), await cell('maxerr'), await cell('cosine')], s).toEqual(want.slice(1, 7));
      expect(await cell('variants'), s).toBe(want[8] ?? '');
    }
    await page.click('#results-table tr[data-scheme="bitmod4"] button');
    expect(await page.locator('.hist-panel .caption').textContent()).toContain('bitmod4');
    expect(await page.locator('.hist-panel svg.histogram .levels line').count()).toBeGreaterThan(10);
    expect(await page.locator('#variant-shares .share').count()).toBe(2);
    await screenshot(page, 'validate-sample-results');

    const download = page.waitForEvent('download');
    await page.click('#export-json');
    const json = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as { results: { scheme: string; bitsPerWeight: number }[] };
    // The app runs schemes in registry order.
    const order = SCHEME_NAMES.filter((s) => SAMPLE_SCHEMES.includes(s));
    expect(json.results.map((r) => r.scheme)).toEqual(order);
    expect(json.results.map((r) => r.bitsPerWeight)).toEqual(order.map((s) => evaluateScheme(smp.data, smp.rows, smp.cols, s).bitsPerWeight));

    // Kernel check on two schemes (every CPU kernel and GPU variant that applies runs; SwiftShader compiles slowly).
    await page.click('#schemes-none');
    for (const s of KERNEL_SCHEMES) await page.check(`input[data-scheme="${s}"]`);
    await page.check('input[data-testid="check-kernels"]');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 100_000 });
    const statuses = await page.locator('#kernel-table tbody tr').evaluateAll((trs) => trs.map((tr) => `${(tr as HTMLElement).dataset.backend}:${(tr as HTMLElement).dataset.status}:${tr.textContent}`));
    expect(statuses.filter((s) => /:(mismatch|error):/.test(s))).toEqual([]);
    // Every CPU kernel of the registry that takes the scheme ran and agreed (ref is the oracle itself).
    const cpuExpected = KERNEL_SCHEMES.flatMap((sc) => CPU_KERNEL_NAMES.filter((n) => n !== 'ref' && CPU_KERNELS[n].supports(sc) === true));
    expect(statuses.filter((s) => s.startsWith('cpu:ok')).length).toBe(cpuExpected.length);
    if (gpu === 'yes') {
      expect(statuses.filter((s) => s.startsWith('gpu:ok')).length).toBeGreaterThanOrEqual(3);
      expect(await page.locator('#kernel-summary').textContent()).toMatch(/GPU: (\d+)\/\1 variant runs agree/);
    }
    await screenshot(page, 'validate-kernels');
    await page.close();
    expect(problems).toEqual([]);
  }, 200_000);

  it('reads an uploaded .npy, refuses a 3-D one clearly, and cancels a running job', async () => {
    const page = await openPage(context, 'validate');
    const w = sampleWeights({ rows: 64, cols: 128, seed: 5 });
    await page.setInputFiles('input[type="file"]', { name: 'layer.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(writeNpy(w.data, [64, 128])) });
    await expect.poll(() => page.locator('.tensor-list').textContent()).toContain('layer.npy [64 × 128]');
    await page.uncheck('input[data-testid="check-kernels"]');
    await page.click('#schemes-none');
    await page.check('input[data-scheme="int4"]');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 60_000 });
    const want = parseCliTable(schemeTable([evaluateScheme(w.data, 64, 128, 'int4')])).get('int4') as string[];
    expect(await page.locator('#results-table tr[data-scheme="int4"] td[data-col="nmse"]').textContent()).toBe(want[3]);
    expect(await page.locator('#results-table tr[data-scheme="int4"] td[data-col="bits"]').textContent()).toBe(want[2]);

    await page.setInputFiles('input[type="file"]', { name: 'cube.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(writeNpy(new Float32Array(24), [2, 3, 4])) });
    await expect.poll(() => page.locator('#page-validate').textContent()).toContain('only 2-D weight matrices');
    expect(await page.locator('#run-validate').isDisabled()).toBe(true);

    // Cancel: every scheme on the sample takes seconds; Cancel ends it at once and a new run works.
    await page.click('#use-sample');
    await page.click('button:text("All")');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="running"]');
    await page.click('#cancel-validate');
    await page.waitForSelector('#page-validate[data-state="cancelled"]', { timeout: 5_000 });
    expect(await page.locator('#validate-status').textContent()).toContain('Cancelled');
    await page.click('#schemes-none');
    await page.check('input[data-scheme="int8"]');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 60_000 });
    expect(await page.locator('#results-table tr[data-scheme="int8"]').count()).toBe(1);
    await page.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('runs the GPU verification matrix (lowbit verify) for a scheme and names every variant', async () => {
    const page = await openPage(context, 'validate');
    if ((await page.evaluate(() => document.body.dataset.gpu)) !== 'yes') {
      expect(await page.locator('#run-verify').isDisabled()).toBe(true);
      return;
    }
    await page.fill('#verify-panel input[type="text"]', 'bitmod4');
    await page.click('#run-verify');
    await page.waitForSelector('#verify-panel[data-state="done"]', { timeout: 100_000 });
    const rows = await page.locator('#verify-table tbody tr').evaluateAll((trs) => trs.map((tr) => `${(tr as HTMLElement).dataset.status} ${tr.querySelector('code')?.textContent}`));
    expect(rows).toContain('pass dequantize');
    expect(rows.filter((r) => r.startsWith('pass ')).length).toBeGreaterThanOrEqual(3);
    expect(rows.filter((r) => /^(fail|error) /.test(r))).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('explores a datatype: the encoder shows the codec result and the tie rule', async () => {
    const page = await openPage(context, 'explore');
    await page.selectOption('#dtype-select', 'float4_e2m1fn');
    await page.fill('#encode-input', '2.5');
    const code = encode('float4_e2m1fn', 2.5);
    await expect.poll(() => page.locator('#encode-table td[data-field="code"]').textContent()).toContain(`${code} (0x`);
    expect(await page.locator('#encode-table td[data-field="decoded-value"]').textContent()).toBe(String(decode('float4_e2m1fn', code)));
    expect(await page.locator('#encode-rounding').textContent()).toContain('a tie');
    expect(await page.locator('svg.numberline .ticks line').count()).toBe(15);
    await page.selectOption('#dtype-select', 'float8_e4m3fn');
    await page.fill('#encode-input', '1000');
    await expect.poll(() => page.locator('#encode-rounding').textContent()).toContain('saturates to 448');
    await screenshot(page, 'explore-e4m3');
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);

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
    expect(await page.locator('#bench-chart svg .bar').count()).toBeGreaterThan(0);
    await screenshot(page, 'bench-tiny');
    await page.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('works without WebGPU and on a narrow screen', async () => {
    const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    // Hide WebGPU from the page (the worker only uses the GPU when the page found one).
    await narrow.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
    const page = await openPage(narrow, 'validate');
    expect(await page.locator('#gpu-status').textContent()).toContain('No WebGPU');
    await page.click('#schemes-none');
    await page.check('input[data-scheme="int2"]');
    await page.click('#use-sample');
    await page.click('#run-validate');
    await page.waitForSelector('#page-validate[data-state="done"]', { timeout: 60_000 });
    const backends = await page.locator('#kernel-table tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.backend));
    expect(backends.length).toBeGreaterThan(0);
    expect(backends.every((b) => b === 'cpu')).toBe(true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'validate-narrow-no-webgpu');
    await page.close();
    await narrow.close();
    expect(problems).toEqual([]);
  }, 90_000);
});
