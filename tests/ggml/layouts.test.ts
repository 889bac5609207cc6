// Hand-worked ggml blocks from the layouts in docs/FORMATS.md: bytes written by hand, values worked out by hand.
import { describe, expect, it } from 'vitest';
import { dequantize } from '../../src/quant/quantize.js';
import { bitsPerWeight } from '../../src/format/bits.js';
import { dequantizeGgmlBlocks, ggmlBlocksOf, ggmlBlocksToQuantized, ggmlCodec } from '../../src/ggml/index.js';

/** f16 bit patterns (IEEE binary16). */
const H = { quarter: 0x3400, half: 0x3800, one: 0x3c00, two: 0x4000, minusOne: 0xbc00 } as const;

/** One block of `type` (zero bytes unless `fill` writes them). */
function block(type: string, fill: (b: Uint8Array, f16: (off: number, h: number) => void) => void): Uint8Array {
  const b = new Uint8Array(ggmlCodec(type)!.blockBytes);
  fill(b, (off, h) => {
    b[off] = h & 0xff;
    b[off + 1] = h >> 8;
  });
  return b;
}

/** The expected block: every value `rest`, except the listed ones. */
function expected(n: number, rest: number, at: Record<number, number>): Float32Array {
  const out = new Float32Array(n).fill(rest);
  for (const [i, v] of Object.entries(at)) out[Number(i)] = v;
  return out;
}

/** Both decode paths (ggml's dequantize_row emulation and the QuantizedTensor) give `want`, bit for bit. */
function expectDecodes(type: string, b: Uint8Array, want: Float32Array): void {
  const c = ggmlCodec(type)!;
  const direct = new Float32Array(c.blockSize);
  dequantizeGgmlBlocks(type, b, 1, direct);
  expect(Array.from(direct), `${type} dequantize_row`).toEqual(Array.from(want));
  const qt = ggmlBlocksToQuantized(type, b, 1, c.blockSize);
  expect(Array.from(dequantize(qt)), `${type} QuantizedTensor`).toEqual(Array.from(want));
  // The tensor carries the block itself: writing it back gives the same bytes.
  expect(Array.from(ggmlBlocksOf(qt).bytes)).toEqual(Array.from(b));
}

describe('legacy blocks (32 weights)', () => {
  it('q4_0: d | qs, w = (q - 8) d; weight j low nibble, j + 16 high', () => {
    const b = block('q4_0', (x, f16) => {
      f16(0, H.half);
      x.fill(0x88, 2);
      x[2] = 0x9f; // weight 0: q 15 -> 3.5; weight 16: q 9 -> 0.5
    });
    expectDecodes('q4_0', b, expected(32, 0, { 0: 3.5, 16: 0.5 }));
  });
  it('q4_1: d | m | qs, w = q d + m', () => {
    const b = block('q4_1', (x, f16) => {
      f16(0, H.half);
      f16(2, H.minusOne);
      x[4 + 1] = 0x3a; // weight 1: q 10 -> 4; weight 17: q 3 -> 0.5
    });
    expectDecodes('q4_1', b, expected(32, -1, { 1: 4, 17: 0.5 }));
  });
  it('q5_0: d | qh | qs, the fifth bit of weight j is bit j of qh', () => {
    const b = block('q5_0', (x, f16) => {
      f16(0, H.quarter);
      x[2] = 0x01; // qh bit 0: weight 0
      x[4] = 0x10; // qh bit 20: weight 20
      x[6] = 0x0f; // weight 0 low nibble 15 (| 16 = 31 -> 3.75)
      x[6 + 4] = 0x20; // weight 20 high nibble 2 (| 16 = 18 -> 0.5)
    });
    expectDecodes('q5_0', b, expected(32, -4, { 0: 3.75, 20: 0.5 }));
  });
  it('q5_1: d | m | qh | qs, w = q d + m', () => {
    const b = block('q5_1', (x, f16) => {
      f16(0, H.one);
      f16(2, H.half);
      x[4 + 3] = 0x80; // qh bit 31: weight 31
      x[8 + 15] = 0xf0; // weight 15 q 0; weight 31 q 15 | 16 = 31 -> 31.5
    });
    expectDecodes('q5_1', b, expected(32, 0.5, { 31: 31.5 }));
  });
  it('q8_0: d | int8 qs, w = q d', () => {
    const b = block('q8_0', (x, f16) => {
      f16(0, H.half);
      x[2] = 0x80; // -128 -> -64
      x[3] = 0x7f; // 127 -> 63.5
      x[4] = 0xff; // -1 -> -0.5
    });
    expectDecodes('q8_0', b, expected(32, 0, { 0: -64, 1: 63.5, 2: -0.5 }));
  });
  it('iq4_nl: d | qs, w = d kvalues[q]', () => {
    const b = block('iq4_nl', (x, f16) => {
      f16(0, H.half);
      x.fill(0x88, 2); // kvalues[8] = 1 -> 0.5
      x[2] = 0xf0; // weight 0: kvalues[0] = -127; weight 16: kvalues[15] = 113
    });
    expectDecodes('iq4_nl', b, expected(32, 0.5, { 0: -63.5, 16: 56.5 }));
  });
  it('mxfp4: e | qs, w = 2^(e - 127) fp4(q); the -0 code is +0 in ggml and -0 as lowbit mxfp4', () => {
    const b = block('mxfp4', (x) => {
      x[0] = 128; // scale 2
      x[1] = 0xf1; // weight 0: code 1 (0.5) -> 1; weight 16: code 15 (-6) -> -12
      x[2] = 0x08; // weight 1: code 8 (-0)
    });
    const want = expected(32, 0, { 0: 1, 16: -12 });
    const direct = new Float32Array(32);
    dequantizeGgmlBlocks('mxfp4', b, 1, direct);
    expect(Array.from(direct)).toEqual(Array.from(want));
    expect(Object.is(direct[1], 0)).toBe(true);
    const qt = ggmlBlocksToQuantized('mxfp4', b, 1, 32);
    expect(qt.scheme).toBe('mxfp4');
    expect(qt.blocks).toBeUndefined();
    expect(Array.from(qt.scales)).toEqual([2]);
    const viaQt = dequantize(qt);
    expect(Object.is(viaQt[1], -0)).toBe(true);
    expect(Array.from(viaQt, (v) => v + 0)).toEqual(Array.from(want));
    expect(Array.from(ggmlBlocksOf(qt).bytes)).toEqual(Array.from(b));
  });
  it('mxfp4: the E8M0 NaN scale 0xFF is refused', () => {
    const b = block('mxfp4', (x) => {
      x[0] = 0xff;
    });
    expect(() => ggmlBlocksToQuantized('mxfp4', b, 1, 32)).toThrow(/0xFF.*NaN/);
  });
});

