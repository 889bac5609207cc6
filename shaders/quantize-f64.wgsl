// IEEE 754 binary64 arithmetic emulated with u32 integers, for the GPU quantizer
// (quantize-general.wgsl), whose scale rules and error sums must round exactly like the CPU
// quantizer's f64 arithmetic (src/quant/quantize-reference.ts). WGSL has no f64.
//
// Domain: finite values that are zero or normal binary64 numbers. The quantizer's f64 values are
// built from f32 weights and scales, small exact constants and their products, quotients and
// sums, which stay between 2^-330 and 2^260: no f64 subnormal, infinity or NaN ever arises, so
// none is handled. Every operation rounds once to nearest, ties to even, like the CPU.
//
// Representation: F64 { neg, e, m } = (-1)^neg * m * 2^(e - 52), m a 53-bit significand with its
// leading bit at bit 52 (m.x holds bits 63..32, m.y bits 31..0), or m = 0 for zero (e unused).
// 64-bit integers are vec2<u32>(high word, low word).
// No prelude constants are needed; no bindings.

struct F64 {
  neg: bool,
  e: i32,
  m: vec2<u32>,
}

const F64_MAN_BITS: u32 = 52u;
const U64_ZERO: vec2<u32> = vec2<u32>(0u, 0u);

fn f64_zero() -> F64 {
  return F64(false, 0i, U64_ZERO);
}

fn f64_is_zero(a: F64) -> bool {
  return a.m.x == 0u && a.m.y == 0u;
}

// ---- 64-bit unsigned helpers ----

fn u64_add(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.y + b.y;
  return vec2<u32>(a.x + b.x + select(0u, 1u, lo < a.y), lo);
}

fn u64_sub(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  return vec2<u32>(a.x - b.x - select(0u, 1u, a.y < b.y), a.y - b.y);
}

fn u64_lt(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.x < b.x || (a.x == b.x && a.y < b.y);
}

fn u64_eq(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.x == b.x && a.y == b.y;
}

fn u64_shl(a: vec2<u32>, n: u32) -> vec2<u32> {
  if (n == 0u) {
    return a;
  }
  if (n >= 64u) {
    return U64_ZERO;
  }
  if (n >= 32u) {
    return vec2<u32>(a.y << (n - 32u), 0u);
  }
  return vec2<u32>((a.x << n) | (a.y >> (32u - n)), a.y << n);
}

fn u64_shr(a: vec2<u32>, n: u32) -> vec2<u32> {
  if (n == 0u) {
    return a;
  }
  if (n >= 64u) {
    return U64_ZERO;
  }
  if (n >= 32u) {
    return vec2<u32>(0u, a.x >> (n - 32u));
  }
  return vec2<u32>(a.x >> n, (a.y >> n) | (a.x << (32u - n)));
}

// True when a has a set bit below bit n (the bits a right shift by n drops).
fn u64_low_bits(a: vec2<u32>, n: u32) -> bool {
  if (n == 0u) {
    return false;
  }
  if (n >= 64u) {
    return a.x != 0u || a.y != 0u;
  }
  let mask = u64_sub(u64_shl(vec2<u32>(0u, 1u), n), vec2<u32>(0u, 1u));
  return (a.x & mask.x) != 0u || (a.y & mask.y) != 0u;
}

// Index of the leading set bit (0..63); -1 for zero.
fn u64_top(a: vec2<u32>) -> i32 {
  if (a.x != 0u) {
    return 63i - i32(countLeadingZeros(a.x));
  }
  if (a.y != 0u) {
    return 31i - i32(countLeadingZeros(a.y));
  }
  return -1i;
}

// Full 64-bit product of two u32 (16-bit halves; every partial product fits a u32).
fn mul32(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = p01 + p10;
  let mid_carry = select(0u, 0x10000u, mid < p01);
  let lo = p00 + (mid << 16u);
  let hi = a1 * b1 + (mid >> 16u) + mid_carry + select(0u, 1u, lo < p00);
  return vec2<u32>(hi, lo);
}

// ---- construction ----

