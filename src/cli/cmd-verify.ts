/**
 * `lowbit verify`: runs the scheme x GPU kernel x variant matrix on the current adapter and the
 * scheme x WebAssembly kernel matrix on this CPU against the CPU f64 oracle on the embedded
 * sample (src/gpu/verify.ts) and prints a pass/fail table naming every variant and backend;
 * exit status 1 on any disagreement.
 */
import { acquireGpu, type LowbitGpu } from '../gpu/device.js';
import { verifyMatrix, verifyWasmMatrix, type VerifyRow } from '../gpu/verify.js';
import { isAnySchemeName, unknownSchemeMessage } from '../quant/schemes.js';
import { parse, UsageError } from './args.js';
import { formatTable, sig } from './table.js';
import type { Command } from './commands.js';

export { verifyMatrix, verifyWasmMatrix, type VerifyOptions, type VerifyRow } from '../gpu/verify.js';

const BACKENDS = ['all', 'webgpu', 'wasm'] as const;

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check every scheme x GPU kernel variant on this adapter and x WebAssembly kernel on this CPU against the CPU oracle',
  help: [
    'Usage: lowbit verify [--json] [--schemes a,b] [--quick] [--backend all|webgpu|wasm]',
    '',
    "Quantizes the embedded sample weights (256 x 1024; --quick: 64 x 256) with every scheme (lowbit's",
    "and llama.cpp's block formats q4_0 ... tq2_0), and on the current WebGPU adapter runs the",
    'bit-exact dequantize, the bit-exact GPU quantize where it exists (not for the ggml schemes)',
    'and every kernel variant that supports the scheme (M = 1 and 4; --quick: 1 and 3) against the',
    "f64 CPU oracle, each under its documented error bound. Variants needing a capability the",
    'adapter lacks are listed as skip. Then, on this CPU, every WebAssembly SIMD kernel (wasm-dequant,',
    'wasm-dequant-i8, ...) that supports the scheme, on the same sample and shapes, under its bound',
    'and bit for bit against its TypeScript reference where it has one (rows with backend wasm).',
    'Prints a table with the variant that ran, the worst error/bound ratio, the timing and the',
    'backend; exit status 1 on any failure or error.',
    '',
    'Without a WebGPU adapter the default (--backend all) prints why on stderr, runs the wasm',
    'rows only and exits by them; --backend webgpu makes a missing adapter an error.',
    '',
    'Options:',
    '  --schemes a,b   only these schemes (default: all, the ggml schemes included)',
    '  --backend B     all (default: webgpu when an adapter exists, and wasm), webgpu or wasm',
    '  --quick         smaller sample and shapes',
    '  --json          print a JSON object instead of the table',
  ].join('\n'),
  async run(argv) {
    const opts = parse(argv, {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      schemes: { type: 'string' },
      backend: { type: 'string', default: 'all' },
    });
    if (!(BACKENDS as readonly string[]).includes(opts.backend)) throw new UsageError(`--backend must be all, webgpu or wasm, got '${opts.backend}'`);
    const backend = opts.backend as (typeof BACKENDS)[number];
    const schemes = opts.schemes
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const s of schemes ?? []) if (!isAnySchemeName(s)) throw new UsageError(unknownSchemeMessage(s));
    let gpu: LowbitGpu | undefined;
    let noGpu: string | undefined;
    if (backend !== 'wasm') {
      try {
        gpu = await acquireGpu();
      } catch (err) {
        if (backend === 'webgpu') throw err;
        noGpu = (err as Error).message;
      }
    }
    try {
      const onRow = opts.json ? undefined : (r: VerifyRow) => process.stderr.write(`  ${r.status.padEnd(5)} ${r.scheme} ${r.variant}${r.backend === 'wasm' ? ' (wasm)' : ''}\n`);
      if (!opts.json) {
        if (gpu) process.stderr.write(`adapter: ${gpu.describe()}\n`);
        if (noGpu !== undefined) process.stderr.write(`no WebGPU adapter, the GPU rows were not run (--backend webgpu makes this an error): ${noGpu}\n`);
      }
      const rows: VerifyRow[] = [];
      if (gpu) rows.push(...(await verifyMatrix(gpu, { ...(schemes ? { schemes } : {}), quick: opts.quick, onRow })));
      if (backend !== 'webgpu') rows.push(...(await verifyWasmMatrix({ ...(schemes ? { schemes } : {}), quick: opts.quick, onRow })));
      const bad = rows.filter((r) => r.status === 'fail' || r.status === 'error');
      if (opts.json) {
        const gpuInfo = gpu ? { adapter: gpu.adapter, capabilities: gpu.capabilities } : { adapter: null, ...(noGpu !== undefined ? { noAdapter: noGpu } : {}) };
        process.stdout.write(`${JSON.stringify({ ...gpuInfo, ok: bad.length === 0, rows: rows.map((r) => ({ ...r, backend: r.backend ?? 'webgpu' })) }, null, 2)}\n`);
      } else {
        const table = formatTable(
          ['scheme', 'variant', 'cpu twin', 'result', 'err/bound', 'max |err|', 'time ms', 'timer', 'backend'],
          rows.map((r) => [
            r.scheme,
            r.variant,
            r.cpuTwin,
            r.status === 'skip' ? `skip: ${r.message}` : r.status,
            r.status === 'pass' || r.status === 'fail' ? sig(r.worstRatio, 3) : '-',
            r.status === 'pass' || r.status === 'fail' ? sig(r.maxAbsErr, 3) : '-',
            r.gpuMs === undefined ? '-' : sig(r.gpuMs, 3),
            r.timer ?? '-',
            r.backend ?? 'webgpu',
          ]),
        );
        const counts = ['pass', 'fail', 'error', 'skip'].map((s) => `${rows.filter((r) => r.status === s).length} ${s}`).join(', ');
        const details = bad.map((r) => `${r.status.toUpperCase()} ${r.scheme} ${r.variant}${r.backend === 'wasm' ? ' (wasm)' : ''}: ${r.message}`);
        process.stdout.write(`${table}\n\n${counts}\n${details.length ? `${details.join('\n')}\n` : ''}`);
      }
      return bad.length === 0 ? 0 : 1;
    } finally {
      gpu?.destroy();
    }
  },
};
