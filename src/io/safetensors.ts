// .safetensors reader (F32, F16, BF16, F64 tensors as f32) and f32 writer. Pure TS.
//
// Layout (huggingface/safetensors, README "Format"):
//
//   offset 0   8 bytes   N: header size, little-endian u64
//   offset 8   N bytes   header: UTF-8 JSON object, may be padded with trailing spaces
//                        { "__metadata__": { "k": "v" },            (optional, ignored)
//                          "name": { "dtype": "F16", "shape": [2, 3],
//                                    "data_offsets": [BEGIN, END] }, ... }
//   offset 8+N           byte buffer; a tensor's bytes are [8+N+BEGIN, 8+N+END), little-endian,
//                        C order, END - BEGIN = prod(shape) * size(dtype)

import type { ByteSource } from './byte-source.js';
import { encodeF32LE } from './float-bits.js';
import { clip, escapeControls, quoteShape, quoteString, quoteToken, quoteValue } from './quote.js';
import { allocF32, convertInto, elementCount, readTensorF32, type FloatKind, type ReadTensorOptions } from './tensor-data.js';

/** One tensor as listed in a .safetensors header. */
export interface SafetensorsTensorInfo {
  name: string;
  /** The header's dtype string, e.g. `'F32'`, `'BF16'`, `'I64'`. */
  dtype: string;
  shape: number[];
  /** Absolute byte range `[start, end)` of the tensor's data within the file. */
  byteRange: { start: number; end: number };
}

/** The parsed header of a .safetensors file. */
export interface SafetensorsHeader {
  /** Tensors in file (offset) order. */
  tensors: SafetensorsTensorInfo[];
  /** Absolute offset of the byte buffer (8 + header size). */
  dataStart: number;
}

/** A tensor read as f32. */
export interface SafetensorsTensor {
  name: string;
  /** The stored dtype before conversion. */
  dtype: string;
  shape: number[];
  data: Float32Array;
}

/** A tensor to write: f32 values in C order. */
export interface SafetensorsTensorInput {
  name: string;
  data: Float32Array;
  shape: readonly number[];
}

const HEADER_SIZE_BYTES = 8; // u64 little-endian
const METADATA_KEY = '__metadata__';
/** The writer pads the JSON header with spaces so the byte buffer starts 8-byte aligned. */
const HEADER_ALIGN = 8;
/** How many names an "unknown tensor" error lists before summarizing the rest. */
const MAX_NAMES_LISTED = 10;
/**
 * Largest JSON header this reader accepts: 100,000,000 bytes, the limit of the safetensors
 * reference implementation (MAX_HEADER_SIZE in safetensors/src/tensor.rs). Checked before the
 * header is read or allocated.
 */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;
/** Most dimensions a tensor's shape may have here (as numpy's NPY_MAXDIMS). */
export const SAFETENSORS_MAX_DIMS = 64;

/** Element sizes in bytes of the safetensors dtypes (safetensors `Dtype` enum). A Map: keys come from files. */
const DTYPE_BYTES: ReadonlyMap<string, number> = new Map([
  ['BOOL', 1], ['U8', 1], ['I8', 1], ['F8_E5M2', 1], ['F8_E4M3', 1], ['F8_E8M0', 1],
  ['I16', 2], ['U16', 2], ['F16', 2], ['BF16', 2],
  ['I32', 4], ['U32', 4], ['F32', 4],
  ['I64', 8], ['U64', 8], ['F64', 8],
  ['C64', 8],
]);

/** The dtypes read as f32, with their storage kind. */
const READABLE: ReadonlyMap<string, FloatKind> = new Map<string, FloatKind>([
  ['F32', 'f32'],
  ['F16', 'f16'],
  ['BF16', 'bf16'],
  ['F64', 'f64'],
]);

/** The dtypes `readSafetensorsTensor` converts to f32. */
export const SAFETENSORS_READABLE_DTYPES: readonly string[] = [...READABLE.keys()];

/** How a safetensors dtype is read as f32, or undefined when it cannot be. */
export function safetensorsFloatKind(dtype: string): FloatKind | undefined {
  return READABLE.get(dtype);
}

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** An own property of a parsed JSON object (never one inherited from Object.prototype). */
function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** "got X" or "missing" for a field of an entry. */
function got(o: Record<string, unknown>, key: string): string {
  return Object.hasOwn(o, key) ? `got ${quoteValue(o[key])}` : 'the key is missing';
}

