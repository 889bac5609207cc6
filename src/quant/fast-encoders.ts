/**
 * Fast element encoders: the same codes and squared errors as the reference encoders
 * (src/dtype/codec.ts, `encodeSegment`), computed without searching the value list and packed
 * straight into the code stream.
 *
 * Every encoder first forms x = w / scale in f64, exactly as the reference does, so every
 * decision below is made on the same f64 number:
 * - Integers: q = roundHalfEven(x / unit) by the f64 "add and subtract 1.5 * 2^52" rounding
 *   (the FPU's round-to-nearest-even at integer precision, exact for |t| < 2^51: t is clamped to
 *   one step outside the code range first, which does not change the clamped code).
 * - Value tables (minifloats, codebooks): a monotone key of x picks, from a precomputed table,
 *   the number of midpoints below every x with a smaller key; the one midpoint an x can share a
 *   key with is then compared exactly (and an exact tie goes the way the reference encoder sends
 *   it, probed from the reference encoder itself). Keys: floor(2x) on integer-unit codebooks
 *   (their midpoints are multiples of 1/2), the leading f32 bits of |x| on sign-symmetric
 *   minifloats (a binade split finer than the midpoint spacing), and equal buckets otherwise.
 *   Because the key is monotone, a midpoint with a smaller key is below x and one with a larger
 *   key above it, whatever the rounding inside the key (see TableEncoderFast).
 * Squared errors are summed in element order in f64 with the reference's expressions, so a
 * mixture or clip search compares the very same numbers and picks the same winner.
 */
import { getEncoder, type ElementEncoder } from '../dtype/codec.js';
import type { DType } from '../dtype/registry.js';
import { WORD_BITS } from '../format/pack.js';
import type { CodePacker } from './fast-pack.js';

/** 1.5 * 2^52: x + C - C rounds x (|x| < 2^51) to an integer, ties to even, in f64. */
const RNE_MAGIC = 6755399441055744;

/** What the quantizer needs from an element encoder (see the module comment for the rules). */
export interface FastEncoder {
  readonly bits: number;
  /** Largest |value| (the absmax target), as the reference encoder's maxAbs. */
  readonly maxAbs: number;
  /** The reference encodeSegment's squared error for w[off, off + len) with `scale` and `zero`. */
  error(w: Float32Array, off: number, len: number, scale: number, zero: number): number;
  /** Encodes w[off, off + len) with `scale` and `zero` into the packer. */
  encode(w: Float32Array, off: number, len: number, scale: number, zero: number, pk: CodePacker): void;
}

/** Sum of x^2 over a run (the error of a zero scale), in element order as the reference sums it. */
export function sumSquares(w: Float32Array, off: number, len: number): number {
  let err = 0;
  for (let i = off, end = off + len; i < end; i++) {
    const x = w[i] as number;
    err += x * x;
  }
  return err;
}

/** Integer codes lo..hi in units of `unit` (value = q * unit), with an optional zero point. */
export class IntEncoderFast implements FastEncoder {
  readonly bits: number;
  readonly maxAbs: number;
  /** Code written for a zero scale (with zero point 0). */
  readonly zeroCode: number;
  private readonly mask: number;

  constructor(
    dtype: DType,
    /** Code range (in units) and the value of one unit. */
    readonly lo: number,
    readonly hi: number,
    readonly unit: number,
  ) {
    this.bits = dtype.bits;
    this.mask = (1 << dtype.bits) - 1;
    this.maxAbs = Math.max(Math.abs(lo), Math.abs(hi)) * unit;
    this.zeroCode = Math.min(Math.max(0, lo), hi) & this.mask;
  }

  error(w: Float32Array, off: number, len: number, scale: number, zero: number): number {
    if (scale === 0) return sumSquares(w, off, len);
    const { lo, hi } = this;
    const step = scale * this.unit;
    // One step beyond the code range after adding the zero point (see the module comment).
    const tLo = lo - zero - 1;
    const tHi = hi - zero + 1;
    let err = 0;
    for (let i = off, end = off + len; i < end; i++) {
      const x = w[i] as number;
      let t = x / step;
      t = t < tLo ? tLo : t > tHi ? tHi : t;
      let q = t + RNE_MAGIC - RNE_MAGIC + zero;
      q = q < lo ? lo : q > hi ? hi : q;
      const d = (q - zero) * step - x;
      err += d * d;
    }
    return err;
  }

