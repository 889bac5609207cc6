// The Learn page's block-scaling lesson: its scale and element codes are the library quantizer's for the same block.
import { describe, expect, it } from 'vitest';
import { BLOCK_SCHEMES, blockCount, blockExample } from '../../../src/app/learn/block-example.js';

describe('blockExample', () => {
  it.for(BLOCK_SCHEMES)('%s: scale and codes equal the library quantize on every block', (scheme) => {
    for (let b = 0; b < blockCount(scheme); b += 7) {
      const ex = blockExample(scheme, b);
      const stored = ex.kind === 'mx' ? ex.scale : (ex.blockScale as number);
      expect(ex.libraryScale, `block ${b}`).toBe(Math.fround(stored));
      expect(ex.libraryCodesMatch, `block ${b}`).toBe(true);
    }
  });

  it('MX: the shared exponent is floor(log2 amax) − emax of the element type (OCP MX v1.0 6.3), its E8M0 code e + 127', () => {
    const ex = blockExample('mxfp4', 3);
    expect(ex.sharedExp).toBe(Math.floor(Math.log2(ex.amax)) - 2);
    expect(ex.e8m0).toBe((ex.sharedExp as number) + 127);
    // The block maximum lands in [4, 8) before the element grid saturates it at 6.
    const top = Math.max(...ex.elements.map((e) => Math.abs(e.scaled)));
    expect(top).toBeGreaterThanOrEqual(4);
    expect(top).toBeLessThan(8);
  });
});
