/**
 * The table buffer of the general GPU quantize kernel (shaders/quantize-general.wgsl, binding 5,
 * layout TB_* in its header): the scheme's code width, clip ratios, scale storage and clamp, and
 * every element type as either an integer range or a sorted value table with exact midpoints,
 * tie directions and codes. Every fact comes from the reference encoders of src/dtype/codec.ts
 * (codes, and where an exact tie goes, are asked of the encoder itself), so the kernel decides as
 * the CPU quantizer does. The facts are data, not WGSL, so one compiled kernel serves every scheme.
 */
import { getEncoder, type ElementEncoder } from '../dtype/codec.js';
import { E8M0_MAX_EXP, E8M0_MIN_EXP, NVFP4_ELEMENT_MAX, NVFP4_SCALE_MAX } from '../quant/scale.js';
import { planQuantizeShape, type QuantizeOptions } from '../quant/quantize-plan.js';
import { getScheme, type AnySchemeName } from '../quant/schemes.js';
import type { ScaleDType } from '../format/quantized-tensor.js';

/** Scale rules of the general kernel (one qg_decide_* entry point each; absmax has two). */
export type GeneralRule = 'absmax' | 'minmax' | 'mx' | 'nvfp4' | 'mean';
/** Element kinds (KIND_* in quantize-general.wgsl). */
const KIND_INT = 0;
const KIND_TABLE = 1;
/** Mantissas of midpoints must fit a u32 (the kernel multiplies them by 32-bit scales). */
const MAX_MID_BITS = 32;
/** A value far beyond every integer range (probes an integer encoder's clamp). */
const PROBE_HUGE = 1e300;

/** One element type of the kernel. */
interface TypeFacts {
  readonly kind: number;
  readonly lo: number;
  readonly hi: number;
  readonly unitExp: number;
  readonly maxAbs: number;
  /** Table: sorted values (f32 bits), their codes, midpoints, tie directions. */
  readonly vals: readonly number[];
  readonly codes: readonly number[];
  readonly mids: readonly { neg: boolean; m: number; e: number }[];
  readonly ties: readonly number[];
  readonly zeroIndex: number;
  readonly negZeroCode: number;
  readonly zeroCode: number;
}

/** Every compile-time choice of one general quantize pipeline. */
export interface GeneralQuantizeSpec {
  readonly scheme: AnySchemeName;
  readonly rule: GeneralRule;
  readonly bits: number;
  readonly scaleDType: ScaleDType;
  readonly storeF16: boolean;
  readonly ratios: readonly number[];
  readonly clamp: readonly [number, number] | undefined;
  /** Element types in the scheme's order, then (NVFP4) the E4M3 block-scale type. */
  readonly types: readonly TypeFacts[];
  readonly elemEmax: number;
}

const F32 = new Float32Array(1);
const F32_U = new Uint32Array(F32.buffer);
const F64 = new Float64Array(1);
const F64_U = new Uint32Array(F64.buffer);
const f32Bits = (x: number): number => {
  F32[0] = x;
  return F32_U[0] as number;
};
const f64Bits = (x: number): [number, number] => {
  F64[0] = x;
  return [F64_U[1] as number, F64_U[0] as number];
};

/** x = (-1)^neg * m * 2^e with m odd (or 0), exactly; undefined when m needs more than `maxBits` bits. */
export function exactParts(x: number, maxBits: number): { neg: boolean; m: number; e: number } | undefined {
  if (x === 0) return { neg: false, m: 0, e: 0 };
  const [hi, lo] = f64Bits(x);
  const ex = (hi >>> 20) & 0x7ff;
  let m = (hi & 0xfffff) * 2 ** 32 + lo;
  let e = ex - 1075;
  if (ex === 0) e = -1074;
  else m += 2 ** 52;
  while (m % 2 === 0) {
    m /= 2;
    e += 1;
  }
  return m < 2 ** maxBits ? { neg: x < 0, m, e } : undefined;
}