// Normalizes a nonzero integer significand m (value m * 2^k) into an F64; exact when m has at
// most 53 significant bits.
fn f64_from_u64(neg: bool, m: vec2<u32>, k: i32) -> F64 {
  let t = u64_top(m);
  if (t < 0i) {
    return F64(neg, 0i, U64_ZERO);
  }
  let e = t + k;
  if (t <= 52i) {
    return F64(neg, e, u64_shl(m, u32(52i - t)));
  }
  return f64_round(neg, e, u64_shr(m, u32(t - 52i)), u64_low_bits(m, u32(t - 53i)), u64_bit(m, u32(t - 53i)));
}

fn u64_bit(a: vec2<u32>, n: u32) -> bool {
  return (u64_shr(a, n).y & 1u) == 1u;
}

// The exact value of an f32 bit pattern (subnormals included).
fn f64_from_f32_bits(bits: u32) -> F64 {
  let neg = (bits >> 31u) == 1u;
  let ex = (bits >> 23u) & 0xffu;
  let frac = bits & 0x7fffffu;
  if (ex == 0u) {
    return f64_from_u64(neg, vec2<u32>(0u, frac), -149i);
  }
  return F64(neg, i32(ex) - 127i, u64_shl(vec2<u32>(0u, frac | 0x800000u), 29u));
}

// The exact value of an f64 bit pattern (normal or zero), e.g. a prelude constant.
fn f64_from_bits(hi: u32, lo: u32) -> F64 {
  let ex = (hi >> 20u) & 0x7ffu;
  if (ex == 0u) {
    return F64((hi >> 31u) == 1u, 0i, U64_ZERO);
  }
  return F64((hi >> 31u) == 1u, i32(ex) - 1023i, vec2<u32>((hi & 0xfffffu) | 0x100000u, lo));
}

// The f64 bit pattern (high word, low word) of a.
fn f64_to_bits(a: F64) -> vec2<u32> {
  let sign = select(0u, 0x80000000u, a.neg);
  if (f64_is_zero(a)) {
    return vec2<u32>(sign, 0u);
  }
  return vec2<u32>(sign | (u32(a.e + 1023i) << 20u) | (a.m.x & 0xfffffu), a.m.y);
}

fn f64_neg(a: F64) -> F64 {
  return F64(!a.neg, a.e, a.m);
}

fn f64_abs(a: F64) -> F64 {
  return F64(false, a.e, a.m);
}

// ---- rounding ----

// Rounds the significand `m` (leading bit at bit 52, or bit 53 after a carry) given the first
// dropped bit `round` and whether anything below it was nonzero (`sticky`): ties to even.
fn f64_round(neg: bool, e: i32, m: vec2<u32>, sticky: bool, round: bool) -> F64 {
  var r = m;
  var ex = e;
  if (round && (sticky || (r.y & 1u) == 1u)) {
    r = u64_add(r, vec2<u32>(0u, 1u));
  }
  if (u64_top(r) > 52i) {
    r = u64_shr(r, 1u);
    ex = ex + 1i;
  }
  return F64(neg, ex, r);
}

// ---- arithmetic ----

// Magnitude order of two values: -1, 0, 1.
fn f64_cmp_mag(a: F64, b: F64) -> i32 {
  let za = f64_is_zero(a);
  let zb = f64_is_zero(b);
  if (za || zb) {
    return select(select(1i, -1i, za), 0i, za && zb);
  }
  if (a.e != b.e) {
    return select(-1i, 1i, a.e > b.e);
  }
  if (u64_eq(a.m, b.m)) {
    return 0i;
  }
  return select(-1i, 1i, u64_lt(b.m, a.m));
}

// Signed order: -1 (a < b), 0, 1. Zeros compare equal whatever their signs.
fn f64_cmp(a: F64, b: F64) -> i32 {
  let za = f64_is_zero(a);
  let zb = f64_is_zero(b);
  if (za && zb) {
    return 0i;
  }
  let na = a.neg && !za;
  let nb = b.neg && !zb;
  if (na != nb) {
    return select(1i, -1i, na);
  }
  let c = f64_cmp_mag(a, b);
  return select(c, -c, na);
}

