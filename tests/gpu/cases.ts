// Shared GPU test data: seeded weights with outlier columns and one quantized tensor per scheme.
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { mulberry32, randn } from '../../src/io/random.js';
import { getScheme, GGML_SCHEME_NAMES, SCHEME_NAMES } from '../../src/quant/schemes.js';
import { quantize, type QuantizeOptions } from '../../src/quant/quantize.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';

/** Seeded N(0, 1) values with every 17th column scaled by 40 (outlier input channels). */
export function seededMatrix(rows: number, cols: number, seed: number, outlierGain = 40): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = randn(rng) * (c % 17 === 5 ? outlierGain : 1);
  }
  return out;
}

/** The group size a test uses for `scheme` so that K can stay small: fixed blocks, or 32. */
export function testGroup(scheme: AnySchemeName): number | undefined {
  const sc = getScheme(scheme);
  if (sc.fixedBlock !== undefined) return undefined;
  if (sc.granularities.includes('group')) return 32;
  return undefined;
}

/** Quantizes seeded weights [rows, cols] with `scheme` and a small group (see testGroup). */
export function quantizedCase(scheme: AnySchemeName, rows: number, cols: number, seed: number, opts: QuantizeOptions = {}): QuantizedTensor {
  const w = seededMatrix(rows, cols, seed);
  const group = opts.group ?? testGroup(scheme);
  return quantize(w, rows, cols, scheme, { ...opts, ...(group === undefined ? {} : { group }) });
}

/** Every lowbit scheme name (the registry order); the ggml schemes are GGML_SCHEMES. */
export const ALL_SCHEMES: readonly AnySchemeName[] = SCHEME_NAMES;

/** llama.cpp's block formats (K must be a multiple of their block: 32, or 256 for the k-quants and TQ1_0/TQ2_0). */
export const GGML_SCHEMES: readonly AnySchemeName[] = GGML_SCHEME_NAMES;
