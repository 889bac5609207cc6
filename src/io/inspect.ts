/**
 * Header listers for `lowbit inspect`: the tensors of a .gguf, .safetensors or .npy file with
 * their types, shapes, bits per weight and byte ranges, read from the header alone through a
 * ByteSource (a file of any size, or a browser File). Each lister bounds what it reads before
 * reading it and names the file in its errors.
 */
import type { ByteSource } from './byte-source.js';
import { readGgufHeader, type GgufArray, type GgufValue } from './gguf.js';
import { ggmlBitsPerWeight } from '../ggml/types.js';

/** The formats the listers read. */
export type TensorFileFormat = 'gguf' | 'safetensors' | 'npy';

/** One tensor of a listing. */
export interface TensorEntry {
  readonly name: string;
  /** The file's own type name: 'q4_k' (GGUF), 'BF16' (safetensors), '<f4' (npy). */
  readonly dtype: string;
  /** Dimensions outermost first ([N, K] for a weight matrix). */
  readonly shape: readonly number[];
  /** Storage bits per element (block formats: block bytes * 8 / block size), when known. */
  readonly bitsPerWeight: number | undefined;
  readonly bytes: number;
  /** Absolute offset of the data in the file. */
  readonly offset: number;
}

/** What a lister found in a file's header. */
export interface FileListing {
  readonly format: TensorFileFormat;
  readonly source: string;
  /** Format facts, e.g. [['version', '3'], ['alignment', '32']]. */
  readonly properties: readonly (readonly [string, string])[];
  /** GGUF metadata in file order (empty for the other formats). */
  readonly metadata: readonly (readonly [string, GgufValue])[];
  readonly tensors: readonly TensorEntry[];
}

/** The format a file name's extension names, or undefined. */
export function tensorFileFormat(name: string): TensorFileFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.gguf')) return 'gguf';
  if (lower.endsWith('.safetensors')) return 'safetensors';
  if (lower.endsWith('.npy')) return 'npy';
  return undefined;
}

/** Lists a file's tensors by its format (from the name's extension unless given). */
export async function listTensorFile(src: ByteSource, format: TensorFileFormat | undefined = tensorFileFormat(src.name)): Promise<FileListing> {
  switch (format) {
    case 'gguf':
      return listGguf(src);
    case 'safetensors':
      return listSafetensorsHeader(src);
    case 'npy':
      return listNpyHeader(src);
    default:
      throw new Error(`${src.name}: unknown file type; lowbit reads .gguf, .safetensors and .npy (and model.safetensors.index.json)`);
  }
}

// ---------------------------------------------------------------------------------------------
// GGUF

/** Lists a GGUF file: version, alignment, metadata and tensors (ggml type, shape, bits/weight). */
export async function listGguf(src: ByteSource): Promise<FileListing> {
  const h = await readGgufHeader(src);
  return {
    format: 'gguf',
    source: src.name,
    properties: [
      ['version', String(h.version)],
      ['alignment', String(h.alignment)],
      ['data offset', String(h.dataOffset)],
    ],
    metadata: [...h.metadata],
    tensors: h.tensors.map((t) => ({ name: t.name, dtype: t.type.name, shape: t.shape, bitsPerWeight: ggmlBitsPerWeight(t.type), bytes: t.byteLength, offset: t.offset })),
  };
}

function arraySummary(a: GgufArray, maxItems: number): string {
  const shown = (a.items as readonly unknown[]).slice(0, maxItems).map((x) => (a.itemType === 'array' ? `[${(x as GgufArray).itemType} x ${(x as GgufArray).items.length}]` : scalarText(x)));
  const more = a.items.length > maxItems ? `, ... (${a.items.length} items)` : '';
  return `[${a.itemType} x ${a.items.length}] ${shown.join(', ')}${more}`;
}

