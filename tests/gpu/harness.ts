// GPU test harness: acquires one device per test file, wraps each test in validation and
// out-of-memory error scopes, destroys what the test created, and fails on any popped error.
// Under CI (CI=true, provided to both GPU projects) a missing adapter fails the file; elsewhere it
// skips the tests with a message saying what is missing.
import { afterAll, beforeAll, inject } from 'vitest';
import { acquireGpu, type LowbitGpu } from '../../src/gpu/device.js';

declare module 'vitest' {
  export interface ProvidedContext {
    ci: boolean;
  }
}

/** What a scoped test body receives: the device and a tracker for what it creates. */
export interface GpuScope {
  readonly gpu: LowbitGpu;
  /** Registers a buffer (or anything with destroy()) to be destroyed after the test. */
  track<T extends { destroy(): void }>(resource: T): T;
}

/** Per-file GPU fixture. */
export interface GpuFixture {
  /** The device; throws (CI) or skips the calling test (local) when none was found. */
  get(ctx: { skip: (note?: string) => void }): LowbitGpu;
  /** Runs `body` inside error scopes and fails on any validation or out-of-memory error. */
  scoped<T>(ctx: { skip: (note?: string) => void }, body: (scope: GpuScope) => Promise<T>): Promise<T>;
}

/** Sets up beforeAll/afterAll for one device shared by the tests of a file. */
export function useGpu(): GpuFixture {
  let gpu: LowbitGpu | undefined;
  let failure: Error | undefined;
  const ci = inject('ci');

  beforeAll(async () => {
    try {
      gpu = await acquireGpu();
      console.info(`[lowbit gpu] ${gpu.describe()}`);
      gpu.device.lost.then((info) => {
        if (info.reason !== 'destroyed') console.error(`[lowbit gpu] device lost: ${info.message}`);
      });
    } catch (err) {
      failure = err as Error;
      if (ci) throw new Error(`CI requires a WebGPU adapter for GPU tests: ${failure.message}`);
      console.warn(`[lowbit gpu] no adapter, GPU tests in this file are skipped: ${failure.message}`);
    }
  });

  afterAll(() => {
    gpu?.destroy();
    gpu = undefined;
  });

  const get = (ctx: { skip: (note?: string) => void }): LowbitGpu => {
    if (gpu) return gpu;
    if (ci || !failure) throw failure ?? new Error('GPU fixture used before beforeAll ran');
    ctx.skip(`no WebGPU adapter: ${failure.message}`);
    throw failure;
  };

  return {
    get,
    async scoped<T>(ctx: { skip: (note?: string) => void }, body: (scope: GpuScope) => Promise<T>): Promise<T> {
      const g = get(ctx);
      const created: { destroy(): void }[] = [];
      g.device.pushErrorScope('out-of-memory');
      g.device.pushErrorScope('validation');
      let result: T | undefined;
      let thrown: unknown;
      try {
        result = await body({ gpu: g, track: (r) => (created.push(r), r) });
      } catch (err) {
        thrown = err;
      }
      const validation = await g.device.popErrorScope();
      const oom = await g.device.popErrorScope();
      for (const r of created) r.destroy();
      if (validation) throw new Error(`WebGPU validation error: ${validation.message}`);
      if (oom) throw new Error(`WebGPU out-of-memory error: ${oom.message}`);
      if (thrown) throw thrown;
      return result as T;
    },
  };
}
