// Quantize row-major f32 W[N, K] to packed codes and per-group scales, bit-exact with the CPU
// `quantize` (src/quant/quantize.ts) for the symmetric integer absmax schemes and the OCP MX
// schemes. Three entry points run in order (one compute pass each):
//   quant_amax    per unit (group / row / tensor): amax = max |w| as f32 bit patterns (atomicMax)
//   quant_scale   per group: the stored scale of its unit, as f32 bits
//   quant_encode  per output word: the codes of the elements overlapping the word, packed
//
// Exactness. Everything is integer arithmetic on f32 bit patterns (no f32 division, no fma, no
// subnormal flushing): a finite |x| is m * 2^e with m = the 24-bit mantissa (hidden bit set for
// normals) and e = max(exponent field, 1) - 127 - 23.
// - absmax scale: amax / QMAX by u32 long division of the normalized mantissa (shifted to bit 31,
//   so the quotient keeps >= 25 bits) plus a sticky remainder bit, rounded once to nearest-even
//   in the stored format (f32, or f16 then widened to f32 exactly); the CPU rounds the f64
//   quotient once, and f64 -> f32/f16 double rounding of a 24-bit / 7-bit quotient is innocuous.
//   An f16 overflow writes +inf (the host turns it into the CPU's error).
// - absmax codes: RNE(|w| / s) is the number of thresholds (j + 1/2) s, j < QMAX, below |w|
//   (binary search), plus one on an exact tie with odd j. Each comparison 2|w| vs (2j + 1) s is
//   exact: (2j + 1) * mantissa(s) < 2^32 for QMAX <= 127, and mantissas are compared after
//   aligning their leading bits.
// - MX: the scale 2^E is a power of two, so |w| / 2^E = m * 2^(e - E) exactly; rounding onto the
//   element grid (ulp 2^(max(floor(log2 v), 1 - bias) - mantissa bits) for minifloats, the fixed
//   unit for MXINT8) is a right shift with round-half-even, then saturation at the largest code.
//
// Prelude: generateQuantizePrelude (src/wgsl/quantize-prelude.ts): BITS, CODE_MASK, RULE_MX,
// QMAX, SCALE_*, E8M0_*, ELEM_*.
// Bindings (group 0), the same layout for all three entry points:
//   0: w       array<u32>          input W rows of this chunk, f32 bit patterns, rows * k
//   1: amax    array<atomic<u32>>  per unit |w| maximum bits, zero-initialised, units words
//   2: scales  array<u32>          output, per group f32 bits of the stored scale, rows * groups_per_row
//   3: codes   array<u32>          output, row-aligned LSB-first code stream, rows * words_per_row
//   4: p       uniform QuantParams
// Units are contiguous runs of unit_len elements (group: G, channel: K, tensor: the chunk; a
// tensor split into row chunks shares one amax word across chunks).
// Dispatch (each wrapped into y above the per-dimension limit, linear = wid.y * x + wid.x):
//   quant_amax    ceil(units * parts_per_unit / WG_SIZE), parts_per_unit = ceil(unit_len / AMAX_SPAN)
//   quant_scale   ceil(rows * groups_per_row / WG_SIZE)
//   quant_encode  ceil(rows * words_per_row / WG_SIZE)
// Preconditions (checked by the host): every w finite; k * BITS < 2^31; rows * k < 2^31.

override WG_SIZE: u32 = 64u;
// Elements one quant_amax invocation scans (within one unit).
override AMAX_SPAN: u32 = 32u;

// IEEE 754 binary32 layout.
const F32_MAN_BITS: u32 = 23u;
const F32_BIAS: i32 = 127i;
const F32_HIDDEN: u32 = 0x00800000u;
const F32_FRAC_MASK: u32 = 0x007fffffu;
const F32_ABS_MASK: u32 = 0x7fffffffu;
const F32_SIGN: u32 = 0x80000000u;
const F32_INF: u32 = 0x7f800000u;

