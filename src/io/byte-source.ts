/**
 * ByteSource: random-access, read-only bytes that the readers (.npy, .safetensors, .gguf) pull
 * from: a file on disk (src/io/node-file-source.ts, Node only), a browser File or Blob (read
 * through Blob.slice), or bytes already in memory. Readers read a header, then only the byte
 * range of the tensor asked for, so a file of any size (beyond 2 GiB) works and memory follows
 * the largest tensor read, not the file.
 *
 * Offsets and sizes are plain numbers: safe integers, exact up to 2^53 bytes.
 */

/** Random-access read-only bytes. */
export interface ByteSource {
  /** What errors call it: a file path, a File's name, or a caller's label. */
  readonly name: string;
  /** Total size in bytes (a safe integer; may exceed 2^31). */
  readonly size: number;
  /**
   * Exactly the bytes [offset, offset + length). Rejects with an error naming the source when the
   * range is not within [0, size] or the underlying read comes back short. The result may be a
   * view into a larger buffer; copy it before keeping it beyond the next read.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: fills all of `dest` with the bytes [offset, offset + dest.byteLength), with the same
   * checks as `read`, without allocating (a positional read straight into `dest`). Readers use it
   * when present to fill output arrays and reuse one scratch buffer.
   */
  readInto?(offset: number, dest: Uint8Array): Promise<void>;
  /** Releases the underlying handle, if any (idempotent). */
  close(): Promise<void>;
}

/** Largest single read a source is asked for by the chunked helpers (64 MiB). */
export const MAX_READ_CHUNK = 64 * 1024 * 1024;

/** Throws a RangeError naming `src` unless [offset, offset + length) lies within [0, size]. */
export function checkRange(src: Pick<ByteSource, 'name' | 'size'>, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`${src.name}: invalid byte range (offset ${offset}, length ${length})`);
  }
  if (offset + length > src.size) {
    throw new RangeError(`${src.name}: byte range [${offset}, ${offset + length}) lies beyond the end of the data (${src.size} bytes); the file is truncated or its header is wrong`);
  }
}

/** A ByteSource over bytes in memory (no copy; reads are views). */
export function bytesSource(bytes: Uint8Array, name = 'bytes'): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    read(offset, length) {
      try {
        checkRange(this, offset, length);
      } catch (e) {
        return Promise.reject(e);
      }
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
    readInto(offset, dest) {
      try {
        checkRange(this, offset, dest.byteLength);
      } catch (e) {
        return Promise.reject(e);
      }
      dest.set(bytes.subarray(offset, offset + dest.byteLength));
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

/** The part of Blob (and File) a BlobSource uses. */
export interface BlobLike {
  readonly size: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** A ByteSource over a browser File or Blob (any size): each read is one Blob.slice. */
export function blobSource(blob: BlobLike, name = (blob as { name?: unknown }).name): ByteSource {
  const label = typeof name === 'string' && name !== '' ? name : 'blob';
  const src: ByteSource = {
    name: label,
    size: blob.size,
    async read(offset, length) {
      checkRange(src, offset, length);
      const buf = await blob.slice(offset, offset + length).arrayBuffer();
      if (buf.byteLength !== length) throw new Error(`${label}: read ${buf.byteLength} of ${length} bytes at offset ${offset} (the file changed or is unreadable)`);
      return new Uint8Array(buf);
    },
    close: () => Promise.resolve(),
  };
  return src;
}

/**
 * Reads [offset, offset + length) in chunks of at most `chunk` bytes (MAX_READ_CHUNK by default),
 * calling `fn(bytes, position)` for each in order; `position` counts bytes from `offset`.
 */
export async function readChunks(src: ByteSource, offset: number, length: number, fn: (bytes: Uint8Array, position: number) => void | Promise<void>, chunk = MAX_READ_CHUNK): Promise<void> {
  checkRange(src, offset, length);
  if (!(chunk >= 1)) throw new RangeError(`readChunks: chunk must be at least 1 byte, got ${chunk}`);
  for (let pos = 0; pos < length; pos += chunk) {
    const n = Math.min(chunk, length - pos);
    await fn(await src.read(offset + pos, n), pos);
  }
}
