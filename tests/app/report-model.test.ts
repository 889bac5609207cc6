// The Validate report's model: pooled metrics equal the library's metrics of the stacked tensors, kernel tallies, short reasons, the filter, the results as the library's model report (totals, budget plan), the per-tensor sort, progress and time left.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { evaluateScheme } from '../../src/quant/evaluate.js';
import { sampleWeights } from '../../src/io/sample.js';
import { lutSupport } from '../../src/cpu/lut.js';
import { sumOfSquares } from '../../src/app/analysis.js';
import { pairVisibility, poolMetrics, shortReason, summarize, tallyKernels } from '../../src/app/report-model.js';
import type { EvalOk, EvalRow, KernelRow } from '../../src/app/protocol.js';
import { modelReportOf, sortRows } from '../../src/app/report-model.js';
import { RunProgress, fmtDuration } from '../../src/app/progress.js';
import { openModelFromFiles } from '../../src/io/model.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { runModelReport } from '../../src/report/model-report.js';
import { planBudget } from '../../src/report/budget-plan.js';
import { bitsBreakdown } from '../../src/format/bits.js';
import { referenceSums, tensorErrorSums } from '../../src/report/error-sums.js';

function evalOk(tensor: string, w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, shard = ''): EvalOk {
  const e = evaluateScheme(w, rows, cols, scheme);
  return {
    ok: true,
    tensor,
    scheme,
    shard,
    dtype: 'F32',
    rows,
    cols,
    groupSize: e.groupSize,
    granularity: e.granularity,
    scaleDType: e.scaleDType,
    bitsPerWeight: e.bitsPerWeight,
    totalBits: bitsBreakdown(e.qt).total,
    metrics: e.metrics,
    sums: tensorErrorSums(w, e.qt, referenceSums(w)),
    sumSquares: sumOfSquares(w),
    variants: e.variants,
    quantizeMs: e.quantizeMs,
    hist: { lo: 0, hi: 1, counts: [], below: 0, above: 0, counted: 0, total: 0 },
    rep: { row: 0, col0: 0, len: 0, scale: 1, zero: 0, tensorScale: 1, elementType: 'int4', levels: [] },
  };
}

function kernel(scheme: AnySchemeName, kernelName: string, status: KernelRow['status'], note = ''): KernelRow {
  return { tensor: 't', scheme, backend: 'cpu', kernel: kernelName, status, m: 4, worstRatio: null, maxAbsErr: null, ms: null, timer: 'none', note };
}

describe('poolMetrics', () => {
  it('pools two tensors exactly as the library measures them stacked into one (int4: groups along K only)', () => {
    const a = sampleWeights({ rows: 32, cols: 256, seed: 3 }).data;
    const b = sampleWeights({ rows: 64, cols: 256, seed: 4 }).data;
    const stacked = new Float32Array(a.length + b.length);
    stacked.set(a);
    stacked.set(b, a.length);
    const whole = evaluateScheme(stacked, 96, 256, 'int4');
    const pooled = poolMetrics([evalOk('a', a, 32, 256, 'int4'), evalOk('b', b, 64, 256, 'int4')]);
    expect(pooled.weights).toBe(96 * 256);
    expect(pooled.bitsPerWeight).toBeCloseTo(whole.bitsPerWeight, 12);
    expect(pooled.nmse / whole.metrics.nmse).toBeCloseTo(1, 12);
    expect(pooled.sqnrDb).toBeCloseTo(whole.metrics.sqnrDb, 10);
    expect(pooled.maxAbsErr).toBe(whole.metrics.maxAbsErr);
  });

  it('one tensor: its own numbers', () => {
    const w = sampleWeights({ rows: 16, cols: 128, seed: 9 }).data;
    const e = evalOk('w', w, 16, 128, 'nf4');
    const p = poolMetrics([e]);
    expect(p.bitsPerWeight).toBe(e.bitsPerWeight);
    expect(p.nmse / e.metrics.nmse).toBeCloseTo(1, 13);
  });
});