struct QuantParams {
  rows: u32,            // rows in this chunk
  k: u32,
  group_size: u32,
  groups_per_row: u32,
  words_per_row: u32,
  unit_len: u32,        // elements sharing one scale
  units: u32,           // units in this chunk (1 for per tensor)
  parts_per_unit: u32,  // quant_amax invocations per unit
  amax_x: u32,          // dispatch wrap of each pass
  scale_x: u32,
  encode_x: u32,
  pad: u32,
}

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read_write> amax: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> scales: array<u32>;
@group(0) @binding(3) var<storage, read_write> codes: array<u32>;
@group(0) @binding(4) var<uniform> p: QuantParams;

// Mantissa m of a non-negative finite f32 bit pattern (value = m * 2^f32_exponent).
fn f32_mantissa(bits: u32) -> u32 {
  let f = bits & F32_FRAC_MASK;
  return select(f, f | F32_HIDDEN, (bits >> F32_MAN_BITS) != 0u);
}

fn f32_exponent(bits: u32) -> i32 {
  return max(i32(bits >> F32_MAN_BITS), 1i) - F32_BIAS - i32(F32_MAN_BITS);
}

// floor(log2(x)) of a positive finite f32 bit pattern.
fn f32_floor_log2(bits: u32) -> i32 {
  return i32(firstLeadingBit(f32_mantissa(bits))) + f32_exponent(bits);
}

// Round (n + f) / 2^sh to an integer, ties to even, for sh >= 1; f in [0, 1) is nonzero exactly
// when `sticky` (it lies below the last shifted-out bit, so only its being nonzero matters).
fn rne_shift(n: u32, sticky: bool, sh: u32) -> u32 {
  if (sh > 32u) {
    return 0u; // (n + f) / 2^sh < 2^32 / 2^33 = 1/2
  }
  let half_bit = 1u << (sh - 1u);
  if (sh == 32u) {
    // The value is below 1: it rounds up only when above 1/2 (an exact 1/2 goes to even 0).
    return select(0u, 1u, n > half_bit || (n == half_bit && sticky));
  }
  let q = n >> sh;
  let rem = n & ((1u << sh) - 1u);
  let up = rem > half_bit || (rem == half_bit && (sticky || (q & 1u) == 1u));
  return q + select(0u, 1u, up);
}

// Sign of a * 2^ea - b * 2^eb for a, b > 0, exactly.
fn cmp_scaled(a: u32, ea: i32, b: u32, eb: i32) -> i32 {
  let ta = firstLeadingBit(a);
  let tb = firstLeadingBit(b);
  let la = i32(ta) + ea;
  let lb = i32(tb) + eb;
  if (la != lb) {
    return select(-1i, 1i, la > lb);
  }
  // Same leading-bit weight: align both leading bits at bit 31 (no bits are lost).
  let na = a << (31u - ta);
  let nb = b << (31u - tb);
  if (na == nb) {
    return 0i;
  }
  return select(-1i, 1i, na > nb);
}

// Stored-format bits of `kept * 2^(eu - SCALE_MAN_BITS)` widened to f32 bits (or +inf on
// overflow). `kept` is the rounded significand, eu >= 1 - SCALE_BIAS the exponent it was rounded
// at; a carry into the next binade (kept = 2^(SCALE_MAN_BITS + 1)) lands in the exponent field.
fn pack_scale(kept: u32, eu: i32) -> u32 {
  let h = (u32(eu + SCALE_BIAS - 1i) << SCALE_MAN_BITS) + kept;
  let e = h >> SCALE_MAN_BITS;
  if (e >= SCALE_EXP_ALL_ONES) {
    return F32_INF;
  }
  if (SCALE_MAN_BITS == F32_MAN_BITS) {
    return h;
  }
  // A narrower IEEE format (f16): every finite value is an f32 normal or zero.
  let f = h & ((1u << SCALE_MAN_BITS) - 1u);
  if (e != 0u) {
    return (u32(i32(e) - SCALE_BIAS + F32_BIAS) << F32_MAN_BITS) | (f << (F32_MAN_BITS - SCALE_MAN_BITS));
  }
  if (f == 0u) {
    return 0u;
  }
  // Subnormal: f * 2^(1 - SCALE_BIAS - SCALE_MAN_BITS), leading bit t.
  let t = firstLeadingBit(f);
  let ex = i32(t) + 1i - SCALE_BIAS - i32(SCALE_MAN_BITS);
  return (u32(ex + F32_BIAS) << F32_MAN_BITS) | ((f << (F32_MAN_BITS - t)) & F32_FRAC_MASK);
}

