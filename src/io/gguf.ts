/**
 * GGUF reader (llama.cpp's model file format, versions 2 and 3, little-endian), over a ByteSource
 * so files of any size stream: the header is read in chunks, a tensor's byte range only when
 * asked for, and quantized tensors are dequantized to f32 row chunk by row chunk.
 *
 * Layout (ggml docs/gguf.md; every integer little-endian, no alignment inside the header):
 *
 *   magic "GGUF" (47 47 55 46) | version u32 (2, 3) | tensor_count u64 | metadata_kv_count u64
 *   metadata_kv[count]:  key (string) | value_type u32 | value
 *   tensor_info[count]:  name (string) | n_dims u32 | ne[n_dims] u64 | type u32 | offset u64
 *   padding to ALIGNMENT, then the data section; tensor data at data_start + offset
 *
 *   string = len u64 | UTF-8 bytes (no terminator)
 *   value  = u8 | i8 | u16 | i16 | u32 | i32 | f32 | bool (1 byte, 0 or 1) | string
 *          | array: item_type u32 | len u64 | items | u64 | i64 | f64           (types 0..12)
 *   ALIGNMENT = metadata `general.alignment` (u32, a power of two), 32 when absent.
 *   ne[0] is the fastest-varying dimension (K of a weight matrix [N, K]), a multiple of the
 *   type's block size; the tensor takes prod(ne) / block_size * type_size bytes.
 *
 * Bad files get errors naming the file, the field or tensor and the limit; every count and length
 * is checked against the bytes left in the file and a limit before anything is allocated, and
 * lookups keyed by file strings use Maps.
 */
import type { ByteSource } from './byte-source.js';
import { checkRange, MAX_READ_CHUNK } from './byte-source.js';
import { decodeF32LE, decodeF64LEToF32, decodeHalfLE } from './float-bits.js';
import { ggmlTypeById, ggmlTypeByName, type GgmlTypeInfo } from '../ggml/types.js';
import { ggmlCodec } from '../ggml/codecs.js';
import { dequantizeGgmlBlocks, ggmlBlocksToQuantized } from '../ggml/tensor.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';

/** "GGUF" at the byte level. */
export const GGUF_MAGIC = [0x47, 0x47, 0x55, 0x46] as const;
/** Versions this reader takes (v1 used 32-bit counts and is obsolete). */
export const GGUF_VERSIONS = [2, 3] as const;
/** The data section alignment when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** The metadata key that sets the alignment. */
export const GGUF_ALIGNMENT_KEY = 'general.alignment';
/** ggml's GGML_MAX_DIMS. */
export const GGUF_MAX_DIMS = 4;
/** Longest metadata key (gguf.md: at most 2^16 - 1 bytes). */
export const GGUF_MAX_KEY_BYTES = 65535;
/** Longest tensor name gguf.md allows (ggml itself stops at 63). */
export const GGUF_MAX_NAME_BYTES = 64;
/** Most tensors / metadata entries a header may declare. */
export const GGUF_MAX_TENSORS = 1 << 20;
export const GGUF_MAX_KV = 1 << 20;
/** Most bytes of header (metadata and tensor infos) read; tokenizer tables stay far below. */
export const GGUF_MAX_HEADER_BYTES = 256 * 1024 * 1024;
/** Deepest nesting of arrays inside arrays. */
export const GGUF_MAX_ARRAY_DEPTH = 8;
/** Most elements a tensor read as f32 may have (4 GiB of f32). */
export const GGUF_MAX_F32_ELEMENTS = 2 ** 30;

/** Metadata value types by their GGUF id (gguf_metadata_value_type). */
export const GGUF_VALUE_TYPES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'array', 'u64', 'i64', 'f64'] as const;

/** A metadata value type name. */
export type GgufValueType = (typeof GGUF_VALUE_TYPES)[number];
/** The value types stored as JavaScript numbers (exactly). */
export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
/** The 64-bit integer types, stored as bigint. */
export type GgufBigIntType = 'u64' | 'i64';

