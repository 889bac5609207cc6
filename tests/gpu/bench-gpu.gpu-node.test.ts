// `npm run bench:gpu -- --tiny` on this machine's adapter: the one-command hardware run's plumbing (lowbit gpu, verify, bench with a tuning sweep, results named after the adapter), and its refusal of a software adapter in full mode.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useGpu } from './harness.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'bench-gpu.mjs');

function runScript(args: string[], timeout: number): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout, env: process.env });
  return { status: r.status, stderr: r.stderr };
}

describe('bench:gpu', () => {
  const fixture = useGpu();

  it('runs the tiny plumbing mode end to end and names the results after the adapter', async (ctx) => {
    const gpu = fixture.get(ctx);
    const out = mkdtempSync(join(tmpdir(), 'lowbit-bench-gpu-test-'));
    try {
      const r = runScript(['--tiny', '--out', out], 280_000);
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      const files = readdirSync(out).sort();
      const md = files.find((f) => f.endsWith('.md'));
      expect(md).toBeDefined();
      const slug = (md as string).slice(0, -'.md'.length);
      expect(files).toEqual([`${slug}-tuning.json`, `${slug}.json`, `${slug}.md`].sort());
      const text = readFileSync(join(out, `${slug}.md`), 'utf8');
      expect(text).toContain(gpu.adapter.description);
      expect(text).toMatch(/lowbit verify \(int4 only\) --quick: \d+ pass, 0 fail/);
      expect(text).toContain('GPU kernel tuning (lowbit bench --tune)');
      const json = JSON.parse(readFileSync(join(out, `${slug}.json`), 'utf8')) as { rows: { suite: string; status: string }[]; benchGpu: { verifyExit: number }; tuning: { table: Record<string, unknown> } };
      expect(json.benchGpu.verifyExit).toBe(0);
      expect(json.rows.some((row) => row.suite === 'gpu' && row.status === 'ok')).toBe(true);
      expect(Object.keys(json.tuning.table)).toContain('dequant-gemv');
      const tuning = JSON.parse(readFileSync(join(out, `${slug}-tuning.json`), 'utf8')) as { schema: string; results: { key: string; candidates: unknown[] }[] };
      expect(tuning.schema).toBe('lowbit-tuning/1');
      expect(tuning.results.map((x) => x.key)).toEqual(['dequant-gemv']);
      expect(tuning.results[0]?.candidates.length).toBeGreaterThan(1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses a software adapter unless told otherwise', async (ctx) => {
    const gpu = fixture.get(ctx);
    if (!gpu.adapter.software) ctx.skip('the adapter here is a hardware one');
    const out = mkdtempSync(join(tmpdir(), 'lowbit-bench-gpu-test-'));
    try {
      const r = runScript(['--out', out], 120_000);
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/software one/);
      expect(existsSync(out) && readdirSync(out).length).toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
