/**
 * Code bit streams (see QuantizedTensor.codes and docs/FORMATS.md): each row is an LSB-first
 * stream of `bits`-wide codes in u32 words; element k of a row occupies bits [k*bits, (k+1)*bits)
 * counted from bit 0 of the row's first word. A code may straddle two words (3-, 5-, 6-, 7-bit).
 * Rows start on a word boundary; pad bits are zero.
 *
 *   3-bit codes c0..c10 in word 0 of a row (bit 31 on the left):
 *   word 0: [c10 lo 2 bits][c9][c8]...[c1][c0]     c10 = bits 30..32: its top bit is bit 0 of word 1
 */

/** Bits in one storage word. */
export const WORD_BITS = 32;
/** Widest code a stream holds. */
export const MAX_CODE_BITS = 8;

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_CODE_BITS) {
    throw new RangeError(`code width must be an integer 1..${MAX_CODE_BITS} bits, got ${bits}`);
  }
}

function checkShape(rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new RangeError(`rows and cols must be positive integers, got ${rows} x ${cols}`);
  }
}

/** Words per row: ceil(cols * bits / 32). */
export function wordsPerRowFor(cols: number, bits: number): number {
  return Math.ceil((cols * bits) / WORD_BITS);
}

/**
 * Packs row-major codes (one per byte, each < 2^bits) into the row-aligned LSB-first stream.
 * `out`, when given, must hold rows * wordsPerRow words; it is cleared first.
 */
export function packCodes(codes: Uint8Array, rows: number, cols: number, bits: number, out?: Uint32Array): Uint32Array {
  checkBits(bits);
  checkShape(rows, cols);
  if (codes.length !== rows * cols) {
    throw new RangeError(`packCodes: ${codes.length} codes for a ${rows} x ${cols} matrix (needs ${rows * cols})`);
  }
  const wpr = wordsPerRowFor(cols, bits);
  const words = out ?? new Uint32Array(rows * wpr);
  if (words.length !== rows * wpr) throw new RangeError(`packCodes: out has ${words.length} words, needs ${rows * wpr}`);
  if (out) words.fill(0);
  const limit = 1 << bits;
  for (let r = 0; r < rows; r++) {
    const base = r * wpr;
    const src = r * cols;
    let bit = 0;
    for (let k = 0; k < cols; k++, bit += bits) {
      const c = codes[src + k] as number;
      if (c >= limit) throw new RangeError(`packCodes: code ${c} at (${r}, ${k}) does not fit ${bits} bits`);
      const wi = base + (bit >>> 5);
      const sh = bit & 31;
      words[wi] = (words[wi] as number) | (c << sh);
      // The high part of a code that straddles into the next word.
      if (sh + bits > WORD_BITS) words[wi + 1] = (words[wi + 1] as number) | (c >>> (WORD_BITS - sh));
    }
  }
  return words;
}

/** The code of element (row, col) of a packed stream. */
export function unpackCode(words: Uint32Array, wordsPerRow: number, bits: number, row: number, col: number): number {
  const bit = col * bits;
  const wi = row * wordsPerRow + (bit >>> 5);
  const sh = bit & 31;
  let c = (words[wi] as number) >>> sh;
  if (sh + bits > WORD_BITS) c |= (words[wi + 1] as number) << (WORD_BITS - sh);
  return c & ((1 << bits) - 1);
}

/** Unpacks a whole stream into row-major codes, one per byte. */
export function unpackCodes(words: Uint32Array, rows: number, cols: number, bits: number, out?: Uint8Array): Uint8Array {
  checkBits(bits);
  checkShape(rows, cols);
  const wpr = wordsPerRowFor(cols, bits);
  if (words.length !== rows * wpr) throw new RangeError(`unpackCodes: ${words.length} words for ${rows} rows of ${wpr}`);
  const codes = out ?? new Uint8Array(rows * cols);
  if (codes.length !== rows * cols) throw new RangeError(`unpackCodes: out has ${codes.length} bytes, needs ${rows * cols}`);
  const mask = (1 << bits) - 1;
  for (let r = 0; r < rows; r++) {
    const base = r * wpr;
    const dst = r * cols;
    let bit = 0;
    for (let k = 0; k < cols; k++, bit += bits) {
      const wi = base + (bit >>> 5);
      const sh = bit & 31;
      let c = (words[wi] as number) >>> sh;
      if (sh + bits > WORD_BITS) c |= (words[wi + 1] as number) << (WORD_BITS - sh);
      codes[dst + k] = c & mask;
    }
  }
  return codes;
}
