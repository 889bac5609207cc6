// Code bit streams: hand-worked 3-bit straddle, pack/unpack round trips for 1..8 bits, errors.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { packCodes, unpackCode, unpackCodes, wordsPerRowFor } from '../../src/format/index.js';

describe('3-bit codes straddling a word (docs/FORMATS.md)', () => {
  it('packs c0..c11 LSB first; c10 spans bits 30..32', () => {
    // c_k = k % 8 for k < 10, c10 = 0b101, c11 = 0b011. c_k sits at bit 3k.
    const codes = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 0b101, 0b011]);
    let w0 = 0;
    for (let k = 0; k < 10; k++) w0 += (codes[k] as number) * 2 ** (3 * k);
    w0 += 0b01 * 2 ** 30; // low two bits of c10 (1, 0) at bits 30, 31
    const w1 = 0b1 | (0b011 << 1); // top bit of c10 at bit 0, then c11 at bits 1..3
    const words = packCodes(codes, 1, 12, 3);
    expect(words.length).toBe(2);
    expect(words[0]).toBe(w0);
    expect(words[1]).toBe(w1);
    expect(unpackCode(words, 2, 3, 0, 10)).toBe(0b101);
    expect(unpackCode(words, 2, 3, 0, 11)).toBe(0b011);
  });

  it('rows start on a word boundary with zero pad bits', () => {
    const codes = new Uint8Array(2 * 11).fill(7); // 33 bits per row -> 2 words
    const words = packCodes(codes, 2, 11, 3);
    expect(wordsPerRowFor(11, 3)).toBe(2);
    expect(Array.from(words)).toEqual([0xffffffff, 1, 0xffffffff, 1]);
  });
});

describe('round trips', () => {
  it('pack then unpack returns the codes for bits 1..8 and odd shapes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 77 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (bits, rows, cols, seed) => {
          let s = seed;
          const codes = new Uint8Array(rows * cols);
          for (let i = 0; i < codes.length; i++) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            codes[i] = (s >>> 16) & ((1 << bits) - 1);
          }
          const wpr = wordsPerRowFor(cols, bits);
          const words = packCodes(codes, rows, cols, bits);
          expect(words.length).toBe(rows * wpr);
          expect(unpackCodes(words, rows, cols, bits)).toEqual(codes);
          const r = rows - 1;
          const k = cols - 1;
          expect(unpackCode(words, wpr, bits, r, k)).toBe(codes[r * cols + k]);
          // Pad bits past the last code of each row are zero.
          const used = cols * bits;
          if (used % 32 !== 0) expect((words[wpr - 1] as number) >>> (used % 32)).toBe(0);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });

  it('reuses and clears an output buffer', () => {
    const out = new Uint32Array(1).fill(0xffffffff);
    packCodes(Uint8Array.from([1, 0, 1]), 1, 3, 1, out);
    expect(out[0]).toBe(0b101);
  });
});

describe('errors', () => {
  it('rejects codes that do not fit, bad widths and lengths', () => {
    expect(() => packCodes(Uint8Array.from([8]), 1, 1, 3)).toThrow(/code 8 at \(0, 0\) does not fit 3 bits/);
    expect(() => packCodes(new Uint8Array(4), 1, 4, 9)).toThrow(/1..8 bits/);
    expect(() => packCodes(new Uint8Array(5), 2, 2, 4)).toThrow(/5 codes for a 2 x 2 matrix/);
    expect(() => unpackCodes(new Uint32Array(3), 2, 8, 4)).toThrow(/3 words for 2 rows of 1/);
  });
});
