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

// =====================================================================================
// quantize_rows: every other element type, by element-type descriptors.
//
// A descriptor (TD_BYTES, written by the glue from the reference encoder's facts) says how to
// find the nearest value of x = w / scale (f64, the reference's quotient) and its code:
//   KIND_INT    q = clamp(RNE(x), lo, hi) (unit 1; mixtures such as ANT)
//   KIND_FLOAT  sign-symmetric IEEE-style minifloat, by arithmetic: P = 2^floor(log2|x|) clamped
//               to [2^emin, 2^emax] (from the f64 exponent bits), m = RNE(|x| * 2^(M - e)),
//               code = ((e - emin) << M) + m saturated at maxCode, the sign bit for x < 0 (so
//               -0 keeps code 0); value min(m * 2^(e - M), max), signed. Round half to even on m
//               is the reference's tie to the even code.
//   KIND_TABLE  integer-valued codebooks (midpoints at multiples of 1/2): k = floor(2x);
//               idx = B[k - kMin] when 2x is an integer (x may be a midpoint: the reference's
//               tie rule is folded into B) and A[k - kMin] otherwise, keys clamped to the table;
//               16 lanes at a time with i8x16.swizzle over the 80-byte tables.
//   KIND_MIDS   any other grid of <= 16 values: idx = #{i : x > mid_i} (x >= mid_i where a tie
//               goes up).
// =====================================================================================

const KIND_INT: i32 = 0;
const KIND_FLOAT: i32 = 1;
const KIND_TABLE: i32 = 2;
const KIND_MIDS: i32 = 3;

/** Descriptor layout (byte offsets). */
const TD_BYTES: usize = 640;
const TD_KIND: usize = 0; // i32
const TD_ZERO_CODE: usize = 4; // i32: code written for a zero scale
const TD_SIGN_BIT: usize = 8; // i32: FLOAT sign bit of the code
const TD_P0: usize = 12; // i32: INT lo | FLOAT M | TABLE kMin | MIDS count
const TD_P1: usize = 16; // i32: INT hi | FLOAT emin | TABLE entries K
const TD_P2: usize = 20; // i32: FLOAT maxCode | INT mask
const TD_MAX_ABS: usize = 24; // f64: the absmax target (largest |value|)
const TD_MAX_VAL: usize = 32; // f64: FLOAT largest value; 2^emin and 2^emax follow
const TD_POW_EMIN: usize = 40; // f64
const TD_POW_EMAX: usize = 48; // f64
const TD_TABLE_TIES: usize = 56; // i32: TABLE 1 when some tie goes up (B[j] != A[j - 1])
const TD_A: usize = 64; // u8[80] TABLE: index for non-integer 2x
const TD_B: usize = 144; // u8[80] TABLE: index for integer 2x
const TD_CODES: usize = 224; // u8[16]: code of each value index (TABLE, MIDS)
const TD_VALS8: usize = 240; // i8[16]: TABLE values
const TD_MIDS: usize = 256; // f64[16]: MIDS midpoints
const TD_VALS: usize = 384; // f64[16]: MIDS values
const TD_TIES: usize = 512; // u8[16]: MIDS 1 where a tie at mid_i goes up

/** Rules of quantize_rows. */
const QR_ABSMAX: i32 = 0;
const QR_MX: i32 = 1;
const QR_NVFP4: i32 = 2;
const QR_MEAN: i32 = 3;
const QR_FIXED: i32 = 4;

/** Scratch layout (the caller's `scratch`, 16-aligned). */
const SCR_CODES: usize = 0; // u8[16] codes of a block
/** Most element types a codebook mixture may have in the shared-key path. */
const MIX_TYPES: i32 = 4;
/** Most clip ratios a call may pass (the glue's MAX_RATIOS). */
const MAX_RATIOS: i32 = 64;
/** Bytes of one key block (see KEY_* below). */
const KEY_BYTES: usize = 160;
const SCR_ERR: usize = 64; // f64[MIX_TYPES * MAX_RATIOS]: error per candidate (type * nRatios + ratio)
const SCR_KEYS: usize = SCR_ERR + <usize>(MIX_TYPES * MAX_RATIOS) * 8; // MIX_TYPES key blocks (tableKeys16)
const SCR_ACC: usize = SCR_KEYS + <usize>MIX_TYPES * KEY_BYTES; // MIX_TYPES f64x2 lane sums of the current ratio
const SCR_WB: usize = SCR_ACC + <usize>MIX_TYPES * 16; // BLOCK / 2 f64x2: the block's weights
const SCR_IDX: usize = SCR_WB + <usize>BLOCK * 8; // u8[MIX_TYPES * groupSize]: value indices per type

