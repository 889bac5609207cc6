/**
 * Glue of the WebAssembly dequant kernels (wasm/dequant.ts): the weight layout written once per
 * tensor, the decode mode chosen from the datatype registry, the per-call activations and the
 * error bounds. Two registry entries are built from here: `wasm-dequant` (f32 activations,
 * judged by the dequant bound below) and `wasm-dequant-i8` (int8 activations per block of 32,
 * bit-exact with src/cpu/dequant-i8.ts).
 *
 * Bound of wasm-dequant (docs/KERNELS.md, "WebAssembly kernels"). A term x_k v_k passes through:
 * its product (1), the lane accumulator of its group (each of the two accumulators takes GP/8
 * additions per group of GP padded codes: <= GP/8), the accumulators' sum (1), the scale multiply
 * (1), the per-lane output accumulation over the ng groups (ng), the final 4-lane reduction
 * (2), the tensor scale (1, when used) and the oracle's rounding of w (1, 2 with a tensor scale):
 *
 *   n = GP/8 + ng + 6 (+2 with a tensor scale),   c = boundConstant(n, K)
 *
 * For K >= 16 that is at most 1.01 (K + 14)/K < 2 (G = 1 gives GP = 32: 4 + K + 8), so the
 * general constant is 2. Offsets (ggml) go through the TS reference's second sum: the x-sum of a
 * group (G - 1 roundings), the offset product (1), the offset accumulation (ng), then the
 * subtraction and the oracle's own offset subtraction (OFFSET_ROUNDINGS): the per-output extra
 * term of src/gpu/offset-bound.ts with max(n, G + ng + 1) roundings.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { WasmArena, WasmCall, WasmKernelImpl, WasmWeights } from './wasm-arena.js';
import { getDType } from '../dtype/registry.js';
import { unpackCodes } from '../format/pack.js';
import { checkMatmulArgs } from './args.js';
import { boundConstant } from './bound.js';
import { absActivations, offsetExtraBound } from '../gpu/offset-bound.js';
import { dequantI8BoundC, dequantI8ExtraBound, dequantI8Support, i8BlocksPerGroup, quantizeActivationBlocks } from './dequant-i8.js';

/** Decode modes of wasm/dequant.ts (MODE_*). */
export const DEQUANT_MODES = { swizzle4: 0, planes4: 1, sext8: 2, zext8: 3, swizzle8: 4, gather8: 5 } as const;
/** A decode mode name. */
export type DequantMode = keyof typeof DEQUANT_MODES;

/** Codes per chunk: every quant group is padded to a multiple of it. */
export const WASM_CHUNK = 32;
/** Bytes per 16-entry int8 table part and per slot-4 f32 byte-plane table (4 planes of 16). */
const TABLE_PART_BYTES = 16;
const PLANES_BYTES = 64;
/** Widest slot (bits) of the layout; codes of up to 4 bits go in 4-bit slots. */
const NIBBLE_BITS = 4;
const BYTE_BITS = 8;
const INT8_MIN = -128;
const INT8_MAX = 127;
const F32_BYTES = 4;
/** Descriptor words (wasm/dequant.ts D_*). */
const DESC_WORDS = 24;
const D = {
  mode: 0, bits: 1, ng: 2, gp: 3, codes: 4, scales: 5, zeros: 6, ids: 7, tables: 8, tableStride: 9,
  units: 10, useUnit: 11, ts: 12, useTs: 13, offsets: 14, xsum: 15, n: 16, rowBytes: 17, nsw: 18, xscales: 19, foldZero: 20, xsums: 21, dot7: 22,
} as const;
const align16 = (b: number): number => Math.ceil(b / 16) * 16;

