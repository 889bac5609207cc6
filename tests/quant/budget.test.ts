// The bits-budget solver against brute force on small random cases (ties, zeros, dominated options), and on a model-sized case.
import { describe, expect, it } from 'vitest';
import { solveBudget, type BudgetItem } from '../../src/quant/budget.js';
import { mulberry32 } from '../../src/io/random.js';

/** Every combination; the least error (summed in item order) among those with total bits <= budget * elements. */
function bruteForce(items: readonly BudgetItem[], budget: number): { sqErr: number; plans: number[][] } | undefined {
  const elements = items.reduce((s, it) => s + it.elements, 0);
  let best: { sqErr: number; plans: number[][] } | undefined;
  const pick = new Array<number>(items.length).fill(0);
  const visit = (i: number): void => {
    if (i === items.length) {
      let bits = 0;
      let err = 0;
      items.forEach((it, j) => {
        bits += it.options[pick[j]!]!.bits;
        err += it.options[pick[j]!]!.sqErr;
      });
      if (bits > budget * elements) return;
      if (best === undefined || err < best.sqErr) best = { sqErr: err, plans: [[...pick]] };
      else if (err === best.sqErr) best.plans.push([...pick]);
      return;
    }
    for (let o = 0; o < items[i]!.options.length; o++) {
      pick[i] = o;
      visit(i + 1);
    }
  };
  visit(0);
  return best;
}

function randomItems(rng: () => number): BudgetItem[] {
  const t = 1 + Math.floor(rng() * 7);
  return Array.from({ length: t }, (_, i) => {
    const elements = 1 + Math.floor(rng() * 50);
    const k = 1 + Math.floor(rng() * 5);
    return {
      name: `t${i}`,
      elements,
      options: Array.from({ length: k }, (_, o) => {
        // Small integer bits and errors make ties and dominated options common.
        const bits = elements * (1 + Math.floor(rng() * 8)) + Math.floor(rng() * 3);
        const r = rng();
        const sqErr = r < 0.1 ? 0 : r < 0.3 ? Math.floor(rng() * 4) : rng() * 100;
        return { label: `s${o}`, bits, sqErr };
      }),
    };
  });
}

describe('solveBudget', () => {
  it('matches brute force on 3,000 random small cases: same least error, plan within budget, the plan itself when unique', () => {
    const rng = mulberry32(99);
    let solved = 0;
    let infeasible = 0;
    for (let c = 0; c < 3000; c++) {
      const items = randomItems(rng);
      const elements = items.reduce((s, it) => s + it.elements, 0);
      const minB = items.reduce((s, it) => s + Math.min(...it.options.map((o) => o.bits)), 0) / elements;
      const maxB = items.reduce((s, it) => s + Math.max(...it.options.map((o) => o.bits)), 0) / elements;
      // Budgets below, at and between the extremes, some not representable exactly in binary.
      const budget = c % 10 === 0 ? minB * 0.9 : c % 10 === 1 ? minB : minB + rng() * (maxB - minB) * 1.1 + (c % 3 === 0 ? 0.1 : 0);
      const expected = bruteForce(items, budget);
      if (expected === undefined) {
        expect(() => solveBudget(items, budget), `case ${c}`).toThrow(/no plan fits/);
        infeasible++;
        continue;
      }
      const plan = solveBudget(items, budget);
      expect(plan.sqErr, `case ${c}`).toBe(expected.sqErr);
      expect(plan.totalBits).toBeLessThanOrEqual(budget * elements);
      expect(plan.totalBits).toBe(plan.choices.reduce((s, ch) => s + items.find((it) => it.name === ch.name)!.options[ch.option]!.bits, 0));
      if (expected.plans.length === 1) expect(plan.choices.map((ch) => ch.option), `case ${c}`).toEqual(expected.plans[0]);
      else expect(expected.plans.map((p) => p.join())).toContain(plan.choices.map((ch) => ch.option).join());
      solved++;
    }
    expect(solved).toBeGreaterThan(2000);
    expect(infeasible).toBeGreaterThan(100);
  });

  it('solves a model-sized case (224 tensors x 12 schemes) and spends the budget sensibly', () => {
    const rng = mulberry32(5);
    // Error ~ n * 4^-bits with per-tensor sensitivity, as quantization behaves; bits = n * b + scale bits.
    const bpw = [2.125, 2.25, 3.125, 3.25, 4.125, 4.25, 4.5, 5.125, 6.125, 6.25, 8.125, 8.25];
    const items: BudgetItem[] = Array.from({ length: 224 }, (_, i) => {
      const n = i % 7 < 4 ? 4096 * 4096 : 4096 * 11008;
      const sens = 0.5 + rng() * 4;
      return { name: `t${i}`, elements: n, options: bpw.map((b, o) => ({ label: `s${o}`, bits: Math.round(n * b), sqErr: n * sens * 4 ** -b * (0.8 + 0.4 * rng()) })) };
    });
    for (const budget of [3.5, 4.3, 6]) {
      const plan = solveBudget(items, budget);
      expect(plan.bitsPerWeight).toBeLessThanOrEqual(budget);
      expect(plan.bitsPerWeight).toBeGreaterThan(budget - 0.2);
      // No single change of one tensor's option that stays within budget lowers the error.
      for (const [i, ch] of plan.choices.entries()) {
        for (const o of items[i]!.options) {
          if (plan.totalBits - ch.bits + o.bits <= budget * plan.elements) expect(o.sqErr).toBeGreaterThanOrEqual(ch.sqErr);
        }
      }
    }
  });

  it('names bad input and an infeasible budget', () => {
    const items: BudgetItem[] = [{ name: 'w', elements: 10, options: [{ label: 'int4', bits: 41, sqErr: 1 }] }];
    expect(() => solveBudget(items, 4)).toThrow('budget: no plan fits 4 bits/weight: the cheapest option of every tensor already needs 4.1000 bits/weight');
    expect(solveBudget(items, 4.1).choices[0]!.label).toBe('int4');
    expect(() => solveBudget(items, 0)).toThrow(/must be a positive number/);
    expect(() => solveBudget([], 4)).toThrow(/no tensors/);
    expect(() => solveBudget([{ name: 'w', elements: 10, options: [] }], 4)).toThrow(/tensor 'w' has no options/);
    expect(() => solveBudget([{ name: 'w', elements: 10, options: [{ label: 'x', bits: 1.5, sqErr: 0 }] }], 4)).toThrow(/bits must be a non-negative integer/);
    expect(() => solveBudget([{ name: 'w', elements: 10, options: [{ label: 'x', bits: 1, sqErr: NaN }] }], 4)).toThrow(/squared error must be finite/);
  });
});