const F64_EXP_MASK_BITS: u64 = 0x7ff0000000000000;
const F64_SIGN_BITS: u64 = 0x8000000000000000;
/** Bits of 2^(M - e) = ((1023 + M) << 52) - ((e + 1023) << 52) + ...: see floatPair. */
const F64_TWO_BIAS: u64 = 2046;

/** f64x2 of two f32 weights at p. */
@inline function loadPair(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

@inline function accPair(err: f64, v: v128, wv: v128, sv: v128): f64 {
  const d = f64x2.sub(f64x2.mul(v, sv), wv);
  const dd = f64x2.mul(d, d);
  return err + f64x2.extract_lane(dd, 0) + f64x2.extract_lane(dd, 1);
}

// ---- KIND_FLOAT ----

/** Codes (i32 lanes 0, 1) of floatPair's last call. */
let fpCodes: v128 = i32x4.splat(0);

/** Nearest values (signed) of x (two lanes) on a minifloat grid; codes in fpCodes. */
@inline function floatPair(x: v128, td: usize): v128 {
  const M = load<i32>(td, TD_P0);
  const emin = load<i32>(td, TD_P1);
  const ax = f64x2.abs(x);
  let P = v128.and(ax, i64x2.splat(F64_EXP_MASK_BITS));
  P = f64x2.min(f64x2.max(P, f64x2.splat(load<f64>(td, TD_POW_EMIN))), f64x2.splat(load<f64>(td, TD_POW_EMAX)));
  // 2^(M - e) for P = 2^e: exponent field (1023 + M - e) = (2046 + M) - (e + 1023).
  const inv = i64x2.sub(i64x2.splat(<i64>(F64_TWO_BIAS + <u64>M) << F64_EXP_SHIFT), P);
  const m = f64x2.nearest(f64x2.mul(ax, inv));
  const ulp = f64x2.mul(P, f64x2.splat(pow2(-M)));
  const v = f64x2.min(f64x2.mul(m, ulp), f64x2.splat(load<f64>(td, TD_MAX_VAL)));
  // Exponent field (e - emin) << M from P's bits, plus m (capped before the add), saturated.
  const e = i32x4.shuffle(i64x2.shr_u(P, 52), P, 0, 2, 0, 2);
  const field = i32x4.shl(i32x4.sub(e, i32x4.splat(emin + F64_BIAS)), M);
  const mi = i32x4.min_s(i32x4.trunc_sat_f64x2_s_zero(m), i32x4.splat(2 << M));
  let code = i32x4.min_s(i32x4.add(field, mi), i32x4.splat(load<i32>(td, TD_P2)));
  const neg = i32x4.shuffle(f64x2.lt(x, f64x2.splat(0)), x, 0, 2, 0, 2);
  code = v128.or(code, v128.and(neg, i32x4.splat(load<i32>(td, TD_SIGN_BIT))));
  fpCodes = code;
  return v128.or(v, v128.and(x, i64x2.splat(F64_SIGN_BITS)));
}

// ---- KIND_INT (mixture members) ----

let intCodes: v128 = i32x4.splat(0);

@inline function intPair(x: v128, td: usize): v128 {
  const lo = <f64>load<i32>(td, TD_P0);
  const hi = <f64>load<i32>(td, TD_P1);
  const q = f64x2.pmin(f64x2.splat(hi), f64x2.pmax(f64x2.splat(lo), f64x2.nearest(x)));
  intCodes = v128.and(i32x4.trunc_sat_f64x2_s_zero(q), i32x4.splat(load<i32>(td, TD_P2)));
  return q;
}

// ---- KIND_MIDS ----

let midIdx0: i32 = 0;
let midIdx1: i32 = 0;

@inline function midsPair(x: v128, td: usize): v128 {
  const n = load<i32>(td, TD_P0);
  let c = i64x2.splat(0);
  for (let i = 0; i < n; i++) {
    const mv = f64x2.splat(load<f64>(td + TD_MIDS + <usize>i * 8));
    const hit = load<u8>(td + TD_TIES + <usize>i) ? f64x2.ge(x, mv) : f64x2.gt(x, mv);
    c = i64x2.sub(c, hit); // masks are -1
  }
  midIdx0 = <i32>i64x2.extract_lane(c, 0);
  midIdx1 = <i32>i64x2.extract_lane(c, 1);
  return f64x2.replace_lane(f64x2.splat(load<f64>(td + TD_VALS + <usize>midIdx0 * 8)), 1, load<f64>(td + TD_VALS + <usize>midIdx1 * 8));
}

// ---- KIND_TABLE ----

/** table[j] for 16 indices j in 0..79 (five 16-byte swizzles; out-of-range lanes give 0). */
@inline function lookup80(t: usize, j: v128): v128 {
  let r = i8x16.swizzle(v128.load(t), j);
  r = v128.or(r, i8x16.swizzle(v128.load(t, 16), i8x16.sub(j, i8x16.splat(16))));
  r = v128.or(r, i8x16.swizzle(v128.load(t, 32), i8x16.sub(j, i8x16.splat(32))));
  r = v128.or(r, i8x16.swizzle(v128.load(t, 48), i8x16.sub(j, i8x16.splat(48))));
  return v128.or(r, i8x16.swizzle(v128.load(t, 64), i8x16.sub(j, i8x16.splat(64))));
}

/** k = floor(2 w / s) of four weights (i32 lanes) and whether 2 w / s is an integer (masks). */
let tabMask: v128 = i32x4.splat(0);
@inline function tableKeys4(v: v128, sv: v128): v128 {
  const two = f64x2.splat(2);
  const ya = f64x2.mul(f64x2.div(f64x2.promote_low_f32x4(v), sv), two);
  const yb = f64x2.mul(f64x2.div(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), sv), two);
  const fa = f64x2.floor(ya);
  const fb = f64x2.floor(yb);
  tabMask = i32x4.shuffle(f64x2.eq(ya, fa), f64x2.eq(yb, fb), 0, 2, 4, 6);
  return i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(fa), i32x4.trunc_sat_f64x2_s_zero(fb), 0, 1, 4, 5);
}

