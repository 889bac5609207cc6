/**
 * The ggml block formats lowbit decodes and encodes, by type name: the 13 ggml schemes and the
 * MXFP4 layout of lowbit's `mxfp4`. Each codec's blockSize and blockBytes agree with the type
 * table (types.ts); a test pins that.
 */
import type { GgmlCodec } from './codec.js';
import { LEGACY_CODECS } from './legacy-quants.js';
import { K_QUANT_CODECS } from './k-quants.js';
import { IQ4_NL_CODEC } from './iq4-nl.js';
import { TERNARY_CODECS } from './ternary-quants.js';
import { MXFP4_CODEC } from './mxfp4-layout.js';

/** The ggml types that are lowbit schemes of the same name, in llama.cpp's order. */
export const GGML_SCHEME_TYPES = ['q4_0', 'q4_1', 'q5_0', 'q5_1', 'q8_0', 'q2_k', 'q3_k', 'q4_k', 'q5_k', 'q6_k', 'iq4_nl', 'tq1_0', 'tq2_0'] as const;

/** Name of a ggml type that is a lowbit scheme. */
export type GgmlSchemeType = (typeof GGML_SCHEME_TYPES)[number];

const ALL: readonly GgmlCodec[] = [...LEGACY_CODECS, ...K_QUANT_CODECS, IQ4_NL_CODEC, ...TERNARY_CODECS, MXFP4_CODEC];
const BY_TYPE = new Map<string, GgmlCodec>(ALL.map((c) => [c.type, c]));

/** Every codec (the scheme types, then mxfp4). */
export const GGML_CODECS: readonly GgmlCodec[] = ALL;

/** The codec of a ggml type name, or undefined when lowbit does not decode that type. */
export function ggmlCodec(type: string): GgmlCodec | undefined {
  return BY_TYPE.get(type);
}

/** True when `type` is one of the ggml scheme types. */
export function isGgmlSchemeType(type: string): type is GgmlSchemeType {
  return (GGML_SCHEME_TYPES as readonly string[]).includes(type);
}
