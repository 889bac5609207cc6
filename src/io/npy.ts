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

import type { ByteSource } from './byte-source.js';
import { encodeF32LE } from './float-bits.js';
import { clip, escapeControls, MAX_QUOTED_CHARS, MAX_QUOTED_DEPTH, MAX_QUOTED_ITEMS, quoteShape, quoteString } from './quote.js';
import { allocF32, convertInto, elementCount, readTensorF32, type FloatKind, type ReadTensorOptions } from './tensor-data.js';

/** A decoded .npy array: values widened or narrowed to f32, with the file's own dtype string. */
export interface NpyArray {
  /** Values in C (row-major) order; f16 is converted exactly, f64 is rounded to f32. */
  data: Float32Array;
  /** Dimensions; `[]` for a 0-d array (one element). */
  shape: number[];
  /** The file's `descr`, e.g. `'<f4'`, `'<f2'`, `'<f8'`. */
  dtype: string;
}

/** The header of a .npy file: what the array is and where its data starts. */
export interface NpyHeader {
  /** The file's `descr` (one of the supported ones). */
  readonly dtype: string;
  /** How the elements are stored. */
  readonly kind: FloatKind;
  readonly shape: number[];
  /** Byte offset of the data (preamble + header). */
  readonly dataOffset: number;
  /** prod(shape) * item size. */
  readonly dataBytes: number;
}

/** "\x93NUMPY" */
const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const;
const MAGIC_LEN = NPY_MAGIC.length; // 6
const VERSION_LEN = 2; // major, minor
const V1_HLEN_BYTES = 2; // u16 header length in version 1.0
const V2_HLEN_BYTES = 4; // u32 header length in versions 2.0 and 3.0
const V1_MAX_HEADER = 0xffff;
/** Longest preamble: magic, version and the u32 header length of versions 2.0 and 3.0. */
const MAX_PREAMBLE = MAGIC_LEN + VERSION_LEN + V2_HLEN_BYTES;
/** numpy pads the preamble + header to a multiple of this (ARRAY_ALIGN in format.py). */
const ARRAY_ALIGN = 64;
/**
 * Largest header this reader accepts (1 MiB). numpy itself refuses headers over 10,000 bytes
 * unless told otherwise (`max_header_size` in format.py); a u32 length field could claim 4 GiB.
 */
export const NPY_MAX_HEADER_BYTES = 1 << 20;
/** Most dimensions a shape may have (numpy 2's NPY_MAXDIMS). */
export const NPY_MAX_DIMS = 64;
/**
 * Deepest nesting of the header's Python literal. numpy writes a dict of a string, a bool and a
 * tuple (depth 2); structured dtypes nest a few levels more. Bounded so a hostile header cannot
 * exhaust the parser's stack.
 */
const MAX_LITERAL_DEPTH = 16;

/** The dtypes this reader understands, keyed by `descr`: item size, storage kind, label. */
const SUPPORTED_DTYPES: ReadonlyMap<string, { readonly bytes: number; readonly kind: FloatKind; readonly label: string }> = new Map([
  ['<f4', { bytes: 4, kind: 'f32', label: 'float32' }],
  ['<f2', { bytes: 2, kind: 'f16', label: 'float16, converted exactly to float32' }],
  ['<f8', { bytes: 8, kind: 'f64', label: 'float64, rounded to float32' }],
] as const);

const SUPPORTED_LIST = [...SUPPORTED_DTYPES].map(([descr, d]) => `'${descr}' (${d.label})`).join(', ');

function fail(message: string): never {
  throw new Error(`npy: ${message}`);
}

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

// ---------------------------------------------------------------------------------------------
// A parser for the subset of Python literal syntax numpy writes in headers: dicts, tuples,
// lists, strings, integers, True / False / None. Anything else is an error. Nesting is bounded
// by MAX_LITERAL_DEPTH.

