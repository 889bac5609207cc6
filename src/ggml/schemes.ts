/**
 * The ggml block formats as lowbit schemes, named as llama.cpp names them in lower case. Each
 * one quantizes with llama.cpp's reference quantizer for its type (no importance matrix) and
 * produces the same bytes; its QuantizedTensor carries the blocks (src/ggml/tensor.ts).
 */
import type { SchemeSpec } from '../quant/schemes.js';
import type { GgmlCodec } from './codec.js';
import { GGML_SCHEME_TYPES, ggmlCodec, type GgmlSchemeType } from './codecs.js';

const DESCRIPTIONS: Readonly<Record<GgmlSchemeType, string>> = {
  q4_0: 'llama.cpp Q4_0: blocks of 32, f16 d = max / -8, w = (q - 8) d',
  q4_1: 'llama.cpp Q4_1: blocks of 32, f16 d and min m, w = q d + m',
  q5_0: 'llama.cpp Q5_0: blocks of 32, f16 d = max / -16, 5-bit w = (q - 16) d',
  q5_1: 'llama.cpp Q5_1: blocks of 32, f16 d and min m, 5-bit w = q d + m',
  q8_0: 'llama.cpp Q8_0: blocks of 32, f16 d = amax / 127, int8 w = q d',
  q2_k: 'llama.cpp Q2_K: 256-weight super-blocks, 16 sub-blocks with 4-bit scale and min, 2-bit q',
  q3_k: 'llama.cpp Q3_K: 256-weight super-blocks, 16 sub-blocks with 6-bit scales, 3-bit q - 4',
  q4_k: 'llama.cpp Q4_K: 256-weight super-blocks, 8 sub-blocks with 6-bit scale and min, 4-bit q',
  q5_k: 'llama.cpp Q5_K: 256-weight super-blocks, 8 sub-blocks with 6-bit scale and min, 5-bit q',
  q6_k: 'llama.cpp Q6_K: 256-weight super-blocks, 16 sub-blocks with int8 scales, 6-bit q - 32',
  iq4_nl: 'llama.cpp IQ4_NL: blocks of 32, f16 d, 4-bit indices into 16 non-linear levels',
  tq1_0: 'llama.cpp TQ1_0: ternary, 256-weight blocks, d = absmax, 5 trits per byte',
  tq2_0: 'llama.cpp TQ2_0: ternary, 256-weight blocks, d = absmax, 2 bits per weight',
};

function spec(type: GgmlSchemeType): SchemeSpec {
  const c = ggmlCodec(type) as GgmlCodec;
  return {
    description: DESCRIPTIONS[type],
    family: 'ggml',
    ggmlType: type,
    elementTypes: [c.elementType],
    scaleRule: 'ggml',
    defaultGroup: c.blockSize,
    granularities: ['group'],
    fixedBlock: c.blockSize,
    defaultScaleDType: c.scaleDType,
    scaleDTypes: [c.scaleDType],
    mseSearch: false,
  };
}

/** Every ggml scheme, keyed by name. */
export const GGML_SCHEMES: Readonly<Record<GgmlSchemeType, SchemeSpec>> = Object.fromEntries(GGML_SCHEME_TYPES.map((t) => [t, spec(t)])) as Record<GgmlSchemeType, SchemeSpec>;
