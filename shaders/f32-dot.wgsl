// f32 family snippet for the GEMV drivers (gemv-tree.wgsl, gemv-subgroup.wgsl):
// partial_dot(row, m, lid) = sum over k = lid, lid + WG_SIZE, ... < K of W[row, k] * x[m, k]
// on unquantized f32 weights (the baseline the quantized kernels are compared with).
//
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts), besides the driver's 5 (y) and 6 (p):
//   0: w  array<f32> [n, K] row-major      4: x array<f32> [M, K]

fn partial_dot(row: u32, m: u32, lid: u32) -> f32 {
  let w_base = row * p.k;
  let x_base = m * p.k;
  var acc = 0.0;
  for (var kk = lid; kk < p.k; kk += WG_SIZE) {
    acc += w[w_base + kk] * x[x_base + kk];
  }
  return acc;
}
