/**
 * The scheme registry: element datatype(s) + scale rule + default group size + scale storage,
 * for every scheme name lowbit offers (docs/FORMATS.md). `quantize` is driven entirely by these records.
 */
import { isDTypeName, type DTypeName } from '../dtype/registry.js';
import { unknownNameMessage } from '../util/nearest.js';
import type { Granularity, ScaleDType } from '../format/quantized-tensor.js';
import { GGML_SCHEMES } from '../ggml/schemes.js';
import { GGML_SCHEME_TYPES, type GgmlSchemeType } from '../ggml/codecs.js';

/**
 * How a group's scale (and zero point) is chosen.
 * - `absmax`: scale = max|w| / max|grid| of the element type (signed integers use the symmetric
 *   range +-(2^(b-1)-1)); mixtures try each element type and keep the lowest group MSE.
 * - `minmax`: asymmetric integers: lo = min(w, 0), hi = max(w, 0), scale = (hi - lo) / (2^b - 1),
 *   zero = round(-lo / scale) (GPTQ style; 0 is always exactly representable).
 * - `mx`: OCP MX v1.0 section 6.3: E8M0 scale 2^(floor(log2(amax)) - emax_elem) per block of 32.
 * - `nvfp4`: E4M3 block scale amax / 6 / tensorScale per block of 16, FP32 tensorScale =
 *   amax(W) / (6 * 448).
 * - `absmean`: BitNet b1.58: scale = mean|w|, q = clamp(round(w / scale), -1, 1).
 * - `signmean`: binary: q = sign(w) (0 goes to +1), scale = mean|w|.
 * - `ggml`: llama.cpp's reference quantizer of the scheme's ggml block type (src/ggml).
 */
export type ScaleRule = 'absmax' | 'minmax' | 'mx' | 'nvfp4' | 'absmean' | 'signmean' | 'ggml';

/** One quantization scheme. */
export interface SchemeSpec {
  readonly description: string;
  /** Element datatypes; more than one makes a per-group mixture (id = index, first wins ties). */
  readonly elementTypes: readonly DTypeName[];
  readonly scaleRule: ScaleRule;
  /** Default `group` option: G > 0 along K, 0 per output channel, -1 per tensor. */
  readonly defaultGroup: number;
  /** Granularities the scheme accepts. */
  readonly granularities: readonly Granularity[];
  /** Fixed block size (MX 32, NVFP4 16): the only group size accepted. */
  readonly fixedBlock?: number;
  readonly defaultScaleDType: ScaleDType;
  /** Scale storage types the scheme accepts. */
  readonly scaleDTypes: readonly ScaleDType[];
  /** Whether `scale: 'mse'` (clip-ratio search) applies. */
  readonly mseSearch: boolean;
  /** Clamp of the raw scale before storage rounding (BitMoD reference: [1e-5, 1e4]). */
  readonly scaleClamp?: readonly [number, number];
  /**
   * 'ggml' for llama.cpp's block formats (listed apart: GGML_SCHEME_NAMES); absent for lowbit's
   * own schemes.
   */
  readonly family?: 'ggml';
  /** The ggml type the scheme stores (ggml schemes only), e.g. 'q4_k'. */
  readonly ggmlType?: string;
}

const ALL: readonly Granularity[] = ['group', 'channel', 'tensor'];
const F16_F32: readonly ScaleDType[] = ['f16', 'f32'];
/** BitMoD's reference quantizer clamps every group scale to [1e-5, 1e4] (BitMoD, HPCA 2025). */
const BITMOD_CLAMP = [1e-5, 1e4] as const;
const DEFAULT_GROUP = 128;

function absmax(elementTypes: readonly DTypeName[], description: string, extra: Partial<SchemeSpec> = {}): SchemeSpec {
  return {
    description,
    elementTypes,
    scaleRule: 'absmax',
    defaultGroup: DEFAULT_GROUP,
    granularities: ALL,
    defaultScaleDType: 'f16',
    scaleDTypes: F16_F32,
    mseSearch: true,
    ...extra,
  };
}

function asym(element: DTypeName, bits: number): SchemeSpec {
  return {
    description: `asymmetric ${bits}-bit integer, codes 0..${2 ** bits - 1} with a zero point (min/max rule)`,
    elementTypes: [element],
    scaleRule: 'minmax',
    defaultGroup: DEFAULT_GROUP,
    granularities: ALL,
    defaultScaleDType: 'f16',
    scaleDTypes: F16_F32,
    mseSearch: true,
  };
}

