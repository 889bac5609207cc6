// The model report runner on an in-memory model: rows vs evaluateScheme, refused rows, skipped tensors, totals, worst-first order, progress, abort, the quantizer hook, activations.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/io/byte-source.js';
import { openModel, type Model } from '../../src/io/model.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { writeNpy } from '../../src/io/npy.js';
import { seededRandn } from '../../src/io/random.js';
import { evaluateScheme } from '../../src/quant/evaluate.js';
import { quantize } from '../../src/quant/quantize.js';
import { runModelReport, type ReportRowOk, type ReportRow } from '../../src/report/model-report.js';

const A = seededRandn(8 * 256, 1);
const B = seededRandn(16 * 128, 2).map((v) => v * 3);
const C = seededRandn(4 * 100, 3); // K = 100: no group of 128 or block of 32 divides it
const NAN = seededRandn(2 * 128, 4);
NAN[7] = Number.NaN;

async function testModel(): Promise<Model> {
  const shard1 = writeSafetensors([
    { name: 'a.weight', data: A, shape: [8, 256] },
    { name: 'norm', data: A.subarray(0, 256), shape: [256] },
    { name: 'c.weight', data: C, shape: [4, 100] },
    { name: 'nan.weight', data: NAN, shape: [2, 128] },
  ]);
  const shard2 = writeNpy(B, [16, 128]);
  return openModel({
    name: 'test',
    shards: [
      { name: 'model-1.safetensors', open: () => Promise.resolve(bytesSource(shard1, 'model-1.safetensors')) },
      { name: 'b.weight.npy', open: () => Promise.resolve(bytesSource(shard2, 'b.weight.npy')) },
    ],
  });
}

const data = new Map<string, [Float32Array, number, number]>([
  ['a.weight', [A, 8, 256]],
  ['b.weight', [B, 16, 128]],
  ['c.weight', [C, 4, 100]],
]);

function ok(rows: readonly ReportRow[], tensor: string, scheme: AnySchemeName): ReportRowOk {
  const r = rows.find((x) => x.tensor === tensor && x.scheme === scheme);
  if (r?.status !== 'ok') throw new Error(`${tensor} ${scheme}: ${r ? r.reason : 'missing'}`);
  return r;
}

