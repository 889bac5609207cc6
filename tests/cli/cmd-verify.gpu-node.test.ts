// `lowbit verify` end to end in Node on the adapter: a lowbit and a ggml scheme pass, and the table names each skipped variant's reason in a few words.
import { describe, expect, it, vi } from 'vitest';
import { verifyCommand } from '../../src/cli/cmd-verify.js';
import { GPU_KERNEL_VARIANTS } from '../../src/gpu/kernels.js';
import { skipReason } from '../../src/gpu/verify.js';
import { useGpu } from '../gpu/harness.js';

describe('lowbit verify', () => {
  const fixture = useGpu();

  it('passes int4 and q4_1 and prints "skip: adapter lacks <feature>" for every variant the adapter cannot run', async (ctx) => {
    const gpu = fixture.get(ctx);
    let out = '';
    const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await verifyCommand.run(['--quick', '--schemes', 'int4,q4_1']);
    } finally {
      outSpy.mockRestore();
      errSpy.mockRestore();
    }
    expect(code).toBe(0);
    const lines = out.split('\n');
    // Expected from the fixture's adapter (the command acquires the same adapter again).
    for (const scheme of ['int4', 'q4_1'] as const) {
      const rows = lines.map((l) => l.trim().split(/\s{2,}/)).filter((cells) => cells[0] === scheme);
      // A ggml scheme (Q4_1: per-group offsets) gets the bit-exact dequantize and no GPU quantize.
      expect(rows.some((cells) => cells[1] === 'dequantize' && cells[3] === 'pass')).toBe(true);
      expect(rows.some((cells) => cells[1] === 'quantize')).toBe(scheme === 'int4');
      for (const v of GPU_KERNEL_VARIANTS.filter((x) => x.supports(scheme) === true)) {
        const line = rows.find((cells) => cells[1] === v.name)?.join('  ');
        expect(line, `${scheme} ${v.name}`).toBeDefined();
        const why = skipReason(gpu, v);
        if (why === undefined) expect(line).toMatch(/\bpass\b/);
        else expect(line).toContain(`skip: ${why}`);
      }
    }
    expect(out).not.toMatch(/\bskip\s+-/);
  }, 300_000);
});
