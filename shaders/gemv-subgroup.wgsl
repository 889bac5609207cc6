// GEMV driver, subgroup reduction (needs the `subgroups` feature; the prelude carries
// `enable subgroups;`). Same contract as gemv-tree.wgsl: the family snippet supplies
// `partial_dot(row, m, lid)`; this driver owns bindings 5 (y) and 6 (KernelParams).
//
// Reduction: subgroupAdd inside each subgroup, then one invocation adds the per-subgroup sums in
// a fixed order. WGSL does not promise that subgroups are contiguous runs of
// local_invocation_index; the kernel checks it once per workgroup and, when it does not hold,
// gives every invocation its own slot (non-leaders write 0), which is correct for any mapping.
// Dispatch: as gemv-tree.wgsl.

override WG_SIZE: u32 = 64u;
override ROWS_PER_WG: u32 = 4u;

// One slot per (row, invocation); all ROWS_PER_WG rows share one barrier.
var<workgroup> sums: array<f32, WG_SIZE * ROWS_PER_WG>;
var<workgroup> mapping_broken: u32;

@compute @workgroup_size(WG_SIZE)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) sid: u32,
  @builtin(subgroup_size) ssize: u32,
) {
  // Contiguous mapping: invocation lid is lane lid % ssize of subgroup lid / ssize.
  if (lid != (lid / ssize) * ssize + sid) {
    mapping_broken = 1u;
  }
  let contiguous = workgroupUniformLoad(&mapping_broken) == 0u;
  let m = wid.z;
  let first_row = (wid.y * p.x_groups + wid.x) * ROWS_PER_WG;
  for (var r = 0u; r < ROWS_PER_WG; r++) {
    let row = first_row + r;
    var acc = 0.0;
    if (row < p.n) {
      acc = partial_dot(row, m, lid);
    }
    let s = subgroupAdd(acc);
    if (contiguous) {
      if (sid == 0u) {
        sums[r * WG_SIZE + lid / ssize] = s;
      }
    } else {
      sums[r * WG_SIZE + lid] = select(0.0, s, sid == 0u);
    }
  }
  workgroupBarrier();
  if (lid < ROWS_PER_WG) {
    let row = first_row + lid;
    if (row < p.n) {
      let count = select(WG_SIZE, (WG_SIZE + ssize - 1u) / ssize, contiguous);
      var t = 0.0;
      for (var i = 0u; i < count; i++) {
        t += sums[lid * WG_SIZE + i];
      }
      y[m * p.total_n + p.row_offset + row] = t;
    }
  }
}
