// lowbit from strict TypeScript: quantize W with int4 and bitmod4, run the CPU kernels on X, and
// compare each output with the f64 oracle on the quantized weights (the kernel's error) and with
// the product on the original weights (the quantization's error).
import {
  CPU_KERNELS,
  bitsPerWeight,
  checkCpuKernel,
  dequantize,
  errorMetrics,
  matmulRefDense,
  quantize,
  runCpuKernel,
  seededRandn,
  type CpuKernelName,
  type QuantizedTensor,
  type SchemeName,
} from 'lowbit';

const N = 96;
const K = 384;
const M = 2;
const w = seededRandn(N * K, 11);
const x = seededRandn(M * K, 12);
const exact = matmulRefDense(x, w, M, N, K).y;

const schemes: readonly SchemeName[] = ['int4', 'bitmod4'];
let failures = 0;
for (const scheme of schemes) {
  const qt: QuantizedTensor = quantize(w, N, K, scheme, { group: 128 });
  const weightNmse = errorMetrics(w, dequantize(qt)).nmse;
  for (const name of Object.keys(CPU_KERNELS) as CpuKernelName[]) {
    const kernel = CPU_KERNELS[name];
    if (kernel.supports(qt) !== true) continue;
    const y = runCpuKernel(kernel, x, M, qt);
    const check = checkCpuKernel(kernel, x, M, qt, y);
    const outputNmse = errorMetrics(exact, y).nmse;
    if (!check.ok) failures++;
    console.log(
      `${scheme.padEnd(8)} ${name.padEnd(9)} ${bitsPerWeight(qt).toFixed(3)} bits/w  weight NMSE ${weightNmse.toExponential(2)}  ` +
        `output NMSE vs unquantized ${outputNmse.toExponential(2)}  kernel vs oracle: ${check.ok ? 'within bound' : check.message}`,
    );
  }
}
if (failures > 0) process.exitCode = 1;
