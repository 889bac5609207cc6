// `lowbit report --in`: sharded checkpoints, JSON/CSV/--out, filters, --group refusals, --budget, --activations, errors, and Ctrl-C leaving no partial file (child process).
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { runCli as run } from './run-cli.js';
import { writeReportFile } from '../../src/cli/report-model.js';
import { writeNpy } from '../../src/io/npy.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { seededRandn } from '../../src/io/random.js';
import { evaluateScheme } from '../../src/quant/evaluate.js';
import { CSV_COLUMNS } from '../../src/report/report-output.js';
import { compileCli } from './compiled-cli.js';
import { quantizeThreadsInfo, terminateQuantizeWorkers } from '../../src/quant/quantize-threads.js';

const root = mkdtempSync(join(tmpdir(), 'lowbit-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const Q = seededRandn(64 * 256, 1);
const UP = seededRandn(128 * 256, 2).map((v) => v * 0.5);
const DOWN = seededRandn(256 * 128, 3);

/** Two shards and an index: q [64, 256] and a norm in shard 1, up [128, 256] and down [256, 128] in shard 2. */
function checkpoint(): string {
  const dir = join(root, 'ck');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model-00001-of-00002.safetensors'), writeSafetensors([{ name: 'layers.0.q.weight', data: Q, shape: [64, 256] }, { name: 'layers.0.norm.weight', data: Q.subarray(0, 256), shape: [256] }]));
  writeFileSync(join(dir, 'model-00002-of-00002.safetensors'), writeSafetensors([{ name: 'layers.0.up.weight', data: UP, shape: [128, 256] }, { name: 'layers.0.down.weight', data: DOWN, shape: [256, 128] }]));
  const map = { 'layers.0.q.weight': 1, 'layers.0.norm.weight': 1, 'layers.0.up.weight': 2, 'layers.0.down.weight': 2 };
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: Object.fromEntries(Object.entries(map).map(([k, s]) => [k, `model-0000${s}-of-00002.safetensors`])) }));
  return dir;
}

interface JsonRow {
  tensor: string;
  scheme: AnySchemeName;
  status: string;
  reason?: string;
  nmse: number;
  sqnrDb: number;
  bitsPerWeight: number;
  variants: Record<string, number>;
  outputError?: number;
  outputErrorNote?: string;
}
interface JsonReport {
  model: { tensors: number; selected: number; shards: unknown[]; index: string };
  rows: JsonRow[];
  totals: { scheme: AnySchemeName; bitsPerWeight: number; tensors: number; refused: number; outputError?: number }[];
  skipped: { tensor: string; reason: string }[];
  budget?: { budget: number; bitsPerWeight: number; choices: { tensor: string; scheme: AnySchemeName }[]; error?: string; bestSingle?: { scheme: AnySchemeName } };
}

