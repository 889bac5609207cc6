/**
 * A bits-budget plan from a model report: one measured scheme per tensor, chosen by the exact
 * solver (src/quant/budget.ts) to minimize the model's total squared error subject to average
 * bits/weight <= B, with its totals and, for comparison, the best single scheme within the
 * budget. Pure TS.
 */
import type { AnySchemeName } from '../quant/schemes.js';
import { solveBudget, type BudgetItem } from '../quant/budget.js';
import type { ModelReport, ReportRowOk } from './model-report.js';

/** One tensor's choice in a plan. */
export interface PlanChoice {
  readonly tensor: string;
  readonly elements: number;
  readonly scheme: AnySchemeName;
  readonly bitsPerWeight: number;
  readonly totalBits: number;
  /** Sum of squared errors of the tensor with this scheme. */
  readonly sqErr: number;
  readonly nmse: number;
}

/** A plan, or why there is none. */
export interface BudgetPlanResult {
  /** The budget asked for, in bits/weight. */
  readonly budget: number;
  /** Why no plan was made (no plan fits, no tensor measured); the fields below are then absent. */
  readonly error?: string;
  readonly choices?: readonly PlanChoice[];
  readonly bitsPerWeight?: number;
  readonly totalBits?: number;
  readonly elements?: number;
  /** Total squared error of the plan over the planned tensors. */
  readonly sqErr?: number;
  /** sqErr / sum of the planned tensors' squared values. */
  readonly nmse?: number;
  /** Tensors per scheme in the plan. */
  readonly schemeCounts?: Readonly<Record<string, number>>;
  /** The scheme that took every planned tensor within the budget with the least error, if any. */
  readonly bestSingle?: { readonly scheme: AnySchemeName; readonly bitsPerWeight: number; readonly sqErr: number; readonly nmse: number };
  /** Tensors left out of the plan: no scheme took them. */
  readonly uncovered: readonly string[];
  /** Largest frontier the exact search kept. */
  readonly searchStates?: number;
}

/** Plans `budget` bits/weight over the report's measured rows (see the module comment). */
export function planBudget(report: ModelReport, budget: number): BudgetPlanResult {
  const byTensor = new Map<string, ReportRowOk[]>();
  for (const r of report.rows) {
    if (r.status !== 'ok') continue;
    const list = byTensor.get(r.tensor) ?? [];
    list.push(r);
    byTensor.set(r.tensor, list);
  }
  const tensors = [...new Set(report.rows.map((r) => r.tensor))];
  const uncovered = tensors.filter((t) => !byTensor.has(t));
  const planned = tensors.filter((t) => byTensor.has(t));
  if (planned.length === 0) return { budget, error: 'no tensor was measured by any scheme', uncovered };
  const items: BudgetItem[] = planned.map((t) => {
    const rows = byTensor.get(t)!;
    return { name: t, elements: rows[0]!.elements, options: rows.map((r) => ({ label: r.scheme, bits: r.totalBits, sqErr: r.sums.sumErr2 })) };
  });
  let plan;
  try {
    plan = solveBudget(items, budget);
  } catch (e) {
    return { budget, error: (e as Error).message, uncovered };
  }
  const sumRef2 = planned.reduce((s, t) => s + byTensor.get(t)![0]!.sums.sumRef2, 0);
  const nmse = (err: number): number => (err === 0 ? 0 : sumRef2 === 0 ? Infinity : err / sumRef2);
  const choices: PlanChoice[] = plan.choices.map((c, i) => {
    const r = byTensor.get(planned[i]!)![c.option]!;
    return { tensor: r.tensor, elements: r.elements, scheme: r.scheme, bitsPerWeight: r.bitsPerWeight, totalBits: r.totalBits, sqErr: r.sums.sumErr2, nmse: r.metrics.nmse };
  });
  const schemeCounts: Record<string, number> = {};
  for (const c of choices) schemeCounts[c.scheme] = (schemeCounts[c.scheme] ?? 0) + 1;

  // The best single scheme: one that took every planned tensor and fits the budget on its own.
  let bestSingle: BudgetPlanResult['bestSingle'];
  for (const s of report.schemes) {
    const rows = planned.map((t) => byTensor.get(t)!.find((r) => r.scheme === s));
    if (rows.some((r) => r === undefined)) continue;
    let bits = 0;
    let err = 0;
    for (const r of rows) {
      bits += r!.totalBits;
      err += r!.sums.sumErr2;
    }
    if (bits > plan.capacityBits) continue;
    if (bestSingle === undefined || err < bestSingle.sqErr) bestSingle = { scheme: s, bitsPerWeight: bits / plan.elements, sqErr: err, nmse: nmse(err) };
  }
  return {
    budget,
    choices,
    bitsPerWeight: plan.bitsPerWeight,
    totalBits: plan.totalBits,
    elements: plan.elements,
    sqErr: plan.sqErr,
    nmse: nmse(plan.sqErr),
    schemeCounts,
    ...(bestSingle !== undefined ? { bestSingle } : {}),
    uncovered,
    searchStates: plan.maxStates,
  };
}
