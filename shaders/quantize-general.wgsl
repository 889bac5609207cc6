// Quantize row-major f32 W[N, K] by any scheme's scale rule and element types, bit-exact with
// the CPU quantizer (src/quant/quantize-reference.ts): asymmetric integers, minifloat and
// codebook grids (fp3/fp4/fp6/fp8, nf4, flint4, BitMoD, ternary, binary), mixtures (BitMoD,
// ANT), the clip-ratio search, NVFP4 and the mean-|w| rules. (The absmax integer and OCP MX
// schemes also have the lighter quantize.wgsl.) Three entry points, one pass each:
//   qg_stats   per unit part: max |w| (f32 bits) and the min/max order keys (atomics)
//   qg_decide  one invocation per unit: the scale (and zero point, datatype id) of its groups
//   qg_encode  per output word: the codes of the elements overlapping the word, packed
//
// Exactness.
// - Codes: the CPU picks the value nearest x = w / s with x the f64 quotient. With f32 (or f16)
//   scales and mids of at most 32 bits, x lies on the same side of every midpoint m as the exact
//   quotient and equals m only when w = m * s exactly, so the code search compares w with
//   m * s exactly (64-bit integer products, SN below) and applies the tie rule on equality.
//   Integers compare 2|w| with (2j + 1) * step and round ties to even j.
// - Scales, zero points, mean-|w| sums and the candidates' squared errors repeat the CPU's f64
//   operations one by one in the binary64 emulation (quantize-f64.wgsl), in the same order, so
//   the same candidate wins (type-major, ratio inner, a later one only when strictly lower).
//
// No prelude. Part before this body: quantize-f64.wgsl.
// Bindings (group 0):
//   0: w       array<u32>          input W rows of this chunk, f32 bit patterns, rows * k
//   1: stats   array<atomic<u32>>  per unit of the tensor [max |w| bits, ~min key, max key], then
//                                  the tensor's max |w| (shared by every row chunk)
//   2: dec     array<u32>          per group DEC_WORDS words (see DEC_*), written by qg_decide
//   3: codes   array<u32>          output, row-aligned LSB-first code stream, rows * words_per_row
//   4: p       uniform QuantParams
//   5: tb      array<u32>          the scheme's tables (generalQuantizeTables, src/wgsl/quantize-general-tables.ts):
//              header TB_* (code width, type and ratio counts, scale storage, clamp and NVFP4
//              constants as f64 bits), ratios (f64 bits) at TB_RATIOS, element types
//              (TB_TYPE_WORDS each) at TB_TYPES, values (TB_VAL_WORDS each: f32 bits, code,
//              midpoint to the next value as (-1)^neg * m * 2^e exactly, tie-up flag) at TB_VALS
// Dispatch (wrapped into y, linear = wid.y * x + wid.x):
//   qg_stats      ceil(units * parts_per_unit / WG_SIZE)
//   qg_decide_*   ceil(units / WG_SIZE)
//   qg_encode     ceil(rows * words_per_row / WG_SIZE)
// Preconditions (host): every w finite; k * BITS < 2^31; rows * k < 2^31; stats zeroed.

override WG_SIZE: u32 = 64u;
override STATS_SPAN: u32 = 32u;

