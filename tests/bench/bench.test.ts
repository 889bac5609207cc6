// Plumbing of `lowbit bench`: the tiny preset runs every suite and writes valid JSON, CSV, markdown and a benny chart.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../src/bench/run.js';
import { CSV_COLUMNS, parseCsv, toMarkdown } from '../../src/bench/output.js';
import { combinePasses, spreadNote } from '../../src/bench/benny-run.js';
import { benchCommand } from '../../src/cli/cmd-bench.js';
import { UsageError } from '../../src/cli/args.js';
import { parseShapesTable } from '../../src/bench/shapes.js';
import { loadPreset, SHAPES_URL } from '../../src/bench/shapes-file.js';
import { SUITE_NAMES, type BenchReport } from '../../src/bench/types.js';
import { defaultWasmThreads } from '../../src/cpu/wasm-threads.js';

const STATUSES = ['ok', 'wrong', 'unsupported', 'unavailable', 'error'];

describe('lowbit bench, tiny preset', () => {
  let dir: string;
  let report: BenchReport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lowbit-bench-'));
    // ORT's WebGPU provider is left out: its rows must then say 'unavailable'.
    report = await runBench({ preset: 'tiny', outDir: dir, peerProviders: ['cpu'] });
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes JSON with the expected top-level fields and environment', () => {
    const json = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as BenchReport;
    expect(json.schema).toBe('lowbit-bench/1');
    expect(json.preset).toBe('tiny');
    expect(json.suites).toEqual([...SUITE_NAMES]);
    for (const key of ['date', 'cpuModel', 'cpuCores', 'node', 'chromium', 'lowbit', 'onnxruntime', 'adapter'] as const) {
      expect(json.environment[key], key).toBeDefined();
    }
    expect(typeof json.environment.adapter.available).toBe('boolean');
    expect(json.rows.length).toBe(report.rows.length);
    expect(Array.isArray(json.headlines)).toBe(true);
  });

  it('has rows for every suite, each with a known status and its limits', () => {
    for (const suite of SUITE_NAMES) expect(report.rows.some((r) => r.suite === suite), suite).toBe(true);
    for (const r of report.rows) {
      expect(STATUSES, r.name).toContain(r.status);
      for (const c of CSV_COLUMNS) expect(r, `${r.name}.${c}`).toHaveProperty(c);
      if (r.status === 'ok' && r.suite !== 'quantize') {
        expect(r.ms, r.name).toBeGreaterThan(0);
        expect(r.gbps, r.name).toBeGreaterThan(0);
        expect(r.gflops, r.name).toBeGreaterThan(0);
      }
    }
    const quantize = report.rows.filter((r) => r.suite === 'quantize' && r.status === 'ok');
    expect(quantize.length).toBeGreaterThan(0);
    for (const r of quantize) expect(r.mbPerS, r.name).toBeGreaterThan(0);
    // CPU rows carry the memcpy baseline and the f32 loop beside each kernel.
    const cpu = report.rows.filter((r) => r.suite === 'cpu' && r.role === 'kernel' && r.status === 'ok');
    expect(cpu.length).toBeGreaterThan(0);
    for (const r of cpu) {
      expect(r.copyGbps, r.name).toBeGreaterThan(0);
      expect(r.fractionOfCopy, r.name).toBeGreaterThan(0);
      expect(r.f32Ms, r.name).toBeGreaterThan(0);
    }
    // GPU rows name their clock when measured.
    for (const r of report.rows.filter((x) => x.suite === 'gpu' && x.status === 'ok')) expect(['timestamp-query', 'wall']).toContain(r.timer);
  });

  it('times every WebAssembly kernel on one thread and on every core, checked against the oracle', () => {
    const wasm = report.rows.filter((r) => r.suite === 'cpu' && r.kernel.startsWith('wasm-'));
    const oneThread = wasm.filter((r) => r.variant === '1 thread');
    expect(oneThread.length).toBeGreaterThan(0);
    for (const r of oneThread) expect(['ok', 'unsupported'], `${r.name}: ${r.note}`).toContain(r.status);
    const cores = defaultWasmThreads();
    if (cores > 1) expect(wasm.filter((r) => r.variant === `${cores} threads`).map((r) => `${r.scheme} ${r.kernel} ${r.status}`)).toEqual(oneThread.map((r) => `${r.scheme} ${r.kernel} ${r.status}`));
  });

  it('reports the left-out ORT WebGPU peer as unavailable instead of dropping it', () => {
    const webgpu = report.rows.filter((r) => r.suite === 'peers' && r.kernel === 'ort-webgpu');
    expect(webgpu.length).toBeGreaterThan(0);
    for (const r of webgpu) expect(r.status).toBe('unavailable');
    const ortCpu = report.rows.filter((x) => x.suite === 'peers' && x.kernel === 'ort-cpu');
    for (const r of ortCpu) {
      expect(['ok', 'unavailable', 'wrong']).toContain(r.status);
      if (r.status === 'ok') expect(r.lowbitOverPeer === null || r.lowbitOverPeer > 0).toBe(true);
      // 'all cores' runs ORT on as many threads as lowbit's threaded kernels, whatever ORT's default.
      if (r.status === 'ok' && r.variant === 'all cores') expect(r.note).toContain(`intraOpNumThreads ${defaultWasmThreads()}`);
    }
    expect(new Set(ortCpu.map((r) => r.variant))).toEqual(new Set(['1 thread', 'default threads', 'all cores']));
  });

  it('writes a CSV that parses to one line per row with the documented columns', () => {
    const table = parseCsv(readFileSync(join(dir, 'latest.csv'), 'utf8'));
    expect(table[0]).toEqual([...CSV_COLUMNS]);
    expect(table.length - 1).toBe(report.rows.length);
    for (const line of table.slice(1)) expect(line.length).toBe(CSV_COLUMNS.length);
    const nameCol = CSV_COLUMNS.indexOf('name');
    expect(table.slice(1).map((l) => l[nameCol])).toEqual(report.rows.map((r) => r.name));
  });

  it('writes the markdown summary and the benny charts', () => {
    const md = readFileSync(join(dir, 'latest.md'), 'utf8');
    expect(md).toContain('# lowbit benchmarks');
    expect(md).toContain('adapter:');
    for (const f of report.files) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(report.files.some((f) => f.endsWith('.chart.html'))).toBe(true);
  });
});

