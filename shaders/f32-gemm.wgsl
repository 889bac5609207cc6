// f32 GEMM baseline on unquantized (or pre-dequantized) weights: Y[m, n] = sum_k X[m, k] * W[n, k].
// Same tiling as dequant-gemm.wgsl (TILE_N invocations, one weight row each, TILE_M
// accumulators, X staged in workgroup memory TILE_K columns at a time), so the two can be
// compared directly.
//
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts):
//   0: w  array<f32> [n, K] row-major      4: x array<f32> [M, K]
//   5: y  array<f32> [M, total_n]           6: p uniform KernelParams
// Dispatch: (x, y, ceil(M / TILE_M)) with x * y >= ceil(n / TILE_N) (linear = wid.y * x_groups + wid.x).
// Preconditions: TILE_M <= MAX_TILE_M.

override TILE_N: u32 = 64u;
override TILE_M: u32 = 4u;
override TILE_K: u32 = 32u;
const MAX_TILE_M: u32 = 8u;

var<workgroup> xs: array<f32, TILE_M * TILE_K>;

@compute @workgroup_size(TILE_N)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * p.x_groups + wid.x) * TILE_N + lid;
  let m0 = wid.z * TILE_M;
  let valid = row < p.n;
  var acc: array<f32, MAX_TILE_M>;
  for (var k0 = 0u; k0 < p.k; k0 += TILE_K) {
    for (var i = lid; i < TILE_M * TILE_K; i += TILE_N) {
      let mi = i / TILE_K;
      let kk = k0 + (i - mi * TILE_K);
      var v = 0.0;
      if (m0 + mi < p.m && kk < p.k) {
        v = x[(m0 + mi) * p.k + kk];
      }
      xs[i] = v;
    }
    workgroupBarrier();
    if (valid) {
      let kend = min(TILE_K, p.k - k0);
      for (var t = 0u; t < kend; t++) {
        let wv = w[row * p.k + k0 + t];
        for (var mi = 0u; mi < TILE_M; mi++) {
          acc[mi] += wv * xs[mi * TILE_K + t];
        }
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    for (var mi = 0u; mi < TILE_M; mi++) {
      if (m0 + mi < p.m) {
        y[(m0 + mi) * p.total_n + p.row_offset + row] = acc[mi];
      }
    }
  }
}
