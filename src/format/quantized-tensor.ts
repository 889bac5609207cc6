/**
 * QuantizedTensor: the one in-memory form every kernel consumes.
 *
 * A weight matrix W[N, K] (nn.Linear convention: N output channels, K input features) is split
 * along K into groups of `groupSize` consecutive elements. Each element is a `bits`-wide code of
 * one element datatype; each group carries a scale, optionally a zero point and, for mixture
 * schemes, a datatype id; llama.cpp's block formats (src/ggml) add a per-group offset. The
 * dequantized value is
 *
 *   w[n, k] = (decode(elementTypes[id[g]], code[n, k]) - zero[g]) * scale[g] * tensorScale - offset[g]
 *
 * with g = n * groupsPerRow + floor(k / groupSize), each operation rounded to f32 left to right
 * (the offset subtraction only when `offsets` is present). Byte layouts are drawn in
 * docs/FORMATS.md.
 */
import type { DTypeName } from '../dtype/registry.js';
import type { AnySchemeName } from '../quant/schemes.js';

/** How scales are shared: per group along K, per output channel, or one for the tensor. */
export type Granularity = 'group' | 'channel' | 'tensor';

/** Storage datatype of the per-group scale (the f32 values in `scales` are exactly representable in it). */
export type ScaleDType = 'f32' | 'f16' | 'e8m0' | 'e4m3';

export interface QuantizedTensor {
  /** Scheme name as in the scheme registry (e.g. 'int4', 'bitmod4', 'mxfp4', 'q4_k'). */
  readonly scheme: AnySchemeName;
  /** N: output channels (rows of W). */
  readonly rows: number;
  /** K: input features (columns of W). */
  readonly cols: number;
  /** Bits per element code (1..8). */
  readonly bits: number;
  /** Elements per group along K; equals `cols` for channel and tensor granularity. */
  readonly groupSize: number;
  /** How the scales are shared (affects the bits/weight accounting only; storage is always per group). */
  readonly granularity: Granularity;
  /**
   * Codes as an LSB-first bit stream per row: element k of row n occupies bits
   * [k*bits, (k+1)*bits) of the row, counted from bit 0 of word `n * wordsPerRow`. A code may
   * straddle two words (3- and 6-bit codes). Rows start on a word boundary; pad bits are zero.
   */
  readonly codes: Uint32Array;
  /** ceil(cols * bits / 32). */
  readonly wordsPerRow: number;
  /** Element datatype names from the datatype registry; a group's id indexes this list. */
  readonly elementTypes: readonly DTypeName[];
  /** Per-group datatype id, length rows * groupsPerRow; present iff elementTypes.length > 1. */
  readonly dtypeIds?: Uint8Array;
  /** Bits used to store one datatype id (ceil(log2(elementTypes.length))), 0 if none. */
  readonly idBits: number;
  /** Per-group scale as f32, length rows * groupsPerRow (channel/tensor granularity repeat it). */
  readonly scales: Float32Array;
  /** How a scale is stored; its width counts towards bits/weight. */
  readonly scaleDType: ScaleDType;
  /** Per-group zero point in code units (asymmetric integer schemes), length rows * groupsPerRow. */
  readonly zeros?: Uint8Array;
  /** Second-level scale for the whole tensor (NVFP4), 1 otherwise. */
  readonly tensorScale: number;
  /** True when `tensorScale` is stored (counts 32 bits). */
  readonly hasTensorScale: boolean;
  /**
   * Per-group offset in weight units, subtracted last (ggml's k-quant mins dmin * m, and -m of
   * Q4_1/Q5_1), length rows * groupsPerRow. Absent for every other scheme.
   */
  readonly offsets?: Float32Array;
  /** The ggml blocks this tensor was decoded from (ggml schemes); storage is counted from them. */
  readonly blocks?: BlockStorage;
}

/**
 * The packed blocks of a llama.cpp (ggml) block format that a tensor was made from: the exact
 * bytes a GGUF file stores for it. The QuantizedTensor's codes, scales, zero points and offsets
 * are decoded from these blocks, so both describe the same values; storage (bits/weight) is
 * counted from the blocks.
 */
export interface BlockStorage {
  /** ggml type name in lower case, e.g. 'q4_k' (src/ggml/types.ts). */
  readonly type: string;
  /** Weights per block (32 or 256); blocks run along K, rows * cols / blockSize of them. */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly blockBytes: number;
  /** Bytes of each block that hold element codes (qs, qh, hmask); the rest are scales and mins. */
  readonly codeBytes: number;
  /** The blocks in row-major order: rows * (cols / blockSize) * blockBytes bytes. */
  readonly bytes: Uint8Array;
}

/** Number of groups in one row. */
export function groupsPerRow(qt: Pick<QuantizedTensor, 'cols' | 'groupSize'>): number {
  return qt.cols / qt.groupSize;
}
