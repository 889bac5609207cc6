/**
 * The prelude of the GPU quantize kernel (shaders/quantize.wgsl), generated from the scheme and
 * datatype registries like src/wgsl/prelude.ts: the kernel body is scheme-agnostic and reads
 * every rule- and datatype-dependent number from the constants emitted here.
 *
 * Two scale rules run in this kernel (src/quant/quantize-reference.ts defines them):
 * - `absmax-int`: symmetric integers, scale = storeScale(amax / qmax) in f32 or f16, codes
 *   RNE(w / scale) clamped to +-qmax (runAbsmax with one encoder and the ratio 1).
 * - `mx`: OCP MX v1.0 section 6.3, E8M0 scale 2^(floor(log2(amax)) - emax_elem) clamped to the
 *   E8M0 range, elements RNE onto a minifloat grid (saturating) or an integer grid (runMx).
 * Every other scheme (asymmetric zero points, mixtures, clip search, NVFP4, codebook and
 * minifloat absmax grids, mean-|w| rules) runs the general kernel (shaders/quantize-general.wgsl,
 * src/wgsl/quantize-general-tables.ts); {@link quantizeKernelSpec} says why this one does not apply.
 */
import { getDType, type DType, type DTypeName } from '../dtype/registry.js';
import { E8M0_MAX_EXP, E8M0_MIN_EXP } from '../quant/scale.js';
import { getScheme, type AnySchemeName } from '../quant/schemes.js';
import type { QuantizeOptions } from '../quant/quantize.js';
import type { ScaleDType } from '../format/quantized-tensor.js';

/** IEEE 754 storage formats of absmax scales: fraction bits and exponent bias. */
const SCALE_FORMATS = {
  f32: { manBits: 23, bias: 127, expBits: 8 },
  f16: { manBits: 10, bias: 15, expBits: 5 },
} as const;

/**
 * Largest qmax the code search handles: it compares |w| against (2j + 1) * mantissa(scale) with
 * j < qmax and a 24-bit mantissa, which must fit a u32 ((2 * 127 - 1) * 2^24 < 2^32).
 */
const MAX_QMAX = 127;

/** Element facts of the MX rule. */
interface MxElement {
  readonly kind: 'float' | 'int';
  /** emax_elem: floor(log2(max)) (OCP MX v1.0 section 6.3). */
  readonly emax: number;
  /** Float elements: fraction bits, bias, code of the largest finite value, sign bit of the code. */
  readonly manBits: number;
  readonly bias: number;
  readonly maxCode: number;
  readonly signBit: number;
  /** Integer elements: value = q * 2^unitExp, q in [-qmax, qmax]. */
  readonly unitExp: number;
  readonly qmax: number;
}

/** Every compile-time choice of one quantize pipeline. */
export interface QuantizeKernelSpec {
  readonly scheme: AnySchemeName;
  readonly rule: 'absmax-int' | 'mx';
  readonly elementType: DTypeName;
  readonly bits: number;
  readonly scaleDType: ScaleDType;
  /** absmax-int: the symmetric code range +-qmax. */
  readonly qmax: number;
  /** mx: element facts. */
  readonly mx?: MxElement;
}

/**
 * Checks that a float datatype decodes exactly like the IEEE-style formula the kernel uses:
 * code = sign | exponent field | fraction, subnormals at exponent field 0, and returns the code
 * of its largest finite value. Returns a reason when it does not.
 */
function ieeeLikeMaxCode(dt: DType): number | string {
  const spec = dt.spec;
  if (spec.kind !== 'float' || !spec.signed || !spec.subnormals || spec.manBits < 1) {
    return `${dt.name} is not a signed IEEE-style minifloat with subnormals`;
  }
  if (!dt.info.hasNegZero) return `${dt.name} has no negative-zero code`;
  const signBit = 1 << (spec.bits - 1);
  const fracMask = (1 << spec.manBits) - 1;
  let maxCode = -1;
  for (let c = 0; c < signBit; c++) {
    const v = dt.decodeTable[c] as number;
    if (!Number.isFinite(v)) continue;
    const e = c >> spec.manBits;
    const f = c & fracMask;
    const want = e === 0 ? f * 2 ** (1 - spec.bias - spec.manBits) : (2 ** spec.manBits + f) * 2 ** (e - spec.bias - spec.manBits);
    if (v !== want || dt.decodeTable[c | signBit] !== -want) return `${dt.name} code ${c} does not decode as sign | exponent | fraction`;
    if (v === dt.info.max) maxCode = c;
  }
  // Codes above the largest finite one must all be non-finite (inf/NaN), so saturating the code
  // magnitude at maxCode saturates the value.
  for (let c = maxCode + 1; c < signBit; c++) {
    if (Number.isFinite(dt.decodeTable[c] as number)) return `${dt.name} has a finite code ${c} above its largest value`;
  }
  return maxCode < 0 ? `${dt.name} has no code for its largest value` : maxCode;
}

