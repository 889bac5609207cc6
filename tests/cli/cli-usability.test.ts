// What a new CLI user meets: negative option values, short usage errors with the reason last, nearest-name suggestions, `help CMD`, partial multi-scheme quantize, contradicting flags, exact limits, the output error against unquantized weights, and where bench writes.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinNegativeValues } from '../../src/cli/args.js';
import { exact } from '../../src/cli/table.js';
import { nearestNames, editDistance } from '../../src/util/nearest.js';
import { getScheme } from '../../src/quant/schemes.js';
import { getCpuKernel } from '../../src/cpu/kernels.js';
import { getDType } from '../../src/dtype/registry.js';


const run = runCli;


/** The last non-empty line of a text. */
function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1] as string;
}

describe('CLI arguments', () => {
  it('takes negative numbers as option values (--group -1 is per tensor)', async () => {
    expect(joinNegativeValues(['--group', '-1', '--json'], { group: { type: 'string' }, json: { type: 'boolean' } })).toEqual(['--group=-1', '--json']);
    expect(joinNegativeValues(['--json', '-1'], { json: { type: 'boolean' } })).toEqual(['--json', '-1']);
    const r = await run('quantize', '--scheme', 'int4', '--group', '-1', '--json');
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { results: { granularity: string }[] }).results[0]!.granularity).toBe('tensor');
  });

  it('prints a usage error as the usage lines, a hint, and the one-line reason last (not the whole help)', async () => {
    const r = await run('quantize', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^Usage: lowbit quantize/);
    expect(r.err).toContain("Run 'lowbit help quantize' for every option.");
    expect(r.err).not.toContain('Options:');
    expect(lastLine(r.err)).toMatch(/^lowbit quantize: .*bogus/);
  });

  it('suggests the nearest scheme, datatype, kernel and command names', async () => {
    expect(() => getScheme('INT4')).toThrow(/Unknown scheme "INT4"; did you mean int4\?/);
    expect(() => getScheme('bitmod')).toThrow(/did you mean bitmod3 or bitmod4\?/);
    expect(() => getScheme('float4_e2m1fn')).toThrow(/"float4_e2m1fn" is a datatype, not a scheme; schemes with float4_e2m1fn elements: fp4, mxfp4, nvfp4/);
    expect(() => getCpuKernel('lutf32')).toThrow(/did you mean lut-f32\?/);
    expect(() => getDType('float8_e4m3')).toThrow(/did you mean float8_e4m3fn\?/);
    const r = await run('quantize', '--scheme', 'Nf4');
    expect(r.code).toBe(2);
    expect(lastLine(r.err)).toMatch(/did you mean nf4\?/);
    const c = await run('quantise');
    expect(c.code).toBe(2);
    expect(lastLine(c.err)).toBe("lowbit: unknown command 'quantise'; did you mean quantize?");
    expect(nearestNames('zzzzzz', ['int4', 'nf4'])).toEqual([]);
    expect(editDistance('ab', 'ba')).toBe(1);
  });

  it('`lowbit help CMD` prints that command\'s help; an unknown topic is a usage error', async () => {
    const r = await run('help', 'matmul');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: lowbit matmul/);
    expect(r.out).toContain('Options:');
    const bad = await run('help', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown command 'nope'");
  });

  it('quantize --scheme a,b prints what it could do and the refusals with their reasons (exit 1)', async () => {
    const r = await run('quantize', '--scheme', 'int4,mxfp4,nvfp4', '--group', '64');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^int4\s+64\s+4\.25/m);
    expect(r.out).toContain('refused (2 of 3):');
    expect(r.out).toMatch(/mxfp4: mxfp4 uses a fixed block of 32/);
    const j = await run('quantize', '--scheme', 'int4,mxfp4', '--group', '64', '--json');
    const payload = JSON.parse(j.out) as { results: { scheme: AnySchemeName }[]; refused: { scheme: AnySchemeName; reason: string }[] };
    expect(payload.results.map((x) => x.scheme)).toEqual(['int4']);
    expect(payload.refused.map((x) => x.scheme)).toEqual(['mxfp4']);
  });

  it('refuses --kernel and --variant that contradict each other before touching a GPU', async () => {
    const r = await run('matmul', '--scheme', 'int4', '--kernel', 'lut', '--variant', 'dequant-gemv/plain', '--backend', 'webgpu');
    expect(r.code).toBe(2);
    expect(lastLine(r.err)).toMatch(/--kernel lut-f32 and --variant dequant-gemv\/plain contradict each other/);
  });
});

describe('CLI output', () => {
  it('prints exact limits: float8_e5m2 max 57344, mxint8 max 1.984375, E8M0 max 2^127', async () => {
    expect(exact(57344)).toBe('57344');
    expect(exact(2 ** 127)).toBe('2^127');
    expect(exact(2 ** -16)).toBe('2^-16');
    expect(exact(-0)).toBe('-0');
    const r = await run('dtypes');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^float8_e5m2\s+float\s+8\s+57344\s+2\^-16\s/m);
    expect(r.out).toMatch(/^mxint8\s+int\s+8\s+1\.984375\s+0\.015625\s/m);
    expect(r.out).toMatch(/^float8_e8m0fnu\s+float\s+8\s+2\^127\s+2\^-127\s/m);
  });

  it('matmul reports the output error against the unquantized weights, smaller for more bits', async () => {
    const nmse = async (scheme: AnySchemeName) => {
      const r = await run('matmul', '--scheme', scheme, '--json');
      expect(r.code, r.err).toBe(0);
      return (JSON.parse(r.out) as { vsUnquantized: { nmse: number; sqnrDb: number } }).vsUnquantized;
    };
    const i4 = await nmse('int4');
    const i8 = await nmse('int8');
    expect(i4.nmse).toBeGreaterThan(0);
    expect(i8.nmse).toBeLessThan(i4.nmse / 10);
    expect(i8.sqnrDb).toBeGreaterThan(i4.sqnrDb);
    const text = await run('matmul', '--scheme', 'int4');
    expect(text.out).toMatch(/^vs W f32 .*NMSE \d/m);
  });

  it('bench writes to ./bench-results by default, never to a checkout\'s bench/results', () => {
    const bin = join(process.cwd(), 'bin', 'lowbit.js');
    const committed = join(process.cwd(), 'bench', 'results', 'latest.json');
    const before = existsSync(committed) ? statSync(committed).mtimeMs : 0;
    const cwd = mkdtempSync(join(tmpdir(), 'lowbit-bench-cwd-'));
    execFileSync(process.execPath, [bin, 'bench', '--preset', 'tiny', '--only', 'quantize'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(readdirSync(join(cwd, 'bench-results'))).toEqual(expect.arrayContaining(['latest.json', 'latest.md', 'latest.csv']));
    expect(existsSync(committed) ? statSync(committed).mtimeMs : 0).toBe(before);
  });
});
