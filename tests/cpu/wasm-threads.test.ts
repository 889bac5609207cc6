// The WebAssembly thread pool: a call's rows split at multiples of rowAlign over workers sharing one memory, each row written once, errors and bad input reported; every WASM kernel bit-identical on 1, 2 and 3 threads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmArena, type WasmCall } from '../../src/cpu/wasm-arena.js';
import { WASM_KERNELS, WASM_KERNEL_NAMES, checkWasmKernel, runWasmKernel, type WasmKernelName } from '../../src/cpu/wasm-kernels.js';
import { SCHEME_NAMES, applies, makeCase, type Shape } from './helpers.js';
import { CHUNKS_PER_THREAD, chunkRows, defaultWasmThreads, resolveWasmThreads, runCallOnThreads, terminateWasmThreads, wasmThreadsInfo, wasmThreadsStatus } from '../../src/cpu/wasm-threads.js';

/**
 * A test module built here with the same compiler and shared-memory flags as scripts/gen-wasm.mjs:
 * test_fill(out, starts, counts, mul, work, n0, n1) writes, for each row r of [n0, n1), a value
 * that depends only on r (an LCG run `work` steps from r * mul), the chunk's first row n0, and
 * atomically adds one to counts[r]; test_trap_at(row, n0, n1) traps in the chunk holding `row`.
 */
const TEST_SOURCE = `
export function heap_base(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}
export function test_fill(out: usize, starts: usize, counts: usize, mul: i32, work: i32, n0: i32, n1: i32): void {
  for (let r = n0; r < n1; r++) {
    let v: i32 = r * mul;
    for (let i = 0; i < work; i++) v = v * 1103515245 + 12345;
    store<i32>(out + (<usize>r << 2), v);
    store<i32>(starts + (<usize>r << 2), n0);
    atomic.add<i32>(counts + (<usize>r << 2), 1);
  }
}
export function test_trap_at(row: i32, n0: i32, n1: i32): void {
  if (row >= n0 && row < n1) unreachable();
}
`;

/** The value test_fill writes for row r, computed here in JavaScript (i32 wrap-around). */
function expectedValue(r: number, mul: number, work: number): number {
  let v = Math.imul(r, mul);
  for (let i = 0; i < work; i++) v = (Math.imul(v, 1103515245) + 12345) | 0;
  return v;
}

let module: WebAssembly.Module;
let arena: WasmArena;

beforeAll(async () => {
  const asc = await import('assemblyscript/asc');
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-threads-'));
  try {
    const src = join(dir, 'threads-test.ts');
    writeFileSync(src, TEST_SOURCE);
    let bytes: Uint8Array | undefined;
    const { error, stderr } = await asc.main(
      [src, '--enable', 'simd,threads', '--runtime', 'stub', '-O3', '--noAssert', '--importMemory', '--noExportMemory', '--sharedMemory', '--maximumMemory', '65536', '--outFile', 'test.wasm'],
      {
        writeFile: (name: string, contents: Uint8Array | string) => {
          if (name === 'test.wasm') bytes = contents as Uint8Array;
        },
      },
    );
    if (error || !bytes) throw new Error(`the test module did not compile: ${error?.message ?? 'no output'}\n${stderr.toString()}`);
    module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => undefined } });
  arena = new WasmArena(memory, instance.exports, 'shared');
}, 60_000);

afterAll(async () => {
  await terminateWasmThreads();
});

/** A second shared arena over its own memory, with the same test module. */
async function otherArena(): Promise<WasmArena> {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort: () => undefined } });
  return new WasmArena(memory, instance.exports, 'shared');
}

/** Runs test_fill over `rows` rows on `threads` threads (in `on`, default the test arena) and returns what it wrote. */
async function fill(rows: number, rowAlign: number, threads: number, callerShare = true, work = 3, on: WasmArena = arena) {
  const arena = on;
  const mark = arena.mark();
  try {
    const out = arena.alloc(rows * 4 + 4);
    const starts = arena.alloc(rows * 4 + 4);
    const counts = arena.alloc(rows * 4 + 4);
    arena.u8(counts, rows * 4).fill(0);
    const call: WasmCall = { fn: 'test_fill', args: [out, starts, counts, 7919, work], rows, rowAlign };
    const used = await runCallOnThreads(arena, call, threads, { module, callerShare });
    return { used, out: Int32Array.from(new Int32Array(arena.memory.buffer, out, rows)), starts: Int32Array.from(new Int32Array(arena.memory.buffer, starts, rows)), counts: Int32Array.from(new Int32Array(arena.memory.buffer, counts, rows)) };
  } finally {
    arena.release(mark);
  }
}