/** How a tensor's codes are laid out and decoded by the kernel. */
export interface DequantPlan {
  readonly mode: DequantMode;
  /** Slot width: 4 (two codes a byte) or 8 (one a byte). */
  readonly slot: 4 | 8;
  /** Padded group: ceil(G / 32) * 32 codes. */
  readonly gp: number;
  /** Swizzles per lookup (MODE_SWIZZLE8: 2^(bits - 4)). */
  readonly nsw: number;
  /** Per element type, the table bytes the mode reads (stride `tableStride`). */
  readonly tables: Uint8Array;
  readonly tableStride: number;
  /** Per element type, the unit of its integer grid (integer modes), 1 otherwise. */
  readonly units: Float32Array;
  readonly useUnit: boolean;
  /** Per element type, a code whose value is finite (used for padding). */
  readonly padCodes: Uint8Array;
  /** True when the weights are small integers times a unit (the int8-activation kernel can take them). */
  readonly integer: boolean;
  /** True when the zero point is subtracted from the int8 table once per group (q - z fits int8). */
  readonly foldZero: boolean;
}

/** The int8 grid of an element type: q per code with value = q * unit exactly in f32, or why not. */
function int8Grid(name: string, bits: number): { q: Int32Array; unit: number } | string {
  const dt = getDType(name);
  const grid = dt.grid;
  if (!grid) return `${name} values are not small integer multiples of one unit`;
  const unit = grid.unit;
  if (Math.fround(unit) !== unit) return `${name}'s grid unit ${unit} is not an f32 value`;
  const q = new Int32Array(1 << bits);
  for (let c = 0; c < 1 << bits; c++) {
    if (!grid.validCode[c]) continue;
    const v = grid.byCode[c] as number;
    // Values as q * unit must be exactly the decode table's (one f32 multiply in the kernel).
    if (Math.fround(v * unit) !== (dt.decodeTable[c] as number)) {
      return `${name} code ${c} is not q * unit in f32`;
    }
    q[c] = v;
  }
  return { q, unit };
}

/** True when every code of `qt` in a group of element type t is a valid code of t (codes unpacked only when some code is invalid). */
function allCodesValid(qt: QuantizedTensor, getCodes: () => Uint8Array): boolean {
  const valid = qt.elementTypes.map((t) => getDType(t).grid?.validCode);
  if (valid.every((v) => v !== undefined && v.subarray(0, 1 << qt.bits).every((b) => b === 1))) return true;
  const codes = getCodes();
  const ng = qt.cols / qt.groupSize;
  for (let i = 0; i < codes.length; i++) {
    const g = Math.floor(i / qt.cols) * ng + Math.floor((i % qt.cols) / qt.groupSize);
    const id = qt.dtypeIds ? (qt.dtypeIds[g] as number) : 0;
    if (!valid[id]?.[codes[i] as number]) return false;
  }
  return true;
}

/**
 * The decode plan of a tensor. Its codes (unpacked here when not given, and only when an element
 * type has codes that decode to no number) are checked so that such codes are not in use where
 * an integer mode would turn them into numbers.
 */
