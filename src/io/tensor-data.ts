/**
 * Reading one tensor's bytes from a ByteSource into a Float32Array, converting in chunks: the
 * stored bytes never exist whole in memory, only the f32 output and one scratch chunk. Shared by
 * the .npy and .safetensors readers and the model abstraction. Pure TS.
 *
 * Conversions: f32 copied bit for bit; binary16 and bfloat16 widened exactly (every value of
 * both is an f32 value); f64 rounded to the nearest f32, where a finite value beyond the f32
 * range is an error naming the element (not a silent Infinity).
 */
import { checkRange, MAX_READ_CHUNK, type ByteSource } from './byte-source.js';
import { decodeF32LEInto, decodeF64LEInto, decodeHalfLE, F32_MAX, HOST_LITTLE_ENDIAN } from './float-bits.js';
import { quoteShape, quoteString } from './quote.js';

/** Floating-point storage types the readers convert to f32. */
export type FloatKind = 'f32' | 'f16' | 'bf16' | 'f64';

/** Bytes per element of each FloatKind. */
export const FLOAT_KIND_BYTES: ReadonlyMap<FloatKind, number> = new Map<FloatKind, number>([
  ['f32', 4],
  ['f16', 2],
  ['bf16', 2],
  ['f64', 8],
]);

/** Size of the scratch chunk a conversion reads at a time (4 MiB, a multiple of every element size). */
export const CONVERT_CHUNK_BYTES = 4 * 1024 * 1024;

/** Where a tensor's data lies and how it is stored. */
export interface TensorDataLocation {
  /** For messages: the tensor's name. */
  readonly name: string;
  readonly kind: FloatKind;
  readonly shape: readonly number[];
  /** Absolute offset of the first byte within the source. */
  readonly start: number;
}

/** Options of {@link readTensorF32}. */
export interface ReadTensorOptions {
  /** Output to fill (its length must be the element count); allocated when omitted. */
  readonly out?: Float32Array;
  /** Aborts between chunks. */
  readonly signal?: AbortSignal;
  /** Bytes per conversion chunk (rounded down to whole elements); CONVERT_CHUNK_BYTES by default. */
  readonly chunkBytes?: number;
}

/**
 * Product of the dimensions as a safe integer. Throws naming the tensor when it exceeds 2^53 - 1
 * (checked at every step, so a hostile shape cannot overflow silently).
 */
export function elementCount(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) throw new RangeError(`${what}: shape ${quoteShape(shape)} has more than 2^53 - 1 elements`);
  }
  return n;
}

/** Row-major multi-index of flat element `i` in `shape`, for messages: "(row 3, col 7)" or "(1, 2, 3)". */
export function describeIndex(i: number, shape: readonly number[]): string {
  if (shape.length === 2) return `(row ${Math.floor(i / shape[1]!)}, col ${i % shape[1]!})`;
  if (shape.length <= 1) return `${i}`;
  const idx: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx.push(n === 0 ? 0 : rest % n);
    rest = n === 0 ? 0 : Math.floor(rest / n);
  }
  return `(${idx.reverse().join(', ')})`;
}

/**
 * A Float32Array of `count` elements; a runtime that cannot allocate it gives an error naming
 * the tensor, its size in bytes and the runtime's reason instead of a bare RangeError.
 */
export function allocF32(count: number, what: string): Float32Array {
  try {
    return new Float32Array(count);
  } catch (e) {
    const gb = (count * Float32Array.BYTES_PER_ELEMENT) / 1e9;
    throw new RangeError(`${what}: ${count} elements (${gb.toFixed(2)} GB as f32) cannot be allocated here: ${(e as Error).message}`);
  }
}

/**
 * Converts `n` stored elements of `kind` at `bytes[offset]` into `dst` (from index 0). `first`
 * is the flat index of the first element within the tensor of `shape`, for messages. Throws a
 * RangeError naming `what` and the element when an f64 value exceeds the f32 range.
 */
export function convertInto(kind: FloatKind, bytes: Uint8Array, offset: number, n: number, dst: Float32Array, first: number, shape: readonly number[], what: string): void {
  switch (kind) {
    case 'f32':
      decodeF32LEInto(bytes, offset, n, dst);
      return;
    case 'f16':
    case 'bf16':
      decodeHalfLE(bytes, offset, n, kind, dst);
      return;
    case 'f64': {
      const bad = decodeF64LEInto(bytes, offset, n, dst);
      if (bad >= 0) {
        const f64Bytes = FLOAT_KIND_BYTES.get('f64') as number;
        const v = new DataView(bytes.buffer, bytes.byteOffset + offset + bad * f64Bytes, f64Bytes).getFloat64(0, true);
        throw new RangeError(`${what}: f64 element ${describeIndex(first + bad, shape)} is ${v}, which exceeds the f32 range (largest finite f32: ${F32_MAX})`);
      }
      return;
    }
  }
}

/**
 * Reads the tensor at `loc` from `src` as f32 in chunks (see the module comment). Throws naming
 * the source and tensor when the data range lies beyond the source, when `out` has the wrong
 * length, or when an f64 value exceeds the f32 range.
 */
export async function readTensorF32(src: ByteSource, loc: TensorDataLocation, opts: ReadTensorOptions = {}): Promise<Float32Array> {
  const what = `${src.name}: tensor ${quoteString(loc.name)}`;
  const count = elementCount(loc.shape, what);
  const itemBytes = FLOAT_KIND_BYTES.get(loc.kind);
  if (itemBytes === undefined) throw new Error(`${what}: unknown storage kind ${quoteString(String(loc.kind))}`);
  const byteLength = count * itemBytes;
  checkRange(src, loc.start, byteLength);
  if (opts.out !== undefined && opts.out.length !== count) {
    throw new RangeError(`${what}: the output array holds ${opts.out.length} elements, the tensor ${quoteShape(loc.shape)} has ${count}`);
  }
  const out = opts.out ?? allocF32(count, what);
  const signal = opts.signal;
  signal?.throwIfAborted();

  const readInto = src.readInto?.bind(src);
  // f32 on a little-endian host: the stored bytes are the output's bytes; read straight into it.
  if (loc.kind === 'f32' && HOST_LITTLE_ENDIAN && readInto !== undefined) {
    const dest = new Uint8Array(out.buffer, out.byteOffset, byteLength);
    for (let pos = 0; pos < byteLength; pos += MAX_READ_CHUNK) {
      await readInto(loc.start + pos, dest.subarray(pos, Math.min(pos + MAX_READ_CHUNK, byteLength)));
      signal?.throwIfAborted();
    }
    return out;
  }

  const requested = opts.chunkBytes ?? CONVERT_CHUNK_BYTES;
  const chunkElems = Math.max(1, Math.floor(requested / itemBytes));
  const chunkBytes = Math.min(chunkElems * itemBytes, byteLength);
  const scratch = readInto !== undefined && chunkBytes > 0 ? new Uint8Array(chunkBytes) : undefined;
  for (let first = 0; first < count; first += chunkElems) {
    const n = Math.min(chunkElems, count - first);
    const offset = loc.start + first * itemBytes;
    let bytes: Uint8Array;
    if (scratch !== undefined && readInto !== undefined) {
      bytes = scratch.subarray(0, n * itemBytes);
      await readInto(offset, bytes);
    } else {
      bytes = await src.read(offset, n * itemBytes);
    }
    convertInto(loc.kind, bytes, 0, n, out.subarray(first, first + n), first, loc.shape, what);
    signal?.throwIfAborted();
  }
  return out;
}
