/** `lowbit gpu`: which WebGPU adapter lowbit finds here, what it can do, and a live kernel check. */
import { acquireGpu } from '../gpu/device.js';
import { f32GemvGpu } from '../gpu/f32-gemv.js';
import { matmulRefDense } from '../cpu/matmul-ref.js';
import { checkMatmulBound } from '../cpu/compare.js';
import { parse } from './args.js';
import type { Command } from './commands.js';

export const gpuCommand: Command = {
  name: 'gpu',
  summary: 'show the WebGPU adapter, its features and limits, and run a kernel check on it',
  help: [
    'Usage: lowbit gpu [--json]',
    '',
    'Finds a WebGPU adapter (hardware first; in Node without one, the SwiftShader software driver',
    "from Debian's chromium package, or the Vulkan ICD named by LOWBIT_VK_ICD), prints what it is,",
    'the optional features lowbit will use, the limits it requested, and checks an f32 GEMV on it',
    'against the f64 CPU oracle.',
    '',
    'Options:',
    '  --json   print a JSON object instead of text',
  ].join('\n'),
  async run(argv) {
    const opts = parse(argv, { json: { type: 'boolean', default: false } });
    const gpu = await acquireGpu();
    try {
      const n = 256;
      const k = 1024;
      let s = 1;
      const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
      const x = Float32Array.from({ length: k }, next);
      const w = Float32Array.from({ length: n * k }, next);
      const y = await f32GemvGpu(gpu, x, w, n, k);
      const check = checkMatmulBound(y, matmulRefDense(x, w, 1, n, k), 1, n, k, { c: 1 });
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ adapter: gpu.adapter, capabilities: gpu.capabilities, limits: gpu.limits, check: { kernel: 'f32-gemv', shape: [1, n, k], ok: check.ok, message: check.message } }, null, 2)}\n`,
        );
      } else {
        const lines = [
          `adapter       ${gpu.describe()}`,
          `software      ${gpu.adapter.software ? 'yes: timings reflect the CPU emulating a GPU' : 'no'}`,
          ...Object.entries(gpu.limits).map(([key, v]) => `${key.padEnd(13)} ${v}`),
          `check         f32-gemv 1x${n}x${k} vs f64 oracle: ${check.message}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      return check.ok ? 0 : 1;
    } finally {
      gpu.destroy();
    }
  },
};
