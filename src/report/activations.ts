/**
 * Output error with activations: for X [M, K] and a weight W [N, K] (nn.Linear layout) and its
 * quantized Wq, the relative output error
 *
 *   ||X W^T - X Wq^T||_F / ||X W^T||_F = sqrt(sum_{m,n} (x_m . (w_n - q_n))^2 / sum_{m,n} (x_m . w_n)^2)
 *
 * accumulated in f64 (each w - q difference of two f32 values is exact in f64) over the row
 * blocks of Wq that the error pass dequantizes anyway. Cost: M * N * K multiply-adds per scheme
 * (plus the same once per tensor for the denominator). Pure TS.
 */
import { quoteShape, quoteString } from '../io/quote.js';
import type { BlockVisitor } from './error-sums.js';

/** Activations X [m, k], row-major. */
export interface Activations {
  /** Where X came from (for reports): its tensor name. */
  readonly name: string;
  readonly x: Float32Array;
  readonly m: number;
  readonly k: number;
}

/** X as [m, k] from a tensor of `shape` (2-D as is, 1-D [k] as [1, k]), or why it cannot be. */
export function activationShape(shape: readonly number[]): { m: number; k: number } | string {
  if (shape.length === 1 && shape[0]! > 0) return { m: 1, k: shape[0]! };
  if (shape.length === 2 && shape[0]! > 0 && shape[1]! > 0) return { m: shape[0]!, k: shape[1]! };
  return `activations must be 2-D [M, K] (or 1-D [K]), got ${quoteShape(shape)}`;
}

/** Why X cannot multiply a weight with `cols` input features, or undefined when it can. */
export function activationMismatch(a: Activations, cols: number): string | undefined {
  return a.k === cols ? undefined : `activations ${quoteString(a.name)} have K = ${a.k}, the weight has K = ${cols}`;
}

/** sum_{m,n} (x_m . w_n)^2 for W [rows, cols]: the squared norm of X W^T, in f64. */
export function outputEnergy(a: Activations, w: Float32Array, rows: number, cols: number): number {
  const { x, m } = a;
  let sum = 0;
  for (let n = 0; n < rows; n++) {
    const wo = n * cols;
    for (let i = 0; i < m; i++) {
      const xo = i * cols;
      let y = 0;
      for (let k = 0; k < cols; k++) y += x[xo + k]! * w[wo + k]!;
      sum += y * y;
    }
  }
  return sum;
}

/**
 * A block visitor (see tensorErrorSums) accumulating sum_{m,n} (x_m . (w_n - q_n))^2 over the
 * dequantized blocks of Wq; read the total with `total()` after the pass.
 */
export function outputErrorVisitor(a: Activations, w: Float32Array, cols: number): { visit: BlockVisitor; total(): number } {
  const { x, m } = a;
  const diff = new Float64Array(cols);
  let sum = 0;
  const visit: BlockVisitor = (deq, r0) => {
    const blockRows = deq.length / cols;
    for (let r = 0; r < blockRows; r++) {
      const wo = (r0 + r) * cols;
      const qo = r * cols;
      for (let k = 0; k < cols; k++) diff[k] = w[wo + k]! - deq[qo + k]!;
      for (let i = 0; i < m; i++) {
        const xo = i * cols;
        let d = 0;
        for (let k = 0; k < cols; k++) d += x[xo + k]! * diff[k]!;
        sum += d * d;
      }
    }
  };
  return { visit, total: () => sum };
}

/** sqrt(errorEnergy / outputEnergy): 0 when both are 0, Infinity when only the reference output is 0. */
export function relativeOutputError(errorEnergy: number, reference: number): number {
  if (errorEnergy === 0) return 0;
  return reference === 0 ? Infinity : Math.sqrt(errorEnergy / reference);
}