// Layout of one key block (KEY_BYTES at `keys`, see tableKeys16).
const KEY_J: usize = 0; // j = clamp(floor(2x) - kMin, 0, K - 1)
const KEY_M: usize = 16; // -1 where 2x is an integer
const KEY_JM: usize = 32; // j + m, then j + m - 16, - 32, - 48, - 64 (the five swizzle windows)
const KEY_VALS: usize = 112; // the values the key's first type chose (TABLE_MIX reuse)
const KEY_SUM: usize = 128; // that type's error contribution for the block (f64x2)

/**
 * Keys of 16 weights at p with scale s (see KEY_*). Saturating narrowings keep far keys far and
 * the clamp sends them to the table's end entries.
 */
function tableKeys16(p: usize, s: f64, td: usize, keys: usize): void {
  const sv = f64x2.splat(s);
  const k0 = tableKeys4(v128.load(p), sv);
  const m0 = tabMask;
  const k1 = tableKeys4(v128.load(p, 16), sv);
  const m1 = tabMask;
  const k2 = tableKeys4(v128.load(p, 32), sv);
  const m2 = tabMask;
  const k3 = tableKeys4(v128.load(p, 48), sv);
  const m3 = tabMask;
  const k = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(k0, k1), i16x8.narrow_i32x4_s(k2, k3));
  const m = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
  const kMin = load<i32>(td, TD_P0);
  const kLast = load<i32>(td, TD_P1) - 1;
  const j = i8x16.min_s(i8x16.max_s(i8x16.sub_sat_s(k, i8x16.splat(<i8>kMin)), i8x16.splat(0)), i8x16.splat(<i8>kLast));
  // Where every tie goes down, B[j] = A[j - 1]: one lookup at j + m (-1 at j = 0 reads 0 = A[-1]).
  const jm = i8x16.add(j, m);
  v128.store(keys, j, KEY_J);
  v128.store(keys, m, KEY_M);
  v128.store(keys, jm, KEY_JM);
  v128.store(keys, i8x16.sub(jm, i8x16.splat(16)), KEY_JM + 16);
  v128.store(keys, i8x16.sub(jm, i8x16.splat(32)), KEY_JM + 32);
  v128.store(keys, i8x16.sub(jm, i8x16.splat(48)), KEY_JM + 48);
  v128.store(keys, i8x16.sub(jm, i8x16.splat(64)), KEY_JM + 64);
}

/** Value indices (i8 lanes) from keys made by tableKeys16 (with a type of the same kMin and size). */
@inline function tableLookup(td: usize, keys: usize): v128 {
  if (load<i32>(td, TD_TABLE_TIES) == 0) {
    const t = td + TD_A;
    let r = i8x16.swizzle(v128.load(t), v128.load(keys, KEY_JM));
    r = v128.or(r, i8x16.swizzle(v128.load(t, 16), v128.load(keys, KEY_JM + 16)));
    r = v128.or(r, i8x16.swizzle(v128.load(t, 32), v128.load(keys, KEY_JM + 32)));
    r = v128.or(r, i8x16.swizzle(v128.load(t, 48), v128.load(keys, KEY_JM + 48)));
    return v128.or(r, i8x16.swizzle(v128.load(t, 64), v128.load(keys, KEY_JM + 64)));
  }
  const j = v128.load(keys, KEY_J);
  return v128.bitselect(lookup80(td + TD_B, j), lookup80(td + TD_A, j), v128.load(keys, KEY_M));
}