export function dequantPlan(qt: QuantizedTensor, codes?: Uint8Array): DequantPlan {
  const { bits, elementTypes } = qt;
  const gp = Math.ceil(qt.groupSize / WASM_CHUNK) * WASM_CHUNK;
  const slot: 4 | 8 = bits <= NIBBLE_BITS ? 4 : 8;
  const nTypes = elementTypes.length;
  const entries = 1 << bits;
  const padCodes = new Uint8Array(nTypes);
  elementTypes.forEach((t, i) => {
    const table = getDType(t).decodeTable;
    let c = 0;
    while (c < entries && !Number.isFinite(table[c] as number)) c++;
    padCodes[i] = c < entries ? c : 0;
  });
  const grids = elementTypes.map((t) => int8Grid(t, bits));
  const gridsOk = grids.every((g) => typeof g !== 'string');
  const ints = gridsOk ? (grids as { q: Int32Array; unit: number }[]) : [];
  const units = new Float32Array(nTypes).fill(1);
  ints.forEach((g, i) => (units[i] = g.unit));
  const useUnit = ints.some((g) => g.unit !== 1);
  const fitsI8 = ints.every((g) => g.q.every((v) => v >= INT8_MIN && v <= INT8_MAX));
  // Zero points are subtracted in integer units: only where the unit is 1.
  const zerosOk = qt.zeros === undefined || !useUnit;
  const integer = gridsOk && zerosOk && allCodesValid(qt, () => codes ?? unpackCodes(qt.codes, qt.rows, qt.cols, qt.bits));
  const f32Table = (stride: number, planes: boolean): Uint8Array => {
    const out = new Uint8Array(nTypes * stride);
    elementTypes.forEach((t, i) => {
      const tab = getDType(t).decodeTable;
      const u8 = new Uint8Array(tab.buffer, tab.byteOffset, tab.byteLength);
      if (!planes) out.set(u8, i * stride);
      // Byte plane p, entry c: byte p of the f32 bit pattern of value c.
      else for (let c = 0; c < entries; c++) for (let p = 0; p < F32_BYTES; p++) out[i * stride + p * TABLE_PART_BYTES + c] = u8[c * F32_BYTES + p] as number;
    });
    return out;
  };
  const i8Table = (): Uint8Array => {
    const out = new Uint8Array(nTypes * PLANES_BYTES);
    ints.forEach((g, i) => {
      for (let c = 0; c < entries; c++) out[i * PLANES_BYTES + c] = (g.q[c] as number) & 0xff;
    });
    return out;
  };
  const base = { slot, gp, padCodes, units, useUnit, integer, foldZero: false };
  if (slot === 4) {
    if (integer && fitsI8) {
      let foldZero = false;
      if (qt.zeros) {
        let qmin = 0;
        let qmax = 0;
        for (const g of ints) for (const v of g.q) [qmin, qmax] = [Math.min(qmin, v), Math.max(qmax, v)];
        let zmin = Infinity;
        let zmax = -Infinity;
        for (const z of qt.zeros) [zmin, zmax] = [Math.min(zmin, z), Math.max(zmax, z)];
        foldZero = qmin - zmax >= INT8_MIN && qmax - zmin <= INT8_MAX;
      }
      return { ...base, foldZero, mode: 'swizzle4', nsw: 1, tables: i8Table(), tableStride: PLANES_BYTES };
    }
    return { ...base, mode: 'planes4', nsw: 1, tables: f32Table(PLANES_BYTES, true), tableStride: PLANES_BYTES, units: units.fill(1), useUnit: false };
  }
  if (integer) {
    const half = 1 << (bits - 1);
    // An identity decode must hold for every valid code of every element type.
    const exact = (f: (c: number) => number): boolean =>
      elementTypes.every((t, i) => {
        const grid = getDType(t).grid!;
        return (ints[i] as { q: Int32Array }).q.every((v, c) => !grid.validCode[c] || v === f(c));
      });
    if (exact((c) => (c >= half ? c - entries : c))) return { ...base, mode: 'sext8', nsw: 0, tables: new Uint8Array(nTypes * PLANES_BYTES), tableStride: PLANES_BYTES };
    if (exact((c) => c)) return { ...base, mode: 'zext8', nsw: 0, tables: new Uint8Array(nTypes * PLANES_BYTES), tableStride: PLANES_BYTES };
    if (fitsI8 && bits <= 6) return { ...base, mode: 'swizzle8', nsw: entries / TABLE_PART_BYTES, tables: i8Table(), tableStride: PLANES_BYTES };
  }
  const stride = align16(entries * F32_BYTES);
  return { ...base, mode: 'gather8', nsw: 0, tables: f32Table(stride, false), tableStride: stride, units: units.fill(1), useUnit: false };
}

/** Bytes of the re-laid-out codes of one row. */
function rowBytesOf(qt: QuantizedTensor, slot: number, gp: number): number {
  return ((qt.cols / qt.groupSize) * gp * slot) / BYTE_BITS;
}

