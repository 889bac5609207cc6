// Dequant GEMM (M > 1), tiled: Y[m, n] = sum_k X[m, k] * w[n, k], with w exactly the CPU
// dequantized weight (dequant_weight, then the tensor scale).
//
// Tile: a workgroup of TILE_N invocations computes a TILE_M x TILE_N block of Y; invocation i
// owns weight row n0 + i and keeps TILE_M accumulators, so each decoded weight is reused for
// TILE_M activation rows. The K loop walks tiles of TILE_K: the workgroup first stages
// X[m0 .. m0+TILE_M, k0 .. k0+TILE_K] in workgroup memory (zero-padded past M and K), then every
// invocation decodes its TILE_K weights (scale, zero and id looked up per group).
//
// Prelude: generatePrelude (decode table, code_at, group_zero, group_type, act_t).
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts):
//   0: codes  array<u32>   1: scales array<f32>   2: zeros array<u32> (packed bytes)
//   3: ids    array<u32> (packed bytes)           4: x array<act_t> [M, K]
//   5: y      array<f32> [M, total_n]             6: p uniform KernelParams
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
  let word_base = row * p.words_per_row;
  let g_base = row * p.groups_per_row;
  var acc: array<f32, MAX_TILE_M>;
  for (var k0 = 0u; k0 < p.k; k0 += TILE_K) {
    for (var i = lid; i < TILE_M * TILE_K; i += TILE_N) {
      let mi = i / TILE_K;
      let kk = k0 + (i - mi * TILE_K);
      var v = 0.0;
      if (m0 + mi < p.m && kk < p.k) {
        v = f32(x[(m0 + mi) * p.k + kk]);
      }
      xs[i] = v;
    }
    workgroupBarrier();
    if (valid) {
      let kend = min(TILE_K, p.k - k0);
      for (var t = 0u; t < kend; t++) {
        let kk = k0 + t;
        let g = g_base + kk / p.group_size;
        var w = dequant_weight(group_type(g), code_at(word_base, kk), group_zero(g), scales[g]);
        if (USE_TENSOR_SCALE) {
          w = w * p.tensor_scale;
        }
        for (var mi = 0u; mi < TILE_M; mi++) {
          acc[mi] += w * xs[mi * TILE_K + t];
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
