/**
 * Encode (nearest representable value) and decode for every registered datatype.
 *
 * Rounding: integers and minifloats round half to even (IEEE 754 roundTiesToEven, as OCP MX
 * v1.0 section 6.3 requires for element conversion and as torch.round does). Codebooks use their
 * spec's tie rule: BitMoD grids, fp3, flint4 and nf4 send an exact tie to the lower value (the
 * BitMoD reference quantizer selects value i when x <= midpoint(i, i+1)); ternary rounds half to
 * even (to 0); binary sends 0 to +1.
 *
 * Overflow: encoders saturate to the nearest finite extreme by default (OCP MX conversions
 * saturate). With `{ saturate: false }`, a value that rounds beyond the largest finite value
 * becomes +-inf where the type has inf (float8_e5m2), the NaN code where it has one
 * (float8_e4m3fn), and a RangeError otherwise. An infinite input always encodes to inf in a type
 * that has inf.
 *
 * Signed zero: sign-magnitude minifloats keep the sign (a negative input that rounds to zero gets
 * the -0 code). Codebooks encode to the canonical +0 code; their redundant -0 code (fp3 0b100,
 * flint4 0b1000) decodes to -0 but is never produced.
 *
 * NaN input: the type's NaN code where it has one, otherwise a RangeError.
 */
import { getDType, type DType } from './registry.js';
import { roundHalfEven } from './rounding.js';

/** Options for single-value `encode`. */
export interface EncodeOptions {
  /** Clamp out-of-range values to +-max (default true). */
  readonly saturate?: boolean;
}

/**
 * A nearest-value encoder bound to one datatype (and, for integers, one code range). The
 * quantizer calls `encodeSegment` so each hot loop stays inside one monomorphic method.
 */
export interface ElementEncoder {
  readonly dtype: DType;
  /** Code of the value 0 (or of the value nearest 0). */
  readonly zeroCode: number;
  /** Largest |value| this encoder produces (the scale target of absmax rules). */
  readonly maxAbs: number;
  /** Saturating nearest code of x (x must not be NaN). */
  encode(x: number): number;
  /**
   * codes[off+i] = encode(src[off+i] / scale) (+ zero for integer encoders) for i < len, and the
   * sum of squared errors sum_i ((decode(code) - zero) * scale - src[off+i])^2 when `wantErr`
   * (0 otherwise). A zero scale writes the code of 0 (the zero point for integers).
   */
  encodeSegment(src: ArrayLike<number>, off: number, len: number, scale: number, zero: number, codes: Uint8Array, wantErr: boolean): number;
}

/** Integer encoder: round half to even of x / unit, clamped to [lo, hi]. */
class IntEncoder implements ElementEncoder {
  readonly zeroCode: number;
  readonly maxAbs: number;
  private readonly unit: number;
  private readonly mask: number;

  constructor(
    readonly dtype: DType,
    private readonly lo: number,
    private readonly hi: number,
  ) {
    if (dtype.spec.kind !== 'int') throw new Error(`${dtype.name} is not an integer datatype`);
    this.unit = 2 ** dtype.spec.implicitScaleExp;
    this.mask = (1 << dtype.bits) - 1;
    this.zeroCode = Math.min(Math.max(0, lo), hi) & this.mask;
    this.maxAbs = Math.max(Math.abs(lo), Math.abs(hi)) * this.unit;
  }

  encode(x: number): number {
    let q = roundHalfEven(x / this.unit);
    if (q < this.lo) q = this.lo;
    else if (q > this.hi) q = this.hi;
    return q & this.mask;
  }

  encodeSegment(src: ArrayLike<number>, off: number, len: number, scale: number, zero: number, codes: Uint8Array, wantErr: boolean): number {
    const { lo, hi, mask } = this;
    const end = off + len;
    let err = 0;
    if (scale === 0) {
      const z = Math.min(Math.max(zero, lo), hi) & mask;
      codes.fill(z, off, end);
      if (wantErr) for (let i = off; i < end; i++) err += (src[i] as number) * (src[i] as number);
      return err;
    }
    const step = scale * this.unit;
    for (let i = off; i < end; i++) {
      const x = src[i] as number;
      const t = x / step;
      let q = Math.round(t);
      if (q - t === 0.5 && q % 2 !== 0) q -= 1; // round half to even
      q += zero;
      if (q < lo) q = lo;
      else if (q > hi) q = hi;
      codes[i] = q & mask;
      if (wantErr) {
        const d = (q - zero) * step - x;
        err += d * d;
      }
    }
    return err;
  }
}

