/**
 * Argument checks shared by the CPU matmul kernels: Y[M, N] = X[M, K] . W[N, K]^T with X f32
 * row-major and W a QuantizedTensor. Every failure names the kernel, the tensor and the shape.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { wordsPerRowFor } from '../format/pack.js';

/**
 * Checks X, M, the internal consistency of `qt` and `out`; returns `out` or a fresh
 * Float32Array(M * N). Throws a RangeError naming the first problem.
 */
export function checkMatmulArgs(kernel: string, x: Float32Array, m: number, qt: QuantizedTensor, out?: Float32Array): Float32Array {
  const { rows: n, cols: k, groupSize, bits } = qt;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`kernel ${kernel}: M must be a positive integer, got ${m}`);
  if (!(x instanceof Float32Array)) throw new TypeError(`kernel ${kernel}: X must be a Float32Array`);
  if (x.length !== m * k) {
    throw new RangeError(`kernel ${kernel}: X has ${x.length} elements, expected M*K = ${m}*${k} = ${m * k} (W is ${n} x ${k}, scheme ${qt.scheme})`);
  }
  if (!Number.isInteger(groupSize) || groupSize < 1 || k % groupSize !== 0) {
    throw new RangeError(`kernel ${kernel}: W group size ${groupSize} does not divide K=${k} (scheme ${qt.scheme})`);
  }
  const groups = n * (k / groupSize);
  if (qt.scales.length !== groups) throw new RangeError(`kernel ${kernel}: W has ${qt.scales.length} scales, expected ${groups} (N=${n}, K/G=${k / groupSize})`);
  if (qt.zeros && qt.zeros.length !== groups) throw new RangeError(`kernel ${kernel}: W has ${qt.zeros.length} zero points, expected ${groups}`);
  if (qt.elementTypes.length > 1 && (!qt.dtypeIds || qt.dtypeIds.length !== groups)) {
    throw new RangeError(`kernel ${kernel}: W mixes ${qt.elementTypes.length} element types but has ${qt.dtypeIds?.length ?? 0} datatype ids, expected ${groups}`);
  }
  const wpr = wordsPerRowFor(k, bits);
  if (qt.wordsPerRow !== wpr || qt.codes.length !== n * wpr) {
    throw new RangeError(`kernel ${kernel}: W has ${qt.codes.length} code words, expected N*ceil(K*bits/32) = ${n}*${wpr}`);
  }
  const y = out ?? new Float32Array(m * n);
  if (y.length !== m * n) throw new RangeError(`kernel ${kernel}: out has ${y.length} elements, expected M*N = ${m}*${n} = ${m * n}`);
  return y;
}
