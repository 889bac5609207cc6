/**
 * A ByteSource over a file on disk (Node only): reads by position through one open file handle,
 * so files beyond 2 GiB work and only the ranges asked for are read.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { checkRange, type ByteSource } from './byte-source.js';

/** Opens `path` for reading; the error names the path (no such file, a directory, permission). */
export async function openFileSource(path: string): Promise<ByteSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`cannot read '${path}': no such file`);
    if (code === 'EACCES') throw new Error(`cannot read '${path}': permission denied`);
    throw new Error(`cannot read '${path}': ${(e as Error).message}`);
  }
  const st = await handle.stat();
  if (st.isDirectory()) {
    await handle.close();
    throw new Error(`cannot read '${path}': it is a directory`);
  }
  let closed = false;
  const size = st.size;
  const readInto = async (offset: number, dest: Uint8Array): Promise<void> => {
    const length = dest.byteLength;
    checkRange({ name: path, size }, offset, length);
    if (closed) throw new Error(`cannot read '${path}': the file was closed`);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(dest, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`cannot read '${path}': it ended after ${offset + done} bytes, expected at least ${offset + length} (the file is truncated or changed while reading)`);
      done += bytesRead;
    }
  };
  return {
    name: path,
    size,
    async read(offset, length) {
      checkRange({ name: path, size }, offset, length);
      const out = new Uint8Array(length);
      await readInto(offset, out);
      return out;
    },
    readInto,
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