type PyValue = string | number | boolean | null | PyValue[] | PyTuple | Map<string, PyValue>;
/** Tuples are kept apart from lists so a structured `descr` (a list) can be told from a shape. */
class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A bounded Python-style rendering of a parsed header value for messages. */
function pyQuote(v: PyValue, depth = 0): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return quoteString(v, MAX_QUOTED_CHARS / 2);
  const entries: string[] = [];
  const items: readonly PyValue[] = v instanceof Map ? [] : v instanceof PyTuple ? v.items : v;
  const size = v instanceof Map ? v.size : items.length;
  const [open, close] = v instanceof Map ? ['{', '}'] : v instanceof PyTuple ? ['(', ')'] : ['[', ']'];
  if (depth >= MAX_QUOTED_DEPTH) return size === 0 ? `${open}${close}` : `${open}...${size} items${close}`;
  if (v instanceof Map) {
    for (const [k, x] of v) {
      if (entries.length === MAX_QUOTED_ITEMS) break;
      entries.push(`${quoteString(k, MAX_QUOTED_CHARS / 4)}: ${pyQuote(x, depth + 1)}`);
    }
  } else {
    for (const x of items.slice(0, MAX_QUOTED_ITEMS)) entries.push(pyQuote(x, depth + 1));
  }
  const more = size - entries.length;
  return clip(`${open}${entries.join(', ')}${more > 0 ? `, ... ${more} more` : ''}${close}`, MAX_QUOTED_CHARS * 2);
}

class PyLiteralParser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly src: string) {}

  parseAll(): PyValue {
    const value = this.value();
    this.skipSpace();
    if (this.pos !== this.src.length) this.error('unexpected trailing text');
    return value;
  }

  private error(what: string): never {
    if (this.pos >= this.src.length) fail(`header is not a valid Python literal: ${what} at the end of the header (character ${this.pos})`);
    const near = `"${escapeControls(this.src.slice(this.pos, this.pos + 20))}"`;
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
    if (c === '{' || c === '(' || c === '[') {
      if (this.depth >= MAX_LITERAL_DEPTH) this.error(`values nested deeper than ${MAX_LITERAL_DEPTH} levels`);
      this.depth++;
      const v = c === '{' ? this.dict() : c === '(' ? new PyTuple(this.sequence('(', ')')) : this.sequence('[', ']');
      this.depth--;
      return v;
    }
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
    if (!Number.isSafeInteger(n)) this.error(`integer ${clip(m[0], 40)} is too large`);
    return n;
  }
}

// ---------------------------------------------------------------------------------------------

function checkDescr(descr: PyValue): string {
  if (Array.isArray(descr)) {
    fail(`structured (record) dtypes are not supported: descr is ${pyQuote(descr)}; supported: ${SUPPORTED_LIST}`);
  }
  if (typeof descr !== 'string') fail(`'descr' must be a dtype string such as '<f4', got ${pyQuote(descr)}; supported: ${SUPPORTED_LIST}`);
  const order = descr[0];
  const kind = descr[1];
  if (kind === 'O') {
    fail(`object arrays are not supported (descr ${quoteString(descr)}): they hold pickled Python objects, not numbers`);
  }
  if (order === '>') {
    fail(`big-endian dtype ${quoteString(descr)} is not supported; save it little-endian, e.g. arr.astype('<${clip(descr.slice(1), 20)}')`);
  }
  if (!SUPPORTED_DTYPES.has(descr)) fail(`unsupported dtype ${quoteString(descr)}; supported: ${SUPPORTED_LIST}`);
  return descr;
}

