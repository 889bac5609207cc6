/**
 * GGUF writer (version 3 by default, little-endian), in memory: metadata of every value type and
 * tensors of any ggml type, laid out as ggml's reader requires (src/io/gguf.ts draws the format):
 * tensor data in the order given, each at the next multiple of the alignment, padded with zeros,
 * so gguf.cpp's "offset == running padded size" check holds and llama.cpp's tools read the file.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { ggmlBlocksOf } from '../ggml/tensor.js';
import { ggmlTypeByName } from '../ggml/types.js';
import { encodeF32LE } from './float-bits.js';
import {
  GGUF_ALIGNMENT_KEY,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_MAX_DIMS,
  GGUF_MAX_KEY_BYTES,
  GGUF_VALUE_TYPES,
  GgufError,
  ggmlTensorBytes,
  type GgufArray,
  type GgufValue,
  type GgufValueType,
} from './gguf.js';

/** One tensor to write: its ggml type, dimensions fastest first (ne[0] = K) and raw bytes. */
export interface GgufTensorData {
  readonly name: string;
  /** ggml type name, lower case ('f32', 'q4_k', 'mxfp4', ...). */
  readonly type: string;
  /** ggml dimensions, fastest first: [K, N] for a weight matrix [N, K]. */
  readonly ne: readonly number[];
  readonly data: Uint8Array;
}

/** Options of {@link writeGguf}. */
export interface GgufWriteOptions {
  /** 2 or 3 (default 3); the layouts are the same for little-endian files. */
  readonly version?: 2 | 3;
  /** Data alignment, a power of two (default 32); other values are written as general.alignment. */
  readonly alignment?: number;
}

/** ggml's GGML_MAX_NAME: tensor names must be shorter (63 bytes of UTF-8 at most). */
export const GGML_MAX_NAME = 64;

const utf8 = new TextEncoder();

/** Growable little-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  /** Grows the buffer for n more bytes; returns where they go. Read `view` / `buf` after calling it. */
  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.length + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(v: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  i8(v: number): void {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
  }
  u16(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
  }
  i16(v: number): void {
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
  }
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  i32(v: number): void {
    const at = this.reserve(4);
    this.view.setInt32(at, v, true);
  }
  f32(v: number): void {
    const at = this.reserve(4);
    this.view.setFloat32(at, v, true);
  }
  f64(v: number): void {
    const at = this.reserve(8);
    this.view.setFloat64(at, v, true);
  }
  u64(v: bigint): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, v, true);
  }
  i64(v: bigint): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, v, true);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }
  string(s: string): void {
    const b = utf8.encode(s);
    this.u64(BigInt(b.length));
    this.bytes(b);
  }
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.reserve(n);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Inclusive ranges of the integer value types. */
const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function writeScalar(w: ByteWriter, type: GgufValueType, v: unknown, what: string): void {
  const bad = (expect: string): never => {
    throw new GgufError(`${what}: a ${type} value must be ${expect}, got ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`);
  };
  switch (type) {
    case 'u8':
    case 'i8':
    case 'u16':
    case 'i16':
    case 'u32':
    case 'i32': {
      const [lo, hi] = INT_RANGES[type] as readonly [number, number];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) bad(`an integer in [${lo}, ${hi}]`);
      w[type](v as number);
      return;
    }
    case 'f32':
    case 'f64':
      if (typeof v !== 'number') bad('a number');
      w[type](v as number);
      return;
    case 'u64':
      if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) bad('a bigint in [0, 2^64 - 1]');
      w.u64(v as bigint);
      return;
    case 'i64':
      if (typeof v !== 'bigint' || v < I64_MIN || v > I64_MAX) bad('a bigint in [-2^63, 2^63 - 1]');
      w.i64(v as bigint);
      return;
    case 'bool':
      if (typeof v !== 'boolean') bad('a boolean');
      w.u8(v ? 1 : 0);
      return;
    case 'string':
      if (typeof v !== 'string') bad('a string');
      w.string(v as string);
      return;
    case 'array':
      writeArray(w, v as GgufArray, what);
  }
}

function typeId(type: string, what: string): number {
  const id = (GGUF_VALUE_TYPES as readonly string[]).indexOf(type);
  if (id < 0) throw new GgufError(`${what}: unknown GGUF value type '${type}' (known: ${GGUF_VALUE_TYPES.join(', ')})`);
  return id;
}

function writeArray(w: ByteWriter, a: GgufArray, what: string): void {
  if (typeof a !== 'object' || a === null || !Array.isArray(a.items)) throw new GgufError(`${what}: an array value needs { itemType, items }`);
  w.u32(typeId(a.itemType, what));
  w.u64(BigInt(a.items.length));
  a.items.forEach((item: unknown, i: number) => writeScalar(w, a.itemType, item, `${what}[${i}]`));
}