/**
 * Table encoder for minifloats and codebooks: binary search over the midpoints of the sorted
 * distinct finite values, with a per-midpoint tie direction.
 */
class TableEncoder implements ElementEncoder {
  readonly zeroCode: number;
  readonly maxAbs: number;
  /** Sorted distinct finite values. */
  readonly values: Float64Array;
  /** Code of each sorted value (the first code in code order with that value). */
  readonly codes: Uint8Array;
  /** mids[i] = (values[i] + values[i+1]) / 2. */
  readonly mids: Float64Array;
  /** 1 when an exact tie at mids[i] goes to values[i+1]. */
  readonly tieUp: Uint8Array;
  /** Index of 0 in `values`, or -1. */
  readonly zeroIndex: number;
  /** Code of -0 for sign-magnitude minifloats, else -1. */
  readonly negZeroCode: number;
  /**
   * Bucket accelerator for small grids: [mids[0], mids[last]] is cut into equal buckets no wider
   * than the narrowest gap between midpoints, so a bucket holds at most one midpoint;
   * bucketStart[b] = number of midpoints left of bucket b. Empty when the grid is too fine
   * (8-bit floats), which then use binary search.
   */
  private readonly bucketStart: Uint16Array;
  private readonly bucketLo: number;
  private readonly bucketInv: number;

  constructor(readonly dtype: DType) {
    const { spec, decodeTable } = dtype;
    if (spec.kind === 'int') throw new Error(`${dtype.name} is an integer datatype; use an integer encoder`);
    const values = dtype.values;
    const n = values.length;
    const codes = new Uint8Array(n);
    const seen = new Uint8Array(n);
    for (let c = 0; c < decodeTable.length; c++) {
      const v = decodeTable[c] as number;
      if (!Number.isFinite(v)) continue;
      const i = lowerBound(values, v);
      if (!seen[i]) {
        seen[i] = 1;
        codes[i] = c;
      }
    }
    const mids = new Float64Array(Math.max(0, n - 1));
    const tieUp = new Uint8Array(Math.max(0, n - 1));
    const ties = spec.kind === 'float' ? 'even' : spec.ties;
    const unit = spec.kind === 'codebook' ? spec.unit : undefined;
    for (let i = 0; i + 1 < n; i++) {
      const a = values[i] as number;
      const b = values[i + 1] as number;
      mids[i] = (a + b) / 2;
      if (ties === 'upper') tieUp[i] = 1;
      else if (ties === 'even') {
        if (spec.kind === 'float') {
          // Codes are sign | exponent | mantissa; the code LSB is the mantissa LSB (the
          // exponent LSB when there is no mantissa), so "even" is the even code.
          tieUp[i] = ((codes[i + 1] as number) & 1) === 0 && ((codes[i] as number) & 1) === 1 ? 1 : 0;
        } else if (unit !== undefined) {
          tieUp[i] = Math.abs(b / unit) % 2 === 0 && Math.abs(a / unit) % 2 === 1 ? 1 : 0;
        }
      }
    }
    this.values = values;
    this.codes = codes;
    this.mids = mids;
    this.tieUp = tieUp;
    this.zeroIndex = values.indexOf(0);
    this.negZeroCode = spec.kind === 'float' && spec.signed && dtype.info.hasNegZero ? 1 << (spec.bits - 1) : -1;
    this.maxAbs = Math.max(Math.abs(values[0] as number), Math.abs(values[n - 1] as number));
    let minGap = Infinity;
    for (let i = 1; i < mids.length; i++) minGap = Math.min(minGap, (mids[i] as number) - (mids[i - 1] as number));
    const span = mids.length > 0 ? (mids[mids.length - 1] as number) - (mids[0] as number) : 0;
    const nb = mids.length > 1 ? Math.ceil(span / minGap) + 1 : 0;
    if (nb > 0 && nb <= MAX_BUCKETS) {
      this.bucketLo = mids[0] as number;
      this.bucketInv = 1 / minGap;
      this.bucketStart = new Uint16Array(nb);
      for (let b = 0; b < nb; b++) {
        const left = this.bucketLo + b * minGap;
        let c = 0;
        while (c < mids.length && (mids[c] as number) < left) c++;
        this.bucketStart[b] = c;
      }
    } else {
      this.bucketLo = 0;
      this.bucketInv = 0;
      this.bucketStart = new Uint16Array(0);
    }
    this.zeroCode = this.zeroIndex >= 0 ? (codes[this.zeroIndex] as number) : (codes[this.search(0)] as number);
  }

