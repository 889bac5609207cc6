/**
 * The WebAssembly SIMD kernels of the fast quantizer (wasm/quantize.ts), bit-exact with the
 * reference, for every scheme (docs/QUANTIZE.md says why each is exact):
 * - `quantize_int_rows`: the integer rules (symmetric absmax int2-int8 with or without the clip
 *   search, asymmetric min/max, MXINT8);
 * - `quantize_rows`: every other element type by descriptors (wasm-descriptors.ts): minifloats,
 *   codebooks, mixtures, the clip search, MX, NVFP4, mean-|w| rules.
 * Per-tensor units are decided beforehand (quantize-fast.ts `tensorDecisions`) and passed in.
 *
 * The module is instantiated synchronously on first use over a memory of its own (Node, Web
 * Workers; a browser main thread may refuse synchronous compiles of large modules, and then the
 * JavaScript path runs until `prepareWasmQuantize` has compiled it asynchronously). Rows are
 * copied into the memory in blocks of about {@link BLOCK_BYTES}, quantized, and the codes,
 * scales and zero points copied out.
 */
import { baselineModuleBytes, wasmHeapBase } from '../cpu/wasm-bytes.js';
import { wordsPerRowFor } from '../format/pack.js';
import { getEncoder } from '../dtype/codec.js';
import { IntEncoderFast, fastEncoderFor, type FastEncoder } from './fast-encoders.js';
import { TD, descriptorBytes, sharedKeyRange } from './wasm-descriptors.js';
import type { QuantizePlan } from './quantize-plan.js';
import type { RowsOut, TensorDecisions } from './quantize-fast.js';

/** Rules of quantize_int_rows (wasm/quantize.ts RULE_*). */
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

type RowsKernel = (
  w: number, rows: number, cols: number, groupSize: number, rule: number, store: number, types: number, nTypes: number,
  ratios: number, nRatios: number, clampLo: number, clampHi: number, emaxMx: number, nvTs: number,
  fixedScale: number, fixedEncScale: number, fixedId: number, bits: number, scales: number, ids: number, codes: number,
  wordsPerRow: number, scratch: number,
) => number;

interface WasmQuantizer {
  readonly memory: WebAssembly.Memory;
  readonly heapBase: number;
  readonly intRows: IntRowsKernel;
  readonly rows: RowsKernel;
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
      const { quantize_int_rows: intRows, quantize_rows: rows } = instance.exports;
      if (typeof intRows !== 'function' || typeof rows !== 'function') throw new Error('the module lacks quantize_int_rows / quantize_rows (wasm/quantize.ts)');
      return { memory, heapBase: wasmHeapBase(instance.exports), intRows: intRows as IntRowsKernel, rows: rows as RowsKernel };
    } catch (err) {
      if (!(err instanceof WebAssembly.LinkError) || pages >= MAX_STATIC_PAGES) throw err;
    }
  }
}

