/**
 * The f64 oracle: Y[M, N] = X[M, K] . W[N, K]^T accumulated in f64, plus the per-output magnitude
 * sum_k |x_k w_k| that the error bound of docs/KERNELS.md scales with.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { dequantize } from '../quant/quantize.js';

/** Result of the oracle: f64 outputs and, per output, sum_k |x[m,k] * w[n,k]|. */
export interface RefResult {
  readonly y: Float64Array;
  readonly absSum: Float64Array;
}

/** f64 matmul of dense f32 (or f64) X [M, K] and W [N, K] (row-major). */
export function matmulRefDense(
  x: Float32Array | Float64Array,
  w: Float32Array | Float64Array,
  m: number,
  n: number,
  k: number,
): RefResult {
  if (x.length !== m * k) throw new Error(`matmul ref: X has ${x.length} elements, expected M*K = ${m}*${k}`);
  if (w.length !== n * k) throw new Error(`matmul ref: W has ${w.length} elements, expected N*K = ${n}*${k}`);
  const y = new Float64Array(m * n);
  const absSum = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const xo = i * k;
    for (let j = 0; j < n; j++) {
      const wo = j * k;
      let acc = 0;
      let mag = 0;
      for (let t = 0; t < k; t++) {
        const p = x[xo + t] * w[wo + t];
        acc += p;
        mag += Math.abs(p);
      }
      y[i * n + j] = acc;
      absSum[i * n + j] = mag;
    }
  }
  return { y, absSum };
}

/**
 * The oracle for a quantized W: dequantize (w = (decode(code) - zero) * scale * tensorScale -
 * offset, each operation rounded to f32 as `dequantize` does; the offset only for ggml formats
 * that have one, so ggml tensors get exactly llama.cpp's dequantized values), then the f64 matmul
 * of X [M, K] with W [N, K]^T.
 */
export function matmulRef(x: Float32Array, qt: QuantizedTensor, m: number): RefResult {
  if (!Number.isInteger(m) || m < 1) throw new Error(`matmul ref: M must be a positive integer, got ${m}`);
  return matmulRefDense(x, dequantize(qt), m, qt.rows, qt.cols);
}