function checkShape(shape: PyValue): number[] {
  if (!(shape instanceof PyTuple)) fail(`'shape' must be a tuple of integers, got ${pyQuote(shape)}`);
  if (shape.items.length > NPY_MAX_DIMS) {
    fail(`'shape' has ${shape.items.length} dimensions, more than the ${NPY_MAX_DIMS} numpy allows: ${pyQuote(shape)}`);
  }
  return shape.items.map((d) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`'shape' must hold non-negative integers, got ${pyQuote(d)} in ${pyQuote(shape)}`);
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

/** Where the header text lies, from the preamble. */
interface Preamble {
  readonly major: number;
  readonly headerStart: number;
  readonly hlen: number;
}

/**
 * Checks the magic and version in the first bytes of a file (`prefix`, at most MAX_PREAMBLE
 * bytes needed) of `fileSize` bytes and reads the header length, bounded by NPY_MAX_HEADER_BYTES
 * and by the file size, before anything is allocated from it.
 */
function readPreamble(prefix: Uint8Array, fileSize: number): Preamble {
  const preambleV1 = MAGIC_LEN + VERSION_LEN + V1_HLEN_BYTES;
  if (fileSize < MAGIC_LEN) {
    fail(`truncated header: file is ${fileSize} bytes, shorter than the ${MAGIC_LEN}-byte magic`);
  }
  if (!NPY_MAGIC.every((b, i) => prefix[i] === b)) {
    fail(`bad magic: expected 93 4e 55 4d 50 59 ("\\x93NUMPY"), got ${hexBytes(prefix.subarray(0, MAGIC_LEN))}; not a .npy file`);
  }
  if (fileSize < preambleV1) fail(`truncated header: file is ${fileSize} bytes, the preamble alone needs ${preambleV1}`);
  const major = prefix[MAGIC_LEN]!;
  const minor = prefix[MAGIC_LEN + 1]!;
  if (major < 1 || major > 3 || minor !== 0) {
    fail(`unsupported format version ${major}.${minor}; supported: 1.0, 2.0, 3.0`);
  }
  const hlenBytes = major === 1 ? V1_HLEN_BYTES : V2_HLEN_BYTES;
  const headerStart = MAGIC_LEN + VERSION_LEN + hlenBytes;
  if (fileSize < headerStart) {
    fail(`truncated header: file is ${fileSize} bytes, the version ${major}.0 preamble needs ${headerStart}`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const hlen = major === 1 ? view.getUint16(MAGIC_LEN + VERSION_LEN, true) : view.getUint32(MAGIC_LEN + VERSION_LEN, true);
  if (headerStart + hlen > fileSize) {
    fail(`truncated header: header length field says ${hlen} bytes, only ${fileSize - headerStart} follow the preamble`);
  }
  if (hlen > NPY_MAX_HEADER_BYTES) {
    fail(`header length field says ${hlen} bytes, more than the ${NPY_MAX_HEADER_BYTES} this reader accepts (numpy writes at most a few hundred)`);
  }
  return { major, headerStart, hlen };
}

/** Parses the header text (from the bytes after the preamble) and checks the data fits the file. */
function parseHeaderText(raw: Uint8Array, pre: Preamble, fileSize: number): NpyHeader {
  // Versions 1.0 and 2.0 are latin-1 (each byte is one code point); 3.0 is UTF-8.
  const text = pre.major === 3 ? decodeUtf8(raw) : decodeLatin1(raw);
  const dict = new PyLiteralParser(text).parseAll();
  if (!(dict instanceof Map)) fail(`header is not a dict: ${pyQuote(dict)}`);
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!dict.has(key)) fail(`header is missing the '${key}' key: ${pyQuote(dict)}`);
  }
  const descr = checkDescr(dict.get('descr')!);
  const fortran = dict.get('fortran_order')!;
  if (typeof fortran !== 'boolean') fail(`'fortran_order' must be True or False, got ${pyQuote(fortran)}`);
  if (fortran) {
    fail('Fortran-order (column-major) arrays are not supported; save with np.ascontiguousarray(arr) first');
  }
  const shape = checkShape(dict.get('shape')!);
  const item = SUPPORTED_DTYPES.get(descr)!;
  let count: number;
  try {
    count = elementCount(shape, 'npy');
  } catch {
    return fail(`shape ${quoteShape(shape)} is too large`);
  }
  const dataBytes = count * item.bytes;
  if (!Number.isSafeInteger(dataBytes)) fail(`shape ${quoteShape(shape)} is too large`);
  const dataOffset = pre.headerStart + pre.hlen;
  const available = fileSize - dataOffset;
  if (available < dataBytes) {
    fail(`truncated data: shape (${shapeList(shape)}) of '${descr}' needs ${dataBytes} bytes, got ${available}`);
  }
  return { dtype: descr, kind: item.kind, shape, dataOffset, dataBytes };
}

/** "2, 3" for messages (capped like quoteShape). */
function shapeList(shape: readonly number[]): string {
  return quoteShape(shape).slice(1, -1);
}

/** Parses the header of a .npy file held in memory (the whole file, for its size checks). */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  const pre = readPreamble(bytes, bytes.length);
  return parseHeaderText(bytes.subarray(pre.headerStart, pre.headerStart + pre.hlen), pre, bytes.length);
}

