// Hostile input files through the CLI: quantize --out and report --out exit 0 or 1 with a clear message, and never leave a partial or temp file.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from './run-cli.js';
import { parseNpy } from '../../src/io/npy.js';
import { hostileFiles, unclearReason } from '../io/hostile-files.js';

const root = mkdtempSync(join(tmpdir(), 'lowbit-hostile-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('hostile files through the CLI', () => {
  it('200 seeded mutations: quantize --out and report --out fail cleanly or write a whole file', async () => {
    const problems: string[] = [];
    let failed = 0;
    for (const [i, f] of hostileFiles(200, 777).entries()) {
      const dir = mkdtempSync(join(root, 'case-'));
      const input = join(dir, `in${f.ext}`);
      writeFileSync(input, f.bytes);
      const tensor = f.ext === '.safetensors' ? ['--tensor', 'a.weight'] : [];
      for (const [cmd, out, argv] of [
        ['quantize', join(dir, 'deq.npy'), ['quantize', '--in', input, ...tensor, '--scheme', 'int4', '--group', '8', '--out']],
        ['report', join(dir, 'r.json'), ['report', '--in', input, '--schemes', 'int4', '--group', '8', '--quiet', '--out']],
      ] as const) {
        const r = await run(...argv, out);
        const files = readdirSync(dir).filter((n) => n !== `in${f.ext}`);
        if (r.code === 0) {
          if (files.length !== 1) problems.push(`case ${i} ${cmd}: exit 0 but files ${files.join(', ')}`);
          else if (cmd === 'quantize') parseNpy(new Uint8Array(readFileSync(out)));
          else JSON.parse(readFileSync(out, 'utf8'));
        } else {
          failed++;
          if (r.code !== 1) problems.push(`case ${i} ${cmd}: exit ${r.code}: ${r.err.slice(0, 200)}`);
          if (files.length > 0) problems.push(`case ${i} ${cmd}: exit ${r.code} left ${files.join(', ')}`);
          const prefix = `lowbit ${cmd}: `;
          const message = r.err.startsWith(prefix) ? r.err.slice(prefix.length).trimEnd() : r.err;
          // Every message names the input: the file it could not read, or the tensor it could not quantize.
          const why = unclearReason(new Error(message), ['cannot read ', 'no tensors of ', `${input}: `, `tensor '`]);
          if (why === undefined && !message.includes(input)) problems.push(`case ${i} ${cmd}: does not name ${input}: ${message.slice(0, 200)}`);
          if (why !== undefined) problems.push(`case ${i} ${cmd}: ${why}`);
        }
        rmSync(out, { force: true });
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(failed).toBeGreaterThan(250);
  }, 120_000);
});
