/**
 * `lowbit verify`: runs the scheme x GPU kernel x variant matrix on the current adapter against
 * the CPU f64 oracle on the embedded sample (src/gpu/verify.ts) and prints a pass/fail table
 * naming every variant; exit status 1 on any disagreement.
 */
import { acquireGpu } from '../gpu/device.js';
import { verifyMatrix } from '../gpu/verify.js';
import { isAnySchemeName, unknownSchemeMessage } from '../quant/schemes.js';
import { parse, UsageError } from './args.js';
import { formatTable, sig } from './table.js';
import type { Command } from './commands.js';

export { verifyMatrix, type VerifyOptions, type VerifyRow } from '../gpu/verify.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check every scheme x GPU kernel variant on this adapter against the CPU oracle',
  help: [
    'Usage: lowbit verify [--json] [--schemes a,b] [--quick]',
    '',
    "Quantizes the embedded sample weights (256 x 1024; --quick: 64 x 256) with every scheme (lowbit's",
    "and llama.cpp's block formats q4_0 ... tq2_0), and on the current WebGPU adapter runs the",
    'bit-exact dequantize, the bit-exact GPU quantize where it exists (not for the ggml schemes)',
    'and every kernel variant that supports the scheme (M = 1 and 4; --quick: 1 and 3) against the',
    "f64 CPU oracle, each under its documented error bound. Variants needing a capability the",
    'adapter lacks are listed as skip. Prints a table with the variant that ran, the worst',
    'error/bound ratio and the timing; exit status 1 on any failure or error.',
    '',
    'Options:',
    '  --schemes a,b   only these schemes (default: all, the ggml schemes included)',
    '  --quick         smaller sample and shapes',
    '  --json          print a JSON object instead of the table',
  ].join('\n'),
  async run(argv) {
    const opts = parse(argv, {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      schemes: { type: 'string' },
    });
    const schemes = opts.schemes
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const s of schemes ?? []) if (!isAnySchemeName(s)) throw new UsageError(unknownSchemeMessage(s));
    const gpu = await acquireGpu();
    try {
      if (!opts.json) process.stderr.write(`adapter: ${gpu.describe()}\n`);
      const rows = await verifyMatrix(gpu, {
        ...(schemes ? { schemes } : {}),
        quick: opts.quick,
        onRow: opts.json ? undefined : (r) => process.stderr.write(`  ${r.status.padEnd(5)} ${r.scheme} ${r.variant}\n`),
      });
      const bad = rows.filter((r) => r.status === 'fail' || r.status === 'error');
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ adapter: gpu.adapter, capabilities: gpu.capabilities, ok: bad.length === 0, rows }, null, 2)}\n`);
      } else {
        const table = formatTable(
          ['scheme', 'variant', 'cpu twin', 'result', 'err/bound', 'max |err|', 'time ms', 'timer'],
          rows.map((r) => [
            r.scheme,
            r.variant,
            r.cpuTwin,
            r.status === 'skip' ? `skip: ${r.message}` : r.status,
            r.status === 'pass' || r.status === 'fail' ? sig(r.worstRatio, 3) : '-',
            r.status === 'pass' || r.status === 'fail' ? sig(r.maxAbsErr, 3) : '-',
            r.gpuMs === undefined ? '-' : sig(r.gpuMs, 3),
            r.timer ?? '-',
          ]),
        );
        const counts = ['pass', 'fail', 'error', 'skip'].map((s) => `${rows.filter((r) => r.status === s).length} ${s}`).join(', ');
        const details = bad.map((r) => `${r.status.toUpperCase()} ${r.scheme} ${r.variant}: ${r.message}`);
        process.stdout.write(`${table}\n\n${counts}\n${details.length ? `${details.join('\n')}\n` : ''}`);
      }
      return bad.length === 0 ? 0 : 1;
    } finally {
      gpu.destroy();
    }
  },
};