describe('lowbit report --in', () => {
  const dir = checkpoint();

  it('reports every 2-D tensor x scheme of a sharded checkpoint as JSON, worst first, with the figures of evaluateScheme', async () => {
    const r = await run('report', '--in', dir, '--schemes', 'int4,bitmod4', '--json', '--quiet');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    const rep = JSON.parse(r.out) as JsonReport;
    expect(rep.model.tensors).toBe(4);
    expect(rep.model.selected).toBe(3);
    expect(rep.model.index).toBe(join(dir, 'model.safetensors.index.json'));
    expect(rep.skipped.map((s) => s.tensor)).toEqual(['layers.0.norm.weight']);
    expect(rep.rows.length).toBe(6);
    const q = rep.rows.find((x) => x.tensor === 'layers.0.q.weight' && x.scheme === 'bitmod4')!;
    const e = evaluateScheme(Q, 64, 256, 'bitmod4');
    expect(q.nmse).toBe(e.metrics.nmse);
    expect(q.bitsPerWeight).toBe(e.bitsPerWeight);
    expect(q.variants).toEqual(e.variants);
    const worst = (t: string) => Math.max(...rep.rows.filter((x) => x.tensor === t).map((x) => x.nmse));
    const order = [...new Set(rep.rows.map((x) => x.tensor))];
    expect(order.map(worst)).toEqual(order.map(worst).sort((a, b) => b - a));
    expect(rep.totals.map((t) => t.scheme)).toEqual(['int4', 'bitmod4']);
  });

  it('prints tables with progress on stderr, and CSV that --out writes atomically', async () => {
    const text = await run('report', '--in', dir, '--schemes', 'int4');
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/Model totals/);
    expect(text.out).toMatch(/Per tensor, worst first/);
    expect(text.out).toMatch(/Skipped 1 tensor/);
    expect(text.err).toMatch(/lowbit report: \[1\/3\] 0% reading layers\.0\.q\.weight/);
    const csv = await run('report', '--in', dir, '--schemes', 'int4,mxfp4', '--csv', '--quiet');
    const lines = csv.out.trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines.length).toBe(1 + 6);
    const outDir = mkdtempSync(join(root, 'out-'));
    const out = join(outDir, 'r.csv');
    const w = await run('report', '--in', dir, '--schemes', 'int4,mxfp4', '--out', out, '--quiet');
    expect(w.code, w.err).toBe(0);
    expect(w.out).toBe(`wrote csv report to ${out} (6 rows)\n`);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe(CSV_COLUMNS.join(','));
    expect(readdirSync(outDir)).toEqual(['r.csv']);
  });

  it('filters with --tensors and --tensor, and refuses what --group does not fit as rows with the reason', async () => {
    const r = await run('report', '--in', dir, '--tensors', 'up|down', '--schemes', 'int4,mxfp4', '--group', '256', '--json', '--quiet');
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out) as JsonReport;
    expect(rep.model.selected).toBe(2);
    const down = rep.rows.find((x) => x.tensor === 'layers.0.down.weight' && x.scheme === 'int4')!;
    expect(down.status).toBe('refused');
    expect(down.reason).toBe('group size G=256 does not divide K=128; use a divisor of 128, 0 (per channel) or -1 (per tensor)');
    expect(rep.rows.find((x) => x.tensor === 'layers.0.up.weight' && x.scheme === 'int4')!.status).toBe('ok');
    expect(rep.rows.filter((x) => x.scheme === 'mxfp4').every((x) => x.status === 'refused' && /fixed block of 32/.test(x.reason!))).toBe(true);
    expect(rep.totals.find((t) => t.scheme === 'int4')).toMatchObject({ tensors: 1, refused: 1 });
    const one = JSON.parse((await run('report', '--in', dir, '--tensor', 'layers.0.q.weight', '--schemes', 'int8', '--json', '--quiet')).out) as JsonReport;
    expect(one.rows.map((x) => x.tensor)).toEqual(['layers.0.q.weight']);
    const none = await run('report', '--in', dir, '--tensors', 'nothing-matches', '--schemes', 'int4', '--quiet');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no tensors of '.*ck' match --tensors 'nothing-matches'/);
    const bad = await run('report', '--in', dir, '--tensors', '(', '--schemes', 'int4');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--tensors '\(' is not a valid regular expression/);
  });

  it('--budget plans one scheme per tensor within the budget (JSON and text), and says when no plan fits', async () => {
    const r = await run('report', '--in', dir, '--schemes', 'int2,int3,int4,int8', '--budget', '3.6', '--json', '--quiet');
    expect(r.code, r.err).toBe(0);
    const plan = (JSON.parse(r.out) as JsonReport).budget!;
    expect(plan.budget).toBe(3.6);
    expect(plan.bitsPerWeight).toBeLessThanOrEqual(3.6);
    expect(plan.choices.length).toBe(3);
    expect(new Set(plan.choices.map((c) => c.scheme)).size).toBeGreaterThan(1); // a mix beats int3 alone
    expect(plan.bestSingle!.scheme).toBe('int3');
    const text = await run('report', '--in', dir, '--schemes', 'int3,int4', '--budget', '3.6', '--quiet');
    expect(text.out).toMatch(/Bits budget 3\.6 bits\/weight: the least total squared error over 3 tensors/);
    const low = await run('report', '--in', dir, '--schemes', 'int4', '--budget', '2', '--quiet');
    expect(low.code).toBe(1);
    expect(low.out).toMatch(/no plan: budget: no plan fits 2 bits\/weight: the cheapest option of every tensor already needs 4\.1250 bits\/weight/);
    const badB = await run('report', '--in', dir, '--budget', 'lots');
    expect(badB.code).toBe(2);
    expect(badB.err).toMatch(/--budget expects a positive number/);
  });

  it('--activations: one shared X gives the output error where K fits, and a note where it does not', async () => {
    const x = join(root, 'x.npy');
    writeFileSync(x, writeNpy(seededRandn(4 * 256, 9), [4, 256]));
    const r = await run('report', '--in', dir, '--schemes', 'int4', '--activations', x, '--json', '--quiet');
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out) as JsonReport;
    const q = rep.rows.find((x) => x.tensor === 'layers.0.q.weight')!;
    expect(q.outputError).toBeGreaterThan(0);
    expect(q.outputError).toBeLessThan(0.3);
    const down = rep.rows.find((x) => x.tensor === 'layers.0.down.weight')!;
    expect(down.outputError).toBeUndefined();
    expect(down.outputErrorNote).toBe("activations 'x' have K = 256, the weight has K = 128");
    expect(rep.totals[0]!.outputError).toBeGreaterThan(0);
  });

  it('errors: a missing model, an --out directory that does not exist (before any work), flags that need --in', async () => {
    const miss = await run('report', '--in', join(root, 'nope'), '--schemes', 'int4');
    expect(miss.code).toBe(1);
    expect(miss.err).toMatch(/cannot read '.*nope': no such file/);
    const out = join(root, 'no-dir', 'r.json');
    const noDir = await run('report', '--in', dir, '--schemes', 'int4', '--out', out);
    expect(noDir.code).toBe(1);
    expect(noDir.err).toMatch(/cannot write '.*r\.json': directory '.*no-dir' does not exist/);
    expect(noDir.err).not.toMatch(/\[1\//); // refused before reading anything
    const needsIn = await run('report', '--budget', '4');
    expect(needsIn.code).toBe(2);
    expect(needsIn.err).toMatch(/--budget needs --in PATH/);
    const both = await run('report', '--in', dir, '--json', '--csv');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--json and --csv exclude each other/);
    const badScheme = await run('report', '--in', dir, '--schemes', 'int4,int5');
    expect(badScheme.code).toBe(2);
    expect(badScheme.err).toMatch(/Unknown scheme "int5"/);
  });

  it('--threads N quantizes on worker threads and reports the same figures as one thread', async () => {
    const path = join(root, 'big.npy');
    // 2 MB of f32: above the size quantizeParallel keeps on the calling thread.
    writeFileSync(path, writeNpy(seededRandn(512 * 1024, 9), [512, 1024]));
    const rows = async (threads: string) => {
      const r = await run('report', '--in', path, '--schemes', 'int4,bitmod4', '--threads', threads, '--json', '--quiet');
      expect(r.code, r.err).toBe(0);
      const payload = JSON.parse(r.out) as { rows: Record<string, unknown>[] };
      return payload.rows.map(({ quantizeMs: _q, ...rest }) => rest);
    };
    try {
      const before = quantizeThreadsInfo().blocksDone;
      const threaded = await rows('2');
      expect(quantizeThreadsInfo().blocksDone, 'no block went to a worker').toBeGreaterThan(before);
      expect(threaded).toEqual(await rows('1'));
    } finally {
      await terminateQuantizeWorkers();
    }
    const bad = await run('report', '--in', path, '--threads', '0');
    expect(bad.code).toBe(2);
  });

  it('the sample report takes --schemes and --group, refusing a scheme that cannot take the group as a row', async () => {
    const r = await run('report', '--no-gpu', '--json', '--schemes', 'int4,mxfp4', '--group', '64');
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out) as { schemes: { scheme: AnySchemeName; groupSize: number }[]; refused: { scheme: AnySchemeName; reason: string }[]; ok: boolean };
    expect(rep.schemes.map((s) => [s.scheme, s.groupSize])).toEqual([['int4', 64]]);
    expect(rep.refused).toEqual([{ scheme: 'mxfp4', reason: 'mxfp4 uses a fixed block of 32 along K; group 64 is not supported (omit it or pass 32)' }]);
    expect(rep.ok).toBe(true);
  });
});

