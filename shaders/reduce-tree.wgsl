// Shared-memory tree reduction of the weight-kernel drivers (gemv-tree.wgsl, gemm-tiled.wgsl and
// the fallback of gemv-subgroup.wgsl). TPR consecutive invocations (lanes 0..TPR-1 of a row slot,
// lane = lid % TPR) each hold `count` partial sums in acc; afterwards lane 0 holds the totals.
// log2(TPR) levels, each adding lane l + s into lane l (s = TPR/2, ..., 1): every total passes
// through log2(TPR) additions in a fixed order. All `count` values share the barriers.
// Preconditions: TPR is a power of two dividing WG_SIZE; count <= MAX_ACC; called from uniform
// control flow with a uniform count.

const MAX_ACC: u32 = 8u;

var<workgroup> red: array<f32, WG_SIZE * MAX_ACC>;

fn reduce_tree(acc: ptr<function, array<f32, MAX_ACC>>, count: u32, lid: u32, lane: u32) {
  if (TPR == 1u) {
    return;
  }
  for (var i = 0u; i < count; i++) {
    red[i * WG_SIZE + lid] = (*acc)[i];
  }
  workgroupBarrier();
  for (var s = TPR / 2u; s > 0u; s /= 2u) {
    if (lane < s) {
      for (var i = 0u; i < count; i++) {
        red[i * WG_SIZE + lid] += red[i * WG_SIZE + lid + s];
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < count; i++) {
    (*acc)[i] = red[i * WG_SIZE + lid];
  }
}
