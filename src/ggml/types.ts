/**
 * The ggml tensor types (ggml.h `enum ggml_type`, block structs in ggml-common.h): id as stored
 * in GGUF tensor infos, lower-case name, weights per block and bytes per block. Every type is
 * listed so that GGUF files holding any of them can be listed and their byte ranges checked;
 * which ones lowbit decodes is in codecs.ts.
 */

/** One ggml type's layout facts. */
export interface GgmlTypeInfo {
  /** `enum ggml_type` value (GGUF tensor info `type`). */
  readonly id: number;
  /** Lower-case name as ggml_type_name spells it ('q4_k', 'bf16', ...). */
  readonly name: string;
  /** Weights per block (1 for plain element types). */
  readonly blockSize: number;
  /** Bytes per block (sizeof(block_*)). */
  readonly typeSize: number;
}

/** QK_K: weights per k-quant / i-quant / ternary super-block. */
export const QK_K = 256;
/** Weights per block of the legacy formats (QK4_0, QK5_0, QK8_0, QK4_NL, QK_MXFP4). */
export const QK32 = 32;

const t = (id: number, name: string, blockSize: number, typeSize: number): GgmlTypeInfo => ({ id, name, blockSize, typeSize });

/**
 * Every ggml type, in id order. Sizes are the block structs' static_asserts in ggml-common.h,
 * e.g. block_q4_0 = f16 d + 16 nibble bytes = 18, block_q6_K = 128 + 64 + 16 + 2 = 210.
 * Ids 4, 5 and 31..33, 36..38 were removed from ggml and are not valid in GGUF files.
 */
export const GGML_TYPES: readonly GgmlTypeInfo[] = [
  t(0, 'f32', 1, 4),
  t(1, 'f16', 1, 2),
  t(2, 'q4_0', QK32, 18),
  t(3, 'q4_1', QK32, 20),
  t(6, 'q5_0', QK32, 22),
  t(7, 'q5_1', QK32, 24),
  t(8, 'q8_0', QK32, 34),
  t(9, 'q8_1', QK32, 36),
  t(10, 'q2_k', QK_K, 84),
  t(11, 'q3_k', QK_K, 110),
  t(12, 'q4_k', QK_K, 144),
  t(13, 'q5_k', QK_K, 176),
  t(14, 'q6_k', QK_K, 210),
  t(15, 'q8_k', QK_K, 292),
  t(16, 'iq2_xxs', QK_K, 66),
  t(17, 'iq2_xs', QK_K, 74),
  t(18, 'iq3_xxs', QK_K, 98),
  t(19, 'iq1_s', QK_K, 50),
  t(20, 'iq4_nl', QK32, 18),
  t(21, 'iq3_s', QK_K, 110),
  t(22, 'iq2_s', QK_K, 82),
  t(23, 'iq4_xs', QK_K, 136),
  t(24, 'i8', 1, 1),
  t(25, 'i16', 1, 2),
  t(26, 'i32', 1, 4),
  t(27, 'i64', 1, 8),
  t(28, 'f64', 1, 8),
  t(29, 'iq1_m', QK_K, 56),
  t(30, 'bf16', 1, 2),
  t(34, 'tq1_0', QK_K, 54),
  t(35, 'tq2_0', QK_K, 66),
  t(39, 'mxfp4', QK32, 17),
  t(40, 'nvfp4', 64, 36),
  t(41, 'q1_0', 128, 18),
  t(42, 'q2_0', 64, 18),
];

const BY_ID = new Map<number, GgmlTypeInfo>(GGML_TYPES.map((x) => [x.id, x]));
const BY_NAME = new Map<string, GgmlTypeInfo>(GGML_TYPES.map((x) => [x.name, x]));

/** The type with GGUF id `id`, or undefined for ids ggml does not define. */
export function ggmlTypeById(id: number): GgmlTypeInfo | undefined {
  return BY_ID.get(id);
}

/** The type named `name` (lower case, e.g. 'q4_k'), or undefined. */
export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Bits per weight of a type's storage: typeSize * 8 / blockSize (Q4_K 4.5, Q6_K 6.5625). */
export function ggmlBitsPerWeight(type: GgmlTypeInfo): number {
  return (type.typeSize * 8) / type.blockSize;
}