/** Value indices (i8 lanes) of 16 weights at p with scale s. */
function tableIdx16(p: usize, s: f64, td: usize, scratch: usize): v128 {
  tableKeys16(p, s, td, scratch + SCR_KEYS);
  return tableLookup(td, scratch + SCR_KEYS);
}

/** err plus the squared errors of 16 weights at q whose value indices are idx, in element order. */
function tableErr16(q: usize, idx: v128, s: f64, td: usize, err: f64): f64 {
  const sv = f64x2.splat(s);
  const vals = i8x16.swizzle(v128.load(td + TD_VALS8), idx);
  const lo16 = i16x8.extend_low_i8x16_s(vals);
  const hi16 = i16x8.extend_high_i8x16_s(vals);
  const a = i32x4.extend_low_i16x8_s(lo16);
  const b = i32x4.extend_high_i16x8_s(lo16);
  const c = i32x4.extend_low_i16x8_s(hi16);
  const d = i32x4.extend_high_i16x8_s(hi16);
  err = accPair(err, f64x2.convert_low_i32x4_s(a), loadPair(q), sv);
  err = accPair(err, f64x2.convert_low_i32x4_s(i32x4.shuffle(a, a, 2, 3, 0, 1)), loadPair(q + 8), sv);
  err = accPair(err, f64x2.convert_low_i32x4_s(b), loadPair(q + 16), sv);
  err = accPair(err, f64x2.convert_low_i32x4_s(i32x4.shuffle(b, b, 2, 3, 0, 1)), loadPair(q + 24), sv);
  err = accPair(err, f64x2.convert_low_i32x4_s(c), loadPair(q + 32), sv);
  err = accPair(err, f64x2.convert_low_i32x4_s(i32x4.shuffle(c, c, 2, 3, 0, 1)), loadPair(q + 40), sv);
  err = accPair(err, f64x2.convert_low_i32x4_s(d), loadPair(q + 48), sv);
  return accPair(err, f64x2.convert_low_i32x4_s(i32x4.shuffle(d, d, 2, 3, 0, 1)), loadPair(q + 56), sv);
}

/** Scalar twin of tableIdx16 for one x. */
@inline function tableIdx1(x: f64, td: usize): i32 {
  const y = x * 2;
  const f = floor<f64>(y);
  const kMin = load<i32>(td, TD_P0);
  const kLast = load<i32>(td, TD_P1) - 1;
  let j = f < <f64>kMin ? 0 : f > <f64>(kMin + kLast) ? kLast : <i32>f - kMin;
  return <i32>load<u8>(td + (y == f ? TD_B : TD_A) + <usize>j);
}

// ---- runs: the squared error of one candidate, and the encoding of the winner ----

/** Sum of x^2 in element order (the error of a zero scale). */
function sumSquaresRun(p: usize, len: i32): f64 {
  let e: f64 = 0;
  for (let i = 0; i < len; i++) {
    const x = <f64>load<f32>(p + <usize>i * F32_BYTES);
    e += x * x;
  }
  return e;
}

/** The reference's squared error of encoding w[p .. p + len) with scale s (> 0), in element order. */
function errRun(p: usize, len: i32, s: f64, td: usize, scratch: usize): f64 {
  const kind = load<i32>(td, TD_KIND);
  const sv = f64x2.splat(s);
  let err: f64 = 0;
  let i = 0;
  if (kind == KIND_TABLE) {
    for (; i + BLOCK <= len; i += BLOCK) {
      const q = p + <usize>i * F32_BYTES;
      err = tableErr16(q, tableIdx16(q, s, td, scratch), s, td, err);
    }
  } else {
    for (; i + 2 <= len; i += 2) {
      const wv = loadPair(p + <usize>i * F32_BYTES);
      const x = f64x2.div(wv, sv);
      const v = kind == KIND_FLOAT ? floatPair(x, td) : kind == KIND_INT ? intPair(x, td) : midsPair(x, td);
      err = accPair(err, v, wv, sv);
    }
  }
  for (; i < len; i++) {
    const w1 = <f64>load<f32>(p + <usize>i * F32_BYTES);
    const x = w1 / s;
    let v: f64;
    if (kind == KIND_TABLE) v = <f64>load<i8>(td + TD_VALS8 + <usize>tableIdx1(x, td));
    else {
      const xv = f64x2.splat(x);
      v = f64x2.extract_lane(kind == KIND_FLOAT ? floatPair(xv, td) : kind == KIND_INT ? intPair(xv, td) : midsPair(xv, td), 0);
    }
    const d = v * s - w1;
    err += d * d;
  }
  return err;
}

