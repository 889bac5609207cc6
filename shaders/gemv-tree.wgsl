// GEMV driver, shared-memory tree reduction: y[m, row] = sum over K of one weight row times one
// activation row, for M activation rows (one per dispatch z). The per-invocation partial sum
// comes from the kernel family's `partial_dot(row, m, lid)` (dequant-dot.wgsl, lut-dot.wgsl,
// bitserial-dot.wgsl, dp4a-dot.wgsl), which strides over K with stride WG_SIZE.
//
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts):
// 0..4 and 7.. belong to the family snippet; this driver uses
//   5: y   array<f32>   output [M, total_n] row-major
//   6: p   uniform KernelParams
// Dispatch: (x, y, M) with x * y >= ceil(n / ROWS_PER_WG) (linear workgroup = wid.y * x_groups + wid.x).
// Preconditions: WG_SIZE is a power of two; ROWS_PER_WG <= WG_SIZE.

override WG_SIZE: u32 = 64u;
override ROWS_PER_WG: u32 = 4u;

// The partial sums of all ROWS_PER_WG rows are reduced together: 1 + log2(WG_SIZE) barriers per
// workgroup instead of per row (barriers are what software adapters pay most for). Each row's
// tree is the same as reducing it alone, so the rounding count does not change.
var<workgroup> partial: array<f32, WG_SIZE * ROWS_PER_WG>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m = wid.z;
  let first_row = (wid.y * p.x_groups + wid.x) * ROWS_PER_WG;
  for (var r = 0u; r < ROWS_PER_WG; r++) {
    let row = first_row + r;
    var acc = 0.0;
    if (row < p.n) {
      acc = partial_dot(row, m, lid);
    }
    partial[r * WG_SIZE + lid] = acc;
  }
  workgroupBarrier();
  for (var stride = WG_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      for (var r = 0u; r < ROWS_PER_WG; r++) {
        partial[r * WG_SIZE + lid] += partial[r * WG_SIZE + lid + stride];
      }
    }
    workgroupBarrier();
  }
  if (lid < ROWS_PER_WG) {
    let row = first_row + lid;
    if (row < p.n) {
      y[m * p.total_n + p.row_offset + row] = partial[lid * WG_SIZE];
    }
  }
}