/** The items of an array value, by item type. */
export type GgufArray =
  | { readonly itemType: GgufNumberType; readonly items: readonly number[] }
  | { readonly itemType: GgufBigIntType; readonly items: readonly bigint[] }
  | { readonly itemType: 'bool'; readonly items: readonly boolean[] }
  | { readonly itemType: 'string'; readonly items: readonly string[] }
  | { readonly itemType: 'array'; readonly items: readonly GgufArray[] };

/** One metadata value with its GGUF type. */
export type GgufValue =
  | { readonly type: GgufNumberType; readonly value: number }
  | { readonly type: GgufBigIntType; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'array'; readonly value: GgufArray };

/** One tensor as listed in a GGUF header. */
export interface GgufTensorInfo {
  readonly name: string;
  /** ggml dimensions, fastest first: ne[0] = K of a weight [N, K]. */
  readonly ne: readonly number[];
  /** The same dimensions outermost first, as .npy / .safetensors write shapes ([N, K]). */
  readonly shape: readonly number[];
  readonly type: GgmlTypeInfo;
  readonly elements: number;
  readonly byteLength: number;
  /** Absolute byte offset of the data in the file. */
  readonly offset: number;
}

/** A parsed GGUF header. */
export interface GgufHeader {
  /** The source's name (file path or File name). */
  readonly source: string;
  readonly version: number;
  readonly alignment: number;
  /** Metadata in file order. */
  readonly metadata: ReadonlyMap<string, GgufValue>;
  /** Tensors in file order. */
  readonly tensors: readonly GgufTensorInfo[];
  readonly tensorIndex: ReadonlyMap<string, GgufTensorInfo>;
  /** Absolute offset of the data section. */
  readonly dataOffset: number;
}

/** Bytes fetched per header read. */
const HEADER_CHUNK = 1 << 20;
const U32_BYTES = 4;
const U64_BYTES = 8;
/** High word limit of a u64 that is still a safe integer (2^53 - 1). */
const SAFE_HIGH = 2 ** 21;
/** Smallest encodings, for bounding counts by the bytes left: a kv (key len, 1-byte key, type, u8). */
const MIN_KV_BYTES = U64_BYTES + 1 + U32_BYTES + 1;
/** A tensor info with a 1-byte name and no dims: len, name, n_dims, type, offset. */
const MIN_TENSOR_INFO_BYTES = U64_BYTES + 1 + U32_BYTES + U32_BYTES + U64_BYTES;
/** Byte size of each fixed-size value type; 0 for string and array. */
const VALUE_BYTES: readonly number[] = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];
/** Smallest encoding of an array item of each type (strings: the length; arrays: type + length). */
const MIN_ITEM_BYTES: readonly number[] = [1, 1, 2, 2, 4, 4, 4, 1, U64_BYTES, U32_BYTES + U64_BYTES, 8, 8, 8];

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An error about a GGUF file: the message names the source. */
export class GgufError extends Error {
  override readonly name = 'GgufError';
}

/** Sequential reader of a header over a ByteSource, fetching HEADER_CHUNK bytes at a time. */
class HeaderReader {
  pos = 0;
  private buf = new Uint8Array(0);
  private bufStart = 0;
  private view = new DataView(this.buf.buffer);

  constructor(
    private readonly src: ByteSource,
    private readonly fail: (what: string) => never,
  ) {}

  get remaining(): number {
    return this.src.size - this.pos;
  }

  /** True when [pos, pos + n) is buffered. */
  has(n: number): boolean {
    return this.pos + n <= this.bufStart + this.buf.length;
  }

