/**
 * The WebAssembly SIMD kernel of the fast quantizer (wasm/quantize.ts, `quantize_int_rows`):
 * the integer rules (symmetric absmax int2-int8 with or without the clip search, asymmetric
 * min/max, MXINT8, and any of them with a per-tensor decision made beforehand), bit-exact with
 * the reference. Everything else runs in the JavaScript fast path.
 *
 * The module is instantiated synchronously on first use over a memory of its own (Node, Web
 * Workers; a browser main thread may refuse synchronous compiles of large modules, and then the
 * JavaScript path runs until `prepareWasmQuantize` has compiled it asynchronously). Rows are
 * copied into the memory in blocks of about {@link BLOCK_BYTES}, quantized, and the codes,
 * scales and zero points copied out.
 */
import { compileWasm, wasmHeapBase, wasmModuleBytes } from '../cpu/wasm-module.js';
import { wordsPerRowFor } from '../format/pack.js';
import { IntEncoderFast, fastEncoderFor } from './fast-encoders.js';
import type { QuantizePlan } from './quantize-plan.js';
import type { RowsOut, TensorDecisions } from './quantize-fast.js';

/** Rules of quantize_int_rows (wasm/quantize.ts). */
const RULE = { absmax: 0, minmax: 1, mx: 2, fixed: 3 } as const;
const STORE = { f32: 0, f16: 1 } as const;
/** Input bytes copied in per kernel call (a block of rows; at least one row). */
const BLOCK_BYTES = 256 * 1024;
const PAGE_BYTES = 65536;
const F32_BYTES = 4;
const F64_BYTES = 8;
/** Bytes reserved for the ratio list and the candidate scratch (2 f64 per ratio). */
const MAX_RATIOS = 64;
/** Status of quantize_int_rows: 0 = done. */
const STATUS_OK = 0;

type IntRowsKernel = (
  w: number, rows: number, cols: number, groupSize: number, rule: number, store: number, lo: number, hi: number,
  unit: number, maxAbs: number, emax: number, ratios: number, n: number, cand: number, fixedScale: number, fixedZero: number,
  bits: number, scales: number, zeros: number, codes: number, wordsPerRow: number,
) => number;

interface WasmQuantizer {
  readonly memory: WebAssembly.Memory;
  readonly heapBase: number;
  readonly intRows: IntRowsKernel;
}

/** undefined: not tried yet; null: unavailable here (the reason is in `unavailableReason`). */
let quantizer: WasmQuantizer | null | undefined;
let unavailableReason = '';

/** Most 64 KiB pages tried for the module's static data when it asks for more than one page. */
const MAX_STATIC_PAGES = 1024;

function instantiate(module: WebAssembly.Module): WasmQuantizer {
  const abort = (): never => {
    throw new Error('lowbit wasm: a quantize kernel aborted (internal error)');
  };
  // The module declares a minimum memory (its static data); start with one page and double
  // until instantiation accepts it.
  for (let pages = 1; ; pages *= 2) {
    const memory = new WebAssembly.Memory({ initial: pages });
    try {
      const instance = new WebAssembly.Instance(module, { env: { memory, abort } });
      const intRows = instance.exports.quantize_int_rows;
      if (typeof intRows !== 'function') throw new Error('the module lacks quantize_int_rows (wasm/quantize.ts)');
      return { memory, heapBase: wasmHeapBase(instance.exports), intRows: intRows as IntRowsKernel };
    } catch (err) {
      if (!(err instanceof WebAssembly.LinkError) || pages >= MAX_STATIC_PAGES) throw err;
    }
  }
}

function getQuantizer(): WasmQuantizer | null {
  if (quantizer !== undefined) return quantizer;
  try {
    if (typeof WebAssembly === 'undefined') throw new Error('this runtime has no WebAssembly');
    quantizer = instantiate(new WebAssembly.Module(wasmModuleBytes('plain') as Uint8Array<ArrayBuffer>));
  } catch (err) {
    quantizer = null;
    unavailableReason = (err as Error).message;
  }
  return quantizer;
}

/**
 * Compiles and instantiates the module asynchronously (for browser main threads, which refuse
 * synchronous compiles of large modules). Resolves to true when the WebAssembly kernels are in
 * use afterwards.
 */
export async function prepareWasmQuantize(): Promise<boolean> {
  if (quantizer) return true;
  try {
    quantizer = instantiate(await compileWasm('plain'));
  } catch (err) {
    quantizer = null;
    unavailableReason = (err as Error).message;
  }
  return quantizer !== null;
}

/** Whether the WebAssembly kernels run here, and if not, why. */
export function wasmQuantizeStatus(): { readonly available: boolean; readonly reason: string } {
  const q = getQuantizer();
  return { available: q !== null, reason: q ? '' : unavailableReason };
}

