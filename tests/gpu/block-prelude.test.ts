// The block code generator: layouts and segment kinds per code width and group size, decode kinds derived from the decode tables, and generated WGSL per family that holds no shapes.
import { describe, expect, it } from 'vitest';
import { blockLayout, decodeKindOf, dequantBlockWgsl, dp4aBlockWgsl, lutBlockWgsl, planeBlockLayout, slotBitsFor } from '../../src/wgsl/block-prelude.js';
import { getScheme } from '../../src/quant/schemes.js';

describe('block layouts', () => {
  it('puts codes in power-of-two slots, 4 words per block', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(slotBitsFor)).toEqual([1, 2, 4, 4, 8, 8, 8, 8]);
    const int4 = blockLayout(4, 4096, 128);
    expect(int4).toMatchObject({ slotBits: 4, codesPerWord: 8, codesPerBlock: 32, quadsPerBlock: 8, blocksPerRow: 128, wordsPerRow: 512, kPadded: 4096, segment: 'block', segmentLength: 32 });
    const int3 = blockLayout(3, 100, 100);
    // 3-bit codes in 4-bit slots; K = 100 pads to whole blocks of 32; one group per row.
    expect(int3).toMatchObject({ slotBits: 4, blocksPerRow: 4, kPadded: 128, wordsPerRow: 16, segment: 'block' });
  });

  it('picks the largest part of a block that shares one group', () => {
    expect(blockLayout(2, 4096, 32).segment).toBe('word'); // 64 codes per block, 16 per word
    expect(blockLayout(4, 64, 16).segment).toBe('word'); // NVFP4 blocks of 16, 8 codes per word
    expect(blockLayout(8, 48, 12).segment).toBe('word'); // 8-bit words are quads
    expect(blockLayout(4, 48, 12).segment).toBe('quad');
    expect(blockLayout(4, 36, 6).segment).toBe('element');
    expect(blockLayout(1, 100, 100).segment).toBe('block');
    expect(planeBlockLayout(4096, 128).segment).toBe('block');
    expect(planeBlockLayout(4096, 32).segment).toBe('word');
    expect(planeBlockLayout(96, 12).segment).toBe('quad');
  });
});

describe('decode kinds', () => {
  it('derives sign extension, plain codes or tables from the decode tables', () => {
    expect(decodeKindOf(['int4'], 4)).toBe('signed');
    expect(decodeKindOf(['int2'], 2)).toBe('signed');
    expect(decodeKindOf(['int8'], 8)).toBe('signed');
    expect(decodeKindOf(['uint4'], 4)).toBe('unsigned');
    // ternary's unused code 10 decodes to NaN, not -2: the table keeps it bit-exact.
    expect(decodeKindOf(getScheme('ternary').elementTypes, 2)).toBe('table');
    expect(decodeKindOf(['nf4'], 4)).toBe('table');
    expect(decodeKindOf(getScheme('bitmod4').elementTypes, 4)).toBe('table');
  });
});

describe('generated block code', () => {
  const layout = blockLayout(4, 4096, 128);
  it('unrolls one decode per quad and one scale per segment, with no shapes in the text', () => {
    const src = dequantBlockWgsl({ elementTypes: ['int4'], bits: 4, hasZeros: false, hasIds: false, layout, activation: 'f32' });
    expect(src.match(/b\.q\d+ = /g)?.length).toBe(8);
    expect(src.match(/scales\[/g)?.length).toBe(1);
    expect(src).not.toMatch(/4096|128u/);
    expect(dequantBlockWgsl({ elementTypes: ['int4'], bits: 4, hasZeros: false, hasIds: false, layout: blockLayout(4, 4096, 4096), activation: 'f32' })).toBe(src);
    const words = dequantBlockWgsl({ elementTypes: ['uint4'], bits: 4, hasZeros: true, hasIds: false, layout: blockLayout(4, 64, 16), activation: 'f16' });
    expect(words.match(/scales\[/g)?.length).toBe(4);
    expect(words).toContain('vec4<f32>(x[base');
    expect(words).toContain('group_zero(g3)');
  });

  it('subtracts offset * (activation sum) once per segment for tensors with offsets, and only for them', () => {
    const base = { elementTypes: ['uint4'], bits: 4, hasZeros: false, hasIds: false, activation: 'f32' } as const;
    const kinds: readonly (readonly [string, number, number])[] = [
      // [segment, K, G] -> offsets read per segment: block 1, word 4, quad 8, element 8 vec4s of 4.
      ['block', 256, 32],
      ['word', 64, 8],
      ['quad', 48, 12],
      ['element', 36, 6],
    ];
    for (const [segment, k, g] of kinds) {
      const layout = blockLayout(4, k, g);
      expect(layout.segment).toBe(segment);
      const plain = dequantBlockWgsl({ ...base, layout });
      expect(plain).not.toMatch(/group_offset|\.o\d|xs/);
      const src = dequantBlockWgsl({ ...base, layout, hasOffsets: true });
      const reads = src.match(/group_offset\(/g)?.length;
      expect(reads).toBe(segment === 'block' ? 1 : segment === 'word' ? 4 : segment === 'quad' ? 8 : 32);
      const minus = src.slice(src.indexOf('fn wblock_dot')).match(/ - /g)?.length;
      expect(minus).toBe(segment === 'block' ? 1 : segment === 'word' ? 4 : 8);
    }
    // Block and word segments sum the activations once per block in load_xblock.
    expect(dequantBlockWgsl({ ...base, layout: blockLayout(4, 256, 32), hasOffsets: true })).toContain('b.xs = dot(');
    const dp4a = dp4aBlockWgsl({ ...base, layout: blockLayout(4, 64, 8), hasOffsets: true });
    expect(dp4a.match(/group_offset\(/g)?.length).toBe(4);
    expect(dp4a.match(/let xs\d = /g)?.length).toBe(4);
    expect(dp4aBlockWgsl({ ...base, layout: blockLayout(4, 64, 8) })).not.toMatch(/group_offset|xs\d/);
  });

  it('refuses quads that cross groups where integer or term sums need whole quads', () => {
    const el = blockLayout(4, 36, 6);
    expect(() => dp4aBlockWgsl({ elementTypes: ['int4'], bits: 4, hasZeros: false, hasIds: false, layout: el })).toThrow(/cross/);
  });

  it('gathers 4 table entries per plane and nibble position', () => {
    const src = lutBlockWgsl({ bits: 2, hasZeros: false, tables: 'f32', layout: planeBlockLayout(4096, 128) });
    expect(src.match(/lut_gather\(/g)?.length).toBe(2 * 8 + 1);
  });

  it('with plane-pair tables gathers once per pair of planes, and refuses odd bits and int8 tables', () => {
    const layout = planeBlockLayout(4096, 128);
    const src = lutBlockWgsl({ bits: 4, hasZeros: false, tables: 'f32', layout, pairs: true });
    expect(src.match(/lut_gather\(/g)?.length).toBe(2 * 8 + 1);
    expect(src).toContain('* 256u');
    expect(() => lutBlockWgsl({ bits: 3, hasZeros: false, tables: 'f32', layout, pairs: true })).toThrow(/even bits/);
    expect(() => lutBlockWgsl({ bits: 2, hasZeros: false, tables: 'i8', layout, pairs: true })).toThrow(/f32 tables/);
  });
});
