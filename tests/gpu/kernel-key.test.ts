// The weight kernels' interface (KernelParams struct, binding declarations, bind group layout) is generated from one TS list each, and the shaders in shaders/ do not declare it themselves.
import { describe, expect, it } from 'vitest';
import { DP4A_BINDINGS, KERNEL_PARAMS_WGSL, OFFSET_INPUT, WEIGHT_BINDINGS, declareBindings, packParams, weightKernelKey, withOffsetInput } from '../../src/gpu/kernel-common.js';
import { quantize } from '../../src/quant/quantize.js';
import { seededRandn } from '../../src/io/random.js';
import { SHADER_SOURCES } from '../../src/wgsl/shader-sources.gen.js';
import { assembleSource } from '../../src/gpu/pipeline-cache.js';

const WEIGHT_SHADERS = ['gemv-tree', 'gemv-subgroup', 'gemm-tiled', 'reduce-tree'] as const;

describe('weight kernel interface', () => {
  it('packs KernelParams in the order and types of the WGSL struct', () => {
    const fields = [...KERNEL_PARAMS_WGSL.matchAll(/^ {2}(\w+): (u32|f32),/gm)].map((m) => [m[1], m[2]]);
    expect(fields.map(([n]) => n)).toEqual(['m', 'n', 'k', 'group_size', 'groups_per_row', 'words_per_row', 'row_offset', 'total_n', 'x_groups', 'tensor_scale', 'blocks', 'x_stride', 'aux0', 'aux1']);
    const buf = packParams({ m: 1, n: 2, k: 3, groupSize: 4, groupsPerRow: 5, wordsPerRow: 6, rowOffset: 7, totalN: 8, xGroups: 9, tensorScale: 0.375, blocks: 11, xStride: 12, aux0: 13, aux1: 14 });
    expect(buf.byteLength).toBe(fields.length * 4);
    const u = new Uint32Array(buf);
    const f = new Float32Array(buf);
    fields.forEach(([, type], i) => {
      if (type === 'f32') expect(f[i]).toBe(0.375);
      else expect(u[i]).toBe(i + 1);
    });
  });

  it('declares each binding once, with the layout built from the same list', () => {
    expect(declareBindings(WEIGHT_BINDINGS)).toBe(
      [
        '@group(0) @binding(0) var<storage, read> wcodes: array<vec4<u32>>;',
        '@group(0) @binding(1) var<storage, read> scales: array<f32>;',
        '@group(0) @binding(2) var<storage, read> zeros: array<u32>;',
        '@group(0) @binding(3) var<storage, read> ids: array<u32>;',
        '@group(0) @binding(4) var<storage, read> x: array<vec4<act_t>>;',
        '@group(0) @binding(5) var<storage, read_write> y: array<f32>;',
        '@group(0) @binding(6) var<uniform> p: KernelParams;',
        '',
      ].join('\n'),
    );
    const key = weightKernelKey({ shader: 'gemv-tree', parts: ['reduce-tree'], prelude: '', constants: {}, bindings: WEIGHT_BINDINGS });
    expect(key.bindings).toEqual([[0, 'read-only-storage'], [1, 'read-only-storage'], [2, 'read-only-storage'], [3, 'read-only-storage'], [4, 'read-only-storage'], [5, 'storage'], [6, 'uniform']]);
    const src = assembleSource(key);
    expect(src.match(/@binding\(/g)?.length).toBe(7);
    expect(src.match(/struct KernelParams/g)?.length).toBe(1);
  });

  it('adds the offsets binding only for tensors with offsets, on a number no other binding uses', () => {
    const w = seededRandn(2 * 256, 3);
    const q4k = quantize(w, 2, 256, 'q4_k');
    expect(withOffsetInput(WEIGHT_BINDINGS, quantize(w, 2, 256, 'q6_k'))).toBe(WEIGHT_BINDINGS);
    for (const list of [WEIGHT_BINDINGS, DP4A_BINDINGS]) {
      const with_ = withOffsetInput(list, q4k);
      expect(with_).toEqual([...list, OFFSET_INPUT]);
      const numbers = with_.map(([b]) => b);
      expect(new Set(numbers).size).toBe(numbers.length);
    }
    // The LUT kernels use 7 (x-sums) and 8 (lut scales); the offsets never share a kernel with them.
    expect(OFFSET_INPUT[0]).toBeGreaterThan(8);
    expect(declareBindings([OFFSET_INPUT])).toBe('@group(0) @binding(9) var<storage, read> offsets: array<f32>;\n');
  });

  it.each(WEIGHT_SHADERS)('%s leaves its bindings and KernelParams to the generated interface', (name) => {
    const body = SHADER_SOURCES[name].replace(/\/\/.*$/gm, '');
    expect(body).not.toMatch(/@binding|struct \w+Params/);
  });
});