/**
 * The kernel's code layout (wasm/dequant.ts header): per row, per group, GP codes (padded with
 * `padCodes`) in 32-code chunks; slot 4: byte j of a chunk = code j | code (16 + j) << 4; slot 8:
 * one byte per code.
 */
export function dequantLayout(qt: QuantizedTensor, codes: Uint8Array, plan: DequantPlan): Uint8Array {
  const { rows: n, cols: k, groupSize: gs } = qt;
  const ng = k / gs;
  const rowBytes = rowBytesOf(qt, plan.slot, plan.gp);
  const out = new Uint8Array(n * rowBytes);
  const half = WASM_CHUNK / 2;
  const code = new Uint8Array(plan.gp);
  for (let r = 0; r < n; r++) {
    for (let g = 0; g < ng; g++) {
      const gi = r * ng + g;
      code.fill(plan.padCodes[qt.dtypeIds ? (qt.dtypeIds[gi] as number) : 0] as number);
      code.set(codes.subarray(r * k + g * gs, r * k + (g + 1) * gs));
      const base = r * rowBytes + (g * plan.gp * plan.slot) / BYTE_BITS;
      if (plan.slot === BYTE_BITS) out.set(code, base);
      else {
        for (let ch = 0; ch < plan.gp / WASM_CHUNK; ch++) {
          for (let j = 0; j < half; j++) {
            out[base + ch * half + j] = (code[ch * WASM_CHUNK + j] as number) | ((code[ch * WASM_CHUNK + half + j] as number) << NIBBLE_BITS);
          }
        }
      }
    }
  }
  return out;
}

/**
 * The kernel's code layout straight from the packed words, for 4-bit codes in groups of a
 * multiple of 32 (no padding): a chunk's words w0..w3 hold codes 0-7, 8-15, 16-23, 24-31, and
 * its bytes 0-7 pair the nibbles of w0 and w2, bytes 8-15 those of w1 and w3. Equals
 * `dequantLayout` (a test checks) without unpacking the codes.
 */
export function dequantLayoutPacked4(qt: QuantizedTensor): Uint8Array {
  const words = qt.codes;
  const out = new Uint32Array(words.length);
  const lowNibbles = 0x0f0f0f0f;
  const highNibbles = 0xf0f0f0f0;
  const byte = 0xff;
  // Two words a, b -> 8 bytes a_j | b_j << 4 (j = nibble index), as two little-endian words.
  for (let i = 0; i + 3 < words.length; i += 4) {
    for (let h = 0; h < 2; h++) {
      const a = words[i + h] as number;
      const b = words[i + 2 + h] as number;
      const e = (a & lowNibbles) | ((b & lowNibbles) << 4); // byte t: nibble 2t of a and of b
      const o = ((a >>> 4) & lowNibbles) | (b & highNibbles); // byte t: nibble 2t + 1
      out[i + 2 * h] = (e & byte) | ((o & byte) << 8) | ((e & (byte << 8)) << 8) | ((o & (byte << 8)) << 16);
      out[i + 2 * h + 1] = ((e >>> 16) & byte) | (((o >>> 16) & byte) << 8) | ((e >>> 24) << 16) | ((o >>> 24) << 24);
    }
  }
  return new Uint8Array(out.buffer);
}

/** The pieces `load` writes, in order, with their sizes. */
function weightParts(qt: QuantizedTensor, plan: DequantPlan): number {
  const groups = qt.scales.length;
  return (
    align16(qt.rows * rowBytesOf(qt, plan.slot, plan.gp)) +
    align16(groups * F32_BYTES) +
    (qt.zeros ? align16(groups) : 0) +
    (qt.dtypeIds ? align16(groups) : 0) +
    (qt.offsets ? align16(groups * F32_BYTES) : 0) +
    align16(plan.tables.length) +
    align16(plan.units.byteLength)
  );
}

const planCache = new WeakMap<QuantizedTensor, DequantPlan>();

/** The plan of `qt`, checking its codes (cached per tensor object). */
function planOf(qt: QuantizedTensor): DequantPlan {
  let p = planCache.get(qt);
  if (!p) {
    p = dequantPlan(qt);
    planCache.set(qt, p);
  }
  return p;
}

