// Tiled GEMM driver (M > 1): Y[m, n] = sum_k X[m, k] * W[n, k] for the code-stream families.
// A workgroup of TILE_N invocations computes a TILE_M x TILE_N block of Y; invocation i owns
// weight row n0 + i and keeps TILE_M accumulators, so each weight it decodes serves TILE_M
// activation rows. The K loop walks tiles of TILE_K: the workgroup stages
// X[m0 .. m0+TILE_M, k0 .. k0+TILE_K] in workgroup memory `xs` (zero past M and K), then every
// invocation calls the family snippet's `tile_step(row, kk, t, mrows, &acc)` for each column
// kk = k0 + t of the tile (it reads xs[mi * TILE_K + t] for the rows mi < mrows), and once at
// the end `finish_row(mrows, &acc)` (per-group rescales still pending, the tensor scale).
// Accumulation is serial over K in every family: the bounds use wg = 1.
//
// Snippets (before this driver): dequant-tile.wgsl, bitserial-tile.wgsl, f32-tile.wgsl.
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts):
// the snippet's weight inputs (0..3), 4: x [M, K] (act_t or f32), 5: y array<f32> [M, total_n],
// 6: p.
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
  let mrows = min(TILE_M, p.m - m0);
  let valid = row < p.n;
  var acc: array<f32, MAX_TILE_M>;
  for (var k0 = 0u; k0 < p.k; k0 += TILE_K) {
    for (var i = lid; i < TILE_M * TILE_K; i += TILE_N) {
      let mi = i / TILE_K;
      let kk = k0 + (i - mi * TILE_K);
      var v = 0.0;
      if (mi < mrows && kk < p.k) {
        v = f32(x[(m0 + mi) * p.k + kk]);
      }
      xs[i] = v;
    }
    workgroupBarrier();
    if (valid) {
      let kend = min(TILE_K, p.k - k0);
      for (var t = 0u; t < kend; t++) {
        tile_step(row, k0 + t, t, mrows, &acc);
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    finish_row(mrows, &acc);
    for (var mi = 0u; mi < mrows; mi++) {
      y[(m0 + mi) * p.total_n + p.row_offset + row] = acc[mi];
    }
  }
}
