// LUT precompute (LUT Tensor Core, ISCA 2025; T-MAC, EuroSys 2025): for every activation row m
// and 4-group t (activations 4t..4t+3, zero past K) the symmetrized table
//   T[idx] = sum_j s_j(idx) x_{4t+j},  s_j = +1 if bit j of idx is set, else -1,
// built as the CPU buildLutF32 does: pair sums a = x0+x1, b = x0-x1, c = x2+x3, d = x2-x3, the 8
// entries with bit 3 clear from those, and T[15 - idx] = -T[idx] (exact). Also the 4-group sum
// x0 + x1 + x2 + x3 (left to right) that carries the zero point / offset term.
//
// Entry points (one bind group serves both; explicit layout):
//   build_f32: one invocation per (m, t): writes tables[(m * nt + t) * 16 + idx] and x4sum.
//   build_f32_pairs: the plane-pair tables of the f32 GEMV and GEMM for even bits, one invocation per
//              (m, t, hi): P[lo | hi << 4] = T[lo] * (alpha / 2) + T[hi] * alpha for lo = 0..15,
//              written to tables[(m * nt + t) * 256 + 16 hi + lo] (the products the 16-entry
//              lookup forms for planes 0 and 1, summed once here); hi = 0 writes x4sum.
//   build_i8:  one invocation per (m, table block of block4 4-groups): lut_scale = max over the
//              block of fl(|x0|+|x1|+|x2|+|x3|) / 127; entries round half away from zero of
//              T / lut_scale, saturated to +-127, symmetric (Q[15 - idx] = -Q[idx]); 4 entries
//              per u32 (byte j of word w = entry 4w + j, two's complement); writes x4sum too.
// Bindings (group 0):
//   0: x        array<f32> [M, K]                 3: lut_scales array<f32> [M, nblocks]
//   1: tables   array<f32> [M, nt, 16 or 256]     4: x4sum      array<f32> [M, nt]
//   2: qtables  array<u32> [M, nt, 4]             5: lp         uniform LutPrecomputeParams
// Dispatch: build_f32: ceil(M * nt / WG_SIZE); build_f32_pairs: ceil(M * nt * 16 / WG_SIZE); build_i8: ceil(M * nblocks / WG_SIZE); wrapped
// into y above the per-dimension limit (linear = wid.y * x_groups + wid.x).

override WG_SIZE: u32 = 64u;

struct LutPrecomputeParams {
  m: u32,
  k: u32,
  nt: u32,          // 4-groups per row: ceil(K / 4)
  block4: u32,      // 4-groups per int8 table block
  nblocks: u32,     // ceil(nt / block4)
  x_groups: u32,
  alpha_bits: u32,  // build_f32_pairs: the decode's alpha (f32 bits)
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> tables: array<f32>;
@group(0) @binding(2) var<storage, read_write> qtables: array<u32>;
@group(0) @binding(3) var<storage, read_write> lut_scales: array<f32>;
@group(0) @binding(4) var<storage, read_write> x4sum: array<f32>;
@group(0) @binding(5) var<uniform> lp: LutPrecomputeParams;

const LUT_I8_MAX: f32 = 127.0;

fn x_at(m: u32, kk: u32) -> f32 {
  if (kk < lp.k) {
    return x[m * lp.k + kk];
  }
  return 0.0;
}

// The 8 entries with bit 3 clear, in index order (the CPU buildLutF32 roundings).
fn half_table(m: u32, t: u32) -> array<f32, 8> {
  let k0 = 4u * t;
  let x0 = x_at(m, k0);
  let x1 = x_at(m, k0 + 1u);
  let x2 = x_at(m, k0 + 2u);
  let x3 = x_at(m, k0 + 3u);
  let a = x0 + x1;
  let b = x0 - x1;
  let c = x2 + x3;
  let d = x2 - x3;
  return array<f32, 8>(-a - c, b - c, -b - c, a - c, d - a, b + d, d - b, a + d);
}

fn write_x4sum(m: u32, t: u32) {
  let k0 = 4u * t;
  x4sum[m * lp.nt + t] = ((x_at(m, k0) + x_at(m, k0 + 1u)) + x_at(m, k0 + 2u)) + x_at(m, k0 + 3u);
}

@compute @workgroup_size(WG_SIZE)
fn build_f32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * lp.x_groups + wid.x) * WG_SIZE + lid;
  if (idx >= lp.m * lp.nt) {
    return;
  }
  let m = idx / lp.nt;
  let t = idx - m * lp.nt;
  let h = half_table(m, t);
  let base = idx * 16u;
  for (var i = 0u; i < 8u; i++) {
    tables[base + i] = h[i];
    tables[base + 15u - i] = -h[i];
  }
  write_x4sum(m, t);
}

// Entry idx of the 16-entry table from its bit-3-clear half (T[15 - idx] = -T[idx]).
fn table_entry(h: array<f32, 8>, idx: u32) -> f32 {
  if (idx < 8u) {
    return h[idx];
  }
  return -h[15u - idx];
}

@compute @workgroup_size(WG_SIZE)
fn build_f32_pairs(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * lp.x_groups + wid.x) * WG_SIZE + lid;
  if (idx >= lp.m * lp.nt * 16u) {
    return;
  }
  let mt = idx / 16u;
  let hi = idx - mt * 16u;
  let m = mt / lp.nt;
  let t = mt - m * lp.nt;
  let h = half_table(m, t);
  let alpha = bitcast<f32>(lp.alpha_bits);
  let high = table_entry(h, hi) * alpha;
  let base = idx * 16u;
  for (var lo = 0u; lo < 16u; lo++) {
    tables[base + lo] = table_entry(h, lo) * (alpha * 0.5) + high;
  }
  if (hi == 0u) {
    write_x4sum(m, t);
  }
}

// Round half away from zero, saturated to +-127 (odd-symmetric, so Q[15 - idx] = -Q[idx]).
fn quantize_entry(v: f32, s: f32) -> i32 {
  if (s <= 0.0) {
    return 0;
  }
  let r = v / s;
  let q = sign(r) * floor(abs(r) + 0.5);
  return i32(clamp(q, -LUT_I8_MAX, LUT_I8_MAX));
}

@compute @workgroup_size(WG_SIZE)
fn build_i8(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * lp.x_groups + wid.x) * WG_SIZE + lid;
  if (idx >= lp.m * lp.nblocks) {
    return;
  }
  let m = idx / lp.nblocks;
  let blk = idx - m * lp.nblocks;
  let t0 = blk * lp.block4;
  let t1 = min(t0 + lp.block4, lp.nt);
  var mx = 0.0;
  for (var t = t0; t < t1; t++) {
    let k0 = 4u * t;
    let s = ((abs(x_at(m, k0)) + abs(x_at(m, k0 + 1u))) + abs(x_at(m, k0 + 2u))) + abs(x_at(m, k0 + 3u));
    mx = max(mx, s);
  }
  let ls = mx / LUT_I8_MAX;
  lut_scales[idx] = ls;
  for (var t = t0; t < t1; t++) {
    let h = half_table(m, t);
    var q: array<i32, 16>;
    for (var i = 0u; i < 8u; i++) {
      let v = quantize_entry(h[i], ls);
      q[i] = v;
      q[15u - i] = -v;
    }
    let base = (m * lp.nt + t) * 4u;
    for (var w = 0u; w < 4u; w++) {
      qtables[base + w] = pack4xI8(vec4<i32>(q[4u * w], q[4u * w + 1u], q[4u * w + 2u], q[4u * w + 3u]));
    }
    write_x4sum(m, t);
  }
}