describe('lowbit report output files', () => {
  it('a SIGINT during the write is held until the file is whole, and leaves no temp file', async () => {
    const outDir = mkdtempSync(join(root, 'guard-'));
    const path = join(outDir, 'r.json');
    const text = 'x'.repeat(5_000_000);
    const pending = writeReportFile(path, text);
    process.emit('SIGINT');
    expect(await pending).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(readdirSync(outDir)).toEqual(['r.json']);
    expect(await writeReportFile(path, 'y')).toBe(false);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});

describe('lowbit report, Ctrl-C (child process)', () => {
  let cli: ReturnType<typeof compileCli>;
  beforeAll(() => {
    cli = compileCli();
  }, 120_000);
  afterAll(() => cli?.cleanup());

  it('SIGINT while the report runs leaves no output file and no temp file', async () => {
    const dir = mkdtempSync(join(root, 'sigint-'));
    const model = join(dir, 'model.safetensors');
    // Enough work for a few seconds even with the fast, threaded quantizer: four schemes (the
    // mixture among them) on 16 tensors of 1024 x 2048.
    writeFileSync(model, writeSafetensors(Array.from({ length: 16 }, (_, i) => ({ name: `w${i}`, data: seededRandn(1024 * 2048, i), shape: [1024, 2048] }))));
    const out = join(dir, 'report.json');
    const child = spawn(process.execPath, [cli.entry, 'report', '--in', model, '--schemes', 'bitmod4,nf4,int3,fp6_e3m2', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // Wait until the report is under way (its first progress line), then interrupt it.
    const deadline = Date.now() + 60_000;
    while (!/\[1\/16\]/.test(err) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    expect(err).toMatch(/\[1\/16\]/);
    child.kill('SIGINT');
    const { code, signal } = await exited;
    expect(signal === 'SIGINT' || code === 130, `exit code ${code}, signal ${signal}; stderr: ${err}`).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  }, 120_000);
});