/** Encodes w[p .. p + len) with scale s into the packer (a zero scale writes the zero code). */
function encRun(p: usize, len: i32, s: f64, td: usize, bits: i32, scratch: usize): void {
  if (s == 0) {
    const z = <u64>load<i32>(td, TD_ZERO_CODE);
    for (let i = 0; i < len; i++) pushBits(z, bits);
    return;
  }
  const kind = load<i32>(td, TD_KIND);
  const sv = f64x2.splat(s);
  let i = 0;
  for (; i + BLOCK <= len; i += BLOCK) {
    const q = p + <usize>i * F32_BYTES;
    if (kind == KIND_TABLE) {
      pushBlock(i8x16.swizzle(v128.load(td + TD_CODES), tableIdx16(q, s, td, scratch)), bits);
      continue;
    }
    for (let j = 0; j < BLOCK; j += 2) {
      const x = f64x2.div(loadPair(q + <usize>j * F32_BYTES), sv);
      let c0: i32;
      let c1: i32;
      if (kind == KIND_FLOAT) {
        floatPair(x, td);
        c0 = i32x4.extract_lane(fpCodes, 0);
        c1 = i32x4.extract_lane(fpCodes, 1);
      } else if (kind == KIND_INT) {
        intPair(x, td);
        c0 = i32x4.extract_lane(intCodes, 0);
        c1 = i32x4.extract_lane(intCodes, 1);
      } else {
        midsPair(x, td);
        c0 = load<u8>(td + TD_CODES + <usize>midIdx0);
        c1 = load<u8>(td + TD_CODES + <usize>midIdx1);
      }
      store<u8>(scratch + SCR_CODES + <usize>j, <u8>c0);
      store<u8>(scratch + SCR_CODES + <usize>j + 1, <u8>c1);
    }
    pushBlock(v128.load(scratch + SCR_CODES), bits);
  }
  for (; i < len; i++) {
    const x = <f64>load<f32>(p + <usize>i * F32_BYTES) / s;
    let c: i32;
    if (kind == KIND_TABLE) c = load<u8>(td + TD_CODES + <usize>tableIdx1(x, td));
    else if (kind == KIND_FLOAT) {
      floatPair(f64x2.splat(x), td);
      c = i32x4.extract_lane(fpCodes, 0);
    } else if (kind == KIND_INT) {
      intPair(f64x2.splat(x), td);
      c = i32x4.extract_lane(intCodes, 0);
    } else {
      midsPair(f64x2.splat(x), td);
      c = load<u8>(td + TD_CODES + <usize>midIdx0);
    }
    pushBits(<u64>c, bits);
  }
}

// ---- codebook mixtures and clip search with shared keys ----

const SCR_MIX_S: usize = SCR_CODES + 16; // f64[MIX_TYPES] per-ratio scales (in the SCR_CODES..SCR_ERR gap)
let mixType: i32 = 0;
let mixRatio: i32 = 0;
let mixScale: f64 = 0;

/**
 * The squared errors of 16 weights (as f64 pairs at wb) whose values are the i8 lanes of vals,
 * summed in two lanes (even, odd elements) with two partial sums to keep the chains short.
 */
function tableErr16v(wb: usize, vals: v128, s: f64): v128 {
  const sv = f64x2.splat(s);
  const lo16 = i16x8.extend_low_i8x16_s(vals);
  const hi16 = i16x8.extend_high_i8x16_s(vals);
  const a = i32x4.extend_low_i16x8_s(lo16);
  const b = i32x4.extend_high_i16x8_s(lo16);
  const c = i32x4.extend_low_i16x8_s(hi16);
  const d = i32x4.extend_high_i16x8_s(hi16);
  let e0 = sqErr(f64x2.convert_low_i32x4_s(a), v128.load(wb), sv);
  let e1 = sqErr(f64x2.convert_low_i32x4_s(i32x4.shuffle(a, a, 2, 3, 0, 1)), v128.load(wb, 16), sv);
  e0 = f64x2.add(e0, sqErr(f64x2.convert_low_i32x4_s(b), v128.load(wb, 32), sv));
  e1 = f64x2.add(e1, sqErr(f64x2.convert_low_i32x4_s(i32x4.shuffle(b, b, 2, 3, 0, 1)), v128.load(wb, 48), sv));
  e0 = f64x2.add(e0, sqErr(f64x2.convert_low_i32x4_s(c), v128.load(wb, 64), sv));
  e1 = f64x2.add(e1, sqErr(f64x2.convert_low_i32x4_s(i32x4.shuffle(c, c, 2, 3, 0, 1)), v128.load(wb, 80), sv));
  e0 = f64x2.add(e0, sqErr(f64x2.convert_low_i32x4_s(d), v128.load(wb, 96), sv));
  e1 = f64x2.add(e1, sqErr(f64x2.convert_low_i32x4_s(i32x4.shuffle(d, d, 2, 3, 0, 1)), v128.load(wb, 112), sv));
  return f64x2.add(e0, e1);
}

