/**
 * Unpacking one row of a QuantizedTensor code stream (LSB-first, see src/format/pack.ts) into
 * one code per byte. Widths that divide 32 (1, 2, 4, 8) take a word-at-a-time path; 3, 5, 6
 * and 7 bits take the general path that joins codes straddling two words.
 */
import { WORD_BITS } from '../format/pack.js';

/**
 * Writes the `cols` codes of the row starting at word `wordOff` of `codes` into `out[0..cols)`.
 * `out` must hold at least `cols` bytes (callers reuse one scratch buffer for every row).
 */
export function unpackRowCodes(codes: Uint32Array, wordOff: number, cols: number, bits: number, out: Uint8Array): void {
  const mask = (1 << bits) - 1;
  if (WORD_BITS % bits === 0) {
    const perWord = WORD_BITS / bits;
    const full = Math.floor(cols / perWord);
    let k = 0;
    for (let w = 0; w < full; w++) {
      let word = codes[wordOff + w];
      for (let j = 0; j < perWord; j++, k++) {
        out[k] = word & mask;
        word >>>= bits;
      }
    }
    // Tail: the last, partly filled word.
    let word = full * perWord < cols ? codes[wordOff + full] : 0;
    for (; k < cols; k++) {
      out[k] = word & mask;
      word >>>= bits;
    }
    return;
  }
  let bit = 0;
  for (let k = 0; k < cols; k++, bit += bits) {
    const wi = wordOff + (bit >>> 5);
    const sh = bit & (WORD_BITS - 1);
    let c = codes[wi] >>> sh;
    if (sh + bits > WORD_BITS) c |= codes[wi + 1] << (WORD_BITS - sh);
    out[k] = c & mask;
  }
}
