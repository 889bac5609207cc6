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

import { decodeF32LE, decodeF64LEToF32, decodeHalfLE, encodeF32LE } from './float-bits.js';

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

/** Element sizes in bytes of the safetensors dtypes (safetensors `Dtype` enum). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
  C64: 8,
};

/** The dtypes `readSafetensorsTensor` converts to f32. */
const READABLE_DTYPES = ['F32', 'F16', 'BF16', 'F64'] as const;

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Parses and validates the header of a .safetensors file: the size field, the JSON, each entry's
 * dtype / shape / data_offsets, that every tensor's byte count matches shape * dtype size
 * (for dtypes of known size), that ranges stay inside the file and that no two overlap.
 * `__metadata__` is ignored.
 */
export function parseSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes.length < HEADER_SIZE_BYTES) {
    fail(`truncated file: ${bytes.length} bytes, shorter than the ${HEADER_SIZE_BYTES}-byte header size field`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerSize = hi * 2 ** 32 + lo;
  const dataStart = HEADER_SIZE_BYTES + headerSize;
  if (dataStart > bytes.length) {
    fail(
      `header size ${headerSize} runs past the end of the file (${bytes.length} bytes, ` +
        `${bytes.length - HEADER_SIZE_BYTES} after the size field); not a .safetensors file or truncated`,
    );
  }
  let json: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_SIZE_BYTES, dataStart));
    json = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (!isRecord(json)) fail('header JSON must be an object mapping tensor names to entries');

  const bufferLength = bytes.length - dataStart;
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, entry] of Object.entries(json)) {
    if (name === METADATA_KEY) continue;
    if (!isRecord(entry)) fail(`tensor '${name}': entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string') fail(`tensor '${name}': 'dtype' must be a string`);
    if (!Array.isArray(shape) || !shape.every(isNonNegInt)) {
      fail(`tensor '${name}': 'shape' must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt)) {
      fail(`tensor '${name}': 'data_offsets' must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`tensor '${name}': data_offsets [${begin}, ${end}] has begin > end`);
    if (end > bufferLength) {
      fail(
        `tensor '${name}': data_offsets [${begin}, ${end}] out of range: the byte buffer is ${bufferLength} bytes ` +
          `(file truncated?)`,
      );
    }
    const elemBytes = DTYPE_BYTES[dtype];
    if (elemBytes !== undefined) {
      const count = (shape as number[]).reduce((a, b) => a * b, 1);
      if (count * elemBytes !== end - begin) {
        fail(
          `tensor '${name}': shape [${shape.join(', ')}] of ${dtype} needs ${count * elemBytes} bytes, ` +
            `but data_offsets [${begin}, ${end}] span ${end - begin}`,
        );
      }
    }
    tensors.push({
      name,
      dtype,
      shape: shape as number[],
      byteRange: { start: dataStart + begin, end: dataStart + end },
    });
  }
  tensors.sort((a, b) => a.byteRange.start - b.byteRange.start || a.byteRange.end - b.byteRange.end);
  for (let i = 1; i < tensors.length; i++) {
    const prev = tensors[i - 1]!;
    const cur = tensors[i]!;
    if (cur.byteRange.start < prev.byteRange.end) {
      const rel = (t: SafetensorsTensorInfo): string =>
        `[${t.byteRange.start - dataStart}, ${t.byteRange.end - dataStart}]`;
      fail(`tensors '${prev.name}' ${rel(prev)} and '${cur.name}' ${rel(cur)} have overlapping data_offsets`);
    }
  }
  return { tensors, dataStart };
}

/** Lists the tensors of a .safetensors file in file order (validating the header). */
export function listSafetensors(bytes: Uint8Array): SafetensorsTensorInfo[] {
  return parseSafetensorsHeader(bytes).tensors;
}

/**
 * Describes the available tensor names for an error message: "available (N): 'a', 'b', ..."
 * with at most 10 names listed.
 */
export function describeTensorNames(tensors: readonly SafetensorsTensorInfo[]): string {
  if (tensors.length === 0) return 'the file has no tensors';
  const names = tensors.slice(0, MAX_NAMES_LISTED).map((t) => `'${t.name}'`);
  const more = tensors.length - names.length;
  return `available (${tensors.length}): ${names.join(', ')}${more > 0 ? `, ... and ${more} more` : ''}`;
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
  const info = header.tensors.find((t) => t.name === name);
  if (info === undefined) fail(`no tensor named '${name}'; ${describeTensorNames(header.tensors)}`);
  const { dtype, shape, byteRange } = info;
  const count = shape.reduce((a, b) => a * b, 1);
  let data: Float32Array;
  switch (dtype) {
    case 'F32':
      data = decodeF32LE(bytes, byteRange.start, count);
      break;
    case 'F16':
      data = decodeHalfLE(bytes, byteRange.start, count, 'f16');
      break;
    case 'BF16':
      data = decodeHalfLE(bytes, byteRange.start, count, 'bf16');
      break;
    case 'F64':
      data = decodeF64LEToF32(bytes, byteRange.start, count);
      break;
    default:
      fail(`tensor '${name}' has dtype ${dtype}, which cannot be read as f32; supported: ${READABLE_DTYPES.join(', ')}`);
  }
  return { name, dtype, shape: [...shape], data };
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