  encode(w: Float32Array, off: number, len: number, scale: number, zero: number, pk: CodePacker): void {
    const { lo, hi, mask } = this;
    if (scale === 0) {
      pk.fill(Math.min(Math.max(zero, lo), hi) & mask, len);
      return;
    }
    const step = scale * this.unit;
    const tLo = lo - zero - 1;
    const tHi = hi - zero + 1;
    const { words, bits } = pk;
    let { wi, acc, nb } = pk;
    for (let i = off, end = off + len; i < end; i++) {
      let t = (w[i] as number) / step;
      t = t < tLo ? tLo : t > tHi ? tHi : t;
      let q = t + RNE_MAGIC - RNE_MAGIC + zero;
      q = q < lo ? lo : q > hi ? hi : q;
      const c = q & mask;
      acc |= c << nb;
      nb += bits;
      if (nb >= WORD_BITS) {
        words[wi++] = acc;
        nb -= WORD_BITS;
        acc = c >>> (bits - nb);
      }
    }
    pk.wi = wi;
    pk.acc = acc;
    pk.nb = nb;
  }
}

/** Scratch for the f32 bits of a magnitude key. */
const KEY_F32 = new Float32Array(1);
const KEY_I32 = new Int32Array(KEY_F32.buffer);
/** f32 fraction bits. */
const F32_MAN_BITS = 23;
/** Largest key table a bucket-keyed encoder builds. */
const MAX_KEYS = 4096;

/** How a table encoder keys x (see the module comment). */
type KeyKind = 'half-units' | 'magnitude' | 'buckets';

/**
 * Nearest-value encoder over a sorted value list, exact against the reference encoder of the
 * same datatype. The midpoint list is padded with +Infinity so the scans need no bounds checks.
 *
 * Key tables: `first[k - kMin]` = number of midpoints whose key is below k. For x with key k,
 * every midpoint with a smaller key is < x and every one with a larger key is > x (the key is
 * monotone), so the nearest value's index is first[k] plus the midpoints of key k that lie below
 * x, plus one on an exact tie that goes up. Midpoints are exact f64 numbers ((a + b) / 2 of two
 * f32 values), keyed by the same function as x.
 */
export class TableEncoderFast implements FastEncoder {
  readonly bits: number;
  readonly maxAbs: number;
  readonly kind: KeyKind;
  /** Sorted values (signed), or magnitudes (kind 'magnitude'). */
  readonly vals: Float64Array;
  /** Code of each entry of `vals` (the +0 code for 0). */
  readonly codeOf: Uint8Array;
  /** Midpoints between neighbours of `vals`, then +Infinity. */
  readonly mids: Float64Array;
  /** 1 when an exact tie at mids[i] goes to vals[i + 1]. */
  readonly tieUp: Uint8Array;
  private readonly first: Uint16Array;
  private readonly kMin: number;
  private readonly kMax: number;
  /** Key scale: half-units 2 / unit; buckets 1 / width; magnitude the f32 bit shift. */
  private readonly keyMul: number;
  /** buckets: the key origin. */
  private readonly keyBase: number;
  /** Index of 0 in `vals` (-1 if absent) and the code a negative x that rounds to 0 gets. */
  readonly zeroIndex: number;
  readonly negZeroCode: number;
  /** magnitude: the sign bit of the code. */
  readonly signBit: number;
  /** Code written for a zero scale. */
  readonly zeroCode: number;