describe('kernel tallies and reasons', () => {
  it('counts agree / fail / skipped / not applicable', () => {
    const t = tallyKernels([kernel('int4', 'dequant', 'ok'), kernel('int4', 'x', 'mismatch'), kernel('int4', 'y', 'error'), kernel('int4', 'z', 'unavailable'), kernel('int4', 'w', 'unsupported')]);
    expect(t).toEqual({ ok: 1, bad: 2, skipped: 1, notApplicable: 1 });
  });

  it("shortens the library's support messages to their reason", () => {
    const msg = lutSupport('nf4', 'lut-f32');
    expect(typeof msg).toBe('string');
    const short = shortReason(msg as string);
    expect(short.length).toBeLessThan((msg as string).length);
    expect(short).not.toContain('supported:');
    expect(short).not.toContain('does not support');
    expect(shortReason('adapter lacks shader-f16')).toBe('adapter lacks shader-f16');
  });

  it('summarizes per scheme in arrival order', () => {
    const w = sampleWeights({ rows: 8, cols: 128, seed: 1 }).data;
    const s = summarize([evalOk('t', w, 8, 128, 'int4'), { ok: false, tensor: 't', scheme: 'mxfp4', shard: '', dtype: 'F32', rows: 8, cols: 128, error: 'no' }], [kernel('int4', 'dequant', 'ok')], () => 'fam');
    expect(s.map((x) => x.scheme)).toEqual(['int4', 'mxfp4']);
    expect(s[0]?.kernels.ok).toBe(1);
    expect(s[1]?.pooled).toBeUndefined();
    expect(s[1]?.refused.length).toBe(1);
  });
});

describe('pairVisibility', () => {
  const ks = [kernel('int4', 'dequant', 'ok'), kernel('int4', 'dequant-gemv/f16', 'unavailable', 'adapter lacks shader-f16'), kernel('int4', 'lut-f32', 'ok')];
  const pair = { tensor: 'layer0.q_proj', scheme: 'int4', family: 'Integers', refused: false };

  it('no filter: everything shows', () => {
    expect(pairVisibility({ text: '', problemsOnly: false }, pair, ks)).toEqual({ visible: true, kernels: [true, true, true] });
  });

  it('a kernel word shows the pair with only the matching kernels', () => {
    expect(pairVisibility({ text: 'lut', problemsOnly: false }, pair, ks)).toEqual({ visible: true, kernels: [false, false, true] });
  });

  it('every word must match; names match case-insensitively', () => {
    expect(pairVisibility({ text: 'Q_PROJ int4', problemsOnly: false }, pair, ks).visible).toBe(true);
    expect(pairVisibility({ text: 'q_proj nf4', problemsOnly: false }, pair, ks).visible).toBe(false);
  });

  it('problems only: the skipped kernel', () => {
    expect(pairVisibility({ text: '', problemsOnly: true }, pair, ks)).toEqual({ visible: true, kernels: [false, true, false] });
    expect(pairVisibility({ text: '', problemsOnly: true }, pair, [ks[0] as KernelRow]).visible).toBe(false);
    expect(pairVisibility({ text: '', problemsOnly: true }, { ...pair, refused: true }, []).visible).toBe(true);
  });
});