/** D_USE_UNIT values (wasm/dequant.ts UNIT_*): no unit, one unit for every element type, a unit per element type. */
const UNIT_NONE = 0;
const UNIT_UNIFORM = 1;
const UNIT_PER_TYPE = 2;
/** The int8 kernel's tables hold u = q + 128 (wasm/dequant.ts, dequant_i8), or q + 64 in its dot7 form. */
const I8_TABLE_BIAS = 128;
const DOT7_TABLE_BIAS = 64;
/** The dot7 form's u = v + 64 must lie in 0..127. */
const DOT7_MIN = -64;
const DOT7_MAX = 63;

/** True when `arena` runs the relaxed-SIMD build of the module (wasm/memory.ts simd_relaxed). */
function arenaRelaxed(arena: WasmArena): boolean {
  const f = arena.exports.simd_relaxed;
  return typeof f === 'function' && (f as () => number)() === 1;
}

/**
 * True when dequant_i8 can take `qt` in its dot7 form (tables + 64, u in 0..127; the relaxed
 * build's relaxed_dot_i8x16_i7x16_add_s, the baseline build's dots on the raw bytes): 4-bit
 * codes through int8 tables whose values, less any zero point folded into them, lie in -64..63.
 */
function dot7Fits(qt: QuantizedTensor, plan: DequantPlan): boolean {
  if (plan.mode !== 'swizzle4') return false;
  let lo = Infinity;
  let hi = -Infinity;
  for (let t = 0; t < qt.elementTypes.length; t++) {
    for (let c = 0; c < 1 << qt.bits; c++) {
      const v = ((plan.tables[t * plan.tableStride + c] as number) << 24) >> 24;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (plan.foldZero && qt.zeros) {
    let zmin = Infinity;
    let zmax = -Infinity;
    for (const z of qt.zeros) [zmin, zmax] = [Math.min(zmin, z), Math.max(zmax, z)];
    [lo, hi] = [lo - zmax, hi - zmin];
  }
  return lo >= DOT7_MIN && hi <= DOT7_MAX;
}

/**
 * Writes the tensor's kernel layout into the arena (both dequant kernels; `biasTables` for
 * dequant_i8, whose swizzle tables hold the unsigned q + 128).
 */
export function loadDequantWeights(arena: WasmArena, qt: QuantizedTensor, biasTables = false): WasmWeights {
  checkTensor(qt);
  const plan = planOf(qt);
  const dot7 = biasTables && dot7Fits(qt, plan);
  const bias = dot7 ? DOT7_TABLE_BIAS : I8_TABLE_BIAS;
  const whole = qt.groupSize % WASM_CHUNK === 0;
  let layout: Uint8Array;
  if (whole && qt.bits === NIBBLE_BITS) layout = dequantLayoutPacked4(qt);
  // 8-bit codes in whole chunks: the packed words' bytes are the layout (one byte per code, in order).
  else if (whole && qt.bits === BYTE_BITS) layout = new Uint8Array(qt.codes.buffer, qt.codes.byteOffset, qt.codes.byteLength);
  else layout = dequantLayout(qt, unpackCodes(qt.codes, qt.rows, qt.cols, qt.bits), plan);
  return {
    mode: DEQUANT_MODES[plan.mode],
    gp: plan.gp,
    nsw: plan.nsw,
    rowBytes: rowBytesOf(qt, plan.slot, plan.gp),
    tableStride: plan.tableStride,
    useUnit: !plan.useUnit ? UNIT_NONE : plan.units.every((u) => u === plan.units[0]) ? UNIT_UNIFORM : UNIT_PER_TYPE,
    foldZero: plan.foldZero ? 1 : 0,
    integer: plan.integer ? 1 : 0,
    codes: arena.put(layout),
    scales: arena.put(qt.scales),
    zeros: qt.zeros ? arena.put(qt.zeros) : 0,
    ids: qt.dtypeIds ? arena.put(qt.dtypeIds) : 0,
    offsets: qt.offsets ? arena.put(qt.offsets) : 0,
    tables: arena.put(biasTables && (plan.mode === 'swizzle4' || plan.mode === 'swizzle8') ? plan.tables.map((b) => (b + bias) & 0xff) : plan.tables),
    dot7: dot7 ? 1 : 0,
    units: arena.put(plan.units),
  };
}

function checkTensor(qt: QuantizedTensor): void {
  if (qt.offsets && qt.offsets.length !== qt.scales.length) throw new RangeError(`tensor ${qt.scheme}: ${qt.offsets.length} offsets for ${qt.scales.length} groups (one per group)`);
}

/**
 * x-sums of every activation row and group, serial f32 sums as src/cpu/dequant.ts forms them
 * (the offsets' second sum), [M, ng].
 */
export function groupXSums(x: Float32Array, m: number, k: number, gs: number): Float32Array {
  const f = Math.fround;
  const ng = k / gs;
  const out = new Float32Array(m * ng);
  for (let i = 0; i < m; i++) {
    for (let g = 0; g < ng; g++) {
      let s = 0;
      for (let t = i * k + g * gs, end = t + gs; t < end; t++) s = f(s + (x[t] as number));
      out[i * ng + g] = s;
    }
  }
  return out;
}

/** Writes the descriptor of a call (wasm/dequant.ts D_*). */
export function writeDescriptor(arena: WasmArena, qt: QuantizedTensor, w: WasmWeights, extra: { xsum: number; xscales: number; xsums: number }): number {
  const ptr = arena.alloc(DESC_WORDS * 4);
  const d = arena.u32(ptr, DESC_WORDS);
  const f = new Float32Array(1);
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  f[0] = qt.tensorScale;
  d[D.mode] = w.mode as number;
  d[D.bits] = qt.bits;
  d[D.ng] = qt.cols / qt.groupSize;
  d[D.gp] = w.gp as number;
  d[D.codes] = w.codes as number;
  d[D.scales] = w.scales as number;
  d[D.zeros] = w.zeros as number;
  d[D.ids] = w.ids as number;
  d[D.tables] = w.tables as number;
  d[D.tableStride] = w.tableStride as number;
  d[D.units] = w.units as number;
  d[D.useUnit] = w.useUnit as number;
  d[D.ts] = new Uint32Array(f.buffer)[0] as number;
  d[D.useTs] = useTs ? 1 : 0;
  d[D.offsets] = w.offsets as number;
  d[D.xsum] = extra.xsum;
  d[D.n] = qt.rows;
  d[D.rowBytes] = w.rowBytes as number;
  d[D.nsw] = w.nsw as number;
  d[D.xscales] = extra.xscales;
  d[D.foldZero] = w.foldZero as number;
  d[D.xsums] = extra.xsums;
  d[D.dot7] = w.dot7 as number;
  return ptr;
}

/** Copies X [M, K] into scratch as [M, ng * GP] with each group padded with zeros. */
function putPaddedX(arena: WasmArena, x: Float32Array, m: number, k: number, gs: number, gp: number): number {
  const ng = k / gs;
  const stride = ng * gp;
  const ptr = arena.alloc(m * stride * F32_BYTES);
  const dst = arena.f32(ptr, m * stride);
  if (gp === gs) dst.set(x);
  else {
    dst.fill(0);
    for (let i = 0; i < m; i++) for (let g = 0; g < ng; g++) dst.set(x.subarray(i * k + g * gs, i * k + (g + 1) * gs), i * stride + g * gp);
  }
  return ptr;
}

/** Roundings a term of `qt` passes through in wasm-dequant, the oracle's included (file comment). */
export function wasmDequantRoundings(qt: QuantizedTensor): number {
  const gp = Math.ceil(qt.groupSize / WASM_CHUNK) * WASM_CHUNK;
  const ts = qt.hasTensorScale || qt.tensorScale !== 1 ? 2 : 0;
  return gp / 8 + qt.cols / qt.groupSize + 6 + ts;
}

/** The general constant of wasm-dequant (every scheme, K >= 16). */
export const WASM_DEQUANT_C = 2;

/** The f32-activation WebAssembly dequant kernel. */
export const wasmDequant: WasmKernelImpl = {
  name: 'wasm-dequant',
  family: 'dequant',
  description: 'WebAssembly SIMD fused decode-and-multiply, f32 activations (int8 swizzle decode for integer grids, f32 byte planes or gathers otherwise)',
  supports: () => true,
  weightBytes: (qt) => weightParts(qt, planOf(qt)),
  load: loadDequantWeights,
  prepare(arena: WasmArena, qt: QuantizedTensor, w: WasmWeights, x: Float32Array, m: number, outPtr: number): WasmCall {
    checkMatmulArgs('wasm-dequant', x, m, qt);
    const xPtr = putPaddedX(arena, x, m, qt.cols, qt.groupSize, w.gp as number);
    const xsum = qt.offsets ? arena.put(groupXSums(x, m, qt.cols, qt.groupSize)) : 0;
    const desc = writeDescriptor(arena, qt, w, { xsum, xscales: 0, xsums: 0 });
    return { fn: 'dequant_f32', args: [desc, xPtr, outPtr, m], rows: qt.rows, rowAlign: 1 };
  },
  c: WASM_DEQUANT_C,
  boundC: (qt) => boundConstant(wasmDequantRoundings(qt), qt.cols),
  extraBound: (x, qt, m) => (qt.offsets ? offsetExtraBound(qt, m, absActivations(x), Math.max(wasmDequantRoundings(qt), qt.groupSize + qt.cols / qt.groupSize + 1)) : undefined),
};

/** Decode modes dequant_i8 takes (the integer ones). */
const I8_MODES: readonly DequantMode[] = ['swizzle4', 'sext8', 'zext8', 'swizzle8'];
const I16_BYTES = 2;
/**
 * The activation order of a block of 32 in dequant_i8 (wasm/dequant.ts XPERM): position j holds x
 * of code XPERM[j] (even codes of each 16, then odd ones), and XPERM_INV[c] is code c's position.
 */
const XPERM: readonly number[] = Array.from({ length: WASM_CHUNK }, (_, j) => (j & 16) + ((j & 8) ? 2 * (j & 7) + 1 : 2 * (j & 7)));
const XPERM_INV: Uint8Array = (() => {
  const inv = new Uint8Array(WASM_CHUNK);
  XPERM.forEach((c, j) => (inv[c] = j));
  return inv;
})();
/** In XPERM, position j + 8 (j in 0..7 of each 16) holds the odd code after position j's even one. */
const XPERM_ODD = 8;
/** 2^8: an odd byte's weight in an i16 lane. */
const BYTE_RANGE = 256;
const XPERM_IDENTITY: Uint8Array = Uint8Array.from({ length: WASM_CHUNK }, (_, j) => j);
/** Rows of X per tile in dequant_i8 (M_TILE). */
const I8_M_TILE = 4;

/** The int8-activation WebAssembly dequant kernel (bit-exact with src/cpu/dequant-i8.ts). */
export const wasmDequantI8: WasmKernelImpl = {
  name: 'wasm-dequant-i8',
  family: 'dequant',
  description: 'WebAssembly SIMD W·A8: activations int8 per block of 32 (absmax scale), exact i32 block sums (i32x4.dot_i16x8_s), f32 block and group scales',
  supports(target) {
    const ok = dequantI8Support(target);
    if (ok !== true || typeof target === 'string') return ok;
    const mode = planOf(target).mode;
    return I8_MODES.includes(mode) ? true : `${target.elementTypes.join('/')} decodes through f32 tables here (${mode}), not int8 tables`;
  },
  weightBytes: (qt) => weightParts(qt, planOf(qt)),
  load: (arena, qt) => loadDequantWeights(arena, qt, true),
  prepare(arena: WasmArena, qt: QuantizedTensor, w: WasmWeights, x: Float32Array, m: number, outPtr: number): WasmCall {
    checkMatmulArgs('wasm-dequant-i8', x, m, qt);
    const { cols: k, groupSize: gs } = qt;
    const ng = k / gs;
    const gp = w.gp as number;
    const xa = quantizeActivationBlocks(x, m, k, gs);
    const stride = ng * gp;
    if (i8BlocksPerGroup(gs) !== gp / WASM_CHUNK) throw new Error('lowbit wasm: int8 blocks and padded groups disagree (internal error)');
    // Block scales and block sums of xq transposed to [block][MP] (wasm/dequant.ts): MP = 1 for
    // M = 1, else M rounded up to 4.
    const mp = m === 1 ? 1 : Math.ceil(m / I8_M_TILE) * I8_M_TILE;
    const blocks = ng * (gp / WASM_CHUNK);
    // The relaxed build's dot7 form takes i8 activations in code order, the other forms i16 in
    // XPERM order; the baseline dot7 form stores x_odd - 256 x_even at the odd positions
    // (wasm/dequant.ts: its dots read the swizzled bytes as i16 u_even + 256 u_odd).
    const dot7 = w.dot7 === 1;
    const codeOrder = dot7 && arenaRelaxed(arena);
    const oddMinusEven = dot7 && !codeOrder;
    const xPtr = arena.alloc(m * stride * (codeOrder ? 1 : I16_BYTES));
    const xscales = arena.alloc(blocks * mp * F32_BYTES);
    const xsums = arena.alloc(blocks * mp * F32_BYTES);
    const xq = codeOrder ? new Int8Array(arena.memory.buffer, xPtr, m * stride) : new Int16Array(arena.memory.buffer, xPtr, m * stride);
    const perm = codeOrder ? XPERM_IDENTITY : XPERM_INV;
    const xs = arena.f32(xscales, blocks * mp);
    const bs = new Int32Array(arena.memory.buffer, xsums, blocks * mp);
    xq.fill(0);
    xs.fill(0);
    bs.fill(0);
    // Each block of 32 in the kernel's activation order (XPERM: position j holds x of code
    // XPERM[j]; the dot7 form: code order); a group's last block may be short (the rest stays 0).
    const bpg = gp / WASM_CHUNK;
    for (let i = 0; i < m; i++) {
      for (let g = 0; g < ng; g++) {
        for (let b = 0; b < bpg; b++) {
          const t0 = b * WASM_CHUNK;
          const len = Math.min(WASM_CHUNK, gs - t0);
          const src = i * k + g * gs + t0;
          const dst = i * stride + g * gp + t0;
          const blk = g * bpg + b;
          let sum = 0;
          for (let j = 0; j < len; j++) {
            const v = xa.q[src + j] as number;
            xq[dst + (perm[j] as number)] = v;
            sum += v;
          }
          if (oddMinusEven) {
            // Odd positions (8..15 of each 16) pair with the even position 8 before them.
            for (let j = 0; j < WASM_CHUNK; j++) {
              if (j & XPERM_ODD) xq[dst + j] = (xq[dst + j] as number) - BYTE_RANGE * (xq[dst + j - XPERM_ODD] as number);
            }
          }
          bs[blk * mp + i] = sum;
          xs[blk * mp + i] = xa.scales[i * blocks + blk] as number;
        }
      }
    }
    const xsum = qt.offsets ? arena.put(groupXSums(x, m, k, gs)) : 0;
    const desc = writeDescriptor(arena, qt, w, { xsum, xscales, xsums });
    return { fn: 'dequant_i8', args: [desc, xPtr, outPtr, m], rows: qt.rows, rowAlign: 1 };
  },
  c: WASM_DEQUANT_C,
  boundC: dequantI8BoundC,
  extraBound: dequantI8ExtraBound,
};