/** (v * s - w)^2 per lane: the reference's error term. */
@inline function sqErr(v: v128, wv: v128, sv: v128): v128 {
  const d = f64x2.sub(f64x2.mul(v, sv), wv);
  return f64x2.mul(d, d);
}

/** f64 unit roundoff 2^-53. */
const F64_U: f64 = 1.1102230246251565e-16;

/**
 * The absmax clip search / mixture over KIND_TABLE types that share one key table range: for
 * each ratio, every type's scale; keys computed once per distinct scale, each type's value
 * indices looked up from them (kept per type for the winner when there is one ratio).
 *
 * Exactness of the choice. Each candidate's error terms d_i^2 are the reference's terms bit for
 * bit, but they are summed here in two lanes, not in element order. For n non-negative terms
 * any summation order lands within g = 1.01 n u of the exact sum S (u = 2^-53, n u << 1), so the
 * reference's sum R and this one F both lie in [S (1 - g), S (1 + g)]. If the first candidate b
 * with the lowest F has F_c > F_b (1 + 8 g) for every other c, then R_c > R_b for all c and the
 * reference picks b as well. Otherwise the candidates within that band are summed again in
 * element order (errRun) and the first with the lowest exact reference sum wins.
 * Returns false on an f16 scale overflow.
 */
function decideTableMix(p: usize, len: i32, types: usize, nTypes: i32, ratios: usize, nRatios: i32, clampLo: f64, clampHi: f64, storeMode: i32, amax: f64, scratch: usize): bool {
  const full = len & ~(BLOCK - 1);
  let zeroErr: f64 = -1;
  for (let k = 0; k < nRatios; k++) {
    const r = load<f64>(ratios + <usize>k * 8);
    for (let t = 0; t < nTypes; t++) {
      const st = storeScale(min<f64>(max<f64>((amax * r) / load<f64>(types + <usize>t * TD_BYTES, TD_MAX_ABS), clampLo), clampHi), storeMode);
      if (st < 0) return false;
      store<f64>(scratch + SCR_MIX_S + <usize>t * 8, st);
      v128.store(scratch + SCR_ACC + <usize>t * 16, f64x2.splat(0));
    }
    for (let i = 0; i < full; i += BLOCK) {
      const q = p + <usize>i * F32_BYTES;
      // The block's weights as f64 pairs, shared by every candidate.
      const wb = scratch + SCR_WB;
      for (let j = 0; j < BLOCK; j += 2) v128.store(wb + <usize>j * 8, loadPair(q + <usize>j * F32_BYTES));
      for (let t = 0; t < nTypes; t++) {
        const st = load<f64>(scratch + SCR_MIX_S + <usize>t * 8);
        if (st == 0) continue;
        const td = types + <usize>t * TD_BYTES;
        // The first type with this scale computes the keys; the others reuse them.
        let lead = 0;
        while (load<f64>(scratch + SCR_MIX_S + <usize>lead * 8) != st) lead++;
        const keys = scratch + SCR_KEYS + <usize>lead * KEY_BYTES;
        if (lead == t) tableKeys16(q, st, td, keys);
        const idx = tableLookup(td, keys);
        if (nRatios == 1) v128.store(scratch + SCR_IDX + <usize>(t * len + i), idx);
        const vals = i8x16.swizzle(v128.load(td + TD_VALS8), idx);
        let sum: v128;
        if (lead != t && i8x16.all_true(i8x16.eq(vals, v128.load(keys, KEY_VALS)))) {
          sum = v128.load(keys, KEY_SUM); // the same values and scale: the same terms
        } else {
          sum = tableErr16v(wb, vals, st);
          if (lead == t) {
            v128.store(keys, vals, KEY_VALS);
            v128.store(keys, sum, KEY_SUM);
          }
        }
        const ap = scratch + SCR_ACC + <usize>t * 16;
        v128.store(ap, f64x2.add(v128.load(ap), sum));
      }
    }
    for (let t = 0; t < nTypes; t++) {
      const st = load<f64>(scratch + SCR_MIX_S + <usize>t * 8);
      const ep = scratch + SCR_ERR + <usize>(t * nRatios + k) * 8;
      if (st == 0) {
        if (zeroErr < 0) zeroErr = sumSquaresRun(p, len);
        store<f64>(ep, zeroErr);
        continue;
      }
      const td = types + <usize>t * TD_BYTES;
      const acc = v128.load(scratch + SCR_ACC + <usize>t * 16);
      let err = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
      for (let i = full; i < len; i++) {
        const w1 = <f64>load<f32>(p + <usize>i * F32_BYTES);
        const d = <f64>load<i8>(td + TD_VALS8 + <usize>tableIdx1(w1 / st, td)) * st - w1;
        err += d * d;
      }
      store<f64>(ep, err);
    }
  }
  const n = nTypes * nRatios;
  let b = 0;
  for (let c = 1; c < n; c++) if (load<f64>(scratch + SCR_ERR + <usize>c * 8) < load<f64>(scratch + SCR_ERR + <usize>b * 8)) b = c;
  const band = load<f64>(scratch + SCR_ERR + <usize>b * 8) * (1 + 8 * 1.01 * <f64>len * F64_U);
  let close = false;
  for (let c = 0; c < n; c++) if (c != b && load<f64>(scratch + SCR_ERR + <usize>c * 8) <= band) close = true;
  if (close) {
    // Too close to call from the lane sums: the reference's own sums for the candidates in the band.
    let best = Infinity;
    let bc = b;
    for (let c = 0; c < n; c++) {
      if (load<f64>(scratch + SCR_ERR + <usize>c * 8) > band) continue;
      const t = c / nRatios;
      const td = types + <usize>t * TD_BYTES;
      const st = storeScale(min<f64>(max<f64>((amax * load<f64>(ratios + <usize>(c % nRatios) * 8)) / load<f64>(td, TD_MAX_ABS), clampLo), clampHi), storeMode);
      const e = st == 0 ? sumSquaresRun(p, len) : errRun(p, len, st, td, scratch);
      if (e < best) {
        best = e;
        bc = c;
      }
    }
    b = bc;
  }
  mixType = b / nRatios;
  mixRatio = b % nRatios;
  // The winner's scale, recomputed exactly as above.
  const td = types + <usize>mixType * TD_BYTES;
  mixScale = storeScale(min<f64>(max<f64>((amax * load<f64>(ratios + <usize>mixRatio * 8)) / load<f64>(td, TD_MAX_ABS), clampLo), clampHi), storeMode);
  return true;
}

