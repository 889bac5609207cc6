// The GPU-side slot layout of the codes (src/gpu/gpu-tensor.ts slotCodes): the QuantizedTensor's own stream where it already is one, and otherwise every code in its power-of-two slot, bit for bit.
import { getScheme } from '../../src/quant/schemes.js';
import { describe, expect, it } from 'vitest';
import { slotCodes } from '../../src/gpu/gpu-tensor.js';
import { blockLayout } from '../../src/wgsl/block-prelude.js';
import { unpackCodes } from '../../src/format/pack.js';
import { quantizedCase } from './cases.js';

describe('slotCodes', () => {
  it('reuses the code stream for 1-, 2-, 4- and 8-bit codes in rows of whole blocks', () => {
    const qt = quantizedCase('int4', 5, 128, 3);
    expect(slotCodes(qt, blockLayout(qt.bits, qt.cols, qt.groupSize))).toBe(qt.codes);
  });

  it.each([
    ['int3', 7, 96],
    ['fp6_e2m3', 3, 64],
    ['int4', 4, 96],
    ['binary', 3, 96],
    ['int2', 2, 96],
    ['int8_asym', 2, 96],
  ])('%s [%i, %i]: every code in its slot, pads zero', (scheme, rows, cols) => {
    const qt = quantizedCase(getScheme(scheme).name, rows, cols, 11);
    const layout = blockLayout(qt.bits, qt.cols, qt.groupSize);
    const slots = slotCodes(qt, layout);
    expect(slots.length).toBe(rows * layout.wordsPerRow);
    const codes = unpackCodes(qt.codes, qt.rows, qt.cols, qt.bits);
    const mask = (1 << qt.bits) - 1;
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < layout.kPadded; k++) {
        const word = slots[r * layout.wordsPerRow + Math.floor(k / layout.codesPerWord)] as number;
        const slot = (word >>> (layout.slotBits * (k % layout.codesPerWord))) & ((2 ** layout.slotBits - 1) >>> 0);
        expect(slot).toBe(k < cols ? (codes[r * cols + k] as number) & mask : 0);
      }
    }
  });
});