function getQuantizer(): WasmQuantizer | null {
  if (quantizer !== undefined) return quantizer;
  try {
    if (typeof WebAssembly === 'undefined') throw new Error('this runtime has no WebAssembly');
    quantizer = instantiate(new WebAssembly.Module(baselineModuleBytes('plain') as Uint8Array<ArrayBuffer>));
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
    quantizer = instantiate(await WebAssembly.compile(baselineModuleBytes('plain') as Uint8Array<ArrayBuffer>));
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

/** Rules of quantize_rows (wasm/quantize.ts QR_*). */
const QR = { absmax: 0, mx: 1, nvfp4: 2, mean: 3, fixed: 4 } as const;
/** Element types of a codebook mixture in the shared-key path (wasm/quantize.ts MIX_TYPES). */
const MIX_TYPES = 4;
/** Bytes of one key block (KEY_BYTES), one v128, the codes region (SCR_ERR), elements per SIMD block. */
const KEY_BYTES = 160;
const V128_BYTES = 16;
const SCR_HEAD_BYTES = 64;
const SIMD_BLOCK = 16;
/**
 * quantize_rows' scratch (wasm/quantize.ts SCR_*): a block's codes, an f64 error per candidate
 * (MIX_TYPES x MAX_RATIOS), MIX_TYPES key blocks, MIX_TYPES f64x2 lane sums, a block of weights
 * as f64; then (SCR_IDX) MIX_TYPES value-index bytes per element of a group.
 */
const SCRATCH_BYTES = SCR_HEAD_BYTES + MIX_TYPES * MAX_RATIOS * F64_BYTES + MIX_TYPES * KEY_BYTES + MIX_TYPES * V128_BYTES + SIMD_BLOCK * F64_BYTES;

/** How the kernels run a plan: the integer kernel, or quantize_rows with element-type descriptors. */
type Route =
  | { readonly kernel: 'int'; readonly rule: number; readonly enc: IntEncoderFast }
  | { readonly kernel: 'rows'; readonly rule: number; readonly descriptors: readonly Uint8Array[] };

/** The route of a plan, or undefined when no kernel covers it. */
function routeOf(plan: QuantizePlan): Route | undefined {
  if (plan.ratios.length > MAX_RATIOS) return undefined;
  const encoders = plan.encoders.map(fastEncoderFor);
  const enc = encoders[0] as FastEncoder;
  const rule = plan.spec.scaleRule;
  if (encoders.length === 1 && !plan.spec.scaleClamp && enc instanceof IntEncoderFast) {
    if (rule === 'absmax' && enc.lo < 0) return { kernel: 'int', rule: RULE.absmax, enc };
    if (rule === 'minmax' && enc.lo === 0) return { kernel: 'int', rule: RULE.minmax, enc };
    if (rule === 'mx') return { kernel: 'int', rule: RULE.mx, enc };
  }
  const all = rule === 'nvfp4' ? [...encoders, fastEncoderFor(getEncoder('float8_e4m3fn'))] : encoders;
  const range = sharedKeyRange(all);
  const descriptors = all.map((e) => descriptorBytes(e, range));
  if (!descriptors.every((d) => d !== undefined)) return undefined;
  const qr = rule === 'absmax' ? QR.absmax : rule === 'mx' ? QR.mx : rule === 'nvfp4' ? QR.nvfp4 : rule === 'absmean' || rule === 'signmean' ? QR.mean : undefined;
  if (qr === undefined) return undefined;
  return { kernel: 'rows', rule: qr, descriptors: descriptors as Uint8Array[] };
}

const routes = new WeakMap<QuantizePlan, Route | null>();
function cachedRoute(plan: QuantizePlan): Route | undefined {
  let r = routes.get(plan);
  if (r === undefined) {
    r = routeOf(plan) ?? null;
    routes.set(plan, r);
  }
  return r ?? undefined;
}

/** True when a WebAssembly kernel covers the plan (and the module runs here). */
export function wasmCovers(plan: QuantizePlan): boolean {
  return enabled && cachedRoute(plan) !== undefined && getQuantizer() !== null;
}

function ensureBytes(q: WasmQuantizer, bytes: number): void {
  const have = q.memory.buffer.byteLength;
  if (bytes > have) q.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
}

const align16 = (x: number): number => Math.ceil(x / 16) * 16;

/**
 * Quantizes `rows` rows of w (exactly those rows) in WebAssembly into `out`. Per-tensor
 * granularity needs `decisions.unit`. Returns false when no kernel covers the plan, or when the
 * kernel met a non-finite weight or an f16 scale overflow (the outputs are then incomplete and
 * the caller produces the reference's error).
 */
export function wasmQuantizeRows(plan: QuantizePlan, w: Float32Array, rows: number, decisions: TensorDecisions, out: RowsOut): boolean {
  if (!enabled) return false;
  const route = cachedRoute(plan);
  const q = route && getQuantizer();
  if (!route || !q) return false;
  const { cols, bits, groupsPerRow } = plan;
  const wpr = wordsPerRowFor(cols, bits);
  const fixed = plan.layout.granularity === 'tensor' ? decisions.unit : undefined;
  if (plan.layout.granularity === 'tensor' && !fixed) throw new Error('internal: per-tensor granularity without the tensor decision');
  const blockRows = Math.max(1, Math.min(rows, Math.floor(BLOCK_BYTES / (cols * F32_BYTES))));
  const types = route.kernel === 'rows' ? route.descriptors : [];
  // Layout: ratios | candidates / scratch | type descriptors | W block | scales | zeros or ids | codes.
  const ratiosPtr = align16(q.heapBase);
  const scratchPtr = align16(ratiosPtr + MAX_RATIOS * F64_BYTES);
  const typesPtr = align16(scratchPtr + SCRATCH_BYTES + MIX_TYPES * plan.layout.groupSize);
  const wPtr = align16(typesPtr + types.length * TD.BYTES);
  const scalesPtr = align16(wPtr + blockRows * cols * F32_BYTES);
  const bytesPtr = align16(scalesPtr + blockRows * groupsPerRow * F32_BYTES);
  const codesPtr = align16(bytesPtr + blockRows * groupsPerRow);
  ensureBytes(q, codesPtr + blockRows * wpr * F32_BYTES);
  const buf = q.memory.buffer;
  new Float64Array(buf, ratiosPtr, plan.ratios.length).set(plan.ratios);
  types.forEach((d, i) => new Uint8Array(buf, typesPtr + i * TD.BYTES, TD.BYTES).set(d));
  const perGroupBytes = out.zeros ?? out.ids;
  const clamp = plan.spec.scaleClamp;
  const store = STORE[plan.storeDType];
  for (let r0 = 0; r0 < rows; r0 += blockRows) {
    const n = Math.min(blockRows, rows - r0);
    new Float32Array(buf, wPtr, n * cols).set(w.subarray(r0 * cols, (r0 + n) * cols));
    let status: number;
    if (route.kernel === 'int') {
      const enc = route.enc;
      status = q.intRows(
        wPtr, n, cols, plan.layout.groupSize, fixed ? RULE.fixed : route.rule, store, enc.lo, enc.hi, enc.unit, enc.maxAbs,
        plan.encoders[0]?.dtype.info.emax ?? 0, ratiosPtr, plan.ratios.length, scratchPtr, fixed?.scale ?? 0, fixed?.zero ?? 0, bits,
        scalesPtr, out.zeros ? bytesPtr : 0, codesPtr, wpr,
      );
    } else {
      status = q.rows(
        wPtr, n, cols, plan.layout.groupSize, fixed ? QR.fixed : route.rule, store, typesPtr, plan.encoders.length,
        ratiosPtr, plan.ratios.length, clamp ? clamp[0] : -Infinity, clamp ? clamp[1] : Infinity,
        plan.encoders[0]?.dtype.info.emax ?? 0, decisions.nvfp4TensorScale ?? 1, fixed?.scale ?? 0, fixed?.encScale ?? 0, fixed?.id ?? 0,
        bits, scalesPtr, out.ids ? bytesPtr : 0, codesPtr, wpr, scratchPtr,
      );
    }
    if (status !== STATUS_OK) return false;
    const g0 = r0 * groupsPerRow;
    const groups = n * groupsPerRow;
    out.codes.set(new Uint32Array(buf, codesPtr, n * wpr), r0 * wpr);
    out.scales.set(new Float32Array(buf, scalesPtr, groups), g0);
    if (perGroupBytes) perGroupBytes.set(new Uint8Array(buf, bytesPtr, groups), g0);
  }
  return true;
}
