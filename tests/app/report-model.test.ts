// The Validate report's model: pooled metrics equal the library's metrics of the stacked tensors, kernel tallies, short reasons, the filter.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { evaluateScheme } from '../../src/quant/evaluate.js';
import { sampleWeights } from '../../src/io/sample.js';
import { lutSupport } from '../../src/cpu/lut.js';
import { sumOfSquares } from '../../src/app/analysis.js';
import { pairVisibility, poolMetrics, shortReason, summarize, tallyKernels } from '../../src/app/report-model.js';
import type { EvalOk, KernelRow } from '../../src/app/protocol.js';

function evalOk(tensor: string, w: Float32Array, rows: number, cols: number, scheme: AnySchemeName): EvalOk {
  const e = evaluateScheme(w, rows, cols, scheme);
  return {
    ok: true,
    tensor,
    scheme,
    rows,
    cols,
    groupSize: e.groupSize,
    granularity: e.granularity,
    scaleDType: e.scaleDType,
    bitsPerWeight: e.bitsPerWeight,
    metrics: e.metrics,
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
    const s = summarize([evalOk('t', w, 8, 128, 'int4'), { ok: false, tensor: 't', scheme: 'mxfp4', error: 'no' }], [kernel('int4', 'dequant', 'ok')], () => 'fam');
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