  /** Buffers [pos, pos + n); `what` names the field for the truncation error. */
  async fill(n: number, what: string): Promise<void> {
    if (n > this.remaining) this.fail(`the file ends inside ${what} (needs ${n} bytes at offset ${this.pos}, ${this.remaining} left): truncated or not a GGUF file`);
    if (this.pos + n > GGUF_MAX_HEADER_BYTES) this.fail(`the header is larger than lowbit's limit of ${GGUF_MAX_HEADER_BYTES} bytes (reading ${what} at offset ${this.pos})`);
    const len = Math.min(Math.max(n, HEADER_CHUNK), this.remaining);
    const got = await this.src.read(this.pos, len);
    // Copy: a source may return a view it reuses.
    this.buf = got.slice();
    this.bufStart = this.pos;
    this.view = new DataView(this.buf.buffer);
  }

  private at(n: number): number {
    const o = this.pos - this.bufStart;
    this.pos += n;
    return o;
  }

  u8(): number {
    return this.view.getUint8(this.at(1));
  }
  i8(): number {
    return this.view.getInt8(this.at(1));
  }
  u16(): number {
    return this.view.getUint16(this.at(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.at(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.at(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.at(4), true);
  }
  f32(): number {
    return this.view.getFloat32(this.at(4), true);
  }
  f64(): number {
    return this.view.getFloat64(this.at(8), true);
  }
  u64big(): bigint {
    return this.view.getBigUint64(this.at(8), true);
  }
  i64big(): bigint {
    return this.view.getBigInt64(this.at(8), true);
  }
  /** A u64 that must be a safe integer (a count, length, dimension or offset). */
  u64(what: string): number {
    const o = this.at(8);
    const lo = this.view.getUint32(o, true);
    const hi = this.view.getUint32(o + 4, true);
    if (hi >= SAFE_HIGH) this.fail(`${what} is ${(BigInt(hi) << 32n) | BigInt(lo)}, beyond 2^53 - 1`);
    return hi * 2 ** 32 + lo;
  }
  bytes(n: number): Uint8Array {
    const o = this.at(n);
    return this.buf.subarray(o, o + n);
  }
}

/** Reads a u64 length-prefixed UTF-8 string of at most `max` bytes. */
async function readString(r: HeaderReader, what: string, max: number, fail: (m: string) => never): Promise<string> {
  if (!r.has(U64_BYTES)) await r.fill(U64_BYTES, `the length of ${what}`);
  const len = r.u64(`the length of ${what}`);
  if (len > max) fail(`${what} is ${len} bytes long, more than the limit of ${max}`);
  if (len > r.remaining) fail(`${what} claims ${len} bytes but only ${r.remaining} are left in the file`);
  if (!r.has(len)) await r.fill(len, what);
  try {
    return utf8.decode(r.bytes(len));
  } catch {
    return fail(`${what} is not valid UTF-8`);
  }
}

function valueTypeName(id: number, what: string, fail: (m: string) => never): GgufValueType {
  const t = GGUF_VALUE_TYPES[id];
  if (t === undefined) fail(`${what} has value type ${id}, not a GGUF type (0..${GGUF_VALUE_TYPES.length - 1})`);
  return t;
}

/** Reads one fixed-size value of type `t` (buffered by the caller). */
function readFixed(r: HeaderReader, t: GgufValueType, what: string, fail: (m: string) => never): number | bigint | boolean {
  switch (t) {
    case 'u8':
      return r.u8();
    case 'i8':
      return r.i8();
    case 'u16':
      return r.u16();
    case 'i16':
      return r.i16();
    case 'u32':
      return r.u32();
    case 'i32':
      return r.i32();
    case 'f32':
      return r.f32();
    case 'f64':
      return r.f64();
    case 'u64':
      return r.u64big();
    case 'i64':
      return r.i64big();
    case 'bool': {
      const b = r.u8();
      if (b > 1) fail(`${what} is a bool with byte ${b} (must be 0 or 1)`);
      return b === 1;
    }
    default:
      return fail(`${what}: ${t} is not a fixed-size type`);
  }
}

async function readArray(r: HeaderReader, what: string, depth: number, fail: (m: string) => never): Promise<GgufArray> {
  if (depth > GGUF_MAX_ARRAY_DEPTH) fail(`${what} nests arrays deeper than ${GGUF_MAX_ARRAY_DEPTH} levels`);
  if (!r.has(U32_BYTES + U64_BYTES)) await r.fill(U32_BYTES + U64_BYTES, `the array header of ${what}`);
  const typeId = r.u32();
  const itemType = valueTypeName(typeId, `the items of ${what}`, fail);
  const len = r.u64(`the length of ${what}`);
  const minBytes = MIN_ITEM_BYTES[typeId] as number;
  if (len * minBytes > r.remaining) fail(`${what} claims ${len} items of ${itemType}, at least ${len * minBytes} bytes, but only ${r.remaining} are left in the file`);
  if (len * minBytes > GGUF_MAX_HEADER_BYTES) fail(`${what} claims ${len} items of ${itemType}, beyond the header limit of ${GGUF_MAX_HEADER_BYTES} bytes`);
  if (itemType === 'string') {
    const items: string[] = [];
    for (let i = 0; i < len; i++) items.push(await readString(r, `${what}[${i}]`, GGUF_MAX_HEADER_BYTES, fail));
    return { itemType, items };
  }
  if (itemType === 'array') {
    const items: GgufArray[] = [];
    for (let i = 0; i < len; i++) items.push(await readArray(r, `${what}[${i}]`, depth + 1, fail));
    return { itemType, items };
  }
  const size = VALUE_BYTES[typeId] as number;
  const items: (number | bigint | boolean)[] = [];
  for (let i = 0; i < len; i++) {
    if (!r.has(size)) await r.fill(Math.min((len - i) * size, HEADER_CHUNK), `${what}[${i}]`);
    items.push(readFixed(r, itemType, `${what}[${i}]`, fail));
  }
  // The item type decides which member of the union this is.
  return { itemType, items } as GgufArray;
}

async function readValue(r: HeaderReader, t: GgufValueType, what: string, fail: (m: string) => never): Promise<GgufValue> {
  if (t === 'string') return { type: t, value: await readString(r, what, GGUF_MAX_HEADER_BYTES, fail) };
  if (t === 'array') return { type: t, value: await readArray(r, what, 1, fail) };
  const size = VALUE_BYTES[GGUF_VALUE_TYPES.indexOf(t)] as number;
  if (!r.has(size)) await r.fill(size, what);
  return { type: t, value: readFixed(r, t, what, fail) } as GgufValue;
}

/** Bytes of a tensor of `elements` weights of `type`: elements / blockSize * typeSize. */
export function ggmlTensorBytes(type: GgmlTypeInfo, elements: number): number {
  return (elements / type.blockSize) * type.typeSize;
}

/**
 * Reads and validates the header of a GGUF file: magic, version, metadata, tensor infos,
 * alignment, and every tensor's byte range (aligned, inside the file, no overlaps).
 */
export async function readGgufHeader(src: ByteSource): Promise<GgufHeader> {
  const fail: (what: string) => never = (what) => {
    throw new GgufError(`${src.name}: ${what}`);
  };
  const r = new HeaderReader(src, fail);
  const preamble = GGUF_MAGIC.length + U32_BYTES + 2 * U64_BYTES;
  if (src.size < preamble) fail(`${src.size} bytes is too short for a GGUF header (${preamble} bytes at least); not a GGUF file`);
  await r.fill(preamble, 'the preamble');
  const magic = r.bytes(GGUF_MAGIC.length);
  if (!GGUF_MAGIC.every((b, i) => magic[i] === b)) {
    fail(`bad magic ${Array.from(magic, (b) => b.toString(16).padStart(2, '0')).join(' ')} (expected 47 47 55 46, "GGUF"); not a GGUF file`);
  }
  const version = r.u32();
  if (version === 1) fail('GGUF version 1 is not supported (it predates 64-bit counts); convert the file with a current llama.cpp');
  if (!(GGUF_VERSIONS as readonly number[]).includes(version)) {
    // A big-endian file's version reads byte-swapped here (3 -> 0x03000000).
    const swapped = (version >>> 24) | ((version >>> 8) & 0xff00);
    if ((version & 0xffff) === 0 && (GGUF_VERSIONS as readonly number[]).includes(swapped)) fail(`the file is big-endian GGUF (version field ${version}); only little-endian files are supported`);
    fail(`unsupported GGUF version ${version} (supported: ${GGUF_VERSIONS.join(', ')})`);
  }
  const nTensors = r.u64('the tensor count');
  const nKv = r.u64('the metadata count');
  if (nTensors > GGUF_MAX_TENSORS) fail(`the header declares ${nTensors} tensors, more than the limit of ${GGUF_MAX_TENSORS}`);
  if (nKv > GGUF_MAX_KV) fail(`the header declares ${nKv} metadata entries, more than the limit of ${GGUF_MAX_KV}`);
  if (nKv * MIN_KV_BYTES + nTensors * MIN_TENSOR_INFO_BYTES > r.remaining) {
    fail(`the header declares ${nKv} metadata entries and ${nTensors} tensors, more than the ${r.remaining} bytes left in the file can hold`);
  }

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = await readString(r, `metadata key ${i}`, GGUF_MAX_KEY_BYTES, fail);
    if (key.length === 0) fail(`metadata key ${i} is empty`);
    if (metadata.has(key)) fail(`metadata key '${key}' appears twice`);
    if (!r.has(U32_BYTES)) await r.fill(U32_BYTES, `the value type of '${key}'`);
    const t = valueTypeName(r.u32(), `metadata '${key}'`, fail);
    metadata.set(key, await readValue(r, t, `metadata '${key}'`, fail));
  }

  const align = metadata.get(GGUF_ALIGNMENT_KEY);
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (align !== undefined) {
    if (align.type !== 'u32') fail(`'${GGUF_ALIGNMENT_KEY}' must be a u32, got ${align.type}`);
    alignment = align.value as number;
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0) fail(`'${GGUF_ALIGNMENT_KEY}' is ${alignment}, not a power of two`);
  }

  interface RawInfo {
    name: string;
    ne: number[];
    type: GgmlTypeInfo;
    elements: number;
    relOffset: number;
  }
  const raw: RawInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = await readString(r, `the name of tensor ${i}`, GGUF_MAX_NAME_BYTES, fail);
    if (names.has(name)) fail(`tensor name '${name}' appears twice`);
    names.add(name);
    const t = `tensor '${name}'`;
    if (!r.has(U32_BYTES)) await r.fill(U32_BYTES, `the dimension count of ${t}`);
    const nDims = r.u32();
    if (nDims < 1 || nDims > GGUF_MAX_DIMS) fail(`${t} has ${nDims} dimensions (1..${GGUF_MAX_DIMS} allowed)`);
    const need = nDims * U64_BYTES + U32_BYTES + U64_BYTES;
    if (!r.has(need)) await r.fill(need, `the shape, type and offset of ${t}`);
    const ne: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const n = r.u64(`dimension ${d} of ${t}`);
      ne.push(n);
      elements *= n;
      if (!Number.isSafeInteger(elements)) fail(`${t} with dimensions [${ne.join(', ')}, ...] has more than 2^53 elements`);
    }
    const typeId = r.u32();
    const type = ggmlTypeById(typeId);
    if (!type) fail(`${t} has ggml type ${typeId}, which ggml does not define`);
    if ((ne[0] as number) % type.blockSize !== 0) fail(`${t} of type ${type.name} has rows of ${ne[0]} elements, not a multiple of its block size ${type.blockSize}`);
    const relOffset = r.u64(`the offset of ${t}`);
    if (relOffset % alignment !== 0) fail(`${t} has data offset ${relOffset}, not a multiple of the alignment ${alignment}`);
    raw.push({ name, ne, type, elements, relOffset });
  }

  // The data section starts at the next multiple of the alignment after the tensor infos.
  const dataOffset = nTensors > 0 ? Math.ceil(r.pos / alignment) * alignment : r.pos;
  const tensors: GgufTensorInfo[] = raw.map((x) => {
    const byteLength = ggmlTensorBytes(x.type, x.elements);
    const offset = dataOffset + x.relOffset;
    if (!Number.isSafeInteger(offset + byteLength) || offset + byteLength > src.size) {
      fail(`tensor '${x.name}' (${x.type.name}, [${x.ne.join(', ')}], ${byteLength} bytes at data offset ${x.relOffset}) runs past the end of the file (${src.size} bytes): truncated or a bad header`);
    }
    return { name: x.name, ne: x.ne, shape: x.ne.slice().reverse(), type: x.type, elements: x.elements, byteLength, offset };
  });
  const byOffset = tensors.slice().sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const a = byOffset[i - 1] as GgufTensorInfo;
    const b = byOffset[i] as GgufTensorInfo;
    if (b.offset < a.offset + a.byteLength) fail(`tensors '${a.name}' and '${b.name}' overlap in the data section`);
  }
  return { source: src.name, version, alignment, metadata, tensors, tensorIndex: new Map(tensors.map((x) => [x.name, x])), dataOffset };
}

