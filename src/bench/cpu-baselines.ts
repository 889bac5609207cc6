/**
 * CPU limits for the CPU rows: a memory copy of the same bytes (TypedArray.set, the achievable
 * bandwidth of one JavaScript thread) and a plain f32 matmul loop on unquantized weights.
 */

/** Copies `src` into `dst` (same length): the memcpy baseline. */
export function copyBytes(dst: Uint8Array, src: Uint8Array): Uint8Array {
  dst.set(src);
  return dst;
}

/**
 * Y[M, N] = X[M, K] . W[N, K]^T in f32 storage with a plain loop (the JIT accumulates in f64 and
 * rounds once per output): the unquantized baseline a quantized CPU kernel is compared with.
 * Four independent accumulators let the loop pipeline as well as the quantized kernels do.
 */
export function f32MatmulLoop(x: Float32Array, w: Float32Array, m: number, n: number, k: number, out?: Float32Array): Float32Array {
  if (x.length !== m * k) throw new RangeError(`f32 loop: X has ${x.length} elements, expected M*K = ${m}*${k}`);
  if (w.length !== n * k) throw new RangeError(`f32 loop: W has ${w.length} elements, expected N*K = ${n}*${k}`);
  const y = out ?? new Float32Array(m * n);
  const k4 = k - (k % 4);
  for (let i = 0; i < m; i++) {
    const xo = i * k;
    for (let r = 0; r < n; r++) {
      const wo = r * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t = 0;
      for (; t < k4; t += 4) {
        s0 += (x[xo + t] as number) * (w[wo + t] as number);
        s1 += (x[xo + t + 1] as number) * (w[wo + t + 1] as number);
        s2 += (x[xo + t + 2] as number) * (w[wo + t + 2] as number);
        s3 += (x[xo + t + 3] as number) * (w[wo + t + 3] as number);
      }
      for (; t < k; t++) s0 += (x[xo + t] as number) * (w[wo + t] as number);
      y[i * n + r] = s0 + s1 + s2 + s3;
    }
  }
  return y;
}