struct QuantParams {
  rows: u32,
  k: u32,
  group_size: u32,
  groups_per_row: u32,
  words_per_row: u32,
  unit_len: u32,
  units: u32,          // units in this chunk
  parts_per_unit: u32,
  stats_x: u32,
  decide_x: u32,
  encode_x: u32,
  unit_base: u32,      // stats index of this chunk's first unit (0 for a per-tensor unit)
  total_units: u32,    // units of the whole tensor: the tensor slot follows them
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read_write> stats: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> dec: array<u32>;
@group(0) @binding(3) var<storage, read_write> codes: array<u32>;
@group(0) @binding(4) var<uniform> p: QuantParams;
@group(0) @binding(5) var<storage, read> tb: array<u32>;

// Table layout (words; mirrored by src/wgsl/quantize-general-tables.ts).
const TB_BITS: u32 = 0u;
const TB_N_TYPES: u32 = 1u;       // the scheme's element types (NVFP4's E4M3 block-scale type follows)
const TB_N_RATIOS: u32 = 2u;
const TB_STORE_F16: u32 = 3u;     // 1: scales stored as f16 values, 0: f32
const TB_HAS_CLAMP: u32 = 4u;
const TB_BS_TYPE: u32 = 5u;       // NVFP4: the E4M3 block-scale type
const TB_ELEM_EMAX: u32 = 6u;     // MX: the element's emax (i32)
const TB_E8M0_MIN: u32 = 7u;      // MX: the E8M0 exponent range (i32; OCP MX v1.0 5.4.1)
const TB_CLAMP_LO: u32 = 8u;      // f64 bits (high, low)
const TB_CLAMP_HI: u32 = 10u;
const TB_NV_TS_DIV: u32 = 12u;    // 6 * 448
const TB_NV_ELEM_MAX: u32 = 14u;  // 6
const TB_E8M0_MAX: u32 = 16u;
const TB_RATIOS: u32 = 18u;       // 2 words per ratio
const TB_TYPES: u32 = 144u;
const TB_TYPE_WORDS: u32 = 12u;   // kind, lo, hi, unit_exp, maxabs (2), value offset, count, zero index, -0 code, zero-scale code
const TB_VALS: u32 = 240u;
const TB_VAL_WORDS: u32 = 6u;     // f32 bits, code, mid m, mid e, mid negative, tie goes up

fn tb_i(i: u32) -> i32 {
  return bitcast<i32>(tb[i]);
}
fn tb_f64(i: u32) -> F64 {
  return f64_from_bits(tb[i], tb[i + 1u]);
}
fn type_word(t: u32, f: u32) -> u32 {
  return tb[TB_TYPES + t * TB_TYPE_WORDS + f];
}
fn type_kind(t: u32) -> u32 { return type_word(t, 0u); }
fn type_lo(t: u32) -> i32 { return bitcast<i32>(type_word(t, 1u)); }
fn type_hi(t: u32) -> i32 { return bitcast<i32>(type_word(t, 2u)); }
fn type_unit_exp(t: u32) -> i32 { return bitcast<i32>(type_word(t, 3u)); }
fn type_maxabs(t: u32) -> F64 { return f64_from_bits(type_word(t, 4u), type_word(t, 5u)); }
fn type_off(t: u32) -> u32 { return type_word(t, 6u); }
fn type_n(t: u32) -> u32 { return type_word(t, 7u); }
fn type_zero_idx(t: u32) -> i32 { return bitcast<i32>(type_word(t, 8u)); }
fn type_negzero_code(t: u32) -> u32 { return type_word(t, 9u); }
fn type_zero_code(t: u32) -> u32 { return type_word(t, 10u); }
fn val_word(i: u32, f: u32) -> u32 {
  return tb[TB_VALS + i * TB_VAL_WORDS + f];
}
fn code_mask() -> u32 {
  return (1u << tb[TB_BITS]) - 1u;
}

// Stats words per unit and the tensor slot after them.
const STAT_AMAX: u32 = 0u;
const STAT_LO: u32 = 1u;
const STAT_HI: u32 = 2u;
const STAT_WORDS: u32 = 3u;
// Decision words per group: stored scale (f32 bits), the encoding scale as SN (m low, m high,
// exponent), zero point, datatype id. A stored scale of +inf flags an f16 overflow.
const DEC_SCALE: u32 = 0u;
const DEC_ES_LO: u32 = 1u;
const DEC_ES_HI: u32 = 2u;
const DEC_ES_E: u32 = 3u;
const DEC_ZERO: u32 = 4u;
const DEC_ID: u32 = 5u;
const DEC_WORDS: u32 = 6u;

const KIND_INT: u32 = 0u;
const KIND_TABLE: u32 = 1u;
const F32_ABS: u32 = 0x7fffffffu;
const F32_SIGN: u32 = 0x80000000u;
const F32_INF: u32 = 0x7f800000u;

// ---- exact numbers: (-1)^neg * m * 2^e with a 64-bit integer m ----

struct SN {
  neg: bool,
  m: vec2<u32>,
  e: i32,
}

// The exact value of an f32 with its trailing zero bits removed (so products of two stay small:
// an E4M3 block scale times an f32 tensor scale has at most 28 bits).
fn sn_from_f32_bits(b: u32) -> SN {
  let ex = (b >> 23u) & 0xffu;
  let neg = (b & F32_SIGN) != 0u;
  var m = b & 0x7fffffu;
  var e = -149i;
  if (ex != 0u) {
    m = m | 0x800000u;
    e = i32(ex) - 150i;
  }
  if (m == 0u) {
    return SN(neg, U64_ZERO, 0i);
  }
  let tz = countTrailingZeros(m);
  return SN(neg, vec2<u32>(0u, m >> tz), e + i32(tz));
}

// a * b for factors below 2^32.
fn sn_mul(a: SN, b: SN) -> SN {
  return SN(a.neg != b.neg, mul32(a.m.y, b.m.y), a.e + b.e);
}

fn sn_is_zero(a: SN) -> bool {
  return a.m.x == 0u && a.m.y == 0u;
}

// Exact signed order of a and b: -1, 0, 1 (zeros compare equal).
fn sn_cmp(a: SN, b: SN) -> i32 {
  let za = sn_is_zero(a);
  let zb = sn_is_zero(b);
  if (za && zb) {
    return 0i;
  }
  let na = a.neg && !za;
  let nb = b.neg && !zb;
  if (na != nb) {
    return select(1i, -1i, na);
  }
  var c = 0i;
  if (za) {
    c = -1i;
  } else if (zb) {
    c = 1i;
  } else {
    let ta = u64_top(a.m);
    let tb = u64_top(b.m);
    let la = ta + a.e;
    let lb = tb + b.e;
    if (la != lb) {
      c = select(-1i, 1i, la > lb);
    } else {
      let xa = u64_shl(a.m, u32(63i - ta));
      let xb = u64_shl(b.m, u32(63i - tb));
      c = select(select(-1i, 1i, u64_lt(xb, xa)), 0i, u64_eq(xa, xb));
    }
  }
  return select(c, -c, na);
}

fn f64_from_sn(a: SN) -> F64 {
  return f64_from_u64(a.neg, a.m, a.e);
}

// The SN of a stored f32 scale times 2^unit_exp.
fn sn_scale(bits: u32, unit_exp: i32) -> SN {
  let s = sn_from_f32_bits(bits);
  return SN(false, s.m, s.e + unit_exp);
}

// ---- element types ----

// Integer elements: j = RNE(|w| / step) by the thresholds (2j + 1) step / 2 (ties to even j),
// t = +-j clamped to [lo - zero, hi - zero]. Returns t (the value in steps).
fn int_level(x: u32, step: SN, zero: i32, lo: i32, hi: i32) -> i32 {
  let a = x & F32_ABS;
  let tlo = lo - zero;
  let thi = hi - zero;
  if (a == 0u) {
    return clamp(0i, tlo, thi);
  }
  let neg = (x & F32_SIGN) != 0u;
  let wa = sn_from_f32_bits(a);
  let w2 = SN(false, wa.m, wa.e + 1i); // 2 |w|
  let jmax = u32(max(abs(tlo), abs(thi)) + 1i);
  var l = 0u;
  var h = jmax;
  loop {
    if (l >= h) {
      break;
    }
    let mid = (l + h) >> 1u;
    if (sn_cmp(w2, sn_mul(SN(false, vec2<u32>(0u, 2u * mid + 1u), 0i), step)) > 0i) {
      l = mid + 1u;
    } else {
      h = mid;
    }
  }
  var j = l;
  if (j < jmax && (j & 1u) == 1u && sn_cmp(w2, sn_mul(SN(false, vec2<u32>(0u, 2u * j + 1u), 0i), step)) == 0i) {
    j = j + 1u;
  }
  return clamp(select(i32(j), -i32(j), neg), tlo, thi);
}

// Table elements of type t: index into the sorted values of the value nearest w / es.
fn table_index(t: u32, x: u32, es: SN) -> u32 {
  let off = type_off(t);
  let n_mids = type_n(t) - 1u;
  let wv = sn_from_f32_bits(x);
  var l = 0u;
  var h = n_mids;
  loop {
    if (l >= h) {
      break;
    }
    let mid = (l + h) >> 1u;
    if (sn_cmp(wv, sn_mul(mid_sn(off + mid), es)) > 0i) {
      l = mid + 1u;
    } else {
      h = mid;
    }
  }
  if (l < n_mids && val_word(off + l, 5u) == 1u && sn_cmp(wv, sn_mul(mid_sn(off + l), es)) == 0i) {
    l = l + 1u;
  }
  return l;
}

fn mid_sn(i: u32) -> SN {
  return SN(val_word(i, 4u) == 1u, vec2<u32>(0u, val_word(i, 2u)), bitcast<i32>(val_word(i, 3u)));
}

// Code of w with the group's decision (encoding scale es, zero point, type t).
fn element_code(t: u32, x: u32, es: SN, zero: i32) -> u32 {
  if (type_kind(t) == KIND_INT) {
    if (sn_is_zero(es)) {
      return u32(clamp(zero, type_lo(t), type_hi(t))) & code_mask();
    }
    return u32(int_level(x, es, zero, type_lo(t), type_hi(t)) + zero) & code_mask();
  }
  if (sn_is_zero(es)) {
    return type_zero_code(t);
  }
  let i = table_index(t, x, es);
  // A negative w rounding to 0 takes the type's code for it (-0 for minifloats); -0 itself is not negative.
  if (i32(i) == type_zero_idx(t) && (x & F32_SIGN) != 0u && (x & F32_ABS) != 0u) {
    return type_negzero_code(t);
  }
  return val_word(type_off(t) + i, 1u);
}

// The value (exact) chosen for w, times es: the CPU's values[i] * scale (or (q - zero) * step).
fn chosen_times_scale(t: u32, x: u32, es: SN, zero: i32) -> SN {
  if (type_kind(t) == KIND_INT) {
    let q = int_level(x, es, zero, type_lo(t), type_hi(t));
    return sn_mul(SN(q < 0i, vec2<u32>(0u, u32(abs(q))), 0i), es);
  }
  return sn_mul(sn_from_f32_bits(val_word(type_off(t) + table_index(t, x, es), 0u)), es);
}

// ---- scale rules (f64 emulation, the CPU's operations in order) ----

fn ratio(i: u32) -> F64 {
  return tb_f64(TB_RATIOS + 2u * i);
}

// store(x): f32 or f16 rounding of an f64 raw scale (+inf bits flag an f16 overflow).
fn store_scale(x: F64) -> u32 {
  if (tb[TB_STORE_F16] == 1u) {
    return f64_to_f16_as_f32_bits(x);
  }
  return f64_to_f32_bits(x);
}

// absmax: store(clamp((amax * r) / maxAbs)).
fn absmax_scale(amax: F64, r: F64, t: u32) -> u32 {
  var raw = f64_div(f64_mul(amax, r), type_maxabs(t));
  if (tb[TB_HAS_CLAMP] == 1u) {
    let lo = tb_f64(TB_CLAMP_LO);
    let hi = tb_f64(TB_CLAMP_HI);
    if (f64_cmp(raw, lo) < 0i) {
      raw = lo;
    }
    if (f64_cmp(raw, hi) > 0i) {
      raw = hi;
    }
  }
  return store_scale(raw);
}

// Squared error of type t with stored scale bits s (and zero point) over w[off, off + len), in
// element order: sum ((v * es) - w)^2, or sum w^2 for a zero scale.
fn candidate_error(off: u32, len: u32, t: u32, s: u32, zero: i32) -> F64 {
  var err = f64_zero();
  let es = sn_scale(s, type_unit_exp(t));
  for (var i = 0u; i < len; i++) {
    let x = w[off + i];
    let wx = f64_from_f32_bits(x);
    var d = f64_neg(wx);
    if (s != 0u) {
      d = f64_sub(f64_from_sn(chosen_times_scale(t, x, es, zero)), wx);
    }
    err = f64_add(err, f64_mul(d, d));
  }
  return err;
}

// candidate_error for an integer type only (the min/max rule): no table search compiled in.
fn candidate_error_int(off: u32, len: u32, s: u32, zero: i32) -> F64 {
  var err = f64_zero();
  let es = sn_scale(s, type_unit_exp(0u));
  let lo = type_lo(0u);
  let hi = type_hi(0u);
  for (var i = 0u; i < len; i++) {
    let x = w[off + i];
    let wx = f64_from_f32_bits(x);
    var d = f64_neg(wx);
    if (s != 0u) {
      let q = int_level(x, es, zero, lo, hi);
      d = f64_sub(f64_from_sn(sn_mul(SN(q < 0i, vec2<u32>(0u, u32(abs(q))), 0i), es)), wx);
    }
    err = f64_add(err, f64_mul(d, d));
  }
  return err;
}

// f32 bits of the value of an order key (keys compare like the f32 values).
fn key_to_f32(k: u32) -> u32 {
  return select(~k, k ^ F32_SIGN, (k & F32_SIGN) != 0u);
}

fn f32_key(x: u32) -> u32 {
  return select(x ^ F32_SIGN, ~x, (x & F32_SIGN) != 0u);
}

// ---- entry points ----

@compute @workgroup_size(WG_SIZE)
fn qg_stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * p.stats_x + wid.x) * WG_SIZE + lid;
  if (idx >= p.units * p.parts_per_unit) {
    return;
  }
  let unit = idx / p.parts_per_unit;
  let part = idx - unit * p.parts_per_unit;
  let base = unit * p.unit_len;
  let start = part * STATS_SPAN;
  let end = min(start + STATS_SPAN, p.unit_len);
  var m = 0u;
  // The CPU's lo / hi start at +0 and move only for x < lo / x > hi: -0 counts as +0.
  var lo = f32_key(0u);
  var hi = f32_key(0u);
  for (var i = start; i < end; i++) {
    let x = w[base + i];
    m = max(m, x & F32_ABS);
    let k = f32_key(select(x, 0u, x == F32_SIGN));
    lo = min(lo, k);
    hi = max(hi, k);
  }
  if (m != 0u) {
    atomicMax(&stats[(p.unit_base + unit) * STAT_WORDS + STAT_AMAX], m);
    atomicMax(&stats[p.total_units * STAT_WORDS], m); // the tensor's max |w| (NVFP4)
  }
  // Min keys are kept as ~key under atomicMax so that a zeroed word is neutral.
  atomicMax(&stats[(p.unit_base + unit) * STAT_WORDS + STAT_LO], ~lo);
  atomicMax(&stats[(p.unit_base + unit) * STAT_WORDS + STAT_HI], hi);
}