describe('wasm threads', () => {
  it('threads are available in Node', () => {
    expect(wasmThreadsStatus()).toEqual({ available: true, reason: '' });
    expect(defaultWasmThreads()).toBeGreaterThanOrEqual(1);
  });

  it('chunks cover [0, rows) in order, split at multiples of rowAlign', () => {
    for (const [rows, align, chunks] of [
      [37, 4, 5],
      [64, 16, 4],
      [5, 8, 1],
      [1000, 1, 7],
    ] as const) {
      let prev = 0;
      for (let c = 0; c < chunks; c++) {
        const [n0, n1] = chunkRows(c, chunks, rows, align);
        expect(n0).toBe(prev);
        expect(n0 % align).toBe(0);
        expect(n1).toBeGreaterThanOrEqual(n0);
        prev = n1;
      }
      expect(prev).toBe(rows);
    }
    // Large first, small last: with 12 chunks the first is 23 times the last (2n - 1 : 1).
    const size = (c: number) => {
      const [n0, n1] = chunkRows(c, 12, 4096 * 16, 16);
      return n1 - n0;
    };
    expect(size(0)).toBeGreaterThan(20 * size(11));
    for (let c = 1; c < 12; c++) expect(size(c)).toBeLessThanOrEqual(size(c - 1));
  });

  it('writes every row exactly once with the one-thread values, for every thread count and with or without the caller', async () => {
    for (const [rows, align] of [
      [1, 1],
      [37, 4],
      [259, 16],
      [4096, 8],
    ] as const) {
      const one = await fill(rows, align, 1);
      expect(one.used).toBe(1);
      for (let r = 0; r < rows; r++) expect(one.out[r]).toBe(expectedValue(r, 7919, 3));
      for (const threads of [2, 3, 5]) {
        for (const callerShare of [true, false]) {
          const got = await fill(rows, align, threads, callerShare);
          expect(got.counts.every((c) => c === 1)).toBe(true);
          expect(got.starts.every((s) => s % align === 0)).toBe(true);
          expect(got.out).toEqual(one.out);
        }
      }
    }
  });

  it('runs chunks on the workers', async () => {
    const before = wasmThreadsInfo();
    const got = await fill(512, 4, 3, false, 2000);
    expect(got.used).toBe(3);
    const after = wasmThreadsInfo();
    expect(after.chunksOnWorkers - before.chunksOnWorkers).toBe(3 * CHUNKS_PER_THREAD);
    expect(after.workers).toBeGreaterThanOrEqual(3);
  });

  it('a worker polling after a call takes the next one from the shared offer, runs it once and ignores its message', async () => {
    const before = wasmThreadsInfo().offersTaken;
    for (let i = 0; i < 30; i++) {
      // Back to back, the caller running no chunk: the worker's polling catches most calls, and a
      // call run twice (offer, then message) would count a stale done into the next call.
      const got = await fill(256, 4, 2, false, 500);
      expect(got.counts.every((c) => c === 1)).toBe(true);
      for (const r of [0, 100, 255]) expect(got.out[r]).toBe(expectedValue(r, 7919, 500));
    }
    expect(wasmThreadsInfo().offersTaken - before).toBeGreaterThan(0);
  });

  it('a call on another memory goes to the workers by message after their new instance, never as an offer to the old one', async () => {
    const second = await otherArena();
    for (let i = 0; i < 20; i++) {
      // Back to back, alternating memories: a worker still polling holds an instance over the
      // other memory, so an offer taken there would write nothing here.
      for (const on of [arena, second]) {
        const got = await fill(128, 4, 2, false, 200, on);
        expect(got.counts.every((c) => c === 1)).toBe(true);
        expect(got.out[127]).toBe(expectedValue(127, 7919, 200));
      }
    }
  });

  it('a kernel that traps on a worker rejects the call with its message, and the pool keeps working', async () => {
    const call: WasmCall = { fn: 'test_trap_at', args: [100], rows: 128, rowAlign: 1 };
    await expect(runCallOnThreads(arena, call, 2, { module, callerShare: false })).rejects.toThrow(/test_trap_at failed on a worker thread: worker \d+: unreachable/);
    await expect(runCallOnThreads(arena, { ...call, fn: 'no_such_kernel' }, 2, { module, callerShare: false })).rejects.toThrow(/no kernel no_such_kernel/);
    const got = await fill(64, 4, 2);
    expect(got.counts.every((c) => c === 1)).toBe(true);
  });

  it('a trap on the calling thread rejects after the workers finish', async () => {
    const call: WasmCall = { fn: 'test_trap_at', args: [0], rows: 128, rowAlign: 1 };
    await expect(runCallOnThreads(arena, call, 2, { module })).rejects.toThrow(/unreachable/);
    const got = await fill(64, 4, 2);
    expect(got.counts.every((c) => c === 1)).toBe(true);
  });

  it("waits for the workers' messages where Atomics.waitAsync is missing", async () => {
    const desc = Object.getOwnPropertyDescriptor(Atomics, 'waitAsync');
    expect(desc, 'this Node has Atomics.waitAsync').toBeDefined();
    delete (Atomics as { waitAsync?: unknown }).waitAsync;
    try {
      const got = await fill(259, 4, 3, false, 50);
      expect(got.counts.every((c) => c === 1)).toBe(true);
      for (let r = 0; r < 259; r++) expect(got.out[r]).toBe(expectedValue(r, 7919, 50));
    } finally {
      Object.defineProperty(Atomics, 'waitAsync', desc as PropertyDescriptor);
    }
  });

  it('a call whose workers are terminated rejects saying so', async () => {
    // About 10^9 LCG steps over 512 rows: far longer than the 50 ms before the pool is ended.
    const outcome = fill(512, 4, 2, false, 2_000_000).then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await new Promise((r) => setTimeout(r, 50));
    await terminateWasmThreads();
    expect(await outcome).toMatch(/test_fill failed on a worker thread: worker \d+ stopped: the pool was terminated/);
  });

  it('starts fresh workers after terminateWasmThreads', async () => {
    await fill(64, 4, 3, false);
    await terminateWasmThreads();
    expect(wasmThreadsInfo().workers).toBe(0);
    const got = await fill(64, 4, 3, false, 5);
    for (let r = 0; r < 64; r++) expect(got.out[r]).toBe(expectedValue(r, 7919, 5));
  });

  it('rejects bad thread counts and a plain memory', async () => {
    expect(() => resolveWasmThreads(0)).toThrow(/threads must be a positive integer, got 0/);
    expect(() => resolveWasmThreads(1.5)).toThrow(/threads must be a positive integer, got 1.5/);
    expect(() => resolveWasmThreads(100000)).toThrow(/at most/);
    const plain = WasmArena.createSync('plain');
    await expect(runCallOnThreads(plain, { fn: 'heap_base', args: [], rows: 64, rowAlign: 1 }, 2)).rejects.toThrow(/shared memory/);
    await expect(runCallOnThreads(arena, { fn: 'test_fill', args: [], rows: 64, rowAlign: 0 }, 2, { module })).rejects.toThrow(/rowAlign must be a positive integer/);
  });
});

