// lowbit WebAssembly quantize kernels: integer element rules, bit-exact with the reference
// quantizer (src/quant/quantize-reference.ts) and the JavaScript fast path (src/quant/quantize-fast.ts).
//
// quantize_int_rows quantizes whole rows of row-major f32 W into per-group scales (f32),
// optional zero points (u8) and the packed code stream of src/format/pack.ts (each row starts
// on a word; element k of a row at bits [k * bits, (k + 1) * bits), LSB first).
//
// Rules (the `rule` argument):
//   RULE_ABSMAX  symmetric integers: scale = store(amax * r / maxAbs), r from the ratio list
//                (one ratio: absmax; several: the clip search, lowest squared error, first on ties)
//   RULE_MINMAX  asymmetric integers: lo = min(w, 0), hi = max(w, 0),
//                scale = store((hi - lo) * r / qmax), zero = clamp(RNE(-lo * r / scale), 0, qmax)
//   RULE_MX      OCP MX v1.0 6.3 with an integer element: scale = 2^clamp(floor(log2 amax) - emax)
//   RULE_FIXED   one given scale and zero point for every group (per-tensor decisions)
// store() rounds to f32 (RNE) or to f16 (RNE from f64, one rounding); an f16 overflow, or a
// non-finite weight, stops the call with a status naming the group (the caller then produces the
// reference's error).
//
// Exactness: codes are q = RNE(x / step) + zero clamped to [lo, hi] with x the f32 weight
// widened to f64 and step = scale * unit in f64, exactly the reference's arithmetic: f64x2.div
// is the correctly rounded f64 quotient and f64x2.nearest rounds half to even. The clamp comes
// after saturating narrowings (i32 -> i16 -> i8), which keep the order of values and so give
// the same clamped code. Squared errors (clip search) are summed per candidate in element order
// in f64 with the reference's expression ((q - zero) * step - x)^2; the two lanes of an f64x2
// are two candidates, never two elements, so each sum is the reference's sum bit for bit.
//
// Memory: every pointer is a byte offset the glue (src/quant/quantize-wasm.ts) chose above
// heap_base(); nothing is allocated here.

const RULE_ABSMAX: i32 = 0;
const RULE_MINMAX: i32 = 1;
const RULE_MX: i32 = 2;
const RULE_FIXED: i32 = 3;

const STORE_F32: i32 = 0;
const STORE_F16: i32 = 1;

/** Status codes: 0 = done; otherwise STATUS_BAD_GROUP + the group index. */
const STATUS_OK: i32 = 0;
const STATUS_BAD_GROUP: i32 = 1;

/** Lanes and bytes. */
const F32_BYTES: usize = 4;
const BLOCK: i32 = 16; // elements per SIMD block (one i8x16 of codes)
const WORD_BITS: i32 = 32;

/** Largest finite f32. */
const F32_MAX: f64 = 3.4028234663852886e38;
/** IEEE binary64 exponent field position, mask and bias. */
const F64_EXP_SHIFT: u64 = 52;
const F64_EXP_MASK: u64 = 0x7ff;
const F64_BIAS: i32 = 1023;
/** binary16: fraction bits, smallest normal exponent, overflow threshold (65504 + 2^4). */
const F16_MAN_BITS: i32 = 10;
const F16_MIN_EXP: i32 = -14;
const F16_OVERFLOW: f64 = 65520.0;
/** binary32: fraction bits, bias, smallest subnormal exponent. */
const F32_MAN_BITS: u32 = 23;
const F32_BIAS: i32 = 127;
const F32_SUBNORMAL_EXP: i32 = -149;
/** OCP MX E8M0 exponent range. */
const E8M0_MIN_EXP: i32 = -127;
const E8M0_MAX_EXP: i32 = 127;

// ---- packer state: the word being filled (low pkNb bits valid) and where it goes ----
let pkAcc: u64 = 0;
let pkNb: i32 = 0;
let pkPtr: usize = 0;