/** Describes the tensor names for an error: "available (N): 'a', 'b', ... and M more". */
function describeNames(header: GgufHeader): string {
  const MAX = 10;
  if (header.tensors.length === 0) return 'the file has no tensors';
  const shown = header.tensors.slice(0, MAX).map((x) => `'${x.name}'`);
  const more = header.tensors.length - shown.length;
  return `available (${header.tensors.length}): ${shown.join(', ')}${more > 0 ? `, ... and ${more} more` : ''}`;
}

/** The tensor `name` of `header`; throws naming the file and listing the available names. */
export function ggufTensor(header: GgufHeader, name: string): GgufTensorInfo {
  const t = header.tensorIndex.get(name);
  if (!t) throw new GgufError(`${header.source}: no tensor named '${name}'; ${describeNames(header)}`);
  return t;
}

/** The plain element types read as f32 (besides the block formats of src/ggml). */
const PLAIN_F32_TYPES = ['f32', 'f16', 'bf16', 'f64'] as const;

/** True when lowbit reads tensors of `type` as f32. */
export function ggufTypeReadable(type: GgmlTypeInfo): boolean {
  return (PLAIN_F32_TYPES as readonly string[]).includes(type.name) || ggmlCodec(type.name) !== undefined;
}

/** The types `readGgufTensorF32` decodes, for messages. */
export function ggufReadableTypes(): string {
  return [...PLAIN_F32_TYPES, 'q4_0 q4_1 q5_0 q5_1 q8_0 q2_k q3_k q4_k q5_k q6_k iq4_nl tq1_0 tq2_0 mxfp4'].join(' ');
}