  constructor(readonly dtype: DType) {
    const ref: ElementEncoder = getEncoder(dtype);
    const { spec, values } = dtype;
    this.bits = dtype.bits;
    this.maxAbs = ref.maxAbs;
    this.zeroCode = ref.zeroCode;
    this.kind = magnitudeGrid(dtype) ? 'magnitude' : spec.kind === 'codebook' && spec.unit !== undefined && isPowerOfTwo(spec.unit) ? 'half-units' : 'buckets';
    const vals = this.kind === 'magnitude' ? values.filter((v) => v >= 0) : values;
    const n = vals.length;
    this.vals = vals;
    this.codeOf = Uint8Array.from(vals, (v) => ref.encode(v));
    this.mids = new Float64Array(n);
    this.tieUp = new Uint8Array(n);
    for (let i = 0; i + 1 < n; i++) {
      const m = ((vals[i] as number) + (vals[i + 1] as number)) / 2;
      this.mids[i] = m;
      // Ask the reference where an exact tie goes (its spec's tie rule, in one place).
      this.tieUp[i] = dtype.decodeTable[ref.encode(m)] === vals[i + 1] ? 1 : 0;
    }
    this.mids[n - 1] = Infinity;
    this.zeroIndex = vals.indexOf(0);
    this.signBit = this.kind === 'magnitude' ? 1 << (dtype.bits - 1) : 0;
    // A tiny negative x rounds to 0: minifloats give it the -0 code, codebooks the 0 code.
    const tiny = -smallestPositive(values) / 4;
    this.negZeroCode = this.zeroIndex >= 0 ? ref.encode(tiny) : -1;

    const key = this.keyFunction(values);
    this.keyMul = key.mul;
    this.keyBase = key.base;
    const midKeys = Array.from(this.mids.subarray(0, n - 1), (m) => this.keyOf(m));
    this.kMin = Math.min(...midKeys, key.lowest) - 1;
    this.kMax = Math.max(...midKeys, key.lowest) + 1;
    this.first = new Uint16Array(this.kMax - this.kMin + 1);
    for (let k = this.kMin; k <= this.kMax; k++) this.first[k - this.kMin] = midKeys.filter((mk) => mk < k).length;
  }

  /** The key parameters of this encoder's kind. */
  private keyFunction(values: Float64Array): { mul: number; base: number; lowest: number } {
    switch (this.kind) {
      case 'half-units': {
        const spec = this.dtype.spec;
        const unit = spec.kind === 'codebook' && spec.unit !== undefined ? spec.unit : 1;
        return { mul: 2 / unit, base: 0, lowest: Math.floor((2 * (values[0] as number)) / unit) };
      }
      case 'magnitude': {
        // A binade split into 2^(manBits + 2) keys: finer than the midpoint spacing 2^-manBits.
        const spec = this.dtype.spec;
        const man = spec.kind === 'float' ? spec.manBits : 0;
        return { mul: F32_MAN_BITS - (man + 2), base: 0, lowest: 0 };
      }
      case 'buckets': {
        const mids = this.mids.subarray(0, this.vals.length - 1);
        let gap = Infinity;
        for (let i = 1; i < mids.length; i++) gap = Math.min(gap, (mids[i] as number) - (mids[i - 1] as number));
        const span = mids.length > 1 ? (mids[mids.length - 1] as number) - (mids[0] as number) : 1;
        const width = Math.max(gap, span / MAX_KEYS);
        return { mul: 1 / width, base: mids.length ? (mids[0] as number) : 0, lowest: 0 };
      }
    }
  }

  /** The monotone key of x (magnitude: of |x|), unclamped. */
  keyOf(x: number): number {
    switch (this.kind) {
      case 'half-units':
        return Math.floor(x * this.keyMul);
      case 'magnitude':
        KEY_F32[0] = Math.abs(x);
        return (KEY_I32[0] as number) >> this.keyMul;
      case 'buckets':
        return Math.floor((x - this.keyBase) * this.keyMul);
    }
  }

  /** Index into `vals` of the value nearest x (the reference's choice). */
  private indexOf(x: number): number {
    let k = this.keyOf(x);
    k = k < this.kMin ? this.kMin : k > this.kMax ? this.kMax : k;
    const a = this.kind === 'magnitude' ? Math.abs(x) : x;
    const mids = this.mids;
    let i = this.first[k - this.kMin] as number;
    while (a > (mids[i] as number)) i++;
    if (a === mids[i] && this.tieUp[i] === 1) i++;
    return i;
  }

  /** The reference encoder's code of one value x (the nearest, ties and signed zero as it decides). */
  encodeValue(x: number): number {
    const i = this.indexOf(x);
    if (this.kind === 'magnitude') return x < 0 ? this.signBit | (this.codeOf[i] as number) : (this.codeOf[i] as number);
    return i === this.zeroIndex && x < 0 ? this.negZeroCode : (this.codeOf[i] as number);
  }