@inline function pushBits(x: u64, n: i32): void {
  // n <= 32 and pkNb < 32, so the accumulator never holds more than 64 bits.
  pkAcc |= x << (<u64>pkNb);
  pkNb += n;
  if (pkNb >= WORD_BITS) {
    store<u32>(pkPtr, <u32>pkAcc);
    pkPtr += 4;
    pkAcc >>= 32;
    pkNb -= WORD_BITS;
  }
}

/** Packs 16 codes (one per byte of v, each < 2^bits) into the stream. */
@inline function pushBlock(v: v128, bits: i32): void {
  if (bits == 4) {
    // Byte pairs (c0 | c1 << 8) -> (c0 | c1 << 4) in the low byte of each i16 lane, then narrow.
    const p = v128.or(v128.and(v, i16x8.splat(0x000f)), v128.and(i16x8.shr_u(v, 4), i16x8.splat(0x00f0)));
    const n = i8x16.narrow_i16x8_u(p, p);
    const x = i64x2.extract_lane(n, 0);
    pushBits(<u64>(<u32>x), 32);
    pushBits(<u64>x >> 32, 32);
  } else if (bits == 8) {
    pushBits(<u64>i32x4.extract_lane(v, 0) & 0xffffffff, 32);
    pushBits(<u64>i32x4.extract_lane(v, 1) & 0xffffffff, 32);
    pushBits(<u64>i32x4.extract_lane(v, 2) & 0xffffffff, 32);
    pushBits(<u64>i32x4.extract_lane(v, 3) & 0xffffffff, 32);
  } else if (bits == 2) {
    const p = v128.or(v128.and(v, i16x8.splat(0x0003)), v128.and(i16x8.shr_u(v, 6), i16x8.splat(0x000c)));
    const n = i8x16.narrow_i16x8_u(p, p); // 8 bytes of 4 bits: c(2j) | c(2j+1) << 2
    const q = v128.or(v128.and(n, i16x8.splat(0x000f)), v128.and(i16x8.shr_u(n, 4), i16x8.splat(0x00f0)));
    const m = i8x16.narrow_i16x8_u(q, q);
    pushBits(<u64>i32x4.extract_lane(m, 0) & 0xffffffff, 32);
  } else if (bits == 1) {
    // Each code's bit moved to the byte's top bit; bitmask gathers them LSB first.
    pushBits(<u64>i8x16.bitmask(i8x16.shl(v, 7)), 16);
  } else {
    // 3, 5, 6, 7 bits: two halves of 8 codes (8 * bits <= 56 bits) assembled in a u64.
    const lo = i64x2.extract_lane(v, 0);
    const hi = i64x2.extract_lane(v, 1);
    pushHalf(lo, bits);
    pushHalf(hi, bits);
  }
}

@inline function pushHalf(bytes: i64, bits: i32): void {
  let x: u64 = 0;
  for (let j = 0; j < 8; j++) x |= ((<u64>bytes >> (<u64>(j * 8))) & 0xff) << (<u64>(j * bits));
  const n = 8 * bits;
  pushBits(x & 0xffffffff, n < WORD_BITS ? n : WORD_BITS);
  if (n > WORD_BITS) pushBits(x >> 32, n - WORD_BITS);
}

// ---- scales ----

/** The f64 exponent of a positive normal f64 (floor(log2 x)). */
@inline function f64Exponent(x: f64): i32 {
  return <i32>((reinterpret<u64>(x) >> F64_EXP_SHIFT) & F64_EXP_MASK) - F64_BIAS;
}

/** Stored scale of a raw scale x >= 0: f32 (RNE) or f16 (RNE, one rounding); -1 on f16 overflow. */
@inline function storeScale(x: f64, mode: i32): f64 {
  if (mode == STORE_F32) return <f64><f32>x;
  if (x >= F16_OVERFLOW) return -1;
  if (x == 0) return x;
  let e = f64Exponent(x);
  if (e < F16_MIN_EXP) e = F16_MIN_EXP;
  // ulp of x in f16 is 2^(e - 10): x / ulp < 2^11 is exact, then one rounding to an integer.
  const ulp = reinterpret<f64>((<u64>(e - F16_MAN_BITS + F64_BIAS)) << F64_EXP_SHIFT);
  return nearest<f64>(x / ulp) * ulp;
}

