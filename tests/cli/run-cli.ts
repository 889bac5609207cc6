// Runs the lowbit CLI in-process with stdout and stderr captured (for CLI tests).
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/** Exit status and captured output of one CLI run. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `lowbit ...argv` in-process; output is captured, not printed. */
export async function runCli(...argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
