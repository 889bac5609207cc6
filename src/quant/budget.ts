/**
 * The bits budget: choose one option (scheme) per tensor to minimize the model's total squared
 * error subject to total bits <= B * (total weights), i.e. average bits/weight <= B. This is a
 * multiple-choice knapsack; it is solved exactly here, by dynamic programming over Pareto
 * frontiers with bounds:
 *
 * - State after the first i tensors: (bits so far, squared error so far), the error summed in
 *   tensor order (the same order any plan's total is summed in, so totals compare exactly).
 * - Dominance: a state with no more bits and no more error than another replaces it in every
 *   completion, so only the frontier of non-dominated states (bits ascending, error strictly
 *   descending) is kept. Floating-point addition is monotone, so a dominated state stays
 *   dominated after adding the same error: some optimal plan survives.
 * - Feasibility: a state whose bits plus the cheapest options of the remaining tensors exceed
 *   the capacity is dropped (no completion fits).
 * - Bound: a state whose error plus a lower bound on the remaining tensors' error exceeds the
 *   error of a known feasible plan (a greedy one) is dropped (no completion can be better). The
 *   lower bound is the LP relaxation of the remaining tensors (each tensor's options on their
 *   lower convex hull, filled in order of error saved per bit), compared with a relative slack of
 *   1e-9 so rounding cannot drop a state that ties.
 *
 * Bits are integers (whole stored bits of each tensor), so the capacity is floor(B * N) and no
 * discretization is involved: the result is the exact optimum. Pure TS.
 */

/** One way to store one tensor. */
export interface BudgetOption {
  /** What the plan calls it (a scheme name). */
  readonly label: string;
  /** Total stored bits of the tensor with this option (a non-negative integer). */
  readonly bits: number;
  /** Sum of squared errors of the tensor with this option. */
  readonly sqErr: number;
}

/** A tensor and its options. */
export interface BudgetItem {
  readonly name: string;
  /** Weights in the tensor (the budget's denominator counts them). */
  readonly elements: number;
  readonly options: readonly BudgetOption[];
}

/** The option chosen for one tensor. */
export interface BudgetChoice {
  readonly name: string;
  readonly elements: number;
  /** Index into the item's options. */
  readonly option: number;
  readonly label: string;
  readonly bits: number;
  readonly sqErr: number;
}

/** An optimal plan. */
export interface BudgetPlan {
  /** The budget asked for, in bits/weight. */
  readonly budget: number;
  /** floor(budget * elements): the most bits the plan may use. */
  readonly capacityBits: number;
  readonly choices: readonly BudgetChoice[];
  readonly elements: number;
  readonly totalBits: number;
  /** totalBits / elements (<= budget). */
  readonly bitsPerWeight: number;
  /** The minimum total squared error (summed in item order). */
  readonly sqErr: number;
  /** The largest frontier the search kept (a measure of its work). */
  readonly maxStates: number;
}

/** Largest frontier the search keeps before giving up with an error (about 40 MB of state). */
export const MAX_BUDGET_STATES = 2_000_000;
/** Relative slack of the bound test (far above the rounding of the sums it compares). */
const BOUND_SLACK = 1e-9;

function fail(message: string): never {
  throw new Error(`budget: ${message}`);
}

/** An item's options on its lower-left frontier: bits ascending, error strictly descending. */
interface Frontier {
  /** Indices into the item's options. */
  readonly idx: number[];
  readonly bits: number[];
  readonly err: number[];
}

function frontierOf(item: BudgetItem): Frontier {
  const order = item.options.map((_, i) => i).sort((a, b) => {
    const oa = item.options[a]!;
    const ob = item.options[b]!;
    return oa.bits - ob.bits || oa.sqErr - ob.sqErr || a - b;
  });
  const f: Frontier = { idx: [], bits: [], err: [] };
  for (const i of order) {
    const o = item.options[i]!;
    if (f.err.length === 0 || o.sqErr < f.err[f.err.length - 1]!) {
      f.idx.push(i);
      f.bits.push(o.bits);
      f.err.push(o.sqErr);
    }
  }
  return f;
}

/** A segment of an item's lower convex hull: from one hull point to the next. */
interface Segment {
  readonly item: number;
  readonly dBits: number;
  /** Error saved (positive). */
  readonly dErr: number;
  /** dErr / dBits: error saved per bit (decreasing along an item's hull). */
  readonly gain: number;
  /** Frontier position the segment starts from and ends at. */
  readonly from: number;
  readonly to: number;
}