  /** Index into `values` of the value nearest x (tie rule applied). */
  search(x: number): number {
    const mids = this.mids;
    const nb = this.bucketStart.length;
    if (nb > 0) {
      // Start from the bucket's count of midpoints left of it; step over the (at most one or
      // two, after rounding of the bucket edge) midpoints inside it that are below x.
      let b = Math.floor((x - this.bucketLo) * this.bucketInv);
      b = b < 0 ? 0 : b >= nb ? nb - 1 : b;
      let i = this.bucketStart[b] as number;
      while (i < mids.length && x > (mids[i] as number)) i++;
      if (i < mids.length && x === mids[i] && this.tieUp[i] === 1) i += 1;
      return i;
    }
    let lo = 0;
    let hi = mids.length;
    // Smallest i with x <= mids[i] (or mids.length): x lies in (mids[i-1], mids[i]].
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (x > (mids[m] as number)) lo = m + 1;
      else hi = m;
    }
    if (lo < mids.length && x === mids[lo] && this.tieUp[lo] === 1) lo += 1;
    return lo;
  }

  encode(x: number): number {
    const i = this.search(x);
    if (i === this.zeroIndex && this.negZeroCode >= 0 && (x < 0 || Object.is(x, -0))) return this.negZeroCode;
    return this.codes[i] as number;
  }

  encodeSegment(src: ArrayLike<number>, off: number, len: number, scale: number, _zero: number, codes: Uint8Array, wantErr: boolean): number {
    const end = off + len;
    let err = 0;
    if (scale === 0) {
      codes.fill(this.zeroCode, off, end);
      if (wantErr) for (let i = off; i < end; i++) err += (src[i] as number) * (src[i] as number);
      return err;
    }
    const { mids, tieUp, values, zeroIndex, negZeroCode } = this;
    const tcodes = this.codes;
    const nm = mids.length;
    const { bucketStart, bucketLo, bucketInv } = this;
    const nb = bucketStart.length;
    for (let i = off; i < end; i++) {
      const w = src[i] as number;
      const x = w / scale;
      let lo = 0;
      if (nb > 0) {
        let b = Math.floor((x - bucketLo) * bucketInv);
        b = b < 0 ? 0 : b >= nb ? nb - 1 : b;
        lo = bucketStart[b] as number;
        while (lo < nm && x > (mids[lo] as number)) lo++;
      } else {
        let hi = nm;
        while (lo < hi) {
          const m = (lo + hi) >>> 1;
          if (x > (mids[m] as number)) lo = m + 1;
          else hi = m;
        }
      }
      if (lo < nm && x === mids[lo] && tieUp[lo] === 1) lo += 1;
      codes[i] = lo === zeroIndex && negZeroCode >= 0 && x < 0 ? negZeroCode : (tcodes[lo] as number);
      if (wantErr) {
        const d = (values[lo] as number) * scale - w;
        err += d * d;
      }
    }
    return err;
  }
}

/** Largest bucket table a TableEncoder builds (entries). */
const MAX_BUCKETS = 4096;

