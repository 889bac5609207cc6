import { describe, expect, it } from 'vitest';
import { WasmArena } from '../../src/cpu/wasm-arena.js';
import { quantize } from '../../src/quant/quantize.js';

describe('WasmArena', () => {
  it('allocates 16-byte aligned memory above the static data, growing the memory', () => {
    const a = WasmArena.createSync('plain');
    const p = a.alloc(3);
    expect(p).toBe(a.heapBase);
    expect(p % 16).toBe(0);
    const q = a.alloc(5 << 20);
    expect(q).toBe(p + 16);
    expect(a.memory.buffer.byteLength).toBeGreaterThanOrEqual(q + (5 << 20));
  });

  it('caches weights per tensor and key, releases scratch down to them, and drops the cache past its budget', () => {
    const a = WasmArena.createSync('plain', 1 << 20);
    const w = new Float32Array(64 * 64).map((_, i) => Math.sin(i));
    const qt = quantize(w, 64, 64, 'int4', { group: 32 });
    let loads = 0;
    const load = (arena: WasmArena) => {
      loads++;
      return { ptr: arena.put(qt.codes) };
    };
    const h1 = a.weights(qt, 'k', qt.codes.byteLength, load);
    expect(a.weights(qt, 'k', qt.codes.byteLength, load)).toBe(h1);
    expect(loads).toBe(1);
    const mark = a.mark();
    a.alloc(1000);
    expect(() => a.weights(qt, 'other', 16, load)).toThrow(/before per-call scratch/);
    a.release(mark);
    expect(a.mark()).toBe(mark);
    a.release(a.heapBase);
    expect(a.mark()).toBe(mark); // never below the cached weights
    const qt2 = quantize(w, 64, 64, 'int4', { group: 64 });
    a.weights(qt2, 'k', 2 << 20, (arena) => ({ ptr: arena.alloc(2 << 20) }));
    expect(a.weights(qt, 'k', qt.codes.byteLength, load)).not.toBe(h1); // dropped past the budget
    expect(loads).toBe(2);
  });

  it('a shared arena grows a shared memory', async () => {
    const a = await WasmArena.create('shared');
    a.alloc(1 << 20);
    expect(a.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(() => a.fn('no_such_kernel')).toThrow(/no kernel no_such_kernel/);
  });
});