/** Decodes `rows` rows of `t` from `bytes` into out[outOff..). */
function decodeRows(t: GgufTensorInfo, bytes: Uint8Array, rows: number, out: Float32Array, outOff: number): void {
  const n = rows * (t.ne[0] as number);
  switch (t.type.name) {
    case 'f32':
      out.set(decodeF32LE(bytes, 0, n), outOff);
      return;
    case 'f16':
    case 'bf16':
      decodeHalfLE(bytes, 0, n, t.type.name, out.subarray(outOff, outOff + n));
      return;
    case 'f64':
      out.set(decodeF64LEToF32(bytes, 0, n), outOff);
      return;
    default:
      dequantizeGgmlBlocks(t.type.name, bytes, n / t.type.blockSize, out, outOff);
  }
}

/** Options of {@link readGgufTensorF32}. */
export interface GgufReadOptions {
  /** Largest read in bytes (whole rows at a time; default MAX_READ_CHUNK). */
  readonly chunkBytes?: number;
}

/**
 * Reads tensor `name` as f32 in its row-major shape, dequantizing block formats with ggml's
 * dequantize_row_* (bit-exact) whole rows at a time, so only one chunk of the file's bytes is in
 * memory besides the result. f16 and bf16 convert exactly, f64 rounds to f32.
 */