  error(w: Float32Array, off: number, len: number, scale: number, _zero: number): number {
    if (scale === 0) return sumSquares(w, off, len);
    switch (this.kind) {
      case 'half-units':
        return this.errorHalfUnits(w, off, len, scale);
      case 'magnitude':
        return this.errorMagnitude(w, off, len, scale);
      case 'buckets':
        return this.errorBuckets(w, off, len, scale);
    }
  }

  encode(w: Float32Array, off: number, len: number, scale: number, _zero: number, pk: CodePacker): void {
    if (scale === 0) {
      pk.fill(this.zeroCode, len);
      return;
    }
    switch (this.kind) {
      case 'half-units':
        return this.encodeHalfUnits(w, off, len, scale, pk);
      case 'magnitude':
        return this.encodeMagnitude(w, off, len, scale, pk);
      case 'buckets':
        return this.encodeBuckets(w, off, len, scale, pk);
    }
  }

  // The loops below are one loop written three times (per key kind) so each stays monomorphic.

  private errorHalfUnits(w: Float32Array, off: number, len: number, scale: number): number {
    const { mids, tieUp, first, kMin, kMax, keyMul, vals } = this;
    let err = 0;
    for (let j = off, end = off + len; j < end; j++) {
      const wv = w[j] as number;
      const x = wv / scale;
      let k = Math.floor(x * keyMul);
      k = k < kMin ? kMin : k > kMax ? kMax : k;
      let i = first[k - kMin] as number;
      const m = mids[i] as number;
      if (x > m || (x === m && tieUp[i] === 1)) i++;
      const d = (vals[i] as number) * scale - wv;
      err += d * d;
    }
    return err;
  }

  private encodeHalfUnits(w: Float32Array, off: number, len: number, scale: number, pk: CodePacker): void {
    const { mids, tieUp, first, kMin, kMax, keyMul, codeOf, zeroIndex, negZeroCode } = this;
    const { words, bits } = pk;
    let { wi, acc, nb } = pk;
    for (let j = off, end = off + len; j < end; j++) {
      const x = (w[j] as number) / scale;
      let k = Math.floor(x * keyMul);
      k = k < kMin ? kMin : k > kMax ? kMax : k;
      let i = first[k - kMin] as number;
      const m = mids[i] as number;
      if (x > m || (x === m && tieUp[i] === 1)) i++;
      const c = i === zeroIndex && x < 0 ? negZeroCode : (codeOf[i] as number);
      acc |= c << nb;
      nb += bits;
      if (nb >= WORD_BITS) {
        words[wi++] = acc;
        nb -= WORD_BITS;
        acc = c >>> (bits - nb);
      }
    }
    pk.wi = wi;
    pk.acc = acc;
    pk.nb = nb;
  }

  private errorMagnitude(w: Float32Array, off: number, len: number, scale: number): number {
    const { mids, tieUp, first, kMin, kMax, keyMul, vals } = this;
    let err = 0;
    for (let j = off, end = off + len; j < end; j++) {
      const wv = w[j] as number;
      const x = wv / scale;
      const a = Math.abs(x);
      KEY_F32[0] = a;
      let k = (KEY_I32[0] as number) >> keyMul;
      k = k < kMin ? kMin : k > kMax ? kMax : k;
      let i = first[k - kMin] as number;
      const m = mids[i] as number;
      if (a > m || (a === m && tieUp[i] === 1)) i++;
      const v = vals[i] as number;
      const d = (x < 0 ? -v : v) * scale - wv;
      err += d * d;
    }
    return err;
  }

  private encodeMagnitude(w: Float32Array, off: number, len: number, scale: number, pk: CodePacker): void {
    const { mids, tieUp, first, kMin, kMax, keyMul, codeOf, signBit } = this;
    const { words, bits } = pk;
    let { wi, acc, nb } = pk;
    for (let j = off, end = off + len; j < end; j++) {
      const x = (w[j] as number) / scale;
      const a = Math.abs(x);
      KEY_F32[0] = a;
      let k = (KEY_I32[0] as number) >> keyMul;
      k = k < kMin ? kMin : k > kMax ? kMax : k;
      let i = first[k - kMin] as number;
      const m = mids[i] as number;
      if (a > m || (a === m && tieUp[i] === 1)) i++;
      const c = x < 0 ? signBit | (codeOf[i] as number) : (codeOf[i] as number);
      acc |= c << nb;
      nb += bits;
      if (nb >= WORD_BITS) {
        words[wi++] = acc;
        nb -= WORD_BITS;
        acc = c >>> (bits - nb);
      }
    }
    pk.wi = wi;
    pk.acc = acc;
    pk.nb = nb;
  }

