/**
 * The code-stream writer the fast encoders pack into while they encode (no code buffer): the
 * row-aligned LSB-first stream of src/format/pack.ts. Element k of a row occupies bits
 * [k * bits, (k + 1) * bits) of the row; a code that straddles two words puts its low part at the
 * top of one word and its high part at the bottom of the next.
 *
 * State between encoder calls: `acc` holds the bits of the word being filled (its low `nb`
 * bits are valid), `wi` the index of that word. Encoders copy the four fields to locals, pack
 * with {@link WORD_BITS}-bit arithmetic, and store them back.
 */
import { WORD_BITS } from '../format/pack.js';

/** A row-aligned code stream being written. */
export class CodePacker {
  /** Index of the word being filled. */
  wi = 0;
  /** Bits of the word being filled (low `nb` bits valid). */
  acc = 0;
  /** Valid bits in `acc`, 0..WORD_BITS-1. */
  nb = 0;

  constructor(
    /** The stream (zero-filled; pad bits stay zero). */
    readonly words: Uint32Array,
    readonly bits: number,
    readonly wordsPerRow: number,
  ) {}

  /** Starts row `r` (relative to `words`) at its first word. */
  startRow(r: number): void {
    this.wi = r * this.wordsPerRow;
    this.acc = 0;
    this.nb = 0;
  }

  /** Stores the partly filled last word of a row. */
  endRow(): void {
    if (this.nb > 0) this.words[this.wi] = this.acc;
    this.nb = 0;
    this.acc = 0;
  }

  /** Appends `len` copies of one code (zero-scale groups). */
  fill(code: number, len: number): void {
    const { words, bits } = this;
    let { wi, acc, nb } = this;
    for (let i = 0; i < len; i++) {
      acc |= code << nb;
      nb += bits;
      if (nb >= WORD_BITS) {
        words[wi++] = acc;
        nb -= WORD_BITS;
        // The high part of a straddling code (code >>> bits = 0 when nothing straddles).
        acc = code >>> (bits - nb);
      }
    }
    this.wi = wi;
    this.acc = acc;
    this.nb = nb;
  }
}
