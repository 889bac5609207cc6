// Bit-serial family snippet (BitMoD style, REFERENCES.md section 1) for the GEMV drivers: every
// weight is an integer of its element type's unit made of at most BS_TERMS signed power-of-two
// terms (BS_MUL, from the CPU term tables via the prelude). partial_dot(row, m, lid) walks
// k = lid, lid + WG_SIZE, ... < K, adds x_k * (sign * 2^shift) term by term (each product is
// exact: a shift-and-add), keeps a partial sum per quant group and rescales it once by
// scale * unit when the invocation leaves the group (and by the tensor scale at the end).
// With zero points BS_INDEX[code] = q + BS_D and the entry is that minus the zero point, i.e.
// (q - zero) + BS_D: the difference itself is recoded into terms, so the zero point costs
// nothing at run time.
//
// Prelude: generatePrelude with `bitSerial`, code_at, group_zero, group_type.
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts), besides the driver's 5 (y) and 6 (p):
//   0: codes  1: scales  2: zeros (packed bytes)  3: ids (packed bytes)  4: x array<act_t> [M, K]

fn partial_dot(row: u32, m: u32, lid: u32) -> f32 {
  let word_base = row * p.words_per_row;
  let g_base = row * p.groups_per_row;
  let x_base = m * p.k;
  var acc = 0.0;
  var grp = 0.0;
  var cur = 0xffffffffu;
  var cur_su = 0.0;
  for (var kk = lid; kk < p.k; kk += WG_SIZE) {
    let g = g_base + kk / p.group_size;
    let id = group_type(g);
    if (g != cur) {
      // Leaving a group: rescale its partial sum once by scale * unit (unit is a power of two).
      acc += grp * cur_su;
      grp = 0.0;
      cur = g;
      cur_su = scales[g] * BS_UNIT[id];
    }
    var entry = i32(BS_INDEX[(id << BITS) | code_at(word_base, kk)]);
    if (HAS_ZEROS) {
      entry -= i32(group_zero(g));
    }
    let base = (id * BS_ENTRIES + u32(entry)) * BS_TERMS;
    let xv = f32(x[x_base + kk]);
    for (var t = 0u; t < BS_TERMS; t++) {
      grp += xv * BS_MUL[base + t];
    }
  }
  acc += grp * cur_su;
  if (USE_TENSOR_SCALE) {
    acc = acc * p.tensor_scale;
  }
  return acc;
}