export async function readGgufTensorF32(src: ByteSource, header: GgufHeader, name: string, opts: GgufReadOptions = {}): Promise<{ data: Float32Array; shape: number[]; type: string }> {
  const t = ggufTensor(header, name);
  if (!ggufTypeReadable(t.type)) {
    throw new GgufError(`${header.source}: tensor '${name}' has ggml type ${t.type.name}, which lowbit does not decode (it decodes: ${ggufReadableTypes()})`);
  }
  if (t.elements > GGUF_MAX_F32_ELEMENTS) {
    throw new GgufError(`${header.source}: tensor '${name}' has ${t.elements} elements; reading it as f32 is limited to ${GGUF_MAX_F32_ELEMENTS}`);
  }
  checkRange(src, t.offset, t.byteLength);
  const out = new Float32Array(t.elements);
  const cols = t.ne[0] as number;
  const rows = cols === 0 ? 0 : t.elements / cols;
  const rowBytes = t.byteLength / Math.max(rows, 1);
  const chunk = opts.chunkBytes ?? MAX_READ_CHUNK;
  const rowsPer = Math.max(1, Math.floor(chunk / Math.max(rowBytes, 1)));
  for (let r0 = 0; r0 < rows; r0 += rowsPer) {
    const n = Math.min(rowsPer, rows - r0);
    const bytes = await src.read(t.offset + r0 * rowBytes, n * rowBytes);
    try {
      decodeRows(t, bytes, n, out, r0 * cols);
    } catch (err) {
      throw new GgufError(`${header.source}: tensor '${name}': ${(err as Error).message}`);
    }
  }
  return { data: out, shape: t.shape.slice(), type: t.type.name };
}

