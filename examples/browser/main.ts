// lowbit in a browser page (bundled by Vite or any bundler): quantize with int4 and bitmod4 on
// the CPU, then run the int4 GEMV on the GPU through navigator.gpu and check it against the f64
// oracle. Nothing here touches Node APIs; the bundle must not contain any.
import { bitsPerWeight, checkMatmulBound, dequantize, errorMetrics, matmulRef, quantize, seededRandn } from 'lowbit';
import { acquireGpu, gpuKernelBound, runGpuKernel } from 'lowbit/gpu';

const out = document.getElementById('out') as HTMLPreElement;
const lines: string[] = [];
const N = 128;
const K = 512;
const w = seededRandn(N * K, 31);
const x = seededRandn(K, 32);

async function run(): Promise<void> {
  for (const scheme of ['int4', 'bitmod4'] as const) {
    const qt = quantize(w, N, K, scheme);
    lines.push(`${scheme}: ${bitsPerWeight(qt).toFixed(3)} bits/weight, NMSE ${errorMetrics(w, dequantize(qt)).nmse.toExponential(2)}`);
  }
  const qt = quantize(w, N, K, 'int4');
  const gpu = await acquireGpu();
  try {
    const variant = 'dequant-gemv/plain';
    const r = await runGpuKernel(gpu, variant, x, 1, qt);
    const check = checkMatmulBound(r.y, matmulRef(x, qt, 1), 1, N, K, gpuKernelBound(variant, { x, m: 1, qt, w: dequantize(qt) }));
    lines.push(`${r.variant} on ${gpu.describe()}: ${check.ok ? 'within bound' : check.message}`);
    lines.push(check.ok ? 'RESULT ok' : 'RESULT wrong');
  } finally {
    gpu.destroy();
  }
}

run().then(
  () => (out.textContent = lines.join('\n')),
  (e: unknown) => (out.textContent = `${lines.join('\n')}\nRESULT error: ${(e as Error).message}`),
);