// Writes one decision for every group of a unit.
fn write_unit(unit: u32, s: u32, es: SN, zero: i32, id: u32) {
  let per_unit = p.unit_len / p.group_size;
  for (var j = 0u; j < per_unit; j++) {
    let g = unit * per_unit + j;
    dec[g * DEC_WORDS + DEC_SCALE] = s;
    dec[g * DEC_WORDS + DEC_ES_LO] = es.m.y;
    dec[g * DEC_WORDS + DEC_ES_HI] = es.m.x;
    dec[g * DEC_WORDS + DEC_ES_E] = bitcast<u32>(es.e);
    dec[g * DEC_WORDS + DEC_ZERO] = u32(zero);
    dec[g * DEC_WORDS + DEC_ID] = id;
  }
}

// The unit an invocation of a qg_decide_* entry point decides, or p.units when none.
fn decide_unit(wid: vec3<u32>, lid: u32) -> u32 {
  return min((wid.y * p.decide_x + wid.x) * WG_SIZE + lid, p.units);
}

fn unit_amax_bits(unit: u32) -> u32 {
  return atomicLoad(&stats[(p.unit_base + unit) * STAT_WORDS + STAT_AMAX]);
}

// absmax with one candidate: s = store(clamp((amax * r) / maxAbs)).
@compute @workgroup_size(WG_SIZE)
fn qg_decide_single(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let unit = decide_unit(wid, lid);
  if (unit >= p.units) {
    return;
  }
  let s = absmax_scale(f64_from_f32_bits(unit_amax_bits(unit)), ratio(0u), 0u);
  write_unit(unit, s, sn_scale(select(s, 0u, (s & F32_ABS) == F32_INF), type_unit_exp(0u)), 0i, 0u);
}

