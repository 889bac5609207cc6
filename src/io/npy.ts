// NumPy .npy reader and writer (format versions 1.0, 2.0, 3.0). Pure TS: runs in the browser.
//
// Layout (numpy/lib/format.py, "Format Version 1.0" .. "Format Version 3.0"):
//
//   offset 0   6 bytes   magic "\x93NUMPY"
//   offset 6   1 byte    major version (1, 2 or 3)
//   offset 7   1 byte    minor version (0)
//   offset 8   2 bytes   header length HLEN, little-endian u16   (version 1.0)
//              4 bytes   header length HLEN, little-endian u32   (versions 2.0 and 3.0)
//   then       HLEN      header: a Python dict literal, e.g.
//                        {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
//                        padded with spaces and ending in '\n' so that the data starts at a
//                        multiple of 64 bytes; latin-1 in 1.0/2.0, UTF-8 in 3.0
//   then       data      prod(shape) * itemsize bytes, C order here

import { decodeF32LE, decodeF64LEToF32, decodeHalfLE, encodeF32LE } from './float-bits.js';

/** A decoded .npy array: values widened or narrowed to f32, with the file's own dtype string. */
export interface NpyArray {
  /** Values in C (row-major) order; f16 is converted exactly, f64 is rounded to f32. */
  data: Float32Array;
  /** Dimensions; `[]` for a 0-d array (one element). */
  shape: number[];
  /** The file's `descr`, e.g. `'<f4'`, `'<f2'`, `'<f8'`. */
  dtype: string;
}

/** "\x93NUMPY" */
const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const;
const MAGIC_LEN = NPY_MAGIC.length; // 6
const VERSION_LEN = 2; // major, minor
const V1_HLEN_BYTES = 2; // u16 header length in version 1.0
const V2_HLEN_BYTES = 4; // u32 header length in versions 2.0 and 3.0
const V1_MAX_HEADER = 0xffff;
/** numpy pads the preamble + header to a multiple of this (ARRAY_ALIGN in format.py). */
const ARRAY_ALIGN = 64;

/** The dtypes this reader understands, keyed by `descr`, with their item size in bytes. */
const SUPPORTED_DTYPES = {
  '<f4': { bytes: 4, label: 'float32' },
  '<f2': { bytes: 2, label: 'float16, converted exactly to float32' },
  '<f8': { bytes: 8, label: 'float64, rounded to float32' },
} as const;
type SupportedDescr = keyof typeof SUPPORTED_DTYPES;

const SUPPORTED_LIST = Object.entries(SUPPORTED_DTYPES)
  .map(([descr, d]) => `'${descr}' (${d.label})`)
  .join(', ');

function fail(message: string): never {
  throw new Error(`npy: ${message}`);
}

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

// ---------------------------------------------------------------------------------------------
// A parser for the subset of Python literal syntax numpy writes in headers: dicts, tuples,
// lists, strings, integers, True / False / None. Anything else is an error.

type PyValue = string | number | boolean | null | PyValue[] | PyTuple | Map<string, PyValue>;
/** Tuples are kept apart from lists so a structured `descr` (a list) can be told from a shape. */
class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

class PyLiteralParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parseAll(): PyValue {
    const value = this.value();
    this.skipSpace();
    if (this.pos !== this.src.length) this.error('unexpected trailing text');
    return value;
  }

  private error(what: string): never {
    const near = JSON.stringify(this.src.slice(this.pos, this.pos + 20));
    fail(`header is not a valid Python literal: ${what} at character ${this.pos} (near ${near})`);
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private peek(): string | undefined {
    this.skipSpace();
    return this.src[this.pos];
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) this.error(`expected '${ch}'`);
    this.pos++;
  }

  private value(): PyValue {
    const c = this.peek();
    if (c === '{') return this.dict();
    if (c === '(') return new PyTuple(this.sequence('(', ')'));
    if (c === '[') return this.sequence('[', ']');
    if (c === "'" || c === '"') return this.string();
    if (c !== undefined && /[-+0-9]/.test(c)) return this.integer();
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.src.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.error('expected a value');
  }

  private dict(): Map<string, PyValue> {
    this.expect('{');
    const map = new Map<string, PyValue>();
    while (this.peek() !== '}') {
      const key = this.value();
      if (typeof key !== 'string') this.error('dict keys must be strings');
      this.expect(':');
      map.set(key, this.value());
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.error("expected ',' or '}'");
    }
    this.pos++;
    return map;
  }

  private sequence(open: string, close: string): PyValue[] {
    this.expect(open);
    const items: PyValue[] = [];
    while (this.peek() !== close) {
      items.push(this.value());
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) this.error(`expected ',' or '${close}'`);
    }
    this.pos++;
    return items;
  }

  private string(): string {
    const quote = this.src[this.pos]!;
    const end = this.src.indexOf(quote, this.pos + 1);
    if (end < 0) this.error('unterminated string');
    const s = this.src.slice(this.pos + 1, end);
    if (s.includes('\\')) this.error('escape sequences in strings are not supported');
    this.pos = end + 1;
    return s;
  }

  private integer(): number {
    const re = /[-+]?\d+L?/y; // sticky: match exactly at this.pos, no slicing
    re.lastIndex = this.pos;
    const m = re.exec(this.src);
    if (m === null) this.error('expected an integer');
    this.pos += m[0].length;
    // Python 2 wrote long integers with an 'L' suffix, e.g. (3L, 4L).
    const n = Number(m[0].replace('L', ''));
    if (!Number.isSafeInteger(n)) this.error(`integer ${m[0]} is too large`);
    return n;
  }
}

// ---------------------------------------------------------------------------------------------

interface NpyHeader {
  descr: SupportedDescr;
  shape: number[];
  dataOffset: number;
}

function checkDescr(descr: PyValue): SupportedDescr {
  if (typeof descr !== 'string') {
    fail(`structured (record) dtypes are not supported: descr is ${JSON.stringify(descr)}; supported: ${SUPPORTED_LIST}`);
  }
  const order = descr[0];
  const kind = descr[1];
  if (kind === 'O') {
    fail(`object arrays are not supported (descr '${descr}'): they hold pickled Python objects, not numbers`);
  }
  if (order === '>') {
    fail(`big-endian dtype '${descr}' is not supported; save it little-endian, e.g. arr.astype('<${descr.slice(1)}')`);
  }
  if (!Object.hasOwn(SUPPORTED_DTYPES, descr)) {
    fail(`unsupported dtype '${descr}'; supported: ${SUPPORTED_LIST}`);
  }
  return descr as SupportedDescr;
}

function checkShape(shape: PyValue): number[] {
  if (!(shape instanceof PyTuple)) fail(`'shape' must be a tuple of integers, got ${JSON.stringify(shape)}`);
  return shape.items.map((d) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`'shape' must hold non-negative integers, got ${JSON.stringify(d)}`);
    }
    return d;
  });
}

function decodeLatin1(raw: Uint8Array): string {
  let s = '';
  const CHUNK = 4096; // keep String.fromCharCode's argument list short
  for (let i = 0; i < raw.length; i += CHUNK) s += String.fromCharCode(...raw.subarray(i, i + CHUNK));
  return s;
}

function decodeUtf8(raw: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return fail('version 3.0 header is not valid UTF-8');
  }
}

