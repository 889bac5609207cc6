/**
 * The lowbit WebAssembly module (wasm/*.ts compiled by scripts/gen-wasm.mjs): its bytes, a
 * cached compile, and instantiation over a caller's memory. Runs in Node, in browsers and in
 * Web Workers (no Node APIs, no fetch: the bytes are embedded as base64).
 *
 * Two builds of the same code: `plain` imports an ordinary WebAssembly.Memory (one thread) and
 * `shared` a shared one, which worker threads instantiate the same module over. Each exists in
 * baseline SIMD128 and with relaxed SIMD; the kernels use the relaxed one where the runtime
 * validates it and a known-answer probe (wasm/probe/relaxed.ts) passes ({@link wasmSimdStatus}),
 * which changes no output: the relaxed instructions used have one defined result on the inputs
 * the kernels give them (wasm/lib/simd.ts).
 */
import { WASM_BINARIES_RELAXED, WASM_RELAXED_PROBE } from './wasm-binaries-relaxed.gen.js';
import { base64Bytes, baselineModuleBytes, moduleBytesReader, type WasmBuild } from './wasm-bytes.js';

export { wasmHeapBase, type WasmBuild } from './wasm-bytes.js';

/** The SIMD level of the kernel module: baseline SIMD128, or with relaxed SIMD. */
export type WasmSimd = 'baseline' | 'relaxed';

/** Which SIMD level the kernels use here, and why. */
export interface WasmSimdStatus {
  readonly simd: WasmSimd;
  readonly reason: string;
}

/** Probe inputs (wasm/probe/relaxed.ts): table, indices 0..15, signed a, 7-bit b, i32 c. */
export function relaxedProbeInput(): Uint8Array {
  const p = new Uint8Array(128);
  for (let i = 0; i < 16; i++) {
    p[i] = (i * 37 + 11) & 0xff;
    p[16 + i] = (i * 7 + 3) & 15;
    p[32 + i] = i % 2 === 0 ? 128 + i : 127 - i;
    p[48 + i] = 127 - i * 5;
  }
  new Int32Array(p.buffer, 64, 4).set([5, -70000, 1 << 30, -3]);
  return p;
}

/** True when the probe's outputs (bytes 80..127 of `p`) are the exact answers for its inputs. */
export function relaxedProbeAnswersRight(p: Uint8Array): boolean {
  const a = new Int8Array(p.buffer, 32, 16);
  const c = new Int32Array(p.buffer, 64, 4);
  const dot = new Int32Array(p.buffer, 96, 8);
  for (let i = 0; i < 16; i++) if (p[80 + i] !== p[p[16 + i] as number]) return false;
  for (let j = 0; j < 4; j++) {
    let s = 0;
    for (let k = 4 * j; k < 4 * j + 4; k++) s += (a[k] as number) * (p[48 + k] as number);
    if (dot[j] !== s + (c[j] as number) || dot[4 + j] !== s) return false;
  }
  return true;
}

/** Decides the SIMD level afresh (wasmSimdStatus caches this once per process). */
export function detectWasmSimd(): WasmSimdStatus {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const forced = g.process?.env?.LOWBIT_WASM_SIMD;
  if (forced === 'baseline') return { simd: 'baseline', reason: 'LOWBIT_WASM_SIMD=baseline' };
  if (typeof WebAssembly === 'undefined') return { simd: 'baseline', reason: 'this runtime has no WebAssembly' };
  try {
    const probe = base64Bytes(WASM_RELAXED_PROBE);
    if (!WebAssembly.validate(probe as Uint8Array<ArrayBuffer>)) return { simd: 'baseline', reason: 'this runtime does not support relaxed SIMD' };
    const memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(probe as Uint8Array<ArrayBuffer>), { env: { memory, abort: wasmAbort } });
    const view = new Uint8Array(memory.buffer, 0, 128);
    view.set(relaxedProbeInput());
    (instance.exports.simd_relaxed_probe as (p: number) => void)(0);
    if (!relaxedProbeAnswersRight(view.slice())) return { simd: 'baseline', reason: "this runtime's relaxed SIMD gave wrong answers in the known-answer probe" };
    if (!WebAssembly.validate(relaxedBytes('plain') as Uint8Array<ArrayBuffer>)) return { simd: 'baseline', reason: 'this runtime does not validate the relaxed-SIMD module' };
    return { simd: 'relaxed', reason: 'relaxed SIMD validated and passed the known-answer probe' };
  } catch (e) {
    return { simd: 'baseline', reason: `relaxed SIMD probe failed: ${(e as Error).message}` };
  }
}

let simdStatus: WasmSimdStatus | undefined;

/**
 * The SIMD level the kernels use in this runtime (decided once): relaxed where the runtime
 * validates it and the probe gives the exact answers, baseline otherwise (and always with
 * LOWBIT_WASM_SIMD=baseline in the environment).
 */
export function wasmSimdStatus(): WasmSimdStatus {
  simdStatus ??= detectWasmSimd();
  return simdStatus;
}

/** The relaxed-SIMD module's bytes for `build`. */
const relaxedBytes = moduleBytesReader(WASM_BINARIES_RELAXED);

/** The kernel module's bytes for `build` at this runtime's SIMD level ({@link wasmSimdStatus}). */
export function wasmModuleBytes(build: WasmBuild): Uint8Array {
  return wasmSimdStatus().simd === 'relaxed' ? relaxedBytes(build) : baselineModuleBytes(build);
}

const moduleCache = new Map<WasmBuild, Promise<WebAssembly.Module>>();

/**
 * Compiles the module once per build (asynchronously: browsers refuse synchronous compiles of
 * large modules on the main thread). Rejects with a clear error where WebAssembly SIMD128 is
 * unavailable.
 */
export function compileWasm(build: WasmBuild): Promise<WebAssembly.Module> {
  let p = moduleCache.get(build);
  if (!p) {
    if (typeof WebAssembly === 'undefined') return Promise.reject(new Error('lowbit wasm: this runtime has no WebAssembly'));
    p = WebAssembly.compile(wasmModuleBytes(build) as Uint8Array<ArrayBuffer>).catch((e: unknown) => {
      moduleCache.delete(build);
      throw new Error(`lowbit wasm: the ${build} module does not compile here (WebAssembly SIMD128${build === 'shared' ? ' and threads' : ''} required): ${(e as Error).message}`);
    });
    moduleCache.set(build, p);
  }
  return p;
}

/** Instantiates the compiled module over `memory` (shared for the `shared` build). */
export async function instantiateWasm(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<WebAssembly.Exports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort: wasmAbort } });
  return instance.exports;
}

/** AssemblyScript's abort import; kernels are built with --noAssert, so reaching it is a bug. */
function wasmAbort(): never {
  throw new Error('lowbit wasm: a kernel aborted (internal error)');
}