// absmax over candidates (types x ratios): type-major, ratios inner; a later candidate wins
// only when its squared error is strictly lower.
@compute @workgroup_size(WG_SIZE)
fn qg_decide_search(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let unit = decide_unit(wid, lid);
  if (unit >= p.units) {
    return;
  }
  let off = unit * p.unit_len;
  let amax = f64_from_f32_bits(unit_amax_bits(unit));
  var best = f64_zero();
  var bs = 0u;
  var bt = 0u;
  var first = true;
  for (var t = 0u; t < tb[TB_N_TYPES]; t++) {
    for (var ri = 0u; ri < tb[TB_N_RATIOS]; ri++) {
      let s = absmax_scale(amax, ratio(ri), t);
      if ((s & F32_ABS) == F32_INF) {
        write_unit(unit, s, sn_scale(0u, 0i), 0i, t);
        return;
      }
      let err = candidate_error(off, p.unit_len, t, s, 0i);
      if (first || f64_cmp(err, best) < 0i) {
        best = err;
        bs = s;
        bt = t;
        first = false;
      }
    }
  }
  write_unit(unit, bs, sn_scale(bs, type_unit_exp(bt)), 0i, bt);
}

// Asymmetric integers: lo = min(w, 0), hi = max(w, 0), s = store((hi - lo) * r / qmax),
// zero = clamp(RNE(-lo * r / s), 0, qmax); with several ratios the lowest error wins.
@compute @workgroup_size(WG_SIZE)
fn qg_decide_minmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let unit = decide_unit(wid, lid);
  if (unit >= p.units) {
    return;
  }
  let su = (p.unit_base + unit) * STAT_WORDS;
  let lo = f64_from_f32_bits(key_to_f32(min(~atomicLoad(&stats[su + STAT_LO]), f32_key(0u))));
  let hi = f64_from_f32_bits(key_to_f32(max(atomicLoad(&stats[su + STAT_HI]), f32_key(0u))));
  let qmax_i = type_hi(0u);
  let qmax = f64_from_u64(false, vec2<u32>(0u, u32(qmax_i)), 0i);
  let n = tb[TB_N_RATIOS];
  var best = f64_zero();
  var bs = 0u;
  var bz = 0i;
  for (var ri = 0u; ri < n; ri++) {
    let r = ratio(ri);
    let s = store_scale(f64_div(f64_mul(f64_sub(hi, lo), r), qmax));
    var z = 0i;
    if (s != 0u && (s & F32_ABS) != F32_INF) {
      z = clamp(f64_rne_int(f64_div(f64_mul(f64_neg(lo), r), f64_from_f32_bits(s))), 0i, qmax_i);
    }
    if (n == 1u || (s & F32_ABS) == F32_INF) {
      bs = s;
      bz = z;
      break;
    }
    let err = candidate_error_int(unit * p.unit_len, p.unit_len, s, z);
    if (ri == 0u || f64_cmp(err, best) < 0i) {
      best = err;
      bs = s;
      bz = z;
    }
  }
  write_unit(unit, bs, sn_scale(select(bs, 0u, (bs & F32_ABS) == F32_INF), type_unit_exp(0u)), bz, 0u);
}