// absmax rule: the stored scale amax / QMAX (f32 bits; 0 for amax = 0).
fn absmax_scale_bits(a: u32) -> u32 {
  if (a == 0u) {
    return 0u;
  }
  // amax = m * 2^e with the leading bit of m at bit 23 (subnormals normalized).
  let m0 = f32_mantissa(a);
  let lz = countLeadingZeros(m0) - (31u - F32_MAN_BITS);
  let m = m0 << lz;
  let e = f32_exponent(a) - i32(lz);
  // amax / QMAX = (qn + r / QMAX) * 2^(e - 8) with n0 = m * 2^8 (leading bit at bit 31), so
  // qn >= 2^31 / 127 > 2^24: at least 25 significant bits, the rest is the sticky remainder.
  let n0 = m << (31u - F32_MAN_BITS);
  let e0 = e - i32(31u - F32_MAN_BITS);
  let qn = n0 / QMAX;
  let sticky = n0 - qn * QMAX != 0u;
  // floor(log2(amax / QMAX)) = leading bit of qn (the quotient is below qn + 1 <= 2^(t + 1)).
  let ev = i32(firstLeadingBit(qn)) + e0;
  let eu = max(ev, 1i - SCALE_BIAS);
  // ulp of the result: 2^(eu - SCALE_MAN_BITS); shift >= 1 because qn has >= 25 bits.
  let sh = eu - i32(SCALE_MAN_BITS) - e0;
  return pack_scale(rne_shift(qn, sticky, u32(sh)), eu);
}

// MX rule: the E8M0 scale 2^E as f32 bits, E = clamp(floor(log2(amax)) - ELEM_EMAX) (OCP MX v1.0
// section 6.3); an all-zero block gets 2^E8M0_MIN_EXP.
fn mx_scale_bits(a: u32) -> u32 {
  var ex = E8M0_MIN_EXP;
  if (a != 0u) {
    ex = clamp(f32_floor_log2(a) - ELEM_EMAX, E8M0_MIN_EXP, E8M0_MAX_EXP);
  }
  if (ex >= 1i - F32_BIAS) {
    return u32(ex + F32_BIAS) << F32_MAN_BITS;
  }
  // f32 subnormal power of two (2^-127 = 2^22 * 2^-149).
  return 1u << u32(ex - (1i - F32_BIAS - i32(F32_MAN_BITS)));
}

// absmax rule code of one weight (bits x) with the stored scale s (f32 bits).
fn int_code(x: u32, s: u32) -> u32 {
  let a = x & F32_ABS_MASK;
  if (a == 0u || s == 0u) {
    return 0u; // the code of 0 (a zero scale writes zero codes, as on the CPU)
  }
  let mx = f32_mantissa(a);
  let ex2 = f32_exponent(a) + 1i; // 2 |x|
  let ms = f32_mantissa(s);
  let es = f32_exponent(s);
  // Smallest j in [0, QMAX] with 2|x| <= (2j + 1) s (QMAX when none): the count of thresholds
  // (j + 1/2) s strictly below |x|.
  var lo = 0u;
  var hi = QMAX;
  loop {
    if (lo >= hi) {
      break;
    }
    let mid = (lo + hi) >> 1u;
    if (cmp_scaled(mx, ex2, (2u * mid + 1u) * ms, es) > 0i) {
      lo = mid + 1u;
    } else {
      hi = mid;
    }
  }
  var q = lo;
  // |x| exactly halfway between q and q + 1: ties to even.
  if (q < QMAX && (q & 1u) == 1u && cmp_scaled(mx, ex2, (2u * q + 1u) * ms, es) == 0i) {
    q = q + 1u;
  }
  if ((x & F32_SIGN) != 0u) {
    return (0u - q) & CODE_MASK; // two's complement
  }
  return q;
}

