// The embedded WebAssembly module: both builds compile, instantiate over their memory kinds and report a heap base.
import { describe, expect, it } from 'vitest';
import { compileWasm, detectWasmSimd, instantiateWasm, relaxedProbeAnswersRight, relaxedProbeInput, wasmHeapBase, wasmModuleBytes, wasmSimdStatus } from '../../src/cpu/wasm-module.js';
import { baselineModuleBytes } from '../../src/cpu/wasm-bytes.js';
import { WASM_BINARIES_RELAXED } from '../../src/cpu/wasm-binaries-relaxed.gen.js';
import { simdLevelMatches } from './helpers.js';
import { WASM_SOURCES } from '../../src/cpu/wasm-binaries.gen.js';

describe('wasm module', () => {
  it('is built from every wasm/*.ts file', () => {
    expect(WASM_SOURCES).toContain('memory.ts');
    expect(wasmModuleBytes('plain').subarray(0, 4)).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
  });

  it('instantiates the plain build over an ordinary memory and the shared build over a shared one', async () => {
    const plain = await instantiateWasm(await compileWasm('plain'), new WebAssembly.Memory({ initial: 1 }));
    const shared = await instantiateWasm(await compileWasm('shared'), new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true }));
    for (const ex of [plain, shared]) {
      const base = wasmHeapBase(ex);
      expect(base % 16).toBe(0);
      expect(base).toBeGreaterThan(0);
    }
  });

  it('uses the relaxed-SIMD build exactly where the runtime passes the probe, and reports the level', async () => {
    const status = wasmSimdStatus();
    expect(simdLevelMatches(status.simd), status.reason).toBe(true);
    expect(status.reason.length).toBeGreaterThan(0);
    const relaxed = status.simd === 'relaxed';
    const want = relaxed ? atob(WASM_BINARIES_RELAXED.plain).length : baselineModuleBytes('plain').length;
    expect(wasmModuleBytes('plain').length).toBe(want);
    const ex = await instantiateWasm(await compileWasm('plain'), new WebAssembly.Memory({ initial: 1 }));
    expect((ex.simd_relaxed as () => number)()).toBe(relaxed ? 1 : 0);
  });

  it('LOWBIT_WASM_SIMD=baseline forces the baseline build', () => {
    const g = globalThis as { process?: { env: Record<string, string | undefined> } };
    if (!g.process) return; // no environment variables in a browser
    const before = g.process.env.LOWBIT_WASM_SIMD;
    g.process.env.LOWBIT_WASM_SIMD = 'baseline';
    try {
      expect(detectWasmSimd()).toEqual({ simd: 'baseline', reason: 'LOWBIT_WASM_SIMD=baseline' });
    } finally {
      if (before === undefined) delete g.process.env.LOWBIT_WASM_SIMD;
      else g.process.env.LOWBIT_WASM_SIMD = before;
    }
  });

  it("the probe check takes only the exact answers (Node 20's flagged Liftoff drops the dot's accumulator)", () => {
    const p = relaxedProbeInput();
    const a = new Int8Array(p.buffer, 32, 16);
    const c = new Int32Array(p.buffer, 64, 4);
    const right = p.slice();
    for (let i = 0; i < 16; i++) right[80 + i] = p[p[16 + i] as number] as number;
    const dot = new Int32Array(right.buffer, 96, 8);
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 4 * j; k < 4 * j + 4; k++) s += (a[k] as number) * (p[48 + k] as number);
      dot[j] = s + (c[j] as number);
      dot[4 + j] = s;
    }
    expect(relaxedProbeAnswersRight(right)).toBe(true);
    // The fault seen in Node 20 with --experimental-wasm-relaxed-simd: 2 a.b in place of a.b + c.
    const faulty = right.slice();
    const fd = new Int32Array(faulty.buffer, 96, 8);
    for (let j = 0; j < 4; j++) fd[j] = 2 * (fd[4 + j] as number);
    expect(relaxedProbeAnswersRight(faulty)).toBe(false);
    const badSwizzle = right.slice();
    badSwizzle[85] = (badSwizzle[85] as number) ^ 1;
    expect(relaxedProbeAnswersRight(badSwizzle)).toBe(false);
  });
});