/** Reads the u64 header size from the first 8 bytes and bounds it by the file and the limit. */
function headerSizeOf(prefix: Uint8Array, fileSize: number): number {
  if (fileSize < HEADER_SIZE_BYTES) {
    fail(`truncated file: ${fileSize} bytes, shorter than the ${HEADER_SIZE_BYTES}-byte header size field`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, HEADER_SIZE_BYTES);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerSize = hi * 2 ** 32 + lo;
  if (HEADER_SIZE_BYTES + headerSize > fileSize) {
    fail(
      `header size ${headerSize} runs past the end of the file (${fileSize} bytes, ` +
        `${fileSize - HEADER_SIZE_BYTES} after the size field); not a .safetensors file or truncated`,
    );
  }
  if (headerSize > SAFETENSORS_MAX_HEADER_BYTES) {
    fail(`header size ${headerSize} is larger than the ${SAFETENSORS_MAX_HEADER_BYTES} bytes safetensors allows; not a .safetensors file`);
  }
  return headerSize;
}

/**
 * Validates a header's bytes: UTF-8 JSON, each entry's dtype / shape / data_offsets, that every
 * tensor's byte count matches shape * dtype size (for dtypes of known size), that ranges stay
 * inside the byte buffer of a file of `fileSize` bytes and that no two overlap.
 */
function validateHeader(raw: Uint8Array, fileSize: number): SafetensorsHeader {
  const dataStart = HEADER_SIZE_BYTES + raw.length;
  let json: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    json = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid UTF-8 JSON: ${clip(escapeControls((e as Error).message))}`);
  }
  if (!isRecord(json)) fail(`header JSON must be an object mapping tensor names to entries, got ${quoteValue(json)}`);

  const bufferLength = fileSize - dataStart;
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, entry] of Object.entries(json)) {
    if (name === METADATA_KEY) continue;
    const t = `tensor ${quoteString(name)}`;
    if (!isRecord(entry)) fail(`${t}: entry must be an object, got ${quoteValue(entry)}`);
    const dtype = own(entry, 'dtype');
    const shape = own(entry, 'shape');
    const offsets = own(entry, 'data_offsets');
    if (typeof dtype !== 'string') fail(`${t}: 'dtype' must be a string, ${got(entry, 'dtype')}`);
    if (!Array.isArray(shape) || !shape.every(isNonNegInt)) {
      fail(`${t}: 'shape' must be an array of non-negative integers, ${got(entry, 'shape')}`);
    }
    if (shape.length > SAFETENSORS_MAX_DIMS) {
      fail(`${t}: shape ${quoteShape(shape)} has more than ${SAFETENSORS_MAX_DIMS} dimensions`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt)) {
      fail(`${t}: 'data_offsets' must be [begin, end] non-negative integers, ${got(entry, 'data_offsets')}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`${t}: data_offsets [${begin}, ${end}] has begin > end`);
    if (end > bufferLength) {
      fail(`${t}: data_offsets [${begin}, ${end}] out of range: the byte buffer is ${bufferLength} bytes (file truncated?)`);
    }
    const elemBytes = DTYPE_BYTES.get(dtype);
    if (elemBytes !== undefined) {
      let count: number;
      try {
        count = elementCount(shape, t);
      } catch (e) {
        return fail((e as Error).message);
      }
      if (count * elemBytes !== end - begin) {
        fail(`${t}: shape ${quoteShape(shape)} of ${quoteToken(dtype)} needs ${count * elemBytes} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`);
      }
    }
    tensors.push({ name, dtype, shape: shape as number[], byteRange: { start: dataStart + begin, end: dataStart + end } });
  }
  tensors.sort((a, b) => a.byteRange.start - b.byteRange.start || a.byteRange.end - b.byteRange.end);
  for (let i = 1; i < tensors.length; i++) {
    const prev = tensors[i - 1]!;
    const cur = tensors[i]!;
    if (cur.byteRange.start < prev.byteRange.end) {
      const rel = (t: SafetensorsTensorInfo): string => `[${t.byteRange.start - dataStart}, ${t.byteRange.end - dataStart}]`;
      fail(`tensors ${quoteString(prev.name)} ${rel(prev)} and ${quoteString(cur.name)} ${rel(cur)} have overlapping data_offsets`);
    }
  }
  return { tensors, dataStart };
}

/**
 * Parses and validates the header of a .safetensors file held in memory: the size field, the
 * JSON, each entry's dtype / shape / data_offsets, that every tensor's byte count matches
 * shape * dtype size (for dtypes of known size), that ranges stay inside the file and that no two
 * overlap. `__metadata__` is ignored.
 */
export function parseSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  const headerSize = headerSizeOf(bytes, bytes.length);
  return validateHeader(bytes.subarray(HEADER_SIZE_BYTES, HEADER_SIZE_BYTES + headerSize), bytes.length);
}

/**
 * Reads and validates the header of a .safetensors file from `src` (the size field, then the
 * header, bounded by SAFETENSORS_MAX_HEADER_BYTES before it is read). Same checks as
 * {@link parseSafetensorsHeader}; errors start with "safetensors:".
 */
export async function readSafetensorsHeader(src: ByteSource): Promise<SafetensorsHeader> {
  const prefix = await src.read(0, Math.min(HEADER_SIZE_BYTES, src.size));
  const headerSize = headerSizeOf(prefix, src.size);
  return validateHeader(await src.read(HEADER_SIZE_BYTES, headerSize), src.size);
}

