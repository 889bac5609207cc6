// Packed 4x8 integer dot product family snippet (W4A8 / W8A8) for the GEMV drivers:
// partial_dot(row, m, lid) sums, over quads of 4 consecutive elements k = 4j..4j+3 with
// j = lid, lid + WG_SIZE, ..., the exact integer dot product dot4I8Packed(w_int, x_int) of the
// weights' integer grid values and the int8-quantized activations, minus the zero point times
// the quad's activation sum, times the group's scale * grid unit. The driver's sum is then
// multiplied by the activation row scale x_scale[m].
//
// Activations: x_int = clamp(round_half_even(x / x_scale[m]), -127, 127), x_scale[m] =
// max_k |x[m, k]| / 127, quantized on the CPU by the runner (src/gpu/kernels.ts) and packed 4
// per u32 (byte j = element 4q + j, two's complement), each row padded with zeros to a whole
// word. Weights: GRID_INT (prelude, integerGrid) must fit in int8 (checked by the runner).
// Preconditions: a quad never crosses a group (group_size % 4 == 0, or one group per row).
//
// Bindings (group 0, declared with KernelParams by weightKernelKey in src/gpu/kernel-common.ts), besides the driver's 5 (y) and 6 (p; aux0 = words per packed x row):
//   0: codes  1: scales  2: zeros (packed bytes)  3: ids (packed bytes)
//   4: xq     array<u32> [M, aux0]  packed int8 activations
//   7: xs     array<f32> [M]        activation row scales

fn partial_dot(row: u32, m: u32, lid: u32) -> f32 {
  let word_base = row * p.words_per_row;
  let g_base = row * p.groups_per_row;
  let x_base = m * p.aux0;
  let quads = (p.k + 3u) / 4u;
  var acc = 0.0;
  for (var j = lid; j < quads; j += WG_SIZE) {
    let k0 = 4u * j;
    let g = g_base + k0 / p.group_size;
    let id = group_type(g);
    var wv = vec4<i32>(0);
    for (var t = 0u; t < 4u; t++) {
      if (k0 + t < p.k) {
        wv[t] = GRID_INT[(id << BITS) | code_at(word_base, k0 + t)];
      }
    }
    let xw = xq[x_base + j];
    var dot = dot4I8Packed(pack4xI8(wv), xw);
    if (HAS_ZEROS) {
      // sum of the quad's activations: dot with four ones.
      let xsum = dot4I8Packed(0x01010101u, xw);
      dot -= i32(group_zero(g)) * xsum;
    }
    acc += f32(dot) * (scales[g] * GRID_UNIT[id]);
  }
  if (USE_TENSOR_SCALE) {
    acc = acc * p.tensor_scale;
  }
  return acc * x_scale[m];
}