describe('k-quant super-blocks (256 weights)', () => {
  it('q2_k: scales | qs | d | dmin; w = d sc q - dmin m, 2-bit fields by (e >> 7, e & 31, e >> 5 & 3)', () => {
    const b = block('q2_k', (x, f16) => {
      x.fill(0x21, 0, 16); // sc 1, m 2 in every sub-block ...
      x[5] = 0x0f; // ... but sub-block 5: sc 15, m 0
      x[16] = 0xe4; // qs[0]: elements 0, 32, 64, 96 get q = 0, 1, 2, 3
      x[16 + 39] = 0xc0; // qs[39], bits 6..7: element 128 + 96 + 7 = 231 gets q = 3
      f16(80, H.half); // d
      f16(82, H.quarter); // dmin
    });
    const at: Record<number, number> = { 32: 0, 64: 0.5, 96: 1, 231: 1 };
    for (let e = 80; e < 96; e++) at[e] = 0; // 0.5 * 15 * 0 - 0.25 * 0
    expectDecodes('q2_k', b, expected(256, -0.5, at));
  });
  it('q3_k: hmask | qs | scales | d; w = d (sc - 32) (q - 4), q = 2 bits | hmask bit << 2', () => {
    const b = block('q3_k', (x, f16) => {
      // Every sub-block scale code 33 (0b10_0001): low nibbles 1, high bits 2 -> scale 1.
      x.fill(0x11, 96, 104);
      x.fill(0xaa, 104, 108);
      // Sub-block 15: code 0 -> scale -32 (its high nibble in scales[7], high bits 6..7 of scales[11]).
      x[96 + 7] = 0x01;
      x[96 + 11] = 0x2a;
      x[32] = 0x1b; // qs[0]: elements 0, 32, 64, 96 get 2-bit q = 3, 2, 1, 0
      x[0] = 0x02; // hmask[0] bit 1: element 32 gets its third bit
      f16(108, H.half);
    });
    const at: Record<number, number> = { 0: -0.5, 32: 1, 64: -1.5, 96: -2 };
    for (let e = 240; e < 256; e++) at[e] = 64; // -16 * (0 - 4)
    expectDecodes('q3_k', b, expected(256, -2, at));
  });
  it('q4_k: d | dmin | scales (6-bit sc, m) | qs; w = d sc q - dmin m', () => {
    const b = block('q4_k', (x, f16) => {
      f16(0, H.one);
      f16(2, H.half);
      x[4 + 0] = 2; // sub-block 0: sc 2
      x[4 + 4] = 4; // sub-block 0: m 4
      // Sub-block 5: sc 17 = 0b01_0001, m 33 = 0b10_0001: low nibbles in scales[9], high bits in
      // bits 6..7 of scales[1] (sc) and scales[5] (m).
      x[4 + 9] = 0x11;
      x[4 + 1] = 0x40;
      x[4 + 5] = 0x80;
      x[16] = 0x3f; // qs[0]: element 0 q 15 (low nibble), element 32 q 3 (high nibble)
      x[16 + 64] = 0x70; // qs[64]: element 128 q 0, element 160 q 7
    });
    const at: Record<number, number> = { 0: 28, 160: 102.5 };
    for (let e = 1; e < 32; e++) at[e] = -2; // sub-block 0: 0 - 0.5 * 4
    for (let e = 161; e < 192; e++) at[e] = -16.5; // sub-block 5: 0 - 0.5 * 33
    const want = expected(256, 0, at);
    expectDecodes('q4_k', b, want);
    const qt = ggmlBlocksToQuantized('q4_k', b, 1, 256);
    expect(Array.from(qt.scales)).toEqual([2, 0, 0, 0, 0, 17, 0, 0]);
    expect(Array.from(qt.offsets!)).toEqual([2, 0, 0, 0, 0, 16.5, 0, 0]);
    expect(qt.groupSize).toBe(32);
  });
  it('q5_k: q4_k plus qh, the fifth bit of element e is bit e >> 5 of qh[e & 31]', () => {
    const b = block('q5_k', (x, f16) => {
      f16(0, H.one);
      f16(2, H.half);
      x[4 + 9] = 0x11;
      x[4 + 1] = 0x40;
      x[4 + 5] = 0x80;
      x[16] = 0x20; // qh[0] bit 5: element 160
      x[48 + 64] = 0x70; // element 160 low bits 7 -> q 23
    });
    const at: Record<number, number> = { 160: 374.5 };
    for (let e = 161; e < 192; e++) at[e] = -16.5;
    expectDecodes('q5_k', b, expected(256, 0, at));
  });
  it('q6_k: ql | qh | int8 scales | d; w = d sc (q - 32); a zero scale gives -0', () => {
    const b = block('q6_k', (x, f16) => {
      x[0] = 0x21; // ql[0]: element 0 low bits 1, element 64 low bits 2
      x[128] = 0x03; // qh[0] bits 0..1: element 0 high bits 3 -> q 49
      x[64 + 32 + 5] = 0x0f; // ql[101]: element 128 + 32 + 5 = 165 low bits 15
      x[128 + 32 + 5] = 0x04; // qh[37] bits 2..3: element 165 high bits 1 -> q 31
      x[192 + 0] = 0xfe; // scale -2 (sub-block 0)
      x[192 + 4] = 1;
      x[192 + 9] = 3;
      x[192 + 10] = 4;
      f16(208, H.quarter);
    });
    const at: Record<number, number> = { 0: -8.5, 64: -7.5, 165: -1 };
    const fill = (from: number, v: number) => {
      for (let e = from; e < from + 16; e++) if (at[e] === undefined) at[e] = v;
    };
    fill(0, 16); // (0 - 32) * -0.5
    fill(64, -8); // (0 - 32) * 0.25
    fill(144, -24); // (0 - 32) * 0.75
    fill(160, -32); // (0 - 32) * 1
    const want = expected(256, -0, at);
    expectDecodes('q6_k', b, want);
    const direct = new Float32Array(256);
    dequantizeGgmlBlocks('q6_k', b, 1, direct);
    expect(Object.is(direct[20], -0)).toBe(true);
  });
});

