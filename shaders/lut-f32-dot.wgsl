// LUT family snippet, f32 tables, for the GEMV drivers: partial_dot(row, m, lid) sums over the
// 4-groups t = lid, lid + WG_SIZE, ... < nt of
//   scale_g * ( sum_i LUT_ALPHA 2^(i-1) T_t[nibble_i(t)] + (LUT_C0_BASE - zero_g) * x4sum_t ),
// g the quant group holding t (quant groups are multiples of 4, or one per row). nibble_i(t) is
// bits 4(t%8)..4(t%8)+3 of word t/8 of plane i of the row (src/format/bitplanes.ts layout).
//
// Prelude: generatePrelude with `lut` (LUT_ALPHA, LUT_C0_BASE), group_zero.
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts), besides the driver's 5 (y) and 6 (p: words_per_row = words per plane,
// aux0 = nt):
//   0: planes array<u32> [n, BITS, words_per_row]   1: scales array<f32>   2: zeros (packed bytes)
//   3: ids (unused)   4: tables array<f32> [M, nt, 16]   7: x4sum array<f32> [M, nt]

fn partial_dot(row: u32, m: u32, lid: u32) -> f32 {
  let nt = p.aux0;
  let wpp = p.words_per_row;
  let plane_base = row * BITS * wpp;
  let g_base = row * p.groups_per_row;
  let t_base = m * nt;
  var acc = 0.0;
  for (var t = lid; t < nt; t += WG_SIZE) {
    let g = g_base + (4u * t) / p.group_size;
    let sh = (t & 7u) * 4u;
    let tb = (t_base + t) * 16u;
    var sum = 0.0;
    var a = LUT_ALPHA * 0.5;
    for (var i = 0u; i < BITS; i++) {
      let nib = (planes[plane_base + i * wpp + (t >> 3u)] >> sh) & 15u;
      sum += a * tables[tb + nib];
      a = a * 2.0;
    }
    let c0 = LUT_C0_BASE - group_zero(g);
    acc += (sum + c0 * x4sum[t_base + t]) * scales[g];
  }
  if (USE_TENSOR_SCALE) {
    acc = acc * p.tensor_scale;
  }
  return acc;
}