function checkName(name: string, what: string, maxBytes: number): void {
  const n = utf8.encode(name).length;
  if (n === 0) throw new GgufError(`${what} is empty`);
  if (n > maxBytes) throw new GgufError(`${what} '${name.slice(0, 80)}' is ${n} bytes of UTF-8, more than ${maxBytes}`);
}

/**
 * Serializes a GGUF file: magic, version, counts, the metadata (in the order given), the tensor
 * infos and the aligned data section. Throws a GgufError naming the key or tensor for invalid
 * input (bad value types or ranges, duplicate names, names ggml cannot read, dims not
 * 1..4, rows not a multiple of the block size, data of the wrong length).
 */
export function writeGguf(metadata: Iterable<readonly [string, GgufValue]>, tensors: readonly GgufTensorData[], opts: GgufWriteOptions = {}): Uint8Array {
  const version = opts.version ?? 3;
  if (version !== 2 && version !== 3) throw new GgufError(`GGUF version must be 2 or 3, got ${String(version)}`);
  const kv = new Map<string, GgufValue>();
  for (const [key, value] of metadata) {
    checkName(key, 'a metadata key', GGUF_MAX_KEY_BYTES);
    if (kv.has(key)) throw new GgufError(`metadata key '${key}' is given twice`);
    kv.set(key, value);
  }
  const alignment = opts.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) throw new GgufError(`alignment must be a power of two, got ${alignment}`);
  const given = kv.get(GGUF_ALIGNMENT_KEY);
  if (given !== undefined) {
    if (given.type !== 'u32' || given.value !== alignment) {
      throw new GgufError(`metadata '${GGUF_ALIGNMENT_KEY}' (${given.type} ${String(given.value)}) disagrees with the alignment ${alignment}; pass it as the alignment option`);
    }
  } else if (alignment !== GGUF_DEFAULT_ALIGNMENT) {
    kv.set(GGUF_ALIGNMENT_KEY, { type: 'u32', value: alignment });
  }

  const names = new Set<string>();
  const infos = tensors.map((t) => {
    checkName(t.name, 'a tensor name', GGML_MAX_NAME - 1);
    if (names.has(t.name)) throw new GgufError(`tensor '${t.name}' is given twice`);
    names.add(t.name);
    const type = ggmlTypeByName(t.type);
    if (!type) throw new GgufError(`tensor '${t.name}': unknown ggml type '${t.type}'`);
    if (t.ne.length < 1 || t.ne.length > GGUF_MAX_DIMS) throw new GgufError(`tensor '${t.name}' has ${t.ne.length} dimensions (1..${GGUF_MAX_DIMS} allowed)`);
    if (!t.ne.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new GgufError(`tensor '${t.name}': dimensions must be non-negative integers, got [${t.ne.join(', ')}]`);
    if ((t.ne[0] as number) % type.blockSize !== 0) {
      throw new GgufError(`tensor '${t.name}': ${type.name} rows of ${t.ne[0]} elements are not a multiple of its block size ${type.blockSize}`);
    }
    const elements = t.ne.reduce((a, b) => a * b, 1);
    const bytes = ggmlTensorBytes(type, elements);
    if (t.data.length !== bytes) throw new GgufError(`tensor '${t.name}': ${t.data.length} bytes of data, ${type.name} [${t.ne.join(', ')}] takes ${bytes}`);
    return { t, type };
  });

  const w = new ByteWriter();
  w.bytes(Uint8Array.from(GGUF_MAGIC));
  w.u32(version);
  w.u64(BigInt(infos.length));
  w.u64(BigInt(kv.size));
  for (const [key, value] of kv) {
    w.string(key);
    w.u32(typeId(value.type, `metadata '${key}'`));
    writeScalar(w, value.type, value.value, `metadata '${key}'`);
  }
  let offset = 0;
  for (const { t, type } of infos) {
    w.string(t.name);
    w.u32(t.ne.length);
    for (const d of t.ne) w.u64(BigInt(d));
    w.u32(type.id);
    w.u64(BigInt(offset));
    offset += Math.ceil(t.data.length / alignment) * alignment;
  }
  if (infos.length > 0) w.pad(alignment);
  for (const { t } of infos) {
    w.bytes(t.data);
    w.pad(alignment);
  }
  return w.result();
}

/** A QuantizedTensor [N, K] of a ggml scheme or lowbit `mxfp4` as a GGUF tensor (ne = [K, N]). */
export function ggufTensorFromQuantized(name: string, qt: QuantizedTensor): GgufTensorData {
  const b = ggmlBlocksOf(qt);
  return { name, type: b.type, ne: [qt.cols, qt.rows], data: b.bytes };
}

/** An f32 tensor (row-major `shape`, outermost first) as a GGUF tensor. */
export function ggufTensorFromF32(name: string, data: Float32Array, shape: readonly number[]): GgufTensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new GgufError(`tensor '${name}': shape [${shape.join(', ')}] has ${n} elements, data has ${data.length}`);
  return { name, type: 'f32', ne: shape.slice().reverse(), data: encodeF32LE(data) };
}