function intFacts(enc: ElementEncoder): TypeFacts {
  const dt = enc.dtype;
  const unitExp = dt.spec.kind === 'int' ? dt.spec.implicitScaleExp : 0;
  const unit = 2 ** unitExp;
  const lo = (dt.decodeTable[enc.encode(-PROBE_HUGE)] as number) / unit;
  const hi = (dt.decodeTable[enc.encode(PROBE_HUGE)] as number) / unit;
  return { kind: KIND_INT, lo, hi, unitExp, maxAbs: enc.maxAbs, vals: [], codes: [], mids: [], ties: [], zeroIndex: -1, negZeroCode: 0, zeroCode: enc.zeroCode };
}

function tableFacts(enc: ElementEncoder): TypeFacts | string {
  const dt = enc.dtype;
  const values = Array.from(dt.values);
  const mids: TypeFacts['mids'][number][] = [];
  const ties: number[] = [];
  for (let i = 0; i + 1 < values.length; i++) {
    const mid = ((values[i] as number) + (values[i + 1] as number)) / 2;
    const parts = exactParts(mid, MAX_MID_BITS);
    if (!parts) return `${dt.name}: midpoint ${mid} needs more than ${MAX_MID_BITS} significant bits`;
    mids.push(parts);
    ties.push(dt.decodeTable[enc.encode(mid)] === values[i + 1] ? 1 : 0);
  }
  const zeroIndex = values.indexOf(0);
  const smallest = values.filter((v) => v > 0).reduce((a, b) => Math.min(a, b), Infinity);
  return {
    kind: KIND_TABLE,
    lo: 0,
    hi: 0,
    unitExp: 0,
    maxAbs: enc.maxAbs,
    vals: values.map(f32Bits),
    codes: values.map((v) => enc.encode(v)),
    mids,
    ties,
    zeroIndex,
    negZeroCode: zeroIndex >= 0 ? enc.encode(-smallest / 4) : 0,
    zeroCode: enc.zeroCode,
  };
}

/**
 * The general kernel spec of `scheme` with `opts`, or the reason it cannot run it. Throws with
 * the CPU quantizer's messages for unknown schemes and options the scheme rejects.
 */
export function generalQuantizeSpec(scheme: string, opts: QuantizeOptions = {}): GeneralQuantizeSpec | string {
  const sc = getScheme(scheme);
  if (sc.scaleRule === 'ggml') return `${scheme} is a llama.cpp block format (ggml reference quantizer): CPU only`;
  // One row of one group: the option errors only (the group must still divide K later).
  const g = opts.group ?? sc.fixedBlock ?? sc.defaultGroup;
  const plan = planQuantizeShape(sc, 1, Number.isInteger(g) && g > 0 ? g : 1, opts);
  const rule = sc.scaleRule === 'absmean' || sc.scaleRule === 'signmean' ? 'mean' : sc.scaleRule;
  const encoders = rule === 'nvfp4' ? [...plan.encoders, getEncoder('float8_e4m3fn')] : plan.encoders;
  const types: TypeFacts[] = [];
  for (const enc of encoders) {
    const t = enc.dtype.spec.kind === 'int' ? intFacts(enc) : tableFacts(enc);
    if (typeof t === 'string') return t;
    types.push(t);
  }
  return {
    scheme: sc.name,
    rule,
    bits: plan.bits,
    scaleDType: plan.scaleDType,
    storeF16: plan.storeDType === 'f16',
    ratios: plan.ratios,
    clamp: sc.scaleClamp,
    types,
    elemEmax: (plan.encoders[0] as ElementEncoder).dtype.info.emax,
  };
}