fn f64_add(a: F64, b: F64) -> F64 {
  if (f64_is_zero(a) && f64_is_zero(b)) {
    return F64(a.neg && b.neg, 0i, U64_ZERO); // -0 only for -0 + -0
  }
  if (f64_is_zero(a)) {
    return b;
  }
  if (f64_is_zero(b)) {
    return a;
  }
  // x: the larger magnitude. Work with 3 extra low bits (guard, round, sticky).
  var x = a;
  var y = b;
  if (f64_cmp_mag(a, b) < 0i) {
    x = b;
    y = a;
  }
  // Bit 0 of the aligned smaller operand is the sticky bit: the OR of everything that lands at
  // or below it, so the guard (bit 2) and round (bit 1) bits above it are exact.
  let d = u32(x.e - y.e);
  let mx = u64_shl(x.m, 3u);
  let y3 = u64_shl(y.m, 3u);
  var my = u64_shr(y3, d);
  my.y = (my.y & 0xfffffffeu) | select(0u, 1u, u64_low_bits(y3, d + 1u));
  var s: vec2<u32>;
  if (x.neg == y.neg) {
    s = u64_add(mx, my);
  } else {
    s = u64_sub(mx, my);
    if (s.x == 0u && s.y == 0u) {
      return f64_zero(); // x - x = +0
    }
  }
  // Bring the leading bit to bit 55 (52 + 3): a right shift of one after a carry (sticky kept),
  // or a left shift after cancellation (exact: cancellation beyond one bit needs d <= 1).
  let t = u64_top(s);
  var ex = x.e + (t - 55i);
  if (t > 55i) {
    let st = (s.y & 1u) == 1u;
    s = u64_shr(s, 1u);
    if (st) {
      s.y = s.y | 1u;
    }
  } else if (t < 55i) {
    s = u64_shl(s, u32(55i - t));
  }
  return f64_round(x.neg, ex, u64_shr(s, 3u), (s.y & 3u) != 0u, (s.y & 4u) != 0u);
}

fn f64_sub(a: F64, b: F64) -> F64 {
  return f64_add(a, f64_neg(b));
}

fn f64_mul(a: F64, b: F64) -> F64 {
  if (f64_is_zero(a) || f64_is_zero(b)) {
    return F64(a.neg != b.neg, 0i, U64_ZERO);
  }
  // 106-bit product of the significands in four 32-bit limbs r3..r0.
  let ll = mul32(a.m.y, b.m.y);
  let lh = mul32(a.m.y, b.m.x);
  let hl = mul32(a.m.x, b.m.y);
  let hh = mul32(a.m.x, b.m.x);
  let r0 = ll.y;
  // Column 1: ll.x + lh.y + hl.y.
  let c1a = ll.x + lh.y;
  let k1a = select(0u, 1u, c1a < ll.x);
  let r1 = c1a + hl.y;
  let k1 = k1a + select(0u, 1u, r1 < c1a);
  // Column 2: lh.x + hl.x + hh.y + carries.
  let c2a = lh.x + hl.x;
  let k2a = select(0u, 1u, c2a < lh.x);
  let c2b = c2a + hh.y;
  let k2b = select(0u, 1u, c2b < c2a);
  let r2 = c2b + k1;
  let k2 = k2a + k2b + select(0u, 1u, r2 < c2b);
  let r3 = hh.x + k2;
  // The product lies in [2^104, 2^106): keep 53 bits from bit sh = 52 or 53.
  let sh = select(52u, 53u, (r3 & 0x200u) != 0u);
  let s = sh - 32u; // 20 or 21
  let m = vec2<u32>((r2 >> s) | (r3 << (32u - s)), (r1 >> s) | (r2 << (32u - s)));
  let round = ((r1 >> (s - 1u)) & 1u) == 1u;
  let sticky = r0 != 0u || (r1 & ((1u << (s - 1u)) - 1u)) != 0u;
  return f64_round(a.neg != b.neg, a.e + b.e + i32(sh) - 52i, m, sticky, round);
}