/**
 * Reads tensor `name` of a ggml block type as a QuantizedTensor [rows, K] (K = ne[0], rows = the
 * product of the other dimensions): a ggml scheme with its blocks, or lowbit `mxfp4` for MXFP4.
 */
export async function readGgufQuantized(src: ByteSource, header: GgufHeader, name: string): Promise<QuantizedTensor> {
  const t = ggufTensor(header, name);
  if (!ggmlCodec(t.type.name)) {
    throw new GgufError(`${header.source}: tensor '${name}' has ggml type ${t.type.name}, not a block format lowbit decodes (q4_0 q4_1 q5_0 q5_1 q8_0 q2_k q3_k q4_k q5_k q6_k iq4_nl tq1_0 tq2_0 mxfp4)`);
  }
  if (t.elements > GGUF_MAX_F32_ELEMENTS) {
    throw new GgufError(`${header.source}: tensor '${name}' has ${t.elements} elements, more than lowbit's limit of ${GGUF_MAX_F32_ELEMENTS} for one tensor`);
  }
  if (t.elements === 0) throw new GgufError(`${header.source}: tensor '${name}' is empty`);
  checkRange(src, t.offset, t.byteLength);
  const bytes = (await src.read(t.offset, t.byteLength)).slice();
  const cols = t.ne[0] as number;
  try {
    return ggmlBlocksToQuantized(t.type.name, bytes, t.elements / cols, cols, `${header.source}: tensor '${name}'`);
  } catch (err) {
    throw new GgufError((err as Error).message);
  }
}

/** The ggml type named `name` (lower case), or a GgufError listing what exists. */
export function ggmlTypeNamed(name: string): GgmlTypeInfo {
  const t = ggmlTypeByName(name);
  if (!t) throw new GgufError(`unknown ggml type '${name}'`);
  return t;
}