/**
 * Signed integer elements use the symmetric code range +-(2^(b-1) - 1) in every scheme, MXINT8
 * included (quantize.ts elementEncoder): -2^(b-1) is never produced.
 */
function symmetricQmax(dt: DType): number {
  return 2 ** (dt.bits - 1) - 1;
}

function mxElement(dt: DType): MxElement | string {
  const spec = dt.spec;
  if (spec.kind === 'int') {
    if (!spec.signed) return `${dt.name} is an unsigned integer element`;
    return {
      kind: 'int',
      emax: dt.info.emax,
      manBits: 0,
      bias: 0,
      maxCode: 0,
      signBit: 0,
      unitExp: spec.implicitScaleExp,
      qmax: symmetricQmax(dt),
    };
  }
  const maxCode = ieeeLikeMaxCode(dt);
  if (typeof maxCode === 'string') return maxCode;
  if (spec.kind !== 'float') return `${dt.name} is not a float`;
  return { kind: 'float', emax: dt.info.emax, manBits: spec.manBits, bias: spec.bias, maxCode, signBit: 1 << (spec.bits - 1), unitExp: 0, qmax: 0 };
}

/**
 * The kernel spec of `scheme` with `opts`, or the reason this kernel does not handle it (the
 * general kernel then does).
 * Throws, with the CPU quantizer's messages, for unknown schemes and options the scheme itself
 * rejects (a scaleDType it does not store, clip search on a fixed scale rule).
 */
export function quantizeKernelSpec(scheme: string, opts: QuantizeOptions = {}): QuantizeKernelSpec | string {
  const sc = getScheme(scheme);
  const scaleMode = opts.scale ?? 'absmax';
  if (scaleMode !== 'absmax' && scaleMode !== 'mse') throw new Error(`scale must be 'absmax' or 'mse', got '${String(scaleMode)}'`);
  if (scaleMode === 'mse' && !sc.mseSearch) throw new Error(`${scheme} has a fixed scale rule (${sc.scaleRule}); scale 'mse' is not supported`);
  if (opts.scaleDType !== undefined && !sc.scaleDTypes.includes(opts.scaleDType)) {
    throw new Error(`${scheme} stores its scales as ${sc.scaleDTypes.join(' or ')}; scaleDType '${opts.scaleDType}' is not supported`);
  }
  const scaleDType = opts.scaleDType ?? sc.defaultScaleDType;
  if (sc.elementTypes.length !== 1) {
    return `${scheme} is a per-group mixture of ${sc.elementTypes.join(', ')} (lowest-MSE choice per group): CPU only`;
  }
  const dt = getDType(sc.elementTypes[0] as string);
  switch (sc.scaleRule) {
    case 'absmax': {
      if (scaleMode === 'mse') return `clip-ratio search (scale 'mse') is CPU only; the GPU quantizer implements the absmax rule`;
      if (dt.spec.kind !== 'int' || !dt.spec.signed) {
        return `absmax onto the ${dt.name} grid is CPU only; the GPU quantizer implements integer grids (int2/int3/int4/int8) and the MX schemes`;
      }
      if (dt.spec.implicitScaleExp !== 0) return `${dt.name} has an implicit scale 2^${dt.spec.implicitScaleExp}; the GPU absmax rule handles unit-1 integers`;
      if (sc.scaleClamp) return `${scheme} clamps its scale to [${sc.scaleClamp.join(', ')}]: CPU only`;
      if (scaleDType !== 'f32' && scaleDType !== 'f16') return `${scheme} stores ${scaleDType} scales; the GPU absmax rule stores f32 or f16`;
      const qmax = symmetricQmax(dt);
      if (qmax > MAX_QMAX) return `qmax ${qmax} exceeds ${MAX_QMAX}, the widest code range of the GPU code search`;
      return { scheme: sc.name, rule: 'absmax-int', elementType: dt.name, bits: dt.bits, scaleDType, qmax };
    }
    case 'mx': {
      const mx = mxElement(dt);
      if (typeof mx === 'string') return `MX element ${mx}`;
      return { scheme: sc.name, rule: 'mx', elementType: dt.name, bits: dt.bits, scaleDType, qmax: 0, mx };
    }
    case 'minmax':
      return `${scheme} is asymmetric (min/max rule with zero points): CPU only`;
    case 'nvfp4':
      return `${scheme} uses a two-level scale (E4M3 block scale amax / 6 / FP32 tensor scale): CPU only`;
    case 'absmean':
    case 'signmean':
      return `${scheme} uses a mean-|w| scale (${sc.scaleRule}): CPU only`;
    case 'ggml':
      return `${scheme} is a llama.cpp block format (ggml reference quantizer): CPU only`;
  }
}