describe('bench/shapes.json', () => {
  it('has the tiny, small and llm presets over the real LLM layer shapes', () => {
    const { layers } = parseShapesTable(readFileSync(SHAPES_URL, 'utf8'));
    const dims = [...layers.values()].map((l) => `${l.n}x${l.k}`);
    for (const d of ['4096x4096', '4096x11008', '11008x4096', '14336x4096'] as const) expect(dims).toContain(d);
    const llm = loadPreset('llm');
    expect(new Set(llm.gpu.flatMap((c) => c.m))).toEqual(new Set([1, 8]));
    expect(loadPreset('small').cpu.length).toBeGreaterThan(0);
  });

  it('names the field of a bad entry', () => {
    const bad = JSON.stringify({ layers: { a: { n: 4, k: 8 } }, presets: { p: { timing: { warmup: 0, iterations: 1, bennyMaxTime: 1, bennyMinSamples: 1 }, cpu: [{ layer: 'a', m: [1], schemes: ['int5'] }] } } });
    expect(() => parseShapesTable(bad)).toThrow(/presets\.p\.cpu\[0\]\.schemes has unknown scheme "int5"/);
    expect(() => loadPreset('nope')).toThrow(/unknown preset 'nope'/);
  });
});

describe('lowbit bench --rounds', () => {
  it('combinePasses: the median of the passes\' medians, every sample, the fastest sample, the largest rme', () => {
    const pass = (ms: number, min: number, rme: number) => new Map([['a', { name: 'a', medianMs: ms, samples: 4, minMs: min, rme, harness: 'benny' as const }]]);
    const one = combinePasses([pass(3, 2, 5)]);
    expect(one.get('a')).toEqual({ name: 'a', medianMs: 3, samples: 4, minMs: 2, rme: 5, harness: 'benny' });
    const t = combinePasses([pass(1, 0.9, 2), pass(5, 4, 9), pass(2, 1.5, 4)]).get('a')!;
    expect(t).toMatchObject({ medianMs: 2, samples: 12, minMs: 0.9, rme: 9, passMedians: [1, 5, 2] });
    expect(spreadNote(t)).toBe("benny: median of 3 passes' medians (1.00, 5.00, 2.00 ms; 12 samples in all), fastest 0.900 ms, largest rme 9%");
  });

  it('times the cpu and peers cases in passes and says so in every timed row and in the summary', async () => {
    const report = await runBench({ preset: 'tiny', suites: ['cpu', 'peers'], peerProviders: ['cpu'], rounds: 2 });
    expect(report.timing.rounds).toBe(2);
    expect(toMarkdown(report)).toContain("cpu and peers: 2 passes over every case, each case's median of its passes' medians");
    const passes = (note: string): number[] => {
      const m = /median of 2 passes' medians \(([\d.e+-]+), ([\d.e+-]+) ms/.exec(note);
      return m ? [Number(m[1]), Number(m[2])] : [];
    };
    // The GPU sides (lowbit's GPU rows, ORT WebGPU) run once.
    const timed = report.rows.filter((r) => (r.suite === 'cpu' || (r.suite === 'peers' && r.kernel !== 'ort-webgpu' && r.kernel !== 'lowbit-gpu')) && r.status === 'ok' && r.ms !== null);
    expect(timed.filter((r) => r.suite === 'cpu').length).toBeGreaterThan(4);
    expect(timed.some((r) => r.kernel === 'lowbit-cpu')).toBe(true);
    for (const r of timed) {
      const [a, b] = passes(r.note);
      expect(a, `${r.name}: ${r.note}`).toBeGreaterThan(0);
      // The median of two passes is their mean (each printed to 3 significant digits).
      expect(Math.abs((r.ms as number) - (a + (b as number)) / 2), r.name).toBeLessThanOrEqual(0.01 * (r.ms as number));
    }
  }, 180_000);

  it('rejects a pass count outside 1-9', async () => {
    for (const bad of ['0', '10', '1.5', 'two']) await expect(benchCommand.run(['--rounds', bad, '--no-files'])).rejects.toThrow(new UsageError(`--rounds takes a whole number from 1 to 9, got '${bad}'`));
  });
});