/** Encodes the mixture winner from its stored value indices (one ratio), the tail by encRun. */
function encFromIdx(p: usize, len: i32, s: f64, t: i32, td: usize, bits: i32, scratch: usize): void {
  if (s == 0) {
    encRun(p, len, s, td, bits, scratch);
    return;
  }
  const full = len & ~(BLOCK - 1);
  const codes = v128.load(td + TD_CODES);
  for (let i = 0; i < full; i += BLOCK) pushBlock(i8x16.swizzle(codes, v128.load(scratch + SCR_IDX + <usize>(t * len + i))), bits);
  encRun(p + <usize>full * F32_BYTES, len - full, s, td, bits, scratch);
}

/**
 * Quantizes `rows` rows of W (at w) by a descriptor-driven rule; see the section header.
 * types: nTypes descriptors (TD_BYTES apart) in the scheme's element-type order; ratios: nRatios
 * f64 clip ratios; clampLo/clampHi: the raw-scale clamp (+-inf when none); emaxMx: the MX
 * element's emax; nvTs: the NVFP4 tensor scale (types[1] is then the E4M3 block-scale type);
 * fixed*: QR_FIXED's decision. Writes scales[g] (f32), ids[g] (u8, when ids != 0) and the codes.
 * Returns STATUS_OK or STATUS_BAD_GROUP + g (non-finite weight or f16 scale overflow).
 */