describe('wasm kernels on threads', () => {
  /** M = 1, 3, 8; N off every tile multiple; K of three groups of 32, and one group. */
  const shapes: readonly Shape[] = [
    { m: 1, n: 67, k: 96, group: 32, label: 'GEMV N=67 K=96' },
    { m: 3, n: 203, k: 96, group: 32, label: 'M=3 N=203' },
    { m: 8, n: 45, k: 32, group: 32, label: 'M=8 K = one group' },
  ];

  for (const name of WASM_KERNEL_NAMES) {
    it(`${name}: 2 and 3 threads write the bits of 1 thread, within the kernel's bound`, async () => {
      const impl = WASM_KERNELS[name];
      let ran = 0;
      for (const scheme of SCHEME_NAMES) {
        if (impl.supports(scheme) !== true) continue;
        for (const shape of shapes) {
          if (!applies(scheme, shape)) continue;
          const c = makeCase(scheme, shape, 11);
          if (impl.supports(c.qt) !== true) continue;
          const one = await runWasmKernel(name, c.x, shape.m, c.qt, { threads: 1 });
          for (const threads of [2, 3]) {
            const got = await runWasmKernel(name, c.x, shape.m, c.qt, { threads });
            expect(new Uint32Array(got.buffer), `${name} ${scheme} ${shape.label} ${threads} threads`).toEqual(new Uint32Array(one.buffer));
          }
          const check = checkWasmKernel(impl, c.x, shape.m, c.qt, one, c.ref);
          expect(check.ok, `${name} ${scheme} ${shape.label}: ${check.message}`).toBe(true);
          ran++;
        }
      }
      expect(ran).toBeGreaterThan(0);
    });
  }

  it('runs on workers by default for a large call, and on one thread for a small one', async () => {
    const impl = WASM_KERNELS[WASM_KERNEL_NAMES[0] as WasmKernelName];
    const big = makeCase('int4', { m: 1, n: 1024, k: 1024, group: 32, label: 'big' });
    const before = wasmThreadsInfo();
    await runWasmKernel(impl, big.x, 1, big.qt);
    const mid = wasmThreadsInfo();
    expect(mid.threadedCalls - before.threadedCalls).toBe(defaultWasmThreads() > 1 ? 1 : 0);
    const small = makeCase('int4', { m: 1, n: 16, k: 64, group: 32, label: 'small' });
    await runWasmKernel(impl, small.x, 1, small.qt);
    expect(wasmThreadsInfo().threadedCalls).toBe(mid.threadedCalls);
    await expect(runWasmKernel(impl, small.x, 1, small.qt, { threads: 0 })).rejects.toThrow(/threads must be a positive integer, got 0/);
  });
});