/** floor(log2 x) of a positive finite f32 value, from its bits (subnormals included). */
@inline function floorLog2F32(x: f32): i32 {
  const b = reinterpret<u32>(x);
  const e = <i32>(b >> F32_MAN_BITS);
  return e == 0 ? 31 - <i32>clz<u32>(b) + F32_SUBNORMAL_EXP : e - F32_BIAS;
}

/** 2^e as an f64 for -1022 <= e <= 1023. */
@inline function pow2(e: i32): f64 {
  return reinterpret<f64>((<u64>(e + F64_BIAS)) << F64_EXP_SHIFT);
}

/** max |w| over a run (NaN if any weight is NaN: f32x4.max and f32.max propagate it). */
function absmaxRun(p: usize, len: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) acc = f32x4.max(acc, f32x4.abs(v128.load(p + <usize>i * F32_BYTES)));
  let m = max<f32>(max<f32>(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), max<f32>(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
  for (; i < len; i++) m = max<f32>(m, abs<f32>(load<f32>(p + <usize>i * F32_BYTES)));
  return m;
}

/** The reference's lo = min(w, 0), hi = max(w, 0) (x < lo / x > hi updates, so -0 leaves +0). */
let runLo: f32 = 0;
let runHi: f32 = 0;
function minmaxRun(p: usize, len: i32): void {
  let lo = f32x4.splat(0);
  let hi = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const v = v128.load(p + <usize>i * F32_BYTES);
    lo = f32x4.pmin(lo, v); // v < lo ? v : lo
    hi = f32x4.pmax(hi, v); // hi < v ? v : hi
  }
  let l: f32 = 0;
  let h: f32 = 0;
  for (let j = 0; j < 4; j++) {
    const a = f32x4.extract_lane(lo, 0);
    const b = f32x4.extract_lane(hi, 0);
    if (a < l) l = a;
    if (b > h) h = b;
    lo = i32x4.shuffle(lo, lo, 1, 2, 3, 0);
    hi = i32x4.shuffle(hi, hi, 1, 2, 3, 0);
  }
  for (; i < len; i++) {
    const x = load<f32>(p + <usize>i * F32_BYTES);
    if (x < l) l = x;
    if (x > h) h = x;
  }
  runLo = l;
  runHi = h;
}

// ---- encoding ----

/**
 * Encodes w[p .. p + len) with step = scale * unit and `zero` into the packer: codes
 * RNE(x / step) + zero clamped to [lo, hi], masked to `bits`. A zero scale writes the clamped
 * zero point.
 */
function encodeRun(p: usize, len: i32, step: f64, zero: i32, lo: i32, hi: i32, bits: i32): void {
  const mask = (1 << bits) - 1;
  if (step == 0) {
    const z = <u64>((zero < lo ? lo : zero > hi ? hi : zero) & mask);
    for (let i = 0; i < len; i++) pushBits(z, bits);
    return;
  }
  const sv = f64x2.splat(step);
  const zv = i16x8.splat(<i16>zero);
  const lov = i8x16.splat(<i8>lo);
  const hiv = i8x16.splat(<i8>hi);
  const mv = i8x16.splat(<i8>mask);
  const signed = lo < 0;
  let i = 0;
  for (; i + BLOCK <= len; i += BLOCK) {
    const q = p + <usize>i * F32_BYTES;
    const q0 = quarter(v128.load(q), sv);
    const q1 = quarter(v128.load(q, 16), sv);
    const q2 = quarter(v128.load(q, 32), sv);
    const q3 = quarter(v128.load(q, 48), sv);
    // Saturating narrowings keep the order of values, so clamping afterwards is exact.
    const h0 = i16x8.add_sat_s(i16x8.narrow_i32x4_s(q0, q1), zv);
    const h1 = i16x8.add_sat_s(i16x8.narrow_i32x4_s(q2, q3), zv);
    let b: v128;
    if (signed) b = i8x16.max_s(i8x16.min_s(i8x16.narrow_i16x8_s(h0, h1), hiv), lov);
    else b = i8x16.min_u(i8x16.narrow_i16x8_u(h0, h1), hiv); // saturation already clamps at 0 = lo
    pushBlock(v128.and(b, mv), bits);
  }
  for (; i < len; i++) {
    let t = nearest<f64>(<f64>load<f32>(p + <usize>i * F32_BYTES) / step) + <f64>zero;
    t = t < <f64>lo ? <f64>lo : t > <f64>hi ? <f64>hi : t;
    pushBits(<u64>(<i32>t & mask), bits);
  }
}