function mx(element: DTypeName, what: string): SchemeSpec {
  return {
    description: `OCP MX v1.0 ${what}: blocks of 32 sharing an E8M0 scale`,
    elementTypes: [element],
    scaleRule: 'mx',
    defaultGroup: 32,
    granularities: ['group'],
    fixedBlock: 32,
    defaultScaleDType: 'e8m0',
    scaleDTypes: ['e8m0'],
    mseSearch: false,
  };
}

const bitmod = (el: DTypeName): SchemeSpec =>
  absmax([el], `single BitMoD variant ${el}: absmax / max|grid|, fp16 scale clamped to [1e-5, 1e4]`, { scaleClamp: BITMOD_CLAMP });

/** Every scheme, keyed by name. */
export const SCHEMES = {
  int2: absmax(['int2'], 'symmetric int2, codes -1..1, scale = absmax / 1'),
  int3: absmax(['int3'], 'symmetric int3, codes -3..3, scale = absmax / 3'),
  int4: absmax(['int4'], 'symmetric int4, codes -7..7, scale = absmax / 7'),
  int8: absmax(['int8'], 'symmetric int8, codes -127..127, scale = absmax / 127'),
  int2_asym: asym('uint2', 2),
  int3_asym: asym('uint3', 3),
  int4_asym: asym('uint4', 4),
  int8_asym: asym('uint8', 8),
  fp3: absmax(['fp3'], 'BitMoD FP3 (0 +-1 +-2 +-4), absmax -> 4'),
  fp4: absmax(['float4_e2m1fn'], 'FP4 E2M1, absmax -> 6'),
  fp6_e2m3: absmax(['float6_e2m3fn'], 'FP6 E2M3, absmax -> 7.5'),
  fp6_e3m2: absmax(['float6_e3m2fn'], 'FP6 E3M2, absmax -> 28'),
  fp8_e4m3: absmax(['float8_e4m3fn'], 'FP8 E4M3, absmax -> 448'),
  fp8_e5m2: absmax(['float8_e5m2'], 'FP8 E5M2, absmax -> 57344'),
  nf4: absmax(['nf4'], 'bitsandbytes NF4 levels, absmax per block of 64', { defaultGroup: 64 }),
  flint4: absmax(['flint4'], 'ANT flint4, absmax -> 16'),
  fp4_er_pos: bitmod('fp4_er_pos'),
  fp4_er_neg: bitmod('fp4_er_neg'),
  fp4_ea_pos: bitmod('fp4_ea_pos'),
  fp4_ea_neg: bitmod('fp4_ea_neg'),
  fp3_er_pos: bitmod('fp3_er_pos'),
  fp3_er_neg: bitmod('fp3_er_neg'),
  fp3_ea_pos: bitmod('fp3_ea_pos'),
  fp3_ea_neg: bitmod('fp3_ea_neg'),
  bitmod4: absmax(['fp4_er_pos', 'fp4_er_neg', 'fp4_ea_pos', 'fp4_ea_neg'], 'BitMoD 4-bit: per-group lowest-MSE choice of the four FP4 variants, 2-bit id', {
    scaleClamp: BITMOD_CLAMP,
  }),
  bitmod3: absmax(['fp3_er_pos', 'fp3_er_neg', 'fp3_ea_pos', 'fp3_ea_neg'], 'BitMoD 3-bit: per-group lowest-MSE choice of the four FP3 variants, 2-bit id', {
    scaleClamp: BITMOD_CLAMP,
  }),
  ant4: absmax(['int4', 'flint4'], 'ANT 4-bit: per-group lowest-MSE choice of int4 / flint4, 1-bit id', { scaleClamp: BITMOD_CLAMP }),
  ant3: absmax(['int3', 'fp3'], 'ANT 3-bit: per-group lowest-MSE choice of int3 / fp3, 1-bit id', { scaleClamp: BITMOD_CLAMP }),
  mxfp4: mx('float4_e2m1fn', 'MXFP4 (E2M1)'),
  mxfp6_e2m3: mx('float6_e2m3fn', 'MXFP6 (E2M3)'),
  mxfp6_e3m2: mx('float6_e3m2fn', 'MXFP6 (E3M2)'),
  mxfp8_e4m3: mx('float8_e4m3fn', 'MXFP8 (E4M3)'),
  mxfp8_e5m2: mx('float8_e5m2', 'MXFP8 (E5M2)'),
  mxint8: mx('mxint8', 'MXINT8'),
  nvfp4: {
    description: 'NVFP4: E2M1 elements, blocks of 16 with an E4M3 scale, one FP32 tensor scale',
    elementTypes: ['float4_e2m1fn'],
    scaleRule: 'nvfp4',
    defaultGroup: 16,
    granularities: ['group'],
    fixedBlock: 16,
    defaultScaleDType: 'e4m3',
    scaleDTypes: ['e4m3'],
    mseSearch: false,
  },
  ternary: {
    description: 'BitNet b1.58 ternary: scale = mean|W| (per tensor by default), q = clamp(round(W / scale), -1, 1)',
    elementTypes: ['ternary'],
    scaleRule: 'absmean',
    defaultGroup: -1,
    granularities: ALL,
    defaultScaleDType: 'f32',
    scaleDTypes: F16_F32,
    mseSearch: false,
  },
  binary: {
    description: 'binary sign: q = sign(w) (0 -> +1), scale = mean|w| per output channel by default',
    elementTypes: ['binary'],
    scaleRule: 'signmean',
    defaultGroup: 0,
    granularities: ALL,
    defaultScaleDType: 'f16',
    scaleDTypes: F16_F32,
    mseSearch: false,
  },
} as const satisfies Record<string, SchemeSpec>;

