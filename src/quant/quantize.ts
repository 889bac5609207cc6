/**
 * quantize / dequantize: W[N, K] (row-major f32, nn.Linear convention) <-> QuantizedTensor.
 *
 * `quantize` returns exactly what the reference quantizer (quantize-reference.ts) returns, bit for
 * bit, through the fast paths (quantize-fast.ts: table and arithmetic encoders with packing fused
 * in, and the WebAssembly SIMD kernels where they apply). `quantizeParallel` (quantize-threads.ts)
 * splits the same work over worker threads.
 *
 * Dequantization is w = (decode(code) - zero) * scale * tensorScale [- offset], evaluated left to
 * right in f32 (each operation rounded to f32), the same order the GPU kernels use.
 */
import type { AnySchemeName } from './schemes.js';
import { getDType } from '../dtype/registry.js';
import { wordsPerRowFor } from '../format/pack.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { QuantizeOptions } from './quantize-plan.js';
import { quantizeFast } from './quantize-fast.js';

export { checkInput, idBitsFor, resolveLayout, type Layout, type QuantizeOptions } from './quantize-plan.js';
export { quantizeReference } from './quantize-reference.js';

/**
 * Quantizes W[rows, cols] (row-major) with a scheme from the registry; the result equals
 * `quantizeReference` with the same arguments in every field and bit.
 * Throws for unknown schemes, wrong lengths, NaN/Inf weights (naming the first (row, col)),
 * group sizes that do not divide K, and options the scheme does not support.
 */
export function quantize(w: Float32Array, rows: number, cols: number, scheme: AnySchemeName, opts: QuantizeOptions = {}): QuantizedTensor {
  return quantizeFast(w, rows, cols, scheme, opts);
}

/**
 * Dequantizes to row-major f32: w = (decode(code) - zero) * scale * tensorScale - offset, left to
 * right in f32 (the offset only for tensors that have offsets: ggml's Q4_1/Q5_1 and k-quants).
 * `out`, when given, must hold rows * cols values.
 */
export function dequantize(qt: QuantizedTensor, out?: Float32Array): Float32Array {
  const { rows, cols, bits, groupSize, wordsPerRow, codes, scales, zeros, dtypeIds, tensorScale, offsets } = qt;
  const n = rows * cols;
  const dst = out ?? new Float32Array(n);
  if (dst.length !== n) throw new RangeError(`dequantize: out has ${dst.length} elements, needs ${rows} x ${cols} = ${n}`);
  if (cols % groupSize !== 0) throw new RangeError(`dequantize: groupSize ${groupSize} does not divide K=${cols}`);
  const groupsPerRow = cols / groupSize;
  if (scales.length !== rows * groupsPerRow) throw new RangeError(`dequantize: ${scales.length} scales for ${rows * groupsPerRow} groups`);
  if (offsets && offsets.length !== scales.length) throw new RangeError(`dequantize: ${offsets.length} offsets for ${scales.length} groups`);
  if (codes.length !== rows * wordsPerRow || wordsPerRow !== wordsPerRowFor(cols, bits)) {
    throw new RangeError(`dequantize: ${codes.length} code words do not match ${rows} rows x ${wordsPerRowFor(cols, bits)} words`);
  }
  const tables = qt.elementTypes.map((name) => getDType(name).decodeTable);
  const mask = (1 << bits) - 1;
  const useTs = qt.hasTensorScale || tensorScale !== 1;
  const f = Math.fround;
  for (let r = 0; r < rows; r++) {
    const base = r * wordsPerRow;
    let bit = 0;
    let i = r * cols;
    for (let g = 0; g < groupsPerRow; g++) {
      const gi = r * groupsPerRow + g;
      const table = tables[dtypeIds ? (dtypeIds[gi] as number) : 0] as Float32Array;
      const s = scales[gi] as number;
      const z = zeros ? (zeros[gi] as number) : 0;
      const o = offsets ? (offsets[gi] as number) : 0;
      for (let k = 0; k < groupSize; k++, bit += bits, i++) {
        const wi = base + (bit >>> 5);
        const sh = bit & 31;
        let c = (codes[wi] as number) >>> sh;
        if (sh + bits > 32) c |= (codes[wi + 1] as number) << (32 - sh);
        const v = f(f((table[c & mask] as number) - z) * s);
        const t = useTs ? f(v * tensorScale) : v;
        dst[i] = offsets ? t - o : t;
      }
    }
  }
  return dst;
}
