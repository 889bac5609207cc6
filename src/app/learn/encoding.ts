/**
 * How a code of an element datatype becomes a number, in the words a lesson uses: the encoding's
 * name (two's complement, unsigned with a zero point, sign-magnitude minifloat, codebook index),
 * the code's bits labelled by position, and the decoded integer or value, all from the registry.
 */
import { getDType } from '../../dtype/registry.js';
import { decode } from '../../dtype/codec.js';

/** The name of the code encoding of `elementType`, as a lesson says it. */
export function encodingName(elementType: string): string {
  const sp = getDType(elementType).spec;
  if (sp.kind === 'int') {
    if (sp.signed) return sp.implicitScaleExp ? `two's complement × 2^${sp.implicitScaleExp}` : "two's complement";
    return 'unsigned binary (offset by a zero point)';
  }
  if (sp.kind === 'float') return sp.signed ? `sign-magnitude minifloat (S, E${sp.expBits}, M${sp.manBits}, bias ${sp.bias})` : `unsigned exponent (E${sp.expBits}, bias ${sp.bias})`;
  return 'codebook index (value = table[code])';
}

/** One bit of a code: its position (b−1 … 0, most significant first) and value. */
export interface LabelledBit {
  readonly pos: number;
  readonly bit: 0 | 1;
}

/** The bits of `code` (width `bits`), most significant first, each with its position. */
export function codeBits(code: number, bits: number): LabelledBit[] {
  const out: LabelledBit[] = [];
  for (let p = bits - 1; p >= 0; p--) out.push({ pos: p, bit: ((code >>> p) & 1) as 0 | 1 });
  return out;
}

/** What one code decodes to: the element datatype's value (an integer for integer grids). */
export function decodedValue(elementType: string, code: number): number {
  return decode(elementType, code);
}

/**
 * How the code reads, in words: "0b111 → −1 (two's complement: 7 − 2³)", "0b0101 → 5", a
 * codebook "code 3 → table[3] = −1".
 */
export function decodeExplanation(elementType: string, code: number): string {
  const dt = getDType(elementType);
  const sp = dt.spec;
  const v = decode(elementType, code);
  if (sp.kind === 'int' && sp.signed) {
    const neg = code >= 2 ** (dt.bits - 1);
    const int = neg ? code - 2 ** dt.bits : code;
    return neg ? `sign bit set: ${code} − 2^${dt.bits} = −${-int}` : `sign bit clear: ${int}`;
  }
  if (sp.kind === 'int') return `${code}`;
  if (sp.kind === 'codebook') return `table[${code}] = ${Object.is(v, -0) ? '−0' : v}`;
  return `${v}`;
}