function hullSegments(item: number, f: Frontier): Segment[] {
  // Lower convex hull of (bits, err) from the cheapest point: keep points where the error saved
  // per bit decreases (Andrew's monotone chain on points sorted by bits).
  const hull: number[] = [];
  for (let p = 0; p < f.bits.length; p++) {
    while (hull.length >= 2) {
      const a = hull[hull.length - 2]!;
      const b = hull[hull.length - 1]!;
      // b is not on the lower hull when the turn a -> b -> p is not convex: cross <= 0.
      const cross = (f.bits[b]! - f.bits[a]!) * (f.err[p]! - f.err[a]!) - (f.err[b]! - f.err[a]!) * (f.bits[p]! - f.bits[a]!);
      if (cross <= 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  const segs: Segment[] = [];
  for (let h = 1; h < hull.length; h++) {
    const from = hull[h - 1]!;
    const to = hull[h]!;
    const dBits = f.bits[to]! - f.bits[from]!;
    const dErr = f.err[from]! - f.err[to]!;
    segs.push({ item, dBits, dErr, gain: dErr / dBits, from, to });
  }
  return segs;
}

/** LP lower bound of the error of a set of items given extra bits beyond their cheapest options. */
class LpBound {
  private cumBits = new Float64Array(0);
  private cumErr = new Float64Array(0);
  private segs: Segment[] = [];
  private baseErr = 0;

  /** Rebuilds for the items >= `first` from all segments sorted by gain (descending). */
  reset(sorted: readonly Segment[], first: number, frontiers: readonly Frontier[]): void {
    this.segs = sorted.filter((s) => s.item >= first);
    this.cumBits = new Float64Array(this.segs.length + 1);
    this.cumErr = new Float64Array(this.segs.length + 1);
    this.segs.forEach((s, i) => {
      this.cumBits[i + 1] = this.cumBits[i]! + s.dBits;
      this.cumErr[i + 1] = this.cumErr[i]! + s.dErr;
    });
    let base = 0;
    for (let i = first; i < frontiers.length; i++) base += frontiers[i]!.err[0]!;
    this.baseErr = base;
  }

  /** The least error the items can reach with `extra` bits beyond their cheapest options (fractional). */
  value(extra: number): number {
    const cb = this.cumBits;
    const n = this.segs.length;
    if (extra >= cb[n]!) return this.baseErr - this.cumErr[n]!;
    // Largest j with cumBits[j] <= extra.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cb[mid]! <= extra) lo = mid;
      else hi = mid - 1;
    }
    const s = this.segs[lo]!;
    const frac = (extra - cb[lo]!) / s.dBits;
    return this.baseErr - this.cumErr[lo]! - frac * s.dErr;
  }
}

/** A frontier of states: bits ascending, error strictly descending, with back-pointers. */
interface States {
  bits: Float64Array;
  err: Float64Array;
  /** Index of the state this one extends in the previous layer. */
  parent: Int32Array;
  /** Frontier position of the option chosen for this layer's item. */
  choice: Int32Array;
  length: number;
}

function emptyStates(n: number): States {
  return { bits: new Float64Array(n), err: new Float64Array(n), parent: new Int32Array(n), choice: new Int32Array(n), length: 0 };
}

/** Merges two frontiers into one, dropping dominated states. */
function mergeFrontiers(a: States, b: States): States {
  const out = emptyStates(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  let lastErr = Infinity;
  while (i < a.length || j < b.length) {
    let fromA: boolean;
    if (i >= a.length) fromA = false;
    else if (j >= b.length) fromA = true;
    else fromA = a.bits[i]! < b.bits[j]! || (a.bits[i] === b.bits[j] && a.err[i]! <= b.err[j]!);
    const s = fromA ? a : b;
    const k = fromA ? i++ : j++;
    if (s.err[k]! < lastErr) {
      out.bits[n] = s.bits[k]!;
      out.err[n] = s.err[k]!;
      out.parent[n] = s.parent[k]!;
      out.choice[n] = s.choice[k]!;
      lastErr = s.err[k]!;
      n++;
    }
  }
  out.length = n;
  return out;
}

function checkItems(items: readonly BudgetItem[], budget: number): void {
  if (!Number.isFinite(budget) || budget <= 0) fail(`the budget must be a positive number of bits per weight, got ${budget}`);
  if (items.length === 0) fail('there are no tensors to plan');
  for (const it of items) {
    if (!Number.isSafeInteger(it.elements) || it.elements <= 0) fail(`tensor '${it.name}': elements must be a positive integer, got ${it.elements}`);
    if (it.options.length === 0) fail(`tensor '${it.name}' has no options`);
    for (const o of it.options) {
      if (!Number.isSafeInteger(o.bits) || o.bits < 0) fail(`tensor '${it.name}' option '${o.label}': bits must be a non-negative integer, got ${o.bits}`);
      if (!(o.sqErr >= 0) || o.sqErr === Infinity) fail(`tensor '${it.name}' option '${o.label}': squared error must be finite and >= 0, got ${o.sqErr}`);
    }
  }
}

/** A feasible plan from the LP order: upgrade along hull segments by error saved per bit while they fit. */
function greedyPlan(frontiers: readonly Frontier[], sorted: readonly Segment[], spare: number): number[] {
  const pos = frontiers.map(() => 0);
  let left = spare;
  for (const s of sorted) {
    if (pos[s.item] !== s.from) continue; // an earlier segment of this item did not fit
    if (s.dBits <= left) {
      pos[s.item] = s.to;
      left -= s.dBits;
    }
  }
  return pos;
}

/**
 * The plan of least total squared error whose average bits/weight is at most `budget` (see the
 * module comment). Throws when no plan fits (naming the least bits/weight possible) or the
 * search would exceed MAX_BUDGET_STATES.
 */
export function solveBudget(items: readonly BudgetItem[], budget: number): BudgetPlan {
  checkItems(items, budget);
  const elements = items.reduce((s, it) => s + it.elements, 0);
  const capacity = Math.floor(budget * elements);
  const frontiers = items.map(frontierOf);
  const T = items.length;
  const suffixMin = new Float64Array(T + 1);
  for (let i = T - 1; i >= 0; i--) suffixMin[i] = suffixMin[i + 1]! + frontiers[i]!.bits[0]!;
  if (suffixMin[0]! > capacity) {
    fail(`no plan fits ${budget} bits/weight: the cheapest option of every tensor already needs ${(suffixMin[0]! / elements).toFixed(4)} bits/weight`);
  }
  const sorted = frontiers.flatMap((f, i) => hullSegments(i, f)).sort((a, b) => b.gain - a.gain || a.item - b.item || a.from - b.from);

  // Upper bound: the greedy plan's error, summed in item order.
  const greedy = greedyPlan(frontiers, sorted, capacity - suffixMin[0]!);
  let ub = 0;
  for (let i = 0; i < T; i++) ub += frontiers[i]!.err[greedy[i]!]!;
  const limit = ub + BOUND_SLACK * Math.abs(ub);

  const bound = new LpBound();
  const layers: States[] = [];
  let states = emptyStates(1);
  states.length = 1;
  states.parent[0] = -1;
  let maxStates = 1;
  for (let i = 0; i < T; i++) {
    const f = frontiers[i]!;
    bound.reset(sorted, i + 1, frontiers);
    const restMin = suffixMin[i + 1]!;
    let merged: States | undefined;
    for (let o = 0; o < f.bits.length; o++) {
      const shifted = emptyStates(states.length);
      let n = 0;
      for (let s = 0; s < states.length; s++) {
        const bits = states.bits[s]! + f.bits[o]!;
        const spare = capacity - bits - restMin;
        if (spare < 0) break; // bits ascend along the frontier: the rest do not fit either
        const err = states.err[s]! + f.err[o]!;
        if (err + bound.value(spare) > limit) continue;
        shifted.bits[n] = bits;
        shifted.err[n] = err;
        shifted.parent[n] = s;
        shifted.choice[n] = o;
        n++;
      }
      shifted.length = n;
      merged = merged === undefined ? mergeFrontiers(shifted, emptyStates(0)) : mergeFrontiers(merged, shifted);
    }
    states = merged!;
    if (states.length === 0) fail('internal error: the search lost every plan (please report this with the model)');
    if (states.length > MAX_BUDGET_STATES) fail(`the exact search needs more than ${MAX_BUDGET_STATES} partial plans at tensor ${i + 1} of ${T}; plan over fewer schemes`);
    maxStates = Math.max(maxStates, states.length);
    layers.push(states);
  }

  // The last state of the final frontier has the least error; follow the back-pointers.
  const pos = new Array<number>(T);
  let k = states.length - 1;
  for (let i = T - 1; i >= 0; i--) {
    const layer = layers[i]!;
    pos[i] = layer.choice[k]!;
    k = layer.parent[k]!;
  }
  const choices: BudgetChoice[] = items.map((it, i) => {
    const option = frontiers[i]!.idx[pos[i]!]!;
    const o = it.options[option]!;
    return { name: it.name, elements: it.elements, option, label: o.label, bits: o.bits, sqErr: o.sqErr };
  });
  let totalBits = 0;
  let sqErr = 0;
  for (const c of choices) {
    totalBits += c.bits;
    sqErr += c.sqErr;
  }
  return { budget, capacityBits: capacity, choices, elements, totalBits, bitsPerWeight: totalBits / elements, sqErr, maxStates };
}