// Mean-|w| rules (ternary, binary): s = store(sum |w| / len), summed in element order.
@compute @workgroup_size(WG_SIZE)
fn qg_decide_mean(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let unit = decide_unit(wid, lid);
  if (unit >= p.units) {
    return;
  }
  let off = unit * p.unit_len;
  var sum = f64_zero();
  for (var i = 0u; i < p.unit_len; i++) {
    sum = f64_add(sum, f64_from_f32_bits(w[off + i] & F32_ABS));
  }
  let s = store_scale(f64_div(sum, f64_from_u64(false, vec2<u32>(0u, p.unit_len), 0i)));
  write_unit(unit, s, sn_scale(select(s, 0u, (s & F32_ABS) == F32_INF), type_unit_exp(0u)), 0i, 0u);
}

// OCP MX v1.0 6.3: s = 2^clamp(floor(log2 amax) - emax_elem), 2^-127 for an all-zero block.
@compute @workgroup_size(WG_SIZE)
fn qg_decide_mx(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let unit = decide_unit(wid, lid);
  if (unit >= p.units) {
    return;
  }
  let amax_bits = unit_amax_bits(unit);
  var e = tb_i(TB_E8M0_MIN);
  if (amax_bits != 0u) {
    let b = sn_from_f32_bits(amax_bits);
    e = clamp(u64_top(b.m) + b.e - tb_i(TB_ELEM_EMAX), tb_i(TB_E8M0_MIN), tb_i(TB_E8M0_MAX));
  }
  let s = f64_to_f32_bits(f64_from_u64(false, vec2<u32>(0u, 1u), e));
  write_unit(unit, s, SN(false, vec2<u32>(0u, 1u), e + type_unit_exp(0u)), 0i, 0u);
}

