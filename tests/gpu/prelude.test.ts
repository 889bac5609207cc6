// The WGSL prelude is a stable function of compile-time choices, carries the CPU decode tables bit for bit, and enables extensions only on request.
import { describe, expect, it } from 'vitest';
import { generatePrelude, preludeSpecOf, type PreludeSpec } from '../../src/wgsl/prelude.js';
import { getDType } from '../../src/dtype/registry.js';
import { quantize } from '../../src/quant/quantize.js';
import { seededRandn } from '../../src/io/random.js';

/** The u32 literals of DECODE_BITS, in order. */
function decodeBits(prelude: string): number[] {
  const body = prelude.slice(prelude.indexOf('var<private> DECODE_BITS'), prelude.indexOf(');', prelude.indexOf('var<private> DECODE_BITS')));
  return [...body.matchAll(/0x([0-9a-f]{8})u/g)].map((m) => Number.parseInt(m[1]!, 16));
}

describe('generatePrelude', () => {
  const spec: PreludeSpec = { elementTypes: ['fp4_er_pos', 'fp4_er_neg', 'fp4_ea_pos', 'fp4_ea_neg'], bits: 4, hasZeros: false, hasIds: true, useTensorScale: false };

  it('is stable and holds no shapes', () => {
    const a = generatePrelude(spec);
    expect(generatePrelude({ ...spec })).toBe(a);
    const w = seededRandn(8 * 256, 5);
    const small = preludeSpecOf(quantize(w.subarray(0, 4 * 128), 4, 128, 'bitmod4'));
    const large = preludeSpecOf(quantize(w, 8, 256, 'bitmod4'));
    expect(generatePrelude(small)).toBe(generatePrelude(large));
  });

  it('emits every element type table as the CPU decode table bit patterns', () => {
    const got = decodeBits(generatePrelude(spec));
    const want = spec.elementTypes.flatMap((n) => Array.from(new Uint32Array(getDType(n).decodeTable.slice().buffer)));
    expect(got).toEqual(want);
    // NaN and inf codes survive as bit patterns.
    const e5m2 = decodeBits(generatePrelude({ elementTypes: ['float8_e5m2'], bits: 8, hasZeros: false, hasIds: false, useTensorScale: false }));
    expect(e5m2).toEqual(Array.from(new Uint32Array(getDType('float8_e5m2').decodeTable.slice().buffer)));
  });

  it('uses the two-word code_at only for straddling widths', () => {
    const base = { hasZeros: true, hasIds: false, useTensorScale: false };
    expect(generatePrelude({ ...base, elementTypes: ['uint3'], bits: 3 })).toContain('codes[wi + 1u]');
    expect(generatePrelude({ ...base, elementTypes: ['uint4'], bits: 4 })).not.toContain('codes[wi + 1u]');
  });

  it('reads per-group offsets only for tensors that have them', () => {
    const base = { elementTypes: ['uint4'], bits: 4, hasZeros: false, hasIds: false, useTensorScale: false };
    expect(generatePrelude(base)).toContain('const HAS_OFFSETS: bool = false;');
    expect(generatePrelude(base)).not.toContain('offsets[');
    const off = generatePrelude({ ...base, hasOffsets: true });
    expect(off).toContain('const HAS_OFFSETS: bool = true;');
    expect(off).toContain('return offsets[g];');
    const w = seededRandn(4 * 256, 9);
    expect(preludeSpecOf(quantize(w, 4, 256, 'q4_k')).hasOffsets).toBe(true);
    expect(preludeSpecOf(quantize(w, 4, 256, 'q6_k')).hasOffsets).toBe(false);
  });

  it('enables subgroups or f16 only when asked, and checks its inputs', () => {
    expect(generatePrelude(spec)).not.toMatch(/^enable/m);
    expect(generatePrelude({ ...spec, enables: ['subgroups'] }).startsWith('enable subgroups;')).toBe(true);
    expect(() => generatePrelude({ ...spec, activation: 'f16' })).toThrow(/f16/);
    expect(() => generatePrelude({ ...spec, hasIds: false })).toThrow(/hasIds/);
    expect(() => generatePrelude({ ...spec, bits: 3 })).toThrow(/4-bit/);
  });
});