/** Table layout in words (TB_* in shaders/quantize-general.wgsl). */
const TB = {
  BITS: 0,
  N_TYPES: 1,
  N_RATIOS: 2,
  STORE_F16: 3,
  HAS_CLAMP: 4,
  BS_TYPE: 5,
  ELEM_EMAX: 6,
  E8M0_MIN: 7,
  CLAMP_LO: 8,
  CLAMP_HI: 10,
  NV_TS_DIV: 12,
  NV_ELEM_MAX: 14,
  E8M0_MAX: 16,
  RATIOS: 18,
  TYPES: 144,
  TYPE_WORDS: 12,
  VALS: 240,
  VAL_WORDS: 6,
} as const;
/** Capacities of the fixed header regions. */
const MAX_RATIOS = (TB.TYPES - TB.RATIOS) / 2;
const MAX_TYPES = (TB.VALS - TB.TYPES) / TB.TYPE_WORDS;

/** The decide entry point of a spec (one per scale rule; absmax splits single / search). */
export function generalDecideEntry(spec: GeneralQuantizeSpec): string {
  switch (spec.rule) {
    case 'absmax':
      return spec.types.length === 1 && spec.ratios.length === 1 ? 'qg_decide_single' : 'qg_decide_search';
    case 'minmax':
      return 'qg_decide_minmax';
    case 'mean':
      return 'qg_decide_mean';
    case 'mx':
      return 'qg_decide_mx';
    case 'nvfp4':
      return 'qg_decide_nvfp4';
  }
}

/** The table buffer of a spec (see the module comment). */
export function generalQuantizeTables(spec: GeneralQuantizeSpec): Uint32Array {
  const t = spec.types;
  if (spec.ratios.length > MAX_RATIOS || t.length > MAX_TYPES) throw new Error(`generalQuantizeTables: ${spec.scheme} has more ratios or types than the table holds`);
  const nVals = t.reduce((n, ty) => n + ty.vals.length, 0);
  const out = new Uint32Array(TB.VALS + Math.max(1, nVals) * TB.VAL_WORDS);
  const setF64 = (at: number, x: number): void => out.set(f64Bits(x), at);
  out[TB.BITS] = spec.bits;
  out[TB.N_TYPES] = spec.rule === 'nvfp4' ? 1 : t.length;
  out[TB.N_RATIOS] = spec.ratios.length;
  out[TB.STORE_F16] = spec.storeF16 ? 1 : 0;
  out[TB.HAS_CLAMP] = spec.clamp ? 1 : 0;
  out[TB.BS_TYPE] = t.length - 1;
  out[TB.ELEM_EMAX] = spec.elemEmax >>> 0;
  out[TB.E8M0_MIN] = E8M0_MIN_EXP >>> 0;
  out[TB.E8M0_MAX] = E8M0_MAX_EXP >>> 0;
  setF64(TB.CLAMP_LO, spec.clamp?.[0] ?? 0);
  setF64(TB.CLAMP_HI, spec.clamp?.[1] ?? 0);
  setF64(TB.NV_TS_DIV, NVFP4_ELEMENT_MAX * NVFP4_SCALE_MAX);
  setF64(TB.NV_ELEM_MAX, NVFP4_ELEMENT_MAX);
  spec.ratios.forEach((r, i) => setF64(TB.RATIOS + 2 * i, r));
  let off = 0;
  t.forEach((ty, k) => {
    const at = TB.TYPES + k * TB.TYPE_WORDS;
    out.set([ty.kind, ty.lo >>> 0, ty.hi >>> 0, ty.unitExp >>> 0, ...f64Bits(ty.maxAbs), off, ty.vals.length, ty.zeroIndex >>> 0, ty.negZeroCode, ty.zeroCode], at);
    ty.vals.forEach((v, j) => {
      const mid = ty.mids[j];
      out.set([v, ty.codes[j] as number, mid?.m ?? 0, (mid?.e ?? 0) >>> 0, mid?.neg ? 1 : 0, ty.ties[j] ?? 0], TB.VALS + (off + j) * TB.VAL_WORDS);
    });
    off += ty.vals.length;
  });
  return out;
}
