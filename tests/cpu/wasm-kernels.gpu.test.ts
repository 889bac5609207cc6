// Every WebAssembly kernel on threads against its TypeScript reference, in both GPU projects: Node (worker_threads) and Chromium on a cross-origin isolated page (Web Workers over a shared memory).
import { describe, expect, it } from 'vitest';
import { CPU_KERNELS, checkCpuKernel, type CpuKernelName } from '../../src/cpu/kernels.js';
import { WASM_KERNELS, WASM_KERNEL_NAMES, WASM_REFERENCES, checkWasmKernel, runWasmKernel } from '../../src/cpu/wasm-kernels.js';
import { wasmThreadsInfo, wasmThreadsStatus } from '../../src/cpu/wasm-threads.js';
import type { WasmKernelImpl } from '../../src/cpu/wasm-arena.js';
import { SCHEME_NAMES, applies, makeCase, type Shape } from './helpers.js';

/** The TypeScript reference of a WebAssembly kernel: the CPU registry entry of its family (and activation type). */
function referenceOf(impl: WasmKernelImpl): CpuKernelName {
  if (impl.family === 'lut') return impl.name.endsWith('-i8') ? 'lut-i8' : 'lut-f32';
  return impl.family;
}

/** M = 1, 3, 8; N off every tile multiple; K of three groups of 32, and one group. */
const SHAPES: readonly Shape[] = [
  { m: 1, n: 67, k: 96, group: 32, label: 'GEMV N=67 K=96' },
  { m: 3, n: 45, k: 96, group: 32, label: 'M=3 N=45' },
  { m: 8, n: 29, k: 32, group: 32, label: 'M=8 K = one group' },
];
const THREADS = 3;

describe('wasm kernels on threads', () => {
  it('threads run here (the browser page is cross-origin isolated)', () => {
    const g = globalThis as { crossOriginIsolated?: boolean; window?: unknown };
    if (g.window !== undefined) expect(g.crossOriginIsolated, 'the gpu-browser page must be served with COOP + COEP (vitest.config.ts)').toBe(true);
    expect(wasmThreadsStatus()).toEqual({ available: true, reason: '' });
  });

  for (const name of WASM_KERNEL_NAMES) {
    it(`${name} on ${THREADS} threads: the bits of 1 thread, within its bound, beside its TypeScript reference`, async () => {
      const impl = WASM_KERNELS[name];
      const ref = CPU_KERNELS[referenceOf(impl)];
      const before = wasmThreadsInfo().threadedCalls;
      let ran = 0;
      for (const scheme of SCHEME_NAMES) {
        if (impl.supports(scheme) !== true) continue;
        for (const shape of SHAPES) {
          if (!applies(scheme, shape)) continue;
          const c = makeCase(scheme, shape, 5);
          if (impl.supports(c.qt) !== true) continue;
          const where = `${name} ${scheme} ${shape.label}`;
          const one = await runWasmKernel(name, c.x, shape.m, c.qt, { threads: 1 });
          const many = await runWasmKernel(name, c.x, shape.m, c.qt, { threads: THREADS });
          expect(new Uint32Array(many.buffer), where).toEqual(new Uint32Array(one.buffer));
          const check = checkWasmKernel(impl, c.x, shape.m, c.qt, many, c.ref);
          expect(check.ok, `${where}: ${check.message}`).toBe(true);
          const exact = WASM_REFERENCES[name];
          if (exact) expect(new Uint32Array(many.buffer), `${where} vs its TypeScript reference`).toEqual(new Uint32Array(exact(c.x, shape.m, c.qt).buffer));
          if (ref.supports(c.qt) === true) {
            const r = checkCpuKernel(ref, c.x, shape.m, c.qt, ref.run(c.x, shape.m, c.qt, new Float32Array(shape.m * shape.n)), c.ref);
            expect(r.ok, `${ref.name} ${scheme} ${shape.label}: ${r.message}`).toBe(true);
          }
          ran++;
        }
      }
      expect(ran).toBeGreaterThan(0);
      expect(wasmThreadsInfo().threadedCalls - before).toBe(ran);
    });
  }
});