// MX rule code of one weight (bits x) with the E8M0 scale (f32 bits of 2^E).
fn mx_code(x: u32, s: u32) -> u32 {
  let a = x & F32_ABS_MASK;
  if (a == 0u) {
    return 0u; // +0 and -0 both give the +0 code (the CPU tests x < 0)
  }
  let m = f32_mantissa(a);
  // v = |x| / 2^E = m * 2^f exactly; floor(log2(v)) = lv.
  let f = f32_exponent(a) - f32_floor_log2(s);
  let lv = i32(firstLeadingBit(m)) + f;
  let elem_emin = 1i - ELEM_BIAS;
  var ulp = ELEM_INT_UNIT_EXP;
  if (ELEM_IS_FLOAT) {
    ulp = max(lv, elem_emin) - i32(ELEM_MAN_BITS);
  }
  // kept = RNE(v / 2^ulp). v < 2^(ELEM_EMAX + 1) (the shared exponent is at least
  // floor(log2(amax)) - ELEM_EMAX), so a left shift moves m by a few bits at most.
  let sh = ulp - f;
  var kept = 0u;
  if (sh <= 0i) {
    kept = m << u32(-sh);
  } else {
    kept = rne_shift(m, false, u32(sh));
  }
  let negative = (x & F32_SIGN) != 0u;
  if (ELEM_IS_FLOAT) {
    // sign | exponent field | fraction; a carry of kept into the next binade lands in the
    // exponent field. Codes above ELEM_MAX_CODE are beyond the largest finite value: saturate.
    let mag = min((u32(max(lv, elem_emin) + ELEM_BIAS - 1i) << ELEM_MAN_BITS) + kept, ELEM_MAX_CODE);
    return select(mag, mag | ELEM_SIGN, negative);
  }
  let q = min(kept, ELEM_INT_QMAX);
  return select(q, (0u - q) & CODE_MASK, negative); // two's complement
}

@compute @workgroup_size(WG_SIZE)
fn quant_amax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * p.amax_x + wid.x) * WG_SIZE + lid;
  if (idx >= p.units * p.parts_per_unit) {
    return;
  }
  let unit = idx / p.parts_per_unit;
  let part = idx - unit * p.parts_per_unit;
  let base = unit * p.unit_len;
  let start = part * AMAX_SPAN;
  let end = min(start + AMAX_SPAN, p.unit_len);
  // Non-negative f32 bit patterns order like their values.
  var m = 0u;
  for (var i = start; i < end; i++) {
    m = max(m, w[base + i] & F32_ABS_MASK);
  }
  if (m != 0u) {
    atomicMax(&amax[unit], m);
  }
}

@compute @workgroup_size(WG_SIZE)
fn quant_scale(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * p.scale_x + wid.x) * WG_SIZE + lid;
  if (g >= p.rows * p.groups_per_row) {
    return;
  }
  // The group's first element lies in unit (g * G) / unit_len.
  let a = atomicLoad(&amax[(g * p.group_size) / p.unit_len]);
  if (RULE_MX) {
    scales[g] = mx_scale_bits(a);
  } else {
    scales[g] = absmax_scale_bits(a);
  }
}

@compute @workgroup_size(WG_SIZE)
fn quant_encode(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * p.encode_x + wid.x) * WG_SIZE + lid;
  if (idx >= p.rows * p.words_per_row) {
    return;
  }
  let r = idx / p.words_per_row;
  let bit0 = (idx - r * p.words_per_row) * 32u;
  // Elements whose bits [k * BITS, (k + 1) * BITS) overlap [bit0, bit0 + 32): a straddling code
  // is computed by both words it touches; past K the word keeps zero pad bits.
  let k_first = bit0 / BITS;
  let k_end = min((bit0 + 31u) / BITS + 1u, p.k);
  var word = 0u;
  for (var kk = k_first; kk < k_end; kk++) {
    let s = scales[r * p.groups_per_row + kk / p.group_size];
    let x = w[r * p.k + kk];
    var c = 0u;
    if (RULE_MX) {
      c = mx_code(x, s);
    } else {
      c = int_code(x, s);
    }
    let off = i32(kk * BITS) - i32(bit0);
    if (off < 0i) {
      word = word | (c >> u32(-off)); // the high part of a code that began in the previous word
    } else {
      word = word | (c << u32(off)); // bits past 32 belong to the next word
    }
  }
  codes[idx] = word;
}