describe('runModelReport', () => {
  it('measures every 2-D tensor x scheme as evaluateScheme does, refuses what a scheme cannot take, skips non-matrices', async () => {
    const m = await testModel();
    const rep = await runModelReport(m, { schemes: ['int4', 'bitmod4', 'mxfp4'] });
    await m.close();
    expect(rep.model.tensors).toBe(5);
    expect(rep.model.selected).toBe(4);
    expect(rep.skipped).toEqual([{ tensor: 'norm', shard: 'model-1.safetensors', dtype: 'F32', shape: [256], reason: expect.stringMatching(/1-D \[256\]/) as unknown as string }]);
    expect(rep.rows.length).toBe(4 * 3);
    for (const [name, [w, r, c]] of data) {
      for (const s of ['int4', 'bitmod4', 'mxfp4'] as const) {
        let expected;
        try {
          expected = evaluateScheme(w, r, c, s);
        } catch (e) {
          const row = rep.rows.find((x) => x.tensor === name && x.scheme === s)!;
          expect(row.status).toBe('refused');
          expect(row.status === 'refused' && row.reason).toBe((e as Error).message);
          continue;
        }
        const row = ok(rep.rows, name, s);
        expect(row.metrics).toEqual(expected.metrics);
        expect(row.bitsPerWeight).toBe(expected.bitsPerWeight);
        expect(row.variants).toEqual(expected.variants);
        expect(row.totalBits).toBe(expected.bitsPerWeight * r * c);
      }
    }
    // K = 100: int4's group of 128 and mxfp4's block of 32 do not divide it; NaN weights are refused with their position.
    expect(rep.rows.filter((r) => r.tensor === 'c.weight').map((r) => r.status)).toEqual(['refused', 'refused', 'refused']);
    const nanRow = rep.rows.find((r) => r.tensor === 'nan.weight' && r.scheme === 'int4')!;
    expect(nanRow.status === 'refused' && nanRow.reason).toMatch(/weight at \(row 0, col 7\) is NaN/);
    // Worst tensor first: b.weight (3x the scale, same NMSE family) vs a.weight by their largest NMSE; refused-only tensors last.
    const order = [...new Set(rep.rows.map((r) => r.tensor))];
    const worst = (t: string) => Math.max(...rep.rows.filter((r): r is ReportRowOk => r.tensor === t && r.status === 'ok').map((r) => r.metrics.nmse));
    expect(worst(order[0]!)).toBeGreaterThanOrEqual(worst(order[1]!));
    expect(order.slice(2).sort()).toEqual(['c.weight', 'nan.weight']);
    // Totals: the measured tensors as one vector.
    for (const t of rep.totals) {
      const rows = rep.rows.filter((r): r is ReportRowOk => r.scheme === t.scheme && r.status === 'ok');
      const n = rows.reduce((s, r) => s + r.elements, 0);
      expect(t.tensors).toBe(rows.length);
      expect(t.refused).toBe(4 - rows.length);
      expect(t.elements).toBe(n);
      expect(t.bitsPerWeight).toBeCloseTo(rows.reduce((s, r) => s + r.bitsPerWeight * r.elements, 0) / n, 12);
      expect(t.nmse).toBeCloseTo(rows.reduce((s, r) => s + r.sums.sumErr2, 0) / rows.reduce((s, r) => s + r.sums.sumRef2, 0), 15);
      expect(t.nmseMean).toBeCloseTo(rows.reduce((s, r) => s + r.metrics.nmse * r.elements, 0) / n, 15);
      expect(t.maxAbsErr).toBe(Math.max(...rows.map((r) => r.metrics.maxAbsErr)));
    }
    expect(rep.totals.find((t) => t.scheme === 'bitmod4')!.variants).toEqual(
      Object.fromEntries(Object.keys(ok(rep.rows, 'a.weight', 'bitmod4').variants).map((k) => [k, ok(rep.rows, 'a.weight', 'bitmod4').variants[k]! + ok(rep.rows, 'b.weight', 'bitmod4').variants[k]!])),
    );
    expect(rep.bytesRead).toBe((8 * 256 + 4 * 100 + 2 * 128 + 16 * 128) * 4);
  });

  it('routes every quantization through the given quantizer, filters tensors, reports progress with an ETA, and stops when aborted', async () => {
    const m = await testModel();
    const calls: string[] = [];
    const progress: { done: number; etaMs: number | undefined }[] = [];
    const rep = await runModelReport(m, {
      schemes: ['int8', 'int4'],
      quantizeOptions: { group: 64 },
      include: (t) => /^(a|b)\./.test(t.name),
      quantizer: (w, r, c, s, o) => {
        calls.push(`${s}:${r}x${c}:g${o.group}`);
        return Promise.resolve(quantize(w, r, c, s, o));
      },
      onProgress: (p) => progress.push({ done: p.done, etaMs: p.etaMs }),
    });
    // Shards are sorted by name: b.weight.npy comes before model-1.safetensors.
    expect(calls).toEqual(['int8:16x128:g64', 'int4:16x128:g64', 'int8:8x256:g64', 'int4:8x256:g64']);
    expect(rep.rows.every((r) => r.status === 'ok' && r.groupSize === 64)).toBe(true);
    expect(rep.skipped).toEqual([]);
    expect(progress[0]!.etaMs).toBeUndefined();
    expect(progress.at(-1)!.etaMs).toBeGreaterThanOrEqual(0);
    expect(progress.map((p) => p.done)).toEqual([0, 0, 1, 2, 2, 3]);
    const ctl = new AbortController();
    await expect(runModelReport(m, { schemes: ['int4'], signal: ctl.signal, onProgress: (p) => p.done === 1 && ctl.abort(new Error('cancelled')) })).rejects.toThrow('cancelled');
    await m.close();
  });

  it('adds the output error where activations fit and says why where they do not', async () => {
    const m = await testModel();
    const x = seededRandn(3 * 256, 9);
    const rep = await runModelReport(m, {
      schemes: ['int4'],
      include: (t) => t.name !== 'nan.weight' && t.name !== 'c.weight',
      activations: (t) => Promise.resolve(t.name === 'a.weight' ? { name: 'x', x, m: 3, k: 256 } : t.name === 'b.weight' ? { name: 'x', x, m: 3, k: 256 } : undefined),
    });
    await m.close();
    const a = ok(rep.rows, 'a.weight', 'int4');
    expect(a.outputError).toBeGreaterThan(0);
    expect(a.outputError).toBeLessThan(0.2);
    const b = ok(rep.rows, 'b.weight', 'int4');
    expect(b.outputError).toBeUndefined();
    expect(b.outputErrorNote).toBe("activations 'x' have K = 256, the weight has K = 128");
    const tot = rep.totals[0]!;
    expect(tot.outputTensors).toBe(1);
    expect(tot.outputError).toBeCloseTo(a.outputError!, 15);
  });
});