describe('ternary blocks (256 weights)', () => {
  it('tq1_0: 5 trits per byte, byte = ceil(q 256 / 243); w = (t - 1) d', () => {
    // Trits 2, 0, 1, 1, 0 (first most significant): q = 2*81 + 9 + 3 = 174, byte ceil(183.3) = 184.
    // Byte 128 holds q = 121, all trits 1 (weight 0).
    const b = block('tq1_0', (x, f16) => {
      x.fill(128, 0, 52);
      x[0] = 184; // elements 0, 32, 64, 96, 128
      x[32 + 8] = 184; // elements 160 + 16 n + 8
      x[48 + 3] = 184; // qh[3]: elements 240 + 4 n + 3 (four trits)
      f16(52, H.two);
    });
    expectDecodes('tq1_0', b, expected(256, 0, { 0: 2, 32: -2, 128: -2, 168: 2, 184: -2, 232: -2, 243: 2, 247: -2 }));
  });
  it('tq2_0: 2 bits per weight, w = (q - 1) d; the unused code 3 reads as 2', () => {
    const b = block('tq2_0', (x, f16) => {
      x.fill(0x55, 0, 64);
      x[0] = 0xe4; // elements 0, 32, 64, 96: q 0, 1, 2, 3
      f16(64, H.half);
    });
    expectDecodes('tq2_0', b, expected(256, 0, { 0: -0.5, 64: 0.5, 96: 1 }));
  });
});

describe('storage accounting from the blocks', () => {
  it('bits/weight is block bytes * 8 / block size (ggml-common.h sizes)', () => {
    const want: Record<string, number> = { q4_0: 4.5, q4_1: 5, q5_0: 5.5, q5_1: 6, q8_0: 8.5, q2_k: 2.625, q3_k: 3.4375, q4_k: 4.5, q5_k: 5.5, q6_k: 6.5625, iq4_nl: 4.5, tq1_0: 1.6875, tq2_0: 2.0625 };
    for (const [type, bpw] of Object.entries(want)) {
      const c = ggmlCodec(type)!;
      const qt = ggmlBlocksToQuantized(type, new Uint8Array(2 * c.blockBytes), 1, 2 * c.blockSize);
      expect(bitsPerWeight(qt), type).toBe(bpw);
    }
  });
});
