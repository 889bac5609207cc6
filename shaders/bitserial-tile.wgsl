// Bit-serial family snippet for the tiled GEMM driver (gemm-tiled.wgsl), the arithmetic of
// bitserial-dot.wgsl for TILE_M activation rows at once: each weight is decoded once into its
// term-table entry (BS_INDEX, minus the zero point) and its <= BS_TERMS signed power-of-two
// terms are applied to every staged row; per quant group a partial sum per row, rescaled once by
// scale * unit when the invocation leaves the group, the last group and the tensor scale in
// finish_row. The group state is per invocation (`var<private>`).
//
// Prelude: generatePrelude with `bitSerial`, code_at, group_zero, group_type, act_t.
// Bindings, besides the driver's: 0: codes  1: scales  2: zeros (packed bytes)  3: ids (packed bytes).

var<private> grp: array<f32, MAX_TILE_M>;
var<private> cur: u32 = 0xffffffffu;
var<private> cur_su: f32 = 0.0;

fn tile_step(row: u32, kk: u32, t: u32, mrows: u32, acc: ptr<function, array<f32, MAX_TILE_M>>) {
  let g = row * p.groups_per_row + kk / p.group_size;
  let id = group_type(g);
  if (g != cur) {
    for (var mi = 0u; mi < mrows; mi++) {
      (*acc)[mi] += grp[mi] * cur_su;
      grp[mi] = 0.0;
    }
    cur = g;
    cur_su = scales[g] * BS_UNIT[id];
  }
  var entry = i32(BS_INDEX[(id << BITS) | code_at(row * p.words_per_row, kk)]);
  if (HAS_ZEROS) {
    entry -= i32(group_zero(g));
  }
  let base = (id * BS_ENTRIES + u32(entry)) * BS_TERMS;
  for (var mi = 0u; mi < mrows; mi++) {
    let xv = xs[mi * TILE_K + t];
    for (var tt = 0u; tt < BS_TERMS; tt++) {
      grp[mi] += xv * BS_MUL[base + tt];
    }
  }
}

fn finish_row(mrows: u32, acc: ptr<function, array<f32, MAX_TILE_M>>) {
  for (var mi = 0u; mi < mrows; mi++) {
    var v = (*acc)[mi] + grp[mi] * cur_su;
    if (USE_TENSOR_SCALE) {
      v = v * p.tensor_scale;
    }
    (*acc)[mi] = v;
  }
}
