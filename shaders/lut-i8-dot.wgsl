// LUT family snippet, int8 tables, for the GEMV drivers: as lut-f32-dot.wgsl, but per 4-group
// the plane lookups are summed exactly as integers (plane i weighted 2^i) and rescaled once by
// lut_scale(block of t) * LUT_ALPHA / 2:
//   scale_g * ( lut_scale * (LUT_ALPHA / 2) * sum_i 2^i Q_t[nibble_i(t)] + (LUT_C0_BASE - zero_g) * x4sum_t ).
//
// Prelude: generatePrelude with `lut`, group_zero.
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts), besides the driver's 5 (y) and 6 (p: words_per_row = words per plane,
// aux0 = nt, aux1 = 4-groups per table block):
//   0: planes array<u32> [n, BITS, words_per_row]   1: scales   2: zeros (packed bytes)
//   3: ids (unused)   4: qtables array<u32> [M, nt, 4] (int8 entries, 4 per word)
//   7: x4sum array<f32> [M, nt]                     8: lut_scales array<f32> [M, nblocks]

fn partial_dot(row: u32, m: u32, lid: u32) -> f32 {
  let nt = p.aux0;
  let nblocks = (nt + p.aux1 - 1u) / p.aux1;
  let wpp = p.words_per_row;
  let plane_base = row * BITS * wpp;
  let g_base = row * p.groups_per_row;
  let t_base = m * nt;
  var acc = 0.0;
  for (var t = lid; t < nt; t += WG_SIZE) {
    let g = g_base + (4u * t) / p.group_size;
    let sh = (t & 7u) * 4u;
    let qb = (t_base + t) * 4u;
    var isum = 0i;
    for (var i = 0u; i < BITS; i++) {
      let nib = (planes[plane_base + i * wpp + (t >> 3u)] >> sh) & 15u;
      let word = bitcast<i32>(qtables[qb + (nib >> 2u)]);
      isum += extractBits(word, (nib & 3u) * 8u, 8u) << i;
    }
    let ls = lut_scales[m * nblocks + t / p.aux1];
    let c0 = LUT_C0_BASE - group_zero(g);
    acc += (ls * f32(isum) * (LUT_ALPHA * 0.5) + c0 * x4sum[t_base + t]) * scales[g];
  }
  if (USE_TENSOR_SCALE) {
    acc = acc * p.tensor_scale;
  }
  return acc;
}
