// The published package as a user gets it: `npm pack`, install the tarball into an empty project, type-check and run examples/ (Node ESM, strict TypeScript, Node GPU, a Vite browser bundle in Chromium) and every CLI command with production dependencies only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import { chromium } from 'playwright-core';
import { CHROMIUM_WEBGPU_FLAGS } from '../chromium-flags.js';
import { baseUrl, serveStatic } from '../static-server.js';
import { writeNpy } from '../../src/io/npy.js';
import { seededRandn } from '../../src/io/random.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'node_modules', '.bin');
const CHROMIUM = process.env.LOWBIT_CHROMIUM ?? '/usr/bin/chromium';
const CI = process.env.CI === 'true' || process.env.CI === '1';
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const TYPES_NODE = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version;

interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Runs a command; never throws for a non-zero exit (the caller checks `code`). */
function sh(cmd: string, args: readonly string[], cwd: string, timeoutMs = 300_000): Promise<Ran> {
  return new Promise((ok) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (err, out, errOut) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      ok({ code, out: String(out), err: String(errOut) });
    });
  });
}

/** Fails with the command's output when it did not exit 0. */
function expectOk(r: Ran, what: string): void {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n--- stdout\n${r.out.slice(-4000)}\n--- stderr\n${r.err.slice(-4000)}`);
}

/** Native Vulkan loader noise and npm config warnings that a quiet command must not print. */
const NOISE = [/vkCreateInstance/, /CheckVkSuccessImpl/, /npm warn/i, /Unknown (project|env) config/];

function expectQuiet(r: Ran, what: string): void {
  for (const re of NOISE) expect(r.err, `${what} printed ${re}`).not.toMatch(re);
}

let work = '';
let app = '';
let tarball = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lowbit-pkg-'));
  const packed = await sh('npm', ['pack', '--pack-destination', work], ROOT);
  expectOk(packed, 'npm pack');
  expectQuiet(packed, 'npm pack');
  tarball = join(work, `${PKG.name}-${PKG.version}.tgz`);
  expect(existsSync(tarball)).toBe(true);
  app = join(work, 'app');
  cpSync(join(ROOT, 'examples'), app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'lowbit-consumer', private: true, type: 'module' }, null, 2));
  // The consumer's own dev tools (Node typings) come from the npm cache the checkout's install filled.
  const inst = await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `@types/node@${TYPES_NODE}`], app);
  expectOk(inst, 'npm install <tarball>');
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed lowbit', () => {
  it('installs only its production dependencies and ships what its commands read', () => {
    const modules = readdirSync(join(app, 'node_modules'));
    for (const dev of Object.keys(PKG.devDependencies)) {
      if (dev === '@types/node') continue;
      expect(modules, `devDependency ${dev} was installed`).not.toContain(dev.split('/')[0]);
    }
    const pkgDir = join(app, 'node_modules', 'lowbit');
    for (const f of ['bench/shapes.json', 'bench/ort-child.mjs', 'dist/index.js', 'dist/index.d.ts', 'dist/gpu/index.d.ts', 'dist/node.d.ts', 'bin/lowbit.js', 'LICENSE']) {
      expect(existsSync(join(pkgDir, f)), f).toBe(true);
    }
    expect(existsSync(join(pkgDir, 'src', 'app'))).toBe(false);
  });

  it('cites only documents it ships: no comment or doc points at design notes outside the package', () => {
    const pkgDir = join(app, 'node_modules', 'lowbit');
    const unshipped = /\b(DESIGN|REFERENCES|STYLE)\.md\b/;
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== 'node_modules') walk(p);
        } else if (/\.(ts|js|mjs|md|wgsl|json)$/.test(e.name) && unshipped.test(readFileSync(p, 'utf8'))) {
          offenders.push(p.slice(pkgDir.length + 1));
        }
      }
    };
    walk(pkgDir);
    expect(offenders).toEqual([]);
    // The documents the comments do cite are in the package.
    for (const doc of ['docs/KERNELS.md', 'docs/FORMATS.md']) expect(existsSync(join(pkgDir, doc)), doc).toBe(true);
  });

  it('runs the plain JavaScript example (import from "lowbit" in an .mjs)', async () => {
    const r = await sh('node', ['quickstart.mjs'], app);
    expectOk(r, 'node quickstart.mjs');
    expect(r.out).toMatch(/^int4: 4\.125 bits\/weight, NMSE \d/m);
    expect(r.out).toMatch(/^bitmod4: 4\.141 bits\/weight/m);
  });

  it('type-checks the TypeScript examples with strict and skipLibCheck false, then runs them', async () => {
    const tsc = await sh(join(BIN, 'tsc'), ['-p', 'tsconfig.json'], app);
    expectOk(tsc, 'tsc -p examples/tsconfig.json');
    const browserTsc = await sh(join(BIN, 'tsc'), ['-p', 'browser/tsconfig.json'], app);
    expectOk(browserTsc, 'tsc -p examples/browser/tsconfig.json');
    const r = await sh('node', ['out/quantize-matmul.js'], app);
    expectOk(r, 'node out/quantize-matmul.js');
    expect(r.out).toMatch(/int4\s+dequant .*within bound/);
    expect(r.out).toMatch(/bitmod4\s+bitserial .*within bound/);
    expect(r.out).not.toMatch(/exceeds|WRONG/i);
  });

  it('type-checks and runs the README\'s library snippets as written', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('## Use it as a library');
    expect(start).toBeGreaterThan(0);
    const end = readme.indexOf('\n## ', start + 1);
    const blocks = [...readme.slice(start, end).matchAll(/```ts\n([\s\S]*?)```/g)].map((b) => b[1] as string);
    expect(blocks.length).toBe(3);
    mkdirSync(join(app, 'readme'), { recursive: true });
    const names = blocks.map((b, i) => {
      const name = `readme/snippet-${i + 1}.ts`;
      writeFileSync(join(app, name), b);
      return name;
    });
    writeFileSync(join(app, 'readme.tsconfig.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { outDir: 'readme-out', rootDir: 'readme' }, include: names }));
    const tsc = await sh(join(BIN, 'tsc'), ['-p', 'readme.tsconfig.json'], app);
    expectOk(tsc, 'tsc on the README snippets');
    const cpu = await sh('node', ['readme-out/snippet-1.js'], app);
    expectOk(cpu, 'README snippet 1');
    expect(cpu.out).toMatch(/^int4: 4\.125 bits\/weight, NMSE .*ok/m);
    expect(cpu.out).toMatch(/^bitmod4: /m);
    const wasm = await sh('node', ['readme-out/snippet-2.js'], app);
    expectOk(wasm, 'README snippet 2 (WebAssembly kernels on threads)');
    expect(wasm.out).toMatch(/^ok: worst error\/bound /m);
    const gpu = await sh('node', ['readme-out/snippet-3.js'], app);
    if (gpu.code !== 0 && /No WebGPU adapter/.test(gpu.err) && !CI) return;
    expectOk(gpu, 'README snippet 3');
    expect(gpu.out).toMatch(/dequant-gemv\/plain/);
    expectQuiet(gpu, 'README snippet 3');
  });

  it('runs the GPU example in Node on the adapter lowbit finds, without native driver noise', async () => {
    const r = await sh('node', ['out/gpu-node.js'], app);
    if (r.code !== 0 && /No WebGPU adapter/.test(r.err) && !CI) {
      console.warn(`GPU example skipped: no WebGPU adapter here (${r.err.trim().split('\n')[0]})`);
      return;
    }
    expectOk(r, 'node out/gpu-node.js');
    expect(r.out).toMatch(/dequant-gemv\/plain: .* within the bound of the f64 oracle/);
    expectQuiet(r, 'gpu-node example');
  });

  it('bundles the browser example with Vite without Node modules and runs it on WebGPU in Chromium', async () => {
    const out = join(app, 'browser', 'dist');
    const built = await sh(join(BIN, 'vite'), ['build', '--logLevel', 'warn', '--base', './', '--outDir', out], join(app, 'browser'));
    expectOk(built, 'vite build examples/browser');
    expect(built.out + built.err).not.toMatch(/externalized for browser compatibility/);
    const assets = readdirSync(join(out, 'assets')).filter((f) => f.endsWith('.js'));
    for (const f of assets) expect(readFileSync(join(out, 'assets', f), 'utf8'), f).not.toMatch(/from\s*["']node:|require\(["']node:/);
    if (!existsSync(CHROMIUM)) {
      if (CI) throw new Error(`no Chromium at ${CHROMIUM}`);
      console.warn(`browser example not run: no Chromium at ${CHROMIUM}`);
      return;
    }
    let server: Server | undefined;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_WEBGPU_FLAGS] });
    try {
      server = await serveStatic(out);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(baseUrl(server));
      await page.waitForFunction(() => /RESULT/.test(document.getElementById('out')?.textContent ?? ''), undefined, { timeout: 120_000 });
      const text = (await page.textContent('#out')) ?? '';
      expect(text, text).toContain('RESULT ok');
      expect(text).toMatch(/bitmod4: 4\.141 bits\/weight/);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server?.close();
    }
  });

  it('runs every CLI command from the installed package, quietly', async () => {
    const lowbit = join(app, 'node_modules', '.bin', 'lowbit');
    const w = seededRandn(16 * 64, 5);
    writeFileSync(join(app, 'w.npy'), writeNpy(w, [16, 64]));
    const runs: [string, string[], RegExp][] = [
      ['--help', ['--help'], /Commands:/],
      ['help quantize', ['help', 'quantize'], /Usage: lowbit quantize/],
      ['dtypes', ['dtypes'], /float8_e5m2/],
      ['quantize', ['quantize', '--in', 'w.npy', '--scheme', 'int4', '--group', '32', '--out', 'deq.npy'], /NMSE/],
      ['matmul', ['matmul', '--scheme', 'bitmod4', '--kernel', 'bitserial'], /check {6}pass/],
      ['report', ['report', '--no-gpu'], /bitmod4/],
      ['gpu', ['gpu'], /adapter/],
      ['verify', ['verify', '--quick', '--schemes', 'int4'], /int4/],
      ['bench', ['bench', '--preset', 'tiny', '--only', 'cpu,peers', '--peers', 'cpu', '--no-files'], /peers/],
    ];
    for (const [what, args, expected] of runs) {
      const r = await sh(lowbit, args, app);
      if ((what === 'gpu' || what === 'verify') && r.code !== 0 && /No WebGPU adapter/.test(r.err) && !CI) continue;
      expectOk(r, `lowbit ${what}`);
      expect(r.out, `lowbit ${what}`).toMatch(expected);
      expectQuiet(r, `lowbit ${what}`);
      if (what === 'bench') {
        expect(r.out).toContain('not installed: npm install onnxruntime-node');
        expect(r.out).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (package|module)/);
      }
    }
    expect(existsSync(join(app, 'deq.npy'))).toBe(true);
    expect(existsSync(join(app, 'bench-results'))).toBe(false);
  });
});
