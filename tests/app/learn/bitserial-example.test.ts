// The Learn page's bit-serial walkthrough: its y equals the bitserial kernel bit for bit, and each q is the sum of its terms.
import { describe, expect, it } from 'vitest';
import { matmulBitSerial } from '../../../src/cpu/bitserial.js';
import { BS_SCHEMES, BS_X, bitSerialExample } from '../../../src/app/learn/bitserial-example.js';

describe('bitSerialExample', () => {
  it.for(BS_SCHEMES)('%s: walkthrough y = bitserial kernel y (bit-exact)', (scheme) => {
    const ex = bitSerialExample(scheme);
    expect(ex.y).toBe(matmulBitSerial(BS_X, 1, ex.qt)[0]);
    expect(ex.kernel).toBe(ex.y);
    expect(Math.abs(ex.y - ex.oracle)).toBeLessThan(1e-5 * (1 + Math.abs(ex.oracle)));
  });

  it.for(BS_SCHEMES)('%s: the terms of each weight sum to its integer q', (scheme) => {
    const ex = bitSerialExample(scheme);
    ex.q.forEach((q, k) => {
      const sum = ex.planes.flatMap((p) => p.terms.filter((t) => t.k === k)).reduce((s, t) => s + t.term.sign * 2 ** t.term.shift, 0);
      expect(sum, `k=${k}`).toBe(q);
    });
  });
});
