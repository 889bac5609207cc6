// Dequant family snippet for the GEMV drivers (gemv-tree.wgsl, gemv-subgroup.wgsl):
// partial_dot(row, m, lid) = sum over k = lid, lid + WG_SIZE, ... < K of w[row, k] * x[m, k],
// where w is exactly the CPU-dequantized weight (dequant_weight, then the tensor scale).
//
// Prelude: generatePrelude (decode table, code_at, group_zero, group_type, act_t).
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts), besides the driver's 5 (y) and 6 (p: KernelParams):
//   0: codes  array<u32>     1: scales array<f32>     2: zeros array<u32> (packed bytes)
//   3: ids    array<u32> (packed bytes)               4: x      array<act_t>, [M, K] row-major

fn partial_dot(row: u32, m: u32, lid: u32) -> f32 {
  let word_base = row * p.words_per_row;
  let g_base = row * p.groups_per_row;
  let x_base = m * p.k;
  var acc = 0.0;
  for (var kk = lid; kk < p.k; kk += WG_SIZE) {
    let g = g_base + kk / p.group_size;
    var w = dequant_weight(group_type(g), code_at(word_base, kk), group_zero(g), scales[g]);
    if (USE_TENSOR_SCALE) {
      w = w * p.tensor_scale;
    }
    acc += w * f32(x[x_base + kk]);
  }
  return acc;
}
