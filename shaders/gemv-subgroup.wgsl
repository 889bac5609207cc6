// GEMV driver with subgroup reductions (needs the `subgroups` feature; the prelude carries
// `enable subgroups;`). Same contract and accumulation as gemv-tree.wgsl; only the reduction of
// the TPR lanes of a row slot differs:
//   - TPR <= subgroup size: a butterfly of subgroupShuffleXor (masks 1, 2, ..., TPR/2), log2(TPR)
//     additions in a fixed order, no barrier;
//   - TPR > subgroup size: subgroupAdd per subgroup, then lane 0 of the slot adds the slot's
//     TPR / subgroup-size subgroup totals in order behind one barrier;
// both need subgroups to be contiguous runs of local_invocation_index, which WGSL does not promise:
// the kernel checks it once per workgroup and otherwise uses reduce_tree. TPR = 1 reduces nothing.
// Parts before this driver: the generated block code and reduce-tree.wgsl (the fallback).
// Bindings and dispatch: as gemv-tree.wgsl.

override WG_SIZE: u32 = 64u;
override TPR: u32 = 1u;
override RPT: u32 = 4u;

var<workgroup> mapping_broken: u32;
var<workgroup> wg_subgroup_size: u32;
var<workgroup> sg_sums: array<f32, WG_SIZE * MAX_ACC>;

@compute @workgroup_size(WG_SIZE)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) sid: u32,
  @builtin(subgroup_size) ssize: u32,
) {
  let m = wid.z;
  let slot = lid / TPR;
  let lane = lid - slot * TPR;
  let first = ((wid.y * p.x_groups + wid.x) * (WG_SIZE / TPR) + slot) * RPT;
  var acc: array<f32, MAX_ACC>;
  for (var j = lane; j < p.blocks; j += TPR) {
    let xb = load_xblock(m, j);
    for (var r = 0u; r < RPT; r++) {
      acc[r] += wblock_dot(load_wblock(min(first + r, p.n - 1u), j), xb);
    }
  }
  if (TPR > 1u) {
    // Contiguous mapping: invocation lid is lane lid % ssize of subgroup lid / ssize.
    if (lid != (lid / ssize) * ssize + sid) {
      mapping_broken = 1u;
    }
    if (lid == 0u) {
      wg_subgroup_size = ssize;
    }
    let contiguous = workgroupUniformLoad(&mapping_broken) == 0u;
    let sg = workgroupUniformLoad(&wg_subgroup_size);
    if (contiguous && TPR <= sg) {
      for (var r = 0u; r < RPT; r++) {
        var v = acc[r];
        for (var mask = 1u; mask < TPR; mask <<= 1u) {
          v += subgroupShuffleXor(v, mask);
        }
        acc[r] = v;
      }
    } else if (contiguous) {
      // A slot spans TPR / sg whole subgroups.
      let per_slot = TPR / sg;
      for (var r = 0u; r < RPT; r++) {
        let s = subgroupAdd(acc[r]);
        if (sid == 0u) {
          sg_sums[r * WG_SIZE + lid / sg] = s;
        }
      }
      workgroupBarrier();
      if (lane == 0u) {
        for (var r = 0u; r < RPT; r++) {
          var t = 0.0;
          for (var i = 0u; i < per_slot; i++) {
            t += sg_sums[r * WG_SIZE + slot * per_slot + i];
          }
          acc[r] = t;
        }
      }
    } else {
      reduce_tree(&acc, RPT, lid, lane);
    }
  }
  if (lane == 0u) {
    for (var r = 0u; r < RPT; r++) {
      let row = first + r;
      if (row < p.n) {
        y[m * p.total_n + p.row_offset + row] = finish_row(m, acc[r]);
      }
    }
  }
}