const u = (v: number): string => `${v >>> 0}u`;
const i = (v: number): string => `${v | 0}i`;
const b = (v: boolean): string => (v ? 'true' : 'false');

/**
 * The prelude text of a kernel spec: a pure function of it (it is part of the pipeline cache
 * key). Constants a rule does not use are emitted as 0 so the body compiles for every rule.
 */
export function generateQuantizePrelude(spec: QuantizeKernelSpec): string {
  const isMx = spec.rule === 'mx';
  const sf = spec.scaleDType === 'f16' ? SCALE_FORMATS.f16 : SCALE_FORMATS.f32;
  const mx = spec.mx;
  const isFloat = mx?.kind === 'float';
  const lines = [
    `// lowbit quantize prelude: ${spec.scheme} (${spec.rule}, element ${spec.elementType}, ${spec.scaleDType} scales).`,
    `const BITS: u32 = ${u(spec.bits)};`,
    `const CODE_MASK: u32 = ${u((1 << spec.bits) - 1)};`,
    `// true: OCP MX shared exponent (E8M0 scale); false: absmax / QMAX stored as f32 or f16.`,
    `const RULE_MX: bool = ${b(isMx)};`,
    `// absmax integer rule: codes -QMAX..QMAX; stored scale format (fraction bits, bias, exponent bits).`,
    // The MX rule never divides by QMAX; 1 keeps the (dead) division a valid constant expression.
    `const QMAX: u32 = ${u(isMx ? 1 : spec.qmax)};`,
    `const SCALE_MAN_BITS: u32 = ${u(isMx ? SCALE_FORMATS.f32.manBits : sf.manBits)};`,
    `const SCALE_BIAS: i32 = ${i(isMx ? SCALE_FORMATS.f32.bias : sf.bias)};`,
    `const SCALE_EXP_ALL_ONES: u32 = ${u((1 << (isMx ? SCALE_FORMATS.f32.expBits : sf.expBits)) - 1)};`,
    `// MX rule: E8M0 exponent range and the element type.`,
    `const E8M0_MIN_EXP: i32 = ${i(E8M0_MIN_EXP)};`,
    `const E8M0_MAX_EXP: i32 = ${i(E8M0_MAX_EXP)};`,
    `const ELEM_EMAX: i32 = ${i(mx?.emax ?? 0)};`,
    `const ELEM_IS_FLOAT: bool = ${b(isFloat)};`,
    `const ELEM_MAN_BITS: u32 = ${u(mx?.manBits ?? 0)};`,
    `const ELEM_BIAS: i32 = ${i(mx?.bias ?? 0)};`,
    `const ELEM_MAX_CODE: u32 = ${u(mx?.maxCode ?? 0)};`,
    `const ELEM_SIGN: u32 = ${u(mx?.signBit ?? 0)};`,
    `const ELEM_INT_UNIT_EXP: i32 = ${i(mx?.unitExp ?? 0)};`,
    `const ELEM_INT_QMAX: u32 = ${u(mx?.qmax ?? 0)};`,
  ];
  return lines.join('\n') + '\n';
}