/** RNE(x / step) of four f32 weights as i32 lanes (saturated to the i32 range). */
@inline function quarter(v: v128, sv: v128): v128 {
  const a = f64x2.nearest(f64x2.div(f64x2.promote_low_f32x4(v), sv));
  const b = f64x2.nearest(f64x2.div(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), sv));
  return i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(a), i32x4.trunc_sat_f64x2_s_zero(b), 0, 1, 4, 5);
}

/**
 * Squared errors of two candidates (lanes) over a run, each summed in element order:
 * q = clamp(RNE(x / step) + zero, lo, hi), err += ((q - zero) * step - x)^2. A zero step gives
 * sum x^2 (the clamp turns the infinite or NaN quotient into a finite q, and q * 0 = 0).
 */
function errorPair(p: usize, len: i32, steps: v128, zeros: v128, lo: f64, hi: f64): v128 {
  const lov = f64x2.splat(lo);
  const hiv = f64x2.splat(hi);
  let err = f64x2.splat(0);
  for (let i = 0; i < len; i++) {
    const x = f64x2.splat(<f64>load<f32>(p + <usize>i * F32_BYTES));
    let q = f64x2.add(f64x2.nearest(f64x2.div(x, steps)), zeros);
    q = f64x2.pmin(hiv, f64x2.pmax(lov, q)); // NaN-safe: pmax(lo, q) = lo < q ? q : lo
    const d = f64x2.sub(f64x2.mul(f64x2.sub(q, zeros), steps), x);
    err = f64x2.add(err, f64x2.mul(d, d));
  }
  return err;
}

/** The chosen scale and zero point of the last decided group. */
let bestScale: f64 = 0;
let bestZero: i32 = 0;

/**
 * Decides one group by the clip search: candidate k has scale s_k and zero z_k; the first with
 * the strictly lowest error wins. Candidates are taken two at a time (lanes).
 */
function searchPairs(p: usize, len: i32, cand: usize, n: i32, unit: f64, lo: i32, hi: i32): void {
  let best = Infinity;
  let bs: f64 = 0;
  let bz: i32 = 0;
  for (let k = 0; k < n; k += 2) {
    const k1 = k + 1 < n ? k + 1 : k;
    const s0 = load<f64>(cand + <usize>k * 16);
    const s1 = load<f64>(cand + <usize>k1 * 16);
    const z0 = load<f64>(cand + <usize>k * 16, 8);
    const z1 = load<f64>(cand + <usize>k1 * 16, 8);
    const steps = f64x2.replace_lane(f64x2.splat(s0 * unit), 1, s1 * unit);
    const zeros = f64x2.replace_lane(f64x2.splat(z0), 1, z1);
    const e = errorPair(p, len, steps, zeros, <f64>lo, <f64>hi);
    const e0 = f64x2.extract_lane(e, 0);
    if (e0 < best) {
      best = e0;
      bs = s0;
      bz = <i32>z0;
    }
    if (k1 != k) {
      const e1 = f64x2.extract_lane(e, 1);
      if (e1 < best) {
        best = e1;
        bs = s1;
        bz = <i32>z1;
      }
    }
  }
  bestScale = bs;
  bestZero = bz;
}

/**
 * Quantizes `rows` rows of W (at w, row-major, `cols` f32 each) with groups of `groupSize`
 * (channel granularity passes groupSize = cols). Writes scales[g] (f32), zeros[g] (u8, when
 * zeros != 0) and the packed codes (wordsPerRow u32 per row, zero-filled by the caller).
 *
 * rule/storeMode: see the header. lo, hi: code range; unit: value of one code step (2^-6 for
 * MXINT8, else 1); maxAbs: the absmax target; emax: the MX element's emax; ratios: n f64 clip
 * ratios at `ratios`; cand: scratch for 2 * n f64; fixedScale/fixedZero: RULE_FIXED's decision.
 * Returns STATUS_OK, or STATUS_BAD_GROUP + g for the first group with a non-finite weight or an
 * f16 scale overflow (nothing after it is written).
 */