describe('the results as a model report', () => {
  // Three tensors in one .safetensors; K = 96 is no multiple of int4's group of 128 (a refused row) but is of mxfp4's 32.
  const shapes: readonly (readonly [string, number, number])[] = [
    ['layers.0.mlp.weight', 48, 256],
    ['layers.0.attn.weight', 32, 128],
    ['layers.1.odd.weight', 16, 96],
  ];
  const weights = shapes.map(([, r, c], i) => sampleWeights({ rows: r, cols: c, seed: 40 + i }).data);
  const schemes: readonly AnySchemeName[] = ['int4', 'int3', 'mxfp4'];

  function appRows(): EvalRow[] {
    const out: EvalRow[] = [];
    shapes.forEach(([name, r, c], i) => {
      for (const s of schemes) {
        try {
          out.push(evalOk(name, weights[i] as Float32Array, r, c, s, 'm.safetensors'));
        } catch (e) {
          out.push({ ok: false, tensor: name, scheme: s, shard: 'm.safetensors', dtype: 'F32', rows: r, cols: c, error: (e as Error).message });
        }
      }
    });
    return out;
  }

  it("has the library's rows, totals and budget plan (runModelReport over the same file)", async () => {
    const bytes = writeSafetensors(shapes.map(([name, r, c], i) => ({ name, shape: [r, c], data: weights[i] as Float32Array })));
    const model = await openModelFromFiles([new File([bytes as Uint8Array<ArrayBuffer>], 'm.safetensors')]);
    const lib = await runModelReport(model, { schemes });
    await model.close();
    const mine = modelReportOf(appRows(), schemes, { name: 'm', tensors: 3, tensorBytes: 0 }, {}, 0);
    const strip = (r: object): unknown => ({ ...r, quantizeMs: 0 });
    expect(mine.rows.map(strip)).toEqual(lib.rows.map(strip));
    expect(mine.totals.map(strip)).toEqual(lib.totals.map(strip));
    expect(mine.totals.find((t) => t.scheme === 'int4')?.refused).toBe(1);
    for (const b of [3.5, 4.3, 9]) {
      const want = planBudget(lib, b);
      const got = planBudget(mine, b);
      expect(got.choices?.map((c) => c.scheme), `budget ${b}`).toEqual(want.choices?.map((c) => c.scheme));
      expect(got.sqErr).toBe(want.sqErr);
    }
  });

  it('sorts the rows by a column either way, refused rows last, ties in their order', () => {
    const rows = modelReportOf(appRows(), schemes, { name: 'm', tensors: 3, tensorBytes: 0 }, {}, 0).rows;
    const nmse = (rs: typeof rows): number[] => rs.filter((r) => r.status === 'ok').map((r) => (r.status === 'ok' ? r.metrics.nmse : NaN));
    const up = sortRows(rows, 'nmse', 'asc');
    const down = sortRows(rows, 'nmse', 'desc');
    const asc = nmse(up);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(nmse(down)).toEqual([...asc].reverse());
    expect(up[up.length - 1]?.status).toBe('refused');
    expect(down[down.length - 1]?.status).toBe('refused');
    const byName = sortRows(rows, 'tensor', 'asc').map((r) => r.tensor);
    expect(byName).toEqual([...byName].sort());
    // Within one tensor the schemes keep their order (a stable sort).
    expect(sortRows(rows, 'tensor', 'asc').filter((r) => r.tensor === 'layers.0.mlp.weight').map((r) => r.scheme)).toEqual([...schemes]);
  });
});

describe('progress over workers', () => {
  it('weighs jobs by their work and scales the elapsed time by the work left', () => {
    const p = new RunProgress([100, 300]);
    expect(p.fraction()).toBe(0);
    expect(p.etaMs(1000)).toBeUndefined();
    p.update(1, 1, 3);
    expect(p.fraction()).toBe(100 / 400);
    expect(p.etaMs(1000)).toBe(3000);
    p.finish(0);
    p.finish(1);
    expect(p.fraction()).toBe(1);
    expect(p.etaMs(5000)).toBe(0);
    expect(() => new RunProgress([1, -1])).toThrow(/weights must be finite and >= 0/);
  });

  it('prints durations for people', () => {
    expect(fmtDuration(44_600)).toBe('45 s');
    expect(fmtDuration(185_000)).toBe('3 min 05 s');
    expect(fmtDuration(2 * 3600_000 + 7 * 60_000)).toBe('2 h 07 min');
  });
});