/** Switch for tests and benchmarks: false runs the JavaScript fast path only. */
let enabled = true;
/** Enables or disables the WebAssembly kernels (returns the previous setting). */
export function setWasmQuantize(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** The kernel's rule for a plan, or undefined when the plan is not an integer rule it covers. */
function ruleOf(plan: QuantizePlan): { rule: number; enc: IntEncoderFast } | undefined {
  if (plan.encoders.length !== 1 || plan.spec.scaleClamp || plan.ratios.length > MAX_RATIOS) return undefined;
  const enc = fastEncoderFor(plan.encoders[0] as NonNullable<QuantizePlan['encoders'][0]>);
  if (!(enc instanceof IntEncoderFast)) return undefined;
  switch (plan.spec.scaleRule) {
    case 'absmax':
      return enc.lo < 0 ? { rule: RULE.absmax, enc } : undefined;
    case 'minmax':
      return enc.lo === 0 ? { rule: RULE.minmax, enc } : undefined;
    case 'mx':
      return { rule: RULE.mx, enc };
    default:
      return undefined;
  }
}

/** True when the WebAssembly kernel covers the plan (and the module runs here). */
export function wasmCovers(plan: QuantizePlan): boolean {
  return enabled && ruleOf(plan) !== undefined && getQuantizer() !== null;
}

function ensureBytes(q: WasmQuantizer, bytes: number): void {
  const have = q.memory.buffer.byteLength;
  if (bytes > have) q.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
}

const align16 = (x: number): number => Math.ceil(x / 16) * 16;

/**
 * Quantizes `rows` rows of w (exactly those rows) in WebAssembly into `out`. Per-tensor
 * granularity needs `decisions.unit`. Returns false when the kernel does not cover the plan, or
 * when it met a non-finite weight or an f16 scale overflow (the outputs are then incomplete and
 * the caller produces the reference's error).
 */
export function wasmQuantizeRows(plan: QuantizePlan, w: Float32Array, rows: number, decisions: TensorDecisions, out: RowsOut): boolean {
  if (!enabled) return false;
  const r = ruleOf(plan);
  const q = r && getQuantizer();
  if (!r || !q) return false;
  const { cols, bits, groupsPerRow } = plan;
  const wpr = wordsPerRowFor(cols, bits);
  const fixed = plan.layout.granularity === 'tensor' ? decisions.unit : undefined;
  if (plan.layout.granularity === 'tensor' && !fixed) throw new Error('internal: per-tensor granularity without the tensor decision');
  const blockRows = Math.max(1, Math.min(rows, Math.floor(BLOCK_BYTES / (cols * F32_BYTES))));
  // Layout: ratios | candidates | W block | scales | zeros | codes.
  const ratiosPtr = align16(q.heapBase);
  const candPtr = ratiosPtr + MAX_RATIOS * F64_BYTES;
  const wPtr = align16(candPtr + 2 * MAX_RATIOS * F64_BYTES);
  const scalesPtr = align16(wPtr + blockRows * cols * F32_BYTES);
  const zerosPtr = align16(scalesPtr + blockRows * groupsPerRow * F32_BYTES);
  const codesPtr = align16(zerosPtr + blockRows * groupsPerRow);
  ensureBytes(q, codesPtr + blockRows * wpr * F32_BYTES);
  const buf = q.memory.buffer;
  new Float64Array(buf, ratiosPtr, plan.ratios.length).set(plan.ratios);
  const rule = fixed ? RULE.fixed : r.rule;
  const enc = r.enc;
  const emax = plan.encoders[0]?.dtype.info.emax ?? 0;
  const hasZeros = out.zeros !== undefined;
  for (let r0 = 0; r0 < rows; r0 += blockRows) {
    const n = Math.min(blockRows, rows - r0);
    new Float32Array(buf, wPtr, n * cols).set(w.subarray(r0 * cols, (r0 + n) * cols));
    const status = q.intRows(
      wPtr, n, cols, plan.layout.groupSize, rule, STORE[plan.storeDType], enc.lo, enc.hi, enc.unit, enc.maxAbs, emax,
      ratiosPtr, plan.ratios.length, candPtr, fixed?.scale ?? 0, fixed?.zero ?? 0, bits,
      scalesPtr, hasZeros ? zerosPtr : 0, codesPtr, wpr,
    );
    if (status !== STATUS_OK) return false;
    const g0 = r0 * groupsPerRow;
    const groups = n * groupsPerRow;
    out.codes.set(new Uint32Array(buf, codesPtr, n * wpr), r0 * wpr);
    out.scales.set(new Float32Array(buf, scalesPtr, groups), g0);
    if (out.zeros) out.zeros.set(new Uint8Array(buf, zerosPtr, groups), g0);
  }
  return true;
}
