// Chart ticks: power-of-two labels, log/symlog ticks that never crowd, and the Pareto front.
import { describe, expect, it } from 'vitest';
import { exactLog2, log10AxisTicks, log2AxisTicks, niceTicks, powerOfTwoLabel, spacedTicks, symlogAxisTicks, symlogTransform, tickLabel, TICK_LABEL_PX } from '../../../src/app/charts/ticks.js';
import { paretoFront } from '../../../src/app/charts/pareto.js';
import { getDType } from '../../../src/dtype/registry.js';

/** Pixel positions of ticks on an axis of `width` with transform t; the smallest gap between neighbours. */
function minGap(ticks: readonly number[], lo: number, hi: number, width: number, t: (v: number) => number): number {
  const pos = ticks.map((v) => ((t(v) - t(lo)) / (t(hi) - t(lo))) * width).sort((a, b) => a - b);
  let g = Infinity;
  for (let i = 1; i < pos.length; i++) g = Math.min(g, (pos[i] as number) - (pos[i - 1] as number));
  return g;
}

describe('tick labels', () => {
  it('prints short exact labels', () => {
    expect(tickLabel(0)).toBe('0');
    expect(tickLabel(-6)).toBe('−6');
    expect(tickLabel(0.0625)).toBe('0.0625');
    expect(tickLabel(448)).toBe('448');
    expect(tickLabel(2 ** -8)).toBe('2⁻⁸');
    expect(tickLabel(0.1)).toBe('0.1');
    expect(tickLabel(57344)).toBe('57344');
    expect(tickLabel(2 ** -127)).toBe('2⁻¹²⁷');
    expect(tickLabel(-(2 ** 127))).toBe('−2¹²⁷');
    expect(tickLabel(3e-6)).toBe('3e−6');
    expect(tickLabel(2.5e-6)).toBe('2.5e−6');
    expect(powerOfTwoLabel(-9)).toBe('2⁻⁹');
    expect(exactLog2(0.375)).toBeUndefined();
    expect(exactLog2(2 ** -20)).toBe(-20);
  });

  it('round linear ticks', () => {
    expect(niceTicks(-6, 6, 6)).toEqual([-6, -4, -2, 0, 2, 4, 6]);
    expect(niceTicks(-0.111, 0.111, 5)).toEqual([-0.1, -0.05, 0, 0.05, 0.1]);
  });
});

describe('axes of the number lines', () => {
  it('float8_e8m0fnu on a base-2 log axis: the ends, spaced powers of two, no overlap at 390 or 1280 px', () => {
    const v = getDType('float8_e8m0fnu').values;
    const lo = v[0] as number;
    const hi = v[v.length - 1] as number;
    for (const width of [330, 1200]) {
      const t = log2AxisTicks(lo, hi, width);
      expect(t[0]).toBe(lo);
      expect(t[t.length - 1]).toBe(hi);
      expect(t.every((x) => exactLog2(x) !== undefined)).toBe(true);
      expect(t.length).toBeGreaterThanOrEqual(3);
      expect(minGap(t, lo, hi, width, Math.log2)).toBeGreaterThanOrEqual(TICK_LABEL_PX);
    }
  });

  it.for(['float8_e4m3fn', 'float8_e5m2', 'float6_e3m2fn', 'int8'])('%s on a symlog axis: ends, 0 and powers of two, spaced', (name) => {
    const dt = getDType(name);
    const lo = dt.values[0] as number;
    const hi = dt.values[dt.values.length - 1] as number;
    const c = dt.info.smallestPositive;
    for (const width of [330, 1200]) {
      const t = symlogAxisTicks(lo, hi, c, width);
      expect(t).toContain(0);
      expect(t).toContain(lo);
      expect(t).toContain(hi);
      expect(minGap(t, lo, hi, width, (x) => symlogTransform(x, c))).toBeGreaterThanOrEqual(TICK_LABEL_PX);
      expect(t.filter((x) => x !== lo && x !== hi && x !== 0).every((x) => exactLog2(x) !== undefined)).toBe(true);
    }
  });

  it('log10 ticks prefer powers of ten and keep their gap', () => {
    const t = log10AxisTicks(0.003, 1.4, 260, 22);
    expect(t).toContain(0.01);
    expect(t).toContain(0.1);
    expect(t).toContain(1);
    expect(minGap(t, 0.003, 1.4, 260, Math.log10)).toBeGreaterThanOrEqual(22);
  });

  it('spacedTicks keeps every must value and drops crowded candidates', () => {
    expect(spacedTicks([0, 10], [1, 5, 9], (v) => v * 10, 30)).toEqual([0, 5, 10]);
  });
});

describe('paretoFront', () => {
  it('keeps the points no other point beats on both bits and error', () => {
    const pts = [
      { name: 'a', bits: 2, nmse: 0.9 },
      { name: 'b', bits: 4.125, nmse: 0.04 },
      { name: 'c', bits: 4.125, nmse: 0.02 },
      { name: 'd', bits: 4.25, nmse: 0.03 },
      { name: 'e', bits: 4.5, nmse: 0.005 },
      { name: 'f', bits: 8, nmse: 0.005 },
    ];
    expect(paretoFront(pts).map((p) => p.name)).toEqual(['a', 'c', 'e']);
  });
});