/** First index i with values[i] >= v (values ascending). */
function lowerBound(values: Float64Array, v: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if ((values[m] as number) < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

const encoderCache = new Map<string, ElementEncoder>();

function resolve(dtype: DType | string): DType {
  return typeof dtype === 'string' ? getDType(dtype) : dtype;
}

/** The full-range nearest-value encoder of a datatype (cached). */
export function getEncoder(dtype: DType | string): ElementEncoder {
  const dt = resolve(dtype);
  let enc = encoderCache.get(dt.name);
  if (!enc) {
    enc = dt.spec.kind === 'int' ? new IntEncoder(dt, dt.info.min / dt.info.eps, dt.info.max / dt.info.eps) : new TableEncoder(dt);
    encoderCache.set(dt.name, enc);
  }
  return enc;
}

/**
 * An integer encoder restricted to the integers lo..hi (in units of the type), e.g. the
 * symmetric range -7..7 of int4 schemes. Throws for non-integer datatypes.
 */
export function createIntEncoder(dtype: DType | string, lo: number, hi: number): ElementEncoder {
  const dt = resolve(dtype);
  if (dt.spec.kind !== 'int') throw new Error(`createIntEncoder: ${dt.name} is not an integer datatype`);
  const u = dt.info.eps;
  if (lo < dt.info.min / u || hi > dt.info.max / u || lo > hi) {
    throw new Error(`createIntEncoder: range ${lo}..${hi} does not fit ${dt.name} (${dt.info.min / u}..${dt.info.max / u})`);
  }
  return new IntEncoder(dt, lo, hi);
}

/** Code of the infinity with the sign of x (types with inf only). */
function infCode(dt: DType, negative: boolean): number {
  const target = negative ? -Infinity : Infinity;
  return dt.decodeTable.indexOf(target);
}

/**
 * True when x rounds beyond the finite range: past the midpoint between the extreme finite value
 * and the next value the format would have (ulp(max) above max for floats, one step for
 * integers and codebooks); an exact tie overflows when the tie rule would pick the outer value.
 */
function overflows(dt: DType, x: number): boolean {
  const { values, spec, info } = dt;
  const n = values.length;
  const check = (ext: number, inner: number, outer: boolean): boolean => {
    const a = Math.abs(x);
    if (ext === 0 || n < 2) return false;
    let step: number;
    let tieOut: boolean;
    if (spec.kind === 'float') {
      step = 2 ** (info.emax - spec.manBits);
      tieOut = (getEncoder(dt).encode(ext) & 1) === 1;
    } else {
      step = Math.abs(ext - inner);
      const ties = spec.kind === 'int' ? 'even' : spec.ties;
      tieOut = ties === 'even' ? Math.abs(ext / info.eps) % 2 === 1 : ties === (outer ? 'upper' : 'lower');
    }
    const edge = Math.abs(ext) + step / 2;
    return a > edge || (a === edge && tieOut);
  };
  if (x > 0) return check(values[n - 1] as number, values[n - 2] as number, true);
  if (x < 0 && (values[0] as number) < 0) return check(values[0] as number, values[1] as number, false);
  // Unsigned types: below -step/2 there is nothing left to round to (a tie goes to 0).
  if (x < 0 && (values[0] as number) === 0) return x < -(values[1] as number) / 2;
  return false;
}

/**
 * Nearest code of x in a datatype (see the module comment for ties, saturation, signed zero and
 * NaN). Throws a RangeError for NaN in a type without NaN, or for an unsaturated overflow in a
 * type with neither inf nor NaN.
 */
export function encode(dtype: DType | string, x: number, opts?: EncodeOptions): number {
  const dt = resolve(dtype);
  const saturate = opts?.saturate ?? true;
  if (Number.isNaN(x)) {
    if (dt.info.nanCode >= 0) return dt.info.nanCode;
    throw new RangeError(`encode: ${dt.name} cannot represent NaN`);
  }
  const infinite = !Number.isFinite(x);
  if (infinite && dt.info.hasInf) return infCode(dt, x < 0);
  if (!saturate && (infinite || overflows(dt, x))) {
    if (dt.info.hasInf) return infCode(dt, x < 0);
    if (dt.info.nanCode >= 0) return dt.info.nanCode;
    throw new RangeError(`encode: ${x} is outside the range of ${dt.name} [${dt.info.min}, ${dt.info.max}] and saturate is off`);
  }
  return getEncoder(dt).encode(x);
}

/** Value of a code (the f32 decode-table entry). Throws for codes outside 0..2^bits-1. */
export function decode(dtype: DType | string, code: number): number {
  const dt = resolve(dtype);
  if (!Number.isInteger(code) || code < 0 || code >= dt.decodeTable.length) {
    throw new RangeError(`decode: code ${code} is outside 0..${dt.decodeTable.length - 1} for ${dt.name}`);
  }
  return dt.decodeTable[code] as number;
}