/** Lists the tensors of a .safetensors file in file order (validating the header). */
export function listSafetensors(bytes: Uint8Array): SafetensorsTensorInfo[] {
  return parseSafetensorsHeader(bytes).tensors;
}

/**
 * Describes the available tensor names for an error message: "available (N): 'a', 'b', ..."
 * with at most 10 names listed.
 */
export function describeTensorNames(tensors: readonly { readonly name: string }[]): string {
  if (tensors.length === 0) return 'the file has no tensors';
  const names = tensors.slice(0, MAX_NAMES_LISTED).map((t) => quoteString(t.name));
  const more = tensors.length - names.length;
  return `available (${tensors.length}): ${names.join(', ')}${more > 0 ? `, ... and ${more} more` : ''}`;
}

function findTensor(header: SafetensorsHeader, name: string): SafetensorsTensorInfo {
  const info = header.tensors.find((t) => t.name === name);
  if (info === undefined) fail(`no tensor named ${quoteString(name)}; ${describeTensorNames(header.tensors)}`);
  return info;
}

function kindOf(info: SafetensorsTensorInfo): FloatKind {
  const kind = READABLE.get(info.dtype);
  if (kind === undefined) {
    fail(`tensor ${quoteString(info.name)} has dtype ${quoteToken(info.dtype)}, which cannot be read as f32; supported: ${SAFETENSORS_READABLE_DTYPES.join(', ')}`);
  }
  return kind;
}

/**
 * Reads one tensor as f32 (F32 copied, F16 converted exactly, BF16 exactly, F64 rounded).
 * Pass a header from `parseSafetensorsHeader` to skip re-parsing. Throws naming the tensor when
 * it does not exist (listing the available names) or its dtype is not one of those.
 */
export function readSafetensorsTensor(
  bytes: Uint8Array,
  name: string,
  header: SafetensorsHeader = parseSafetensorsHeader(bytes),
): SafetensorsTensor {
  const info = findTensor(header, name);
  const kind = kindOf(info);
  const what = `safetensors: tensor ${quoteString(name)}`;
  const count = elementCount(info.shape, what);
  const data = allocF32(count, what);
  convertInto(kind, bytes, info.byteRange.start, count, data, 0, info.shape, what);
  return { name, dtype: info.dtype, shape: [...info.shape], data };
}

/**
 * Reads one tensor from `src` as f32, reading only its byte range and converting in chunks.
 * `tensor` is a name (looked up in `header`) or an entry of `header.tensors`.
 */
export async function readSafetensorsTensorFrom(
  src: ByteSource,
  header: SafetensorsHeader,
  tensor: string | SafetensorsTensorInfo,
  opts: ReadTensorOptions = {},
): Promise<SafetensorsTensor> {
  const info = typeof tensor === 'string' ? findTensor(header, tensor) : tensor;
  const kind = kindOf(info);
  const data = await readTensorF32(src, { name: info.name, kind, shape: info.shape, start: info.byteRange.start }, opts);
  return { name: info.name, dtype: info.dtype, shape: [...info.shape], data };
}

/**
 * Serializes f32 tensors (in the order given, contiguous) as a .safetensors file, with an
 * optional `__metadata__` string map. The JSON header is space-padded to a multiple of 8 bytes.
 */
export function writeSafetensors(
  tensors: readonly SafetensorsTensorInput[],
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header[METADATA_KEY] = { ...metadata };
  const seen = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    if (t.name === METADATA_KEY) fail(`cannot write: '${METADATA_KEY}' is reserved and cannot name a tensor`);
    if (seen.has(t.name)) fail(`cannot write: duplicate tensor name '${t.name}'`);
    seen.add(t.name);
    if (!t.shape.every((d) => isNonNegInt(d))) fail(`cannot write '${t.name}': shape [${t.shape.join(', ')}] is not non-negative integers`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      fail(`cannot write '${t.name}': shape [${t.shape.join(', ')}] has ${count} elements but data has ${t.data.length}`);
    }
    const size = t.data.byteLength;
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / HEADER_ALIGN) * HEADER_ALIGN;
  if (padded !== json.length) {
    const withPad = new Uint8Array(padded).fill(' '.charCodeAt(0));
    withPad.set(json);
    json = withPad;
  }
  const out = new Uint8Array(HEADER_SIZE_BYTES + json.length + offset);
  const view = new DataView(out.buffer);
  // u64 little-endian; headers are far below 2^32 bytes, so the high word is 0.
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, HEADER_SIZE_BYTES);
  let pos = HEADER_SIZE_BYTES + json.length;
  for (const t of tensors) {
    out.set(encodeF32LE(t.data), pos);
    pos += t.data.byteLength;
  }
  return out;
}
