// lowbit from plain JavaScript (ESM): quantize a weight matrix two ways and run a CPU matmul.
// Run with `node quickstart.mjs` in a project where `npm install lowbit` was run.
import { bitsPerWeight, dequantize, errorMetrics, quantize, runCpuKernel, seededRandn } from 'lowbit';

const N = 64;
const K = 256;
const w = seededRandn(N * K, 1); // W[N, K], row-major f32
const x = seededRandn(K, 2); // X[1, K]
for (const scheme of ['int4', 'bitmod4']) {
  const qt = quantize(w, N, K, scheme);
  const { nmse } = errorMetrics(w, dequantize(qt));
  const y = runCpuKernel('dequant', x, 1, qt);
  console.log(`${scheme}: ${bitsPerWeight(qt).toFixed(3)} bits/weight, NMSE ${nmse.toExponential(2)}, y[0] = ${y[0].toFixed(4)}`);
}