/**
 * Reads and checks the header of a .npy file from `src` (two small reads; nothing is allocated
 * from a length the file claims before it is bounded). Errors start with "npy:".
 */
export async function readNpyHeader(src: ByteSource): Promise<NpyHeader> {
  const prefix = await src.read(0, Math.min(MAX_PREAMBLE, src.size));
  const pre = readPreamble(prefix, src.size);
  const raw = await src.read(pre.headerStart, pre.hlen);
  return parseHeaderText(raw, pre, src.size);
}

/**
 * Reads a .npy array from `src`: the header, then only the data, converted to f32 in chunks.
 * Pass a header from `readNpyHeader` to skip re-reading it.
 */
export async function readNpy(src: ByteSource, header?: NpyHeader, opts: ReadTensorOptions = {}): Promise<NpyArray> {
  const h = header ?? (await readNpyHeader(src));
  const data = await readTensorF32(src, { name: src.name, kind: h.kind, shape: h.shape, start: h.dataOffset }, opts);
  return { data, shape: [...h.shape], dtype: h.dtype };
}

/**
 * Parses a .npy file (versions 1.0, 2.0, 3.0; little-endian `<f4`, `<f2` or `<f8`; C order).
 * f16 values are converted exactly, f64 values rounded to nearest f32 (a finite value beyond
 * the f32 range is an error). Bytes after the data are ignored, as numpy does. Throws an Error
 * naming the problem for anything else.
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const h = parseNpyHeader(bytes);
  const count = h.dataBytes / SUPPORTED_DTYPES.get(h.dtype)!.bytes;
  const data = allocF32(count, 'npy');
  convertInto(h.kind, bytes, h.dataOffset, count, data, 0, h.shape, 'npy');
  return { data, shape: h.shape, dtype: h.dtype };
}

/** Python repr of a shape tuple: `()`, `(3,)`, `(2, 3)`. */
function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Serializes f32 values as a C-order `<f4` .npy file (format 1.0). Throws when `shape` is not a
 * list of at most NPY_MAX_DIMS non-negative integers whose product is `data.length`.
 */
export function writeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) fail(`cannot write: shape ${quoteShape(shape)} holds ${d}, not a non-negative integer`);
  }
  if (shape.length > NPY_MAX_DIMS) fail(`cannot write: shape ${quoteShape(shape)} has more than ${NPY_MAX_DIMS} dimensions`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    fail(`cannot write: shape ${quoteShape(shape)} has ${count} elements but data has ${data.length}`);
  }
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  // Pad with spaces so that preamble + header (ending in '\n') is a multiple of ARRAY_ALIGN. With
  // at most NPY_MAX_DIMS safe-integer dimensions the header stays far below the u16 limit of
  // version 1.0, so the writer always writes 1.0.
  const major = 1;
  const preamble = MAGIC_LEN + VERSION_LEN + V1_HLEN_BYTES;
  const total = Math.ceil((preamble + dict.length + 1) / ARRAY_ALIGN) * ARRAY_ALIGN;
  if (total - preamble > V1_MAX_HEADER) fail(`cannot write: header of ${total - preamble} bytes exceeds the version 1.0 limit`);
  const hlen = total - preamble;
  const header = dict.padEnd(hlen - 1, ' ') + '\n';

  const out = new Uint8Array(total + data.length * Float32Array.BYTES_PER_ELEMENT);
  out.set(NPY_MAGIC, 0);
  out[MAGIC_LEN] = major;
  out[MAGIC_LEN + 1] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(MAGIC_LEN + VERSION_LEN, hlen, true);
  // The header is pure ASCII, so latin-1 and UTF-8 agree.
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  out.set(encodeF32LE(data), total);
  return out;
}
