// The embedded WebAssembly module: both builds compile, instantiate over their memory kinds and report a heap base.
import { describe, expect, it } from 'vitest';
import { compileWasm, instantiateWasm, wasmHeapBase, wasmModuleBytes } from '../../src/cpu/wasm-module.js';
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
});