function scalarText(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

/** A one-line description of a metadata value: `u32 32`, `string "llama"`, `[string x 32000] "<unk>", ...`. */
export function describeGgufValue(v: GgufValue, maxItems = 4): string {
  if (v.type === 'array') return arraySummary(v.value, maxItems);
  return `${v.type} ${scalarText(v.value)}`;
}

// ---------------------------------------------------------------------------------------------
// safetensors

/** safetensors' own header limit (100 MB). */
const SAFETENSORS_MAX_HEADER = 100_000_000;
const SAFETENSORS_SIZE_FIELD = 8;
/** Bits per element of the safetensors dtypes (safetensors `Dtype`). */
const SAFETENSORS_BITS = new Map<string, number>([
  ['BOOL', 8], ['U8', 8], ['I8', 8], ['F8_E5M2', 8], ['F8_E4M3', 8], ['F8_E8M0', 8], ['F4', 4], ['F6_E2M3', 6], ['F6_E3M2', 6],
  ['I16', 16], ['U16', 16], ['F16', 16], ['BF16', 16], ['I32', 32], ['U32', 32], ['F32', 32],
  ['I64', 64], ['U64', 64], ['F64', 64], ['C64', 64],
]);

/** Lists a .safetensors file from its JSON header (at most 100 MB, as the format allows). */
export async function listSafetensorsHeader(src: ByteSource): Promise<FileListing> {
  const fail: (what: string) => never = (what) => {
    throw new Error(`${src.name}: ${what}`);
  };
  if (src.size < SAFETENSORS_SIZE_FIELD) fail(`${src.size} bytes is too short for a .safetensors file`);
  const head = await src.read(0, SAFETENSORS_SIZE_FIELD);
  const view = new DataView(head.buffer, head.byteOffset, SAFETENSORS_SIZE_FIELD);
  const size = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (size > SAFETENSORS_MAX_HEADER) fail(`header size ${size} is above the format's limit of ${SAFETENSORS_MAX_HEADER} bytes; not a .safetensors file`);
  if (SAFETENSORS_SIZE_FIELD + size > src.size) fail(`header size ${size} runs past the end of the file (${src.size} bytes); truncated or not a .safetensors file`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await src.read(SAFETENSORS_SIZE_FIELD, size)));
  } catch (e) {
    return fail(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('header JSON must be an object');
  const dataStart = SAFETENSORS_SIZE_FIELD + size;
  const tensors: TensorEntry[] = [];
  const properties: [string, string][] = [['header bytes', String(size)]];
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      properties.push(['metadata', JSON.stringify(entry).slice(0, 200)]);
      continue;
    }
    if (typeof entry !== 'object' || entry === null) fail(`tensor '${name}': entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string') return fail(`tensor '${name}': 'dtype' must be a string`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}': 'shape' must be non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}': 'data_offsets' must be [begin, end]`);
    const [begin, end] = offsets as [number, number];
    if (begin > end || dataStart + end > src.size) fail(`tensor '${name}': data_offsets [${begin}, ${end}] lie outside the file`);
    tensors.push({ name, dtype, shape: shape as number[], bitsPerWeight: SAFETENSORS_BITS.get(dtype), bytes: end - begin, offset: dataStart + begin });
  }
  tensors.sort((a, b) => a.offset - b.offset);
  return { format: 'safetensors', source: src.name, properties, metadata: [], tensors };
}

// ---------------------------------------------------------------------------------------------
// npy

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const;
/** numpy refuses headers above 10000 bytes by default; this lister allows 1 MiB. */
const NPY_MAX_HEADER = 1 << 20;

/** Lists a .npy file from its header dict: descr (dtype), shape and the data's byte range. */
export async function listNpyHeader(src: ByteSource): Promise<FileListing> {
  const fail: (what: string) => never = (what) => {
    throw new Error(`${src.name}: ${what}`);
  };
  const PREAMBLE = 12;
  if (src.size < 10) fail(`${src.size} bytes is too short for a .npy file`);
  const pre = await src.read(0, Math.min(PREAMBLE, src.size));
  if (!NPY_MAGIC.every((b, i) => pre[i] === b)) fail('bad magic (expected "\\x93NUMPY"); not a .npy file');
  const major = pre[6] as number;
  if (major < 1 || major > 3) fail(`unsupported .npy format version ${major}.${pre[7]}`);
  const lenBytes = major === 1 ? 2 : 4;
  const start = 8 + lenBytes;
  if (src.size < start) fail('truncated header');
  const hlen = major === 1 ? (pre[8] as number) | ((pre[9] as number) << 8) : ((pre[8] as number) | ((pre[9] as number) << 8) | ((pre[10] as number) << 16) | ((pre[11] as number) << 24)) >>> 0;
  if (hlen > NPY_MAX_HEADER) fail(`header length ${hlen} is above the limit of ${NPY_MAX_HEADER} bytes`);
  if (start + hlen > src.size) fail(`header length ${hlen} runs past the end of the file`);
  const raw = await src.read(start, hlen);
  // Versions 1.0 and 2.0 are latin-1 (one code point per byte), 3.0 UTF-8.
  let text = '';
  if (major === 3) text = new TextDecoder('utf-8').decode(raw);
  else for (const b of raw) text += String.fromCharCode(b);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || shapeText === undefined) return fail(`header does not name a plain dtype and shape: ${text.trim().slice(0, 120)}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s);
      if (!/^\d+L?$/.test(s) || !Number.isSafeInteger(n)) fail(`shape entry '${s}' is not a non-negative integer`);
      return n;
    });
  const item = /^[<>|=]?[fiucbV](\d+)$/.exec(descr);
  const itemBytes = item ? Number(item[1]) : undefined;
  const count = shape.reduce((a, b) => a * b, 1);
  const dataOffset = start + hlen;
  const bytes = itemBytes === undefined ? src.size - dataOffset : count * itemBytes;
  return {
    format: 'npy',
    source: src.name,
    properties: [['version', `${major}.${pre[7]}`], ['fortran order', /'fortran_order'\s*:\s*True/.test(text) ? 'yes' : 'no']],
    metadata: [],
    tensors: [{ name: src.name.replace(/^.*[\\/]/, '').replace(/\.npy$/i, ''), dtype: descr, shape, bitsPerWeight: itemBytes === undefined ? undefined : itemBytes * 8, bytes, offset: dataOffset }],
  };
}
