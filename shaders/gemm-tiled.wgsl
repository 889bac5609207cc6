// Tiled GEMM driver (M > 1): Y[m, n] = sum_k X[m, k] W[n, k] for every weight family. A workgroup
// of WG_SIZE invocations holds WG_SIZE / TPR weight-row slots of TPR lanes and covers TILE_M
// activation rows (dispatch z = the M tile). Each lane walks the blocks j = lane, lane + TPR, ...
// of its weight row: the block's weights are decoded once (load_wblock) and used for all TILE_M
// activation rows (load_xblock per row, wblock_dot), so each decoded weight serves TILE_M outputs.
// The lanes' partial sums are reduced by reduce_tree (none when TPR = 1); finish_row, then lane 0
// writes.
//
// Parts before this driver: the generated block code (src/wgsl/block-prelude.ts) and reduce-tree.wgsl.
// Bindings: as gemv-tree.wgsl. Dispatch: (x, y, ceil(M / TILE_M)) with x * y >= ceil(n / (WG_SIZE / TPR)).
// Preconditions: TPR is a power of two dividing WG_SIZE; TILE_M <= MAX_ACC.

override WG_SIZE: u32 = 64u;
override TPR: u32 = 1u;
override TILE_M: u32 = 4u;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let slot = lid / TPR;
  let lane = lid - slot * TPR;
  let row = (wid.y * p.x_groups + wid.x) * (WG_SIZE / TPR) + slot;
  let wrow = min(row, p.n - 1u);
  let m0 = wid.z * TILE_M;
  let mrows = min(TILE_M, p.m - m0);
  var acc: array<f32, MAX_ACC>;
  for (var j = lane; j < p.blocks; j += TPR) {
    let wb = load_wblock(wrow, j);
    for (var mi = 0u; mi < mrows; mi++) {
      acc[mi] += wblock_dot(wb, load_xblock(m0 + mi, j));
    }
  }
  reduce_tree(&acc, TILE_M, lid, lane);
  if (lane == 0u && row < p.n) {
    for (var mi = 0u; mi < mrows; mi++) {
      y[(m0 + mi) * p.total_n + p.row_offset + row] = finish_row(m0 + mi, acc[mi]);
    }
  }
}