  private errorBuckets(w: Float32Array, off: number, len: number, scale: number): number {
    const { mids, tieUp, first, kMin, kMax, keyMul, keyBase, vals } = this;
    let err = 0;
    for (let j = off, end = off + len; j < end; j++) {
      const wv = w[j] as number;
      const x = wv / scale;
      let k = Math.floor((x - keyBase) * keyMul);
      k = k < kMin ? kMin : k > kMax ? kMax : k;
      let i = first[k - kMin] as number;
      while (x > (mids[i] as number)) i++;
      if (x === mids[i] && tieUp[i] === 1) i++;
      const d = (vals[i] as number) * scale - wv;
      err += d * d;
    }
    return err;
  }

  private encodeBuckets(w: Float32Array, off: number, len: number, scale: number, pk: CodePacker): void {
    const { mids, tieUp, first, kMin, kMax, keyMul, keyBase, codeOf, zeroIndex, negZeroCode } = this;
    const { words, bits } = pk;
    let { wi, acc, nb } = pk;
    for (let j = off, end = off + len; j < end; j++) {
      const x = (w[j] as number) / scale;
      let k = Math.floor((x - keyBase) * keyMul);
      k = k < kMin ? kMin : k > kMax ? kMax : k;
      let i = first[k - kMin] as number;
      while (x > (mids[i] as number)) i++;
      if (x === mids[i] && tieUp[i] === 1) i++;
      const c = i === zeroIndex && x < 0 ? negZeroCode : (codeOf[i] as number);
      acc |= c << nb;
      nb += bits;
      if (nb >= WORD_BITS) {
        words[wi++] = acc;
        nb -= WORD_BITS;
        acc = c >>> (bits - nb);
      }
    }
    pk.wi = wi;
    pk.acc = acc;
    pk.nb = nb;
  }
}

function isPowerOfTwo(x: number): boolean {
  return x > 0 && 2 ** Math.round(Math.log2(x)) === x;
}

function smallestPositive(values: Float64Array): number {
  let m = Infinity;
  for (const v of values) if (v > 0 && v < m) m = v;
  return m;
}

/**
 * True for signed minifloats whose finite values are symmetric (the code with the sign bit set
 * decodes to minus the code without) and whose tie rule is the same on both sides, so the
 * nearest value of x is the nearest magnitude of |x| with the sign of x.
 */
function magnitudeGrid(dtype: DType): boolean {
  const spec = dtype.spec;
  if (spec.kind !== 'float' || !spec.signed) return false;
  const signBit = 1 << (dtype.bits - 1);
  for (let c = 0; c < signBit; c++) {
    const v = dtype.decodeTable[c] as number;
    const nv = dtype.decodeTable[c | signBit] as number;
    if (Number.isFinite(v) !== Number.isFinite(nv)) return false;
    if (Number.isFinite(v) && nv !== -v) return false;
  }
  return true;
}

const cache = new Map<string, FastEncoder>();
/** A value beyond every integer code range (probes the clamp). */
const PROBE_HUGE = 1e300;

/**
 * The fast twin of a reference encoder: integer encoders (symmetric or full range, any unit)
 * and value-table encoders. Cached per datatype and range.
 */
export function fastEncoderFor(ref: ElementEncoder): FastEncoder {
  const dt = ref.dtype;
  const spec = dt.spec;
  if (spec.kind === 'int') {
    const unit = 2 ** spec.implicitScaleExp;
    // The reference encoder's code range, probed from it: the codes it gives far below and above.
    const lo = (dt.decodeTable[ref.encode(-PROBE_HUGE)] as number) / unit;
    const hi = (dt.decodeTable[ref.encode(PROBE_HUGE)] as number) / unit;
    const key = `${dt.name}|${lo}|${hi}`;
    let enc = cache.get(key);
    if (!enc) {
      enc = new IntEncoderFast(dt, lo, hi, unit);
      cache.set(key, enc);
    }
    return enc;
  }
  let enc = cache.get(dt.name);
  if (!enc) {
    enc = new TableEncoderFast(dt);
    cache.set(dt.name, enc);
  }
  return enc;
}