export function quantize_int_rows(
  w: usize,
  rows: i32,
  cols: i32,
  groupSize: i32,
  rule: i32,
  storeMode: i32,
  lo: i32,
  hi: i32,
  unit: f64,
  maxAbs: f64,
  emax: i32,
  ratios: usize,
  n: i32,
  cand: usize,
  fixedScale: f64,
  fixedZero: i32,
  bits: i32,
  scales: usize,
  zeros: usize,
  codes: usize,
  wordsPerRow: i32,
): i32 {
  const groupsPerRow = cols / groupSize;
  const qmax = <f64>hi;
  for (let r = 0; r < rows; r++) {
    pkAcc = 0;
    pkNb = 0;
    pkPtr = codes + <usize>r * <usize>wordsPerRow * 4;
    for (let gr = 0; gr < groupsPerRow; gr++) {
      const g = r * groupsPerRow + gr;
      const p = w + (<usize>g * <usize>groupSize) * F32_BYTES;
      let s: f64 = 0;
      let z: i32 = 0;
      if (rule == RULE_FIXED) {
        s = fixedScale;
        z = fixedZero;
      } else if (rule == RULE_MINMAX) {
        if (!(<f64>absmaxRun(p, groupSize) <= F32_MAX)) return STATUS_BAD_GROUP + g;
        minmaxRun(p, groupSize);
        const l = <f64>runLo;
        const h = <f64>runHi;
        for (let k = 0; k < n; k++) {
          const rk = load<f64>(ratios + <usize>k * 8);
          const sk = storeScale(((h - l) * rk) / qmax, storeMode);
          if (sk < 0) return STATUS_BAD_GROUP + g;
          let zk: f64 = 0;
          if (sk != 0) {
            zk = nearest<f64>((-l * rk) / sk);
            zk = zk < 0 ? 0 : zk > qmax ? qmax : zk;
          }
          store<f64>(cand + <usize>k * 16, sk);
          store<f64>(cand + <usize>k * 16, zk, 8);
        }
        if (n == 1) {
          s = load<f64>(cand);
          z = <i32>load<f64>(cand, 8);
        } else {
          searchPairs(p, groupSize, cand, n, unit, lo, hi);
          s = bestScale;
          z = bestZero;
        }
      } else {
        const amax = absmaxRun(p, groupSize);
        if (!(<f64>amax <= F32_MAX)) return STATUS_BAD_GROUP + g;
        if (rule == RULE_MX) {
          let e = E8M0_MIN_EXP;
          if (amax > 0) {
            e = floorLog2F32(amax) - emax;
            e = e < E8M0_MIN_EXP ? E8M0_MIN_EXP : e > E8M0_MAX_EXP ? E8M0_MAX_EXP : e;
          }
          s = pow2(e);
        } else {
          for (let k = 0; k < n; k++) {
            const sk = storeScale((<f64>amax * load<f64>(ratios + <usize>k * 8)) / maxAbs, storeMode);
            if (sk < 0) return STATUS_BAD_GROUP + g;
            store<f64>(cand + <usize>k * 16, sk);
            store<f64>(cand + <usize>k * 16, 0, 8);
          }
          if (n == 1) s = load<f64>(cand);
          else {
            searchPairs(p, groupSize, cand, n, unit, lo, hi);
            s = bestScale;
          }
        }
      }
      store<f32>(scales + <usize>g * 4, <f32>s);
      if (zeros != 0) store<u8>(zeros + <usize>g, <u8>z);
      encodeRun(p, groupSize, s * unit, z, lo, hi, bits);
    }
    if (pkNb > 0) store<u32>(pkPtr, <u32>pkAcc);
  }
  return STATUS_OK;
}
