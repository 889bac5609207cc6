// lowbit's GPU kernels from Node: acquire a WebGPU device (a hardware adapter, or the software
// one lowbit finds by itself), run the int4 dequant GEMV and check it against the f64 oracle.
import { checkMatmulBound, dequantize, matmulRef, quantize, seededRandn } from 'lowbit';
import { acquireGpu, gpuKernelBound, runGpuKernel } from 'lowbit/gpu';

const N = 128;
const K = 512;
const w = seededRandn(N * K, 21);
const x = seededRandn(K, 22);
const qt = quantize(w, N, K, 'int4');
const gpu = await acquireGpu();
try {
  console.log(`adapter: ${gpu.describe()}`);
  const variant = 'dequant-gemv/plain';
  const r = await runGpuKernel(gpu, variant, x, 1, qt);
  const ref = matmulRef(x, qt, 1);
  const check = checkMatmulBound(r.y, ref, 1, N, K, gpuKernelBound(variant, { x, m: 1, qt, w: dequantize(qt) }));
  console.log(`${r.variant}: ${r.gpuMs?.toFixed(3) ?? '?'} ms (${r.timer}); ${check.ok ? 'within the bound of the f64 oracle' : check.message}`);
  if (!check.ok) process.exitCode = 1;
} finally {
  gpu.destroy();
}
