// Bit-plane view of quantized codes: planes reconstruct the codes, MSB flip to offset binary, layout and padding.
import type { DTypeName } from '../../src/dtype/registry.js';
import type { AnySchemeName } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { codesFromBitPlanes, isTwosComplementType, toBitPlanes } from '../../src/format/bitplanes.js';
import { packCodes, unpackCodes, wordsPerRowFor } from '../../src/format/pack.js';
import { quantize } from '../../src/quant/quantize.js';
import { getDType } from '../../src/dtype/registry.js';
import type { QuantizedTensor } from '../../src/format/quantized-tensor.js';
import { seededRandn } from '../../src/io/random.js';

function tensorOf(codes: Uint8Array, rows: number, cols: number, bits: number, elementType: DTypeName): QuantizedTensor {
  return {
    // A synthetic tensor of one element type, named after it (no registered scheme made it).
    scheme: elementType as AnySchemeName, rows, cols, bits, groupSize: cols, granularity: 'channel',
    codes: packCodes(codes, rows, cols, bits), wordsPerRow: wordsPerRowFor(cols, bits),
    elementTypes: [elementType], idBits: 0, scales: new Float32Array(rows).fill(1), scaleDType: 'f32',
    tensorScale: 1, hasTensorScale: false,
  };
}

describe('toBitPlanes', () => {
  it('knows which element types are two\'s complement', () => {
    expect(isTwosComplementType('int2')).toBe(true);
    expect(isTwosComplementType('int4')).toBe(true);
    expect(isTwosComplementType('ternary')).toBe(true);
    expect(isTwosComplementType('uint4')).toBe(false);
    expect(isTwosComplementType('binary')).toBe(false);
    expect(isTwosComplementType('fp3')).toBe(false);
    expect(isTwosComplementType('mxint8')).toBe(false);
  });

  for (const [scheme, group] of [['int2', 32], ['int3', 0], ['int4', 32], ['int4_asym', 0], ['int3_asym', 32], ['ternary', -1], ['fp3', 32], ['nf4', 0]] as const) {
    it(`${scheme}: planes reconstruct the codes (N=7, K=100 or 96)`, () => {
      const k = group === 32 ? 96 : 100;
      const qt = quantize(seededRandn(7 * k, 11), 7, k, scheme, { group });
      const bp = toBitPlanes(qt);
      expect(bp.wordsPerRow).toBe(Math.ceil(k / 32));
      expect(Array.from(codesFromBitPlanes(bp))).toEqual(Array.from(unpackCodes(qt.codes, 7, k, qt.bits)));
    });
  }

  it('flips the MSB of two\'s complement codes: q_u = v + 2^(b-1), bit i of q_u in plane i', () => {
    // int3 codes for values -3..3 (two's complement) in one row.
    const values = [-3, -2, -1, 0, 1, 2, 3];
    const codes = Uint8Array.from(values, (v) => v & 7);
    const bp = toBitPlanes(tensorOf(codes, 1, values.length, 3, 'int3'));
    expect(bp.msbFlipped).toBe(true);
    expect(bp.offset).toBe(4);
    values.forEach((v, k) => {
      let q = 0;
      for (let i = 0; i < 3; i++) q |= ((bp.planes[i * bp.wordsPerRow] >>> k) & 1) << i;
      expect(q - bp.offset).toBe(v);
    });
  });

  it('ternary: 00 -> 2, 01 -> 3, 11 -> 1 (value = q_u - 2)', () => {
    const dt = getDType('ternary');
    const codes = Uint8Array.from([0, 1, 3]);
    const bp = toBitPlanes(tensorOf(codes, 1, 3, 2, 'ternary'));
    [0, 1, 3].forEach((c, k) => {
      const q = ((bp.planes[0] >>> k) & 1) | (((bp.planes[bp.wordsPerRow] >>> k) & 1) << 1);
      expect(q - bp.offset).toBe(dt.decodeTable[c]);
    });
  });

  it('lays rows out as [row][plane][word] and keeps pad bits zero', () => {
    const rows = 3;
    const cols = 40;
    const codes = new Uint8Array(rows * cols).fill(3);
    const bp = toBitPlanes(tensorOf(codes, rows, cols, 2, 'uint2'));
    expect(bp.planes.length).toBe(rows * 2 * 2);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < 2; i++) {
        expect(bp.planes[(r * 2 + i) * 2]).toBe(0xffffffff);
        expect(bp.planes[(r * 2 + i) * 2 + 1]).toBe(0xff);
      }
    }
  });

  it('rejects mixtures', () => {
    const qt = quantize(seededRandn(128, 3), 1, 128, 'bitmod4');
    expect(() => toBitPlanes(qt)).toThrow(/mixes 4 element types/);
  });
});
