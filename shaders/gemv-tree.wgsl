// GEMV driver (any M, one activation row per dispatch z): y[m, row] = sum over K of W[row] x[m].
// A workgroup of WG_SIZE invocations holds WG_SIZE / TPR row slots of TPR lanes; a slot owns RPT
// consecutive weight rows. Each lane walks the blocks j = lane, lane + TPR, ... of its rows: it
// loads the block's activations once (load_xblock) and reuses them for all RPT rows (load_wblock
// decodes the row's codes once, wblock_dot sums w * x with one scale per segment). The lanes'
// partial sums are reduced by reduce_tree (no reduction at all when TPR = 1), then finish_row
// applies per-output factors and lane 0 writes.
//
// Parts before this driver: the generated block code (src/wgsl/block-prelude.ts: XBlock, WBlock,
// load_xblock, load_wblock, wblock_dot, finish_row) and reduce-tree.wgsl.
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts):
// the family's weight and activation inputs, and
//   5: y   array<f32>   output [M, total_n] row-major
//   6: p   uniform KernelParams (blocks = blocks per weight row, x_stride = activation row stride)
// Dispatch: (x, y, M) with x * y >= ceil(n / (WG_SIZE / TPR * RPT)) (linear workgroup = wid.y * x_groups + wid.x).
// Preconditions: TPR is a power of two dividing WG_SIZE; RPT <= MAX_ACC.

override WG_SIZE: u32 = 64u;
override TPR: u32 = 1u;
override RPT: u32 = 4u;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m = wid.z;
  let slot = lid / TPR;
  let lane = lid - slot * TPR;
  let first = ((wid.y * p.x_groups + wid.x) * (WG_SIZE / TPR) + slot) * RPT;
  var acc: array<f32, MAX_ACC>;
  for (var j = lane; j < p.blocks; j += TPR) {
    let xb = load_xblock(m, j);
    for (var r = 0u; r < RPT; r++) {
      // Rows past n compute on the last row (no branch in the loop) and are not written.
      acc[r] += wblock_dot(load_wblock(min(first + r, p.n - 1u), j), xb);
    }
  }
  reduce_tree(&acc, RPT, lid, lane);
  if (lane == 0u) {
    for (var r = 0u; r < RPT; r++) {
      let row = first + r;
      if (row < p.n) {
        y[m * p.total_n + p.row_offset + row] = finish_row(m, acc[r]);
      }
    }
  }
}