fn f64_div(a: F64, b: F64) -> F64 {
  if (f64_is_zero(a)) {
    return F64(a.neg != b.neg, 0i, U64_ZERO);
  }
  // Long division of the significands: 55 quotient bits (leading bit at 54) and a sticky rest.
  var r = a.m;
  var ex = a.e - b.e;
  if (u64_lt(r, b.m)) {
    r = u64_shl(r, 1u);
    ex = ex - 1i;
  }
  var q = U64_ZERO;
  for (var i = 0u; i < 55u; i++) {
    q = u64_shl(q, 1u);
    if (!u64_lt(r, b.m)) {
      r = u64_sub(r, b.m);
      q.y = q.y | 1u;
    }
    r = u64_shl(r, 1u);
  }
  let sticky = (q.y & 1u) == 1u || r.x != 0u || r.y != 0u;
  return f64_round(a.neg != b.neg, ex, u64_shr(q, 2u), sticky, (q.y & 2u) != 0u);
}

// ---- rounding to narrower formats ----

// Rounds |a| to an integer multiple of 2^q (ties to even): the multiple count, saturated to u32.
fn f64_quantum_count(a: F64, q: i32) -> u32 {
  if (f64_is_zero(a)) {
    return 0u;
  }
  // |a| / 2^q = m * 2^(e - 52 - q): shift right by 52 + q - e.
  let sh = 52i + q - a.e;
  if (sh <= 0i) {
    return 0xffffffffu; // at least 2^52 quanta: beyond every format here
  }
  if (sh > 54i) {
    return 0u; // below half a quantum
  }
  let n = u64_shr(a.m, u32(sh));
  let round = u64_bit(a.m, u32(sh - 1i));
  let sticky = u64_low_bits(a.m, u32(sh - 1i));
  var c = n.y;
  if (n.x != 0u) {
    return 0xffffffffu;
  }
  if (round && (sticky || (c & 1u) == 1u)) {
    c = c + 1u;
  }
  return c;
}

// f32 bits of the nearest f32 to a (ties to even; subnormals; +-inf beyond the f32 range).
fn f64_to_f32_bits(a: F64) -> u32 {
  let sign = select(0u, 0x80000000u, a.neg);
  if (f64_is_zero(a)) {
    return sign;
  }
  // Quantum 2^(max(e, -126) - 23); the count is the significand (2^24 carries to the next binade).
  let ee = max(a.e, -126i);
  let c = f64_quantum_count(a, ee - 23i);
  if (a.e < -126i) {
    return sign | c; // subnormal, or the smallest normal after a carry (bit 23 = exponent field 1)
  }
  var ex = ee;
  var sig = c;
  if (sig >= 0x1000000u) {
    sig = sig >> 1u;
    ex = ex + 1i;
  }
  if (ex > 127i) {
    return sign | 0x7f800000u;
  }
  return sign | (u32(ex + 127i) << 23u) | (sig & 0x7fffffu);
}

// f32 bits of the nearest f16 value to a (ties to even, one rounding), or +-inf when it
// overflows f16 (|a| >= 65520).
fn f64_to_f16_as_f32_bits(a: F64) -> u32 {
  let sign = select(0u, 0x80000000u, a.neg);
  if (f64_is_zero(a)) {
    return sign;
  }
  let ee = max(a.e, -14i);
  let c = f64_quantum_count(a, ee - 10i);
  if (c == 0u) {
    return sign;
  }
  // Value c * 2^(ee - 10), exact in f32 (c <= 2^11).
  let v = f64_from_u64(false, vec2<u32>(0u, c), ee - 10i);
  if (v.e > 15i) {
    return sign | 0x7f800000u;
  }
  return sign | f64_to_f32_bits(v);
}

// Nearest integer (ties to even) of a, as i32 (saturated to +-2^30).
fn f64_rne_int(a: F64) -> i32 {
  let c = min(f64_quantum_count(a, 0i), 0x40000000u);
  return select(i32(c), -i32(c), a.neg);
}