export function quantize_rows(
  w: usize,
  rows: i32,
  cols: i32,
  groupSize: i32,
  rule: i32,
  storeMode: i32,
  types: usize,
  nTypes: i32,
  ratios: usize,
  nRatios: i32,
  clampLo: f64,
  clampHi: f64,
  emaxMx: i32,
  nvTs: f64,
  fixedScale: f64,
  fixedEncScale: f64,
  fixedId: i32,
  bits: i32,
  scales: usize,
  ids: usize,
  codes: usize,
  wordsPerRow: i32,
  scratch: usize,
): i32 {
  const groupsPerRow = cols / groupSize;
  // Codebook mixtures / clip search whose types share one key range take the shared-key path.
  let mixOk = rule == QR_ABSMAX && nTypes <= MIX_TYPES && (nTypes > 1 || nRatios > 1);
  for (let t = 0; t < nTypes && mixOk; t++) {
    const td = types + <usize>t * TD_BYTES;
    mixOk = load<i32>(td, TD_KIND) == KIND_TABLE && load<i32>(td, TD_P0) == load<i32>(types, TD_P0) && load<i32>(td, TD_P1) == load<i32>(types, TD_P1);
  }
  for (let r = 0; r < rows; r++) {
    pkAcc = 0;
    pkNb = 0;
    pkPtr = codes + <usize>r * <usize>wordsPerRow * 4;
    for (let gr = 0; gr < groupsPerRow; gr++) {
      const g = r * groupsPerRow + gr;
      const p = w + (<usize>g * <usize>groupSize) * F32_BYTES;
      let s: f64 = 0; // stored scale
      let es: f64 = 0; // scale the elements are encoded with
      let t: i32 = 0; // element type
      let fromIdx = false; // the winner's value indices are in SCR_IDX
      if (rule == QR_FIXED) {
        s = fixedScale;
        es = fixedEncScale;
        t = fixedId;
      } else if (rule == QR_MEAN) {
        let sum: f64 = 0;
        for (let i = 0; i < groupSize; i++) {
          const x = load<f32>(p + <usize>i * F32_BYTES);
          if (!(<f64>abs<f32>(x) <= F32_MAX)) return STATUS_BAD_GROUP + g;
          sum += <f64>abs<f32>(x);
        }
        s = storeScale(sum / <f64>groupSize, storeMode);
        if (s < 0) return STATUS_BAD_GROUP + g;
        es = s;
      } else {
        const amax = <f64>absmaxRun(p, groupSize);
        if (!(amax <= F32_MAX)) return STATUS_BAD_GROUP + g;
        if (rule == QR_MX) {
          let e = E8M0_MIN_EXP;
          if (amax > 0) {
            e = floorLog2F32(<f32>amax) - emaxMx;
            e = e < E8M0_MIN_EXP ? E8M0_MIN_EXP : e > E8M0_MAX_EXP ? E8M0_MAX_EXP : e;
          }
          s = pow2(e);
          es = s;
        } else if (rule == QR_NVFP4) {
          // E4M3(amax / 6 / ts), left to right in f64; the elements use bs * ts.
          if (amax != 0 && nvTs != 0) {
            const v = (amax / load<f64>(types, TD_MAX_ABS)) / nvTs;
            s = f64x2.extract_lane(floatPair(f64x2.splat(v), types + TD_BYTES), 0);
          }
          es = s * nvTs;
        } else {
          // absmax: candidates type-major, ratios inner; a later one wins only when strictly lower.
          if (nTypes == 1 && nRatios == 1) {
            s = storeScale(min<f64>(max<f64>((amax * load<f64>(ratios)) / load<f64>(types, TD_MAX_ABS), clampLo), clampHi), storeMode);
            if (s < 0) return STATUS_BAD_GROUP + g;
          } else if (mixOk) {
            if (!decideTableMix(p, groupSize, types, nTypes, ratios, nRatios, clampLo, clampHi, storeMode, amax, scratch)) return STATUS_BAD_GROUP + g;
            s = mixScale;
            t = mixType;
            fromIdx = nRatios == 1;
          } else {
            let best = Infinity;
            let zeroErr: f64 = -1;
            for (let tt = 0; tt < nTypes; tt++) {
              const td = types + <usize>tt * TD_BYTES;
              const ma = load<f64>(td, TD_MAX_ABS);
              for (let k = 0; k < nRatios; k++) {
                const sk = storeScale(min<f64>(max<f64>((amax * load<f64>(ratios + <usize>k * 8)) / ma, clampLo), clampHi), storeMode);
                if (sk < 0) return STATUS_BAD_GROUP + g;
                let err: f64;
                if (sk == 0) {
                  if (zeroErr < 0) zeroErr = sumSquaresRun(p, groupSize);
                  err = zeroErr;
                } else err = errRun(p, groupSize, sk, td, scratch);
                if (err < best) {
                  best = err;
                  s = sk;
                  t = tt;
                }
              }
            }
          }
          es = s;
        }
      }
      store<f32>(scales + <usize>g * 4, <f32>s);
      if (ids != 0) store<u8>(ids + <usize>g, <u8>t);
      if (fromIdx) encFromIdx(p, groupSize, es, t, types + <usize>t * TD_BYTES, bits, scratch);
      else encRun(p, groupSize, es, types + <usize>t * TD_BYTES, bits, scratch);
    }
    if (pkNb > 0) store<u32>(pkPtr, <u32>pkAcc);
  }
  return STATUS_OK;
}