function readHeader(bytes: Uint8Array): NpyHeader {
  const preambleV1 = MAGIC_LEN + VERSION_LEN + V1_HLEN_BYTES;
  if (bytes.length < MAGIC_LEN) {
    fail(`truncated header: file is ${bytes.length} bytes, shorter than the ${MAGIC_LEN}-byte magic`);
  }
  if (!NPY_MAGIC.every((b, i) => bytes[i] === b)) {
    fail(`bad magic: expected 93 4e 55 4d 50 59 ("\\x93NUMPY"), got ${hexBytes(bytes.subarray(0, MAGIC_LEN))}; not a .npy file`);
  }
  if (bytes.length < preambleV1) fail(`truncated header: file is ${bytes.length} bytes, the preamble alone needs ${preambleV1}`);
  const major = bytes[MAGIC_LEN]!;
  const minor = bytes[MAGIC_LEN + 1]!;
  if (major < 1 || major > 3 || minor !== 0) {
    fail(`unsupported format version ${major}.${minor}; supported: 1.0, 2.0, 3.0`);
  }
  const hlenBytes = major === 1 ? V1_HLEN_BYTES : V2_HLEN_BYTES;
  const headerStart = MAGIC_LEN + VERSION_LEN + hlenBytes;
  if (bytes.length < headerStart) {
    fail(`truncated header: file is ${bytes.length} bytes, the version ${major}.0 preamble needs ${headerStart}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? view.getUint16(MAGIC_LEN + VERSION_LEN, true) : view.getUint32(MAGIC_LEN + VERSION_LEN, true);
  const dataOffset = headerStart + hlen;
  if (dataOffset > bytes.length) {
    fail(`truncated header: header length field says ${hlen} bytes, only ${bytes.length - headerStart} follow the preamble`);
  }
  const raw = bytes.subarray(headerStart, dataOffset);
  // Versions 1.0 and 2.0 are latin-1 (each byte is one code point); 3.0 is UTF-8.
  const text = major === 3 ? decodeUtf8(raw) : decodeLatin1(raw);

  const dict = new PyLiteralParser(text).parseAll();
  if (!(dict instanceof Map)) fail(`header is not a dict: ${JSON.stringify(text.trim())}`);
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!dict.has(key)) fail(`header is missing the '${key}' key: ${text.trim()}`);
  }
  const descr = checkDescr(dict.get('descr')!);
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') fail(`'fortran_order' must be True or False, got ${JSON.stringify(fortran)}`);
  if (fortran) {
    fail('Fortran-order (column-major) arrays are not supported; save with np.ascontiguousarray(arr) first');
  }
  return { descr, shape: checkShape(dict.get('shape')!), dataOffset };
}

/**
 * Parses a .npy file (versions 1.0, 2.0, 3.0; little-endian `<f4`, `<f2` or `<f8`; C order).
 * f16 values are converted exactly, f64 values rounded to nearest f32. Bytes after the data are
 * ignored, as numpy does. Throws an Error naming the problem for anything else.
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const { descr, shape, dataOffset } = readHeader(bytes);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemBytes = SUPPORTED_DTYPES[descr].bytes;
  const expected = count * itemBytes;
  if (!Number.isSafeInteger(expected)) fail(`shape (${shape.join(', ')}) is too large`);
  const available = bytes.length - dataOffset;
  if (available < expected) {
    fail(
      `truncated data: shape (${shape.join(', ')}) of '${descr}' needs ${expected} bytes, got ${available}`,
    );
  }
  let data: Float32Array;
  switch (descr) {
    case '<f4':
      data = decodeF32LE(bytes, dataOffset, count);
      break;
    case '<f2':
      data = decodeHalfLE(bytes, dataOffset, count, 'f16');
      break;
    case '<f8':
      data = decodeF64LEToF32(bytes, dataOffset, count);
      break;
  }
  return { data, shape, dtype: descr };
}

/** Python repr of a shape tuple: `()`, `(3,)`, `(2, 3)`. */
function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Serializes f32 values as a C-order `<f4` .npy file. Uses format 1.0, or 2.0 when the header
 * does not fit a 16-bit length. Throws when `shape` is not a list of non-negative integers
 * whose product is `data.length`.
 */
export function writeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) fail(`cannot write: shape [${shape.join(', ')}] holds ${d}, not a non-negative integer`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    fail(`cannot write: shape [${shape.join(', ')}] has ${count} elements but data has ${data.length}`);
  }
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  // Pad with spaces so that preamble + header (ending in '\n') is a multiple of ARRAY_ALIGN.
  let major = 1;
  let preamble = MAGIC_LEN + VERSION_LEN + V1_HLEN_BYTES;
  let total = Math.ceil((preamble + dict.length + 1) / ARRAY_ALIGN) * ARRAY_ALIGN;
  if (total - preamble > V1_MAX_HEADER) {
    major = 2;
    preamble = MAGIC_LEN + VERSION_LEN + V2_HLEN_BYTES;
    total = Math.ceil((preamble + dict.length + 1) / ARRAY_ALIGN) * ARRAY_ALIGN;
  }
  const hlen = total - preamble;
  const header = dict.padEnd(hlen - 1, ' ') + '\n';

  const out = new Uint8Array(total + data.length * Float32Array.BYTES_PER_ELEMENT);
  out.set(NPY_MAGIC, 0);
  out[MAGIC_LEN] = major;
  out[MAGIC_LEN + 1] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(MAGIC_LEN + VERSION_LEN, hlen, true);
  else view.setUint32(MAGIC_LEN + VERSION_LEN, hlen, true);
  // The header is pure ASCII, so latin-1 and UTF-8 agree.
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  out.set(encodeF32LE(data), total);
  return out;
}