// NVFP4: ts = f32(amax(W) / (6 * 448)); bs = E4M3(amax / 6 / ts); elements use bs * ts.
@compute @workgroup_size(WG_SIZE)
fn qg_decide_nvfp4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let unit = decide_unit(wid, lid);
  if (unit >= p.units) {
    return;
  }
  let amax_bits = unit_amax_bits(unit);
  let tmax = f64_from_f32_bits(atomicLoad(&stats[p.total_units * STAT_WORDS]));
  let ts = f64_to_f32_bits(f64_div(tmax, tb_f64(TB_NV_TS_DIV)));
  var bs = 0u;
  if (amax_bits != 0u && ts != 0u) {
    let v = f64_div(f64_div(f64_from_f32_bits(amax_bits), tb_f64(TB_NV_ELEM_MAX)), f64_from_f32_bits(ts));
    let bt = tb[TB_BS_TYPE];
    bs = val_word(type_off(bt) + f64_table_index(bt, v), 0u);
  }
  write_unit(unit, bs, sn_mul(sn_from_f32_bits(bs), sn_from_f32_bits(ts)), 0i, 0u);
}

// Index of the value nearest an f64 v in a table type (the CPU encoder's search on v).
fn f64_table_index(t: u32, v: F64) -> u32 {
  let off = type_off(t);
  let n_mids = type_n(t) - 1u;
  var l = 0u;
  var h = n_mids;
  loop {
    if (l >= h) {
      break;
    }
    let mid = (l + h) >> 1u;
    if (f64_cmp(v, f64_from_sn(mid_sn(off + mid))) > 0i) {
      l = mid + 1u;
    } else {
      h = mid;
    }
  }
  if (l < n_mids && val_word(off + l, 5u) == 1u && f64_cmp(v, f64_from_sn(mid_sn(off + l))) == 0i) {
    l = l + 1u;
  }
  return l;
}

@compute @workgroup_size(WG_SIZE)
fn qg_encode(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * p.encode_x + wid.x) * WG_SIZE + lid;
  if (idx >= p.rows * p.words_per_row) {
    return;
  }
  let r = idx / p.words_per_row;
  let bits = tb[TB_BITS];
  let bit0 = (idx - r * p.words_per_row) * 32u;
  let k_first = bit0 / bits;
  let k_end = min((bit0 + 31u) / bits + 1u, p.k);
  var word = 0u;
  for (var kk = k_first; kk < k_end; kk++) {
    let g = r * p.groups_per_row + kk / p.group_size;
    let d = g * DEC_WORDS;
    let es = SN(false, vec2<u32>(dec[d + DEC_ES_HI], dec[d + DEC_ES_LO]), bitcast<i32>(dec[d + DEC_ES_E]));
    let c = element_code(dec[d + DEC_ID], w[r * p.k + kk], es, i32(dec[d + DEC_ZERO]));
    let off = i32(kk * bits) - i32(bit0);
    if (off < 0i) {
      word = word | (c >> u32(-off));
    } else {
      word = word | (c << u32(off));
    }
  }
  codes[idx] = word;
}
