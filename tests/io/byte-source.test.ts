// ByteSource implementations: in-memory bytes, Blob slices and Node file handles read exact ranges and name the source in range errors.
import { mkdtempSync, rmSync, writeFileSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blobSource, bytesSource, readChunks, type ByteSource } from '../../src/io/byte-source.js';
import { openFileSource } from '../../src/io/node-file-source.js';

const dir = mkdtempSync(join(tmpdir(), 'lowbit-src-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);

async function sources(): Promise<ByteSource[]> {
  const path = join(dir, 'data.bin');
  writeFileSync(path, data);
  return [bytesSource(data, 'mem'), blobSource(new Blob([data]), 'blob'), await openFileSource(path)];
}

describe('ByteSource', () => {
  it('reads exact ranges, chunked reads cover the range in order, and out-of-range reads name the source', async () => {
    for (const src of await sources()) {
      expect(src.size).toBe(1000);
      expect(Array.from(await src.read(10, 5))).toEqual(Array.from(data.subarray(10, 15)));
      expect((await src.read(1000, 0)).length).toBe(0);
      const seen: number[] = [];
      await readChunks(src, 3, 990, (b, pos) => {
        expect(Array.from(b)).toEqual(Array.from(data.subarray(3 + pos, 3 + pos + b.length)));
        seen.push(pos);
      }, 100);
      expect(seen).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
      await expect(src.read(995, 10)).rejects.toThrow(new RegExp(`${src.name.replace(/[/.]/g, '.')}.*beyond the end.*1000 bytes`));
      await expect(src.read(-1, 1)).rejects.toThrow(/invalid byte range/);
      await src.close();
    }
  });

  it('reads a file beyond 4 GiB at its end (sparse file) and rejects missing files and directories by path', async () => {
    const path = join(dir, 'sparse.bin');
    const fd = openSync(path, 'w');
    const size = 2 ** 32 + 4096;
    ftruncateSync(fd, size);
    closeSync(fd);
    writeFileSync(path, Uint8Array.of(1, 2, 3), { flag: 'r+' });
    const src = await openFileSource(path);
    expect(src.size).toBe(size);
    expect(Array.from(await src.read(size - 4, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(await src.read(0, 3))).toEqual([1, 2, 3]);
    await src.close();
    await expect(openFileSource(join(dir, 'nope.bin'))).rejects.toThrow(/nope\.bin': no such file/);
    await expect(openFileSource(dir)).rejects.toThrow(/it is a directory/);
  });
});