/** Name of a registered lowbit scheme (the ggml schemes are GgmlSchemeName). */
export type SchemeName = keyof typeof SCHEMES;

/** Name of a ggml scheme: llama.cpp's type names in lower case. */
export type GgmlSchemeName = GgmlSchemeType;

/** Any scheme `getScheme` and `quantize` take. */
export type AnySchemeName = SchemeName | GgmlSchemeName;

/**
 * lowbit's own scheme names, in registry order. The ggml schemes are listed apart
 * (GGML_SCHEME_NAMES) because only the dequant kernels (CPU and GPU) and the oracle take them;
 * `lowbit verify` covers both lists (ALL_SCHEME_NAMES).
 */
export const SCHEME_NAMES: readonly SchemeName[] = Object.keys(SCHEMES) as SchemeName[];

/** The ggml schemes (llama.cpp's block formats), in llama.cpp's order. */
export const GGML_SCHEME_NAMES: readonly GgmlSchemeName[] = GGML_SCHEME_TYPES;

/** Every scheme: lowbit's own, then the ggml ones (what `lowbit quantize` and the report list). */
export const ALL_SCHEME_NAMES: readonly AnySchemeName[] = [...SCHEME_NAMES, ...GGML_SCHEME_NAMES];

/** True when `name` is one of lowbit's own schemes (SCHEME_NAMES). */
export function isSchemeName(name: string): name is SchemeName {
  return Object.prototype.hasOwnProperty.call(SCHEMES, name);
}

/** True when `name` is a ggml scheme (GGML_SCHEME_NAMES). */
export function isGgmlSchemeName(name: string): name is GgmlSchemeName {
  return Object.prototype.hasOwnProperty.call(GGML_SCHEMES, name);
}

/** True when `getScheme` knows `name` (lowbit's or a ggml scheme). */
export function isAnySchemeName(name: string): name is AnySchemeName {
  return isSchemeName(name) || isGgmlSchemeName(name);
}

function specOf(name: AnySchemeName): SchemeSpec {
  return isSchemeName(name) ? SCHEMES[name] : GGML_SCHEMES[name as GgmlSchemeName];
}

/**
 * Why `name` is not a scheme, with the nearest scheme names (case and typos; lowbit's and the
 * ggml ones), or, for a datatype name, the schemes whose elements are of that datatype.
 */
export function unknownSchemeMessage(name: string): string {
  if (isDTypeName(name)) {
    const users = ALL_SCHEME_NAMES.filter((s) => (specOf(s).elementTypes as readonly string[]).includes(name));
    if (users.length > 0) return `"${name}" is a datatype, not a scheme; schemes with ${name} elements: ${users.join(', ')}`;
  }
  return unknownNameMessage('scheme', name, ALL_SCHEME_NAMES);
}

/** Looks up a scheme (lowbit's or a ggml one); throws an Error with the nearest names and the known ones for unknown names. */
export function getScheme(name: string): SchemeSpec & { readonly name: AnySchemeName } {
  if (!isAnySchemeName(name)) throw new Error(unknownSchemeMessage(name));
  return { name, ...specOf(name) };
}
