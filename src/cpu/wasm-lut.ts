/**
 * Glue of the WebAssembly `lut` kernel (wasm/lut.ts): `wasm-lut-i8`, the SIMD128 twin of lut-i8
 * (src/cpu/lut.ts), bit-exact with matmulLutI8 (docs/KERNELS.md "wasm-lut-i8").
 *
 * load: the tensor's bit planes (of its codes, or of its values for small-integer grids such as
 * bitmod4: lutPlan, src/cpu/lut-values.ts) are re-laid out into 16-row tiles of slot pairs (one v128 = the
 * plane nibbles of 16 rows for two 4-groups), with per-tile scales (and per-row constants c0 for
 * asymmetric schemes) and the segment list (file comment of wasm/lut.ts).
 * prepare: X is copied in and lut_i8_tables (wasm/lut.ts) builds, per activation row, the int8
 * tables in slot order, the table scales and the per-group sums of x, bit for bit as the
 * reference's buildLutF32, lutI8Scales and quantizeLutI8 (tested against them).
 *
 * There is no wasm lut-f32: f32 tables need a 32-bit gather per lookup, which SIMD128 lacks
 * (i8x16.swizzle indexes bytes), so a table lookup in f32 costs more than decoding the weight.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { toBitPlanes } from '../format/bitplanes.js';
import { WORD_BITS } from '../format/pack.js';
import { checkMatmulArgs } from './args.js';
import {
  lutBoundC, lutI8ErrorBound, lutPlan, lutSupport, LUT_DEFAULT_BLOCK, LUT_ENTRIES, LUT_GROUP,
} from './lut.js';
import type { WasmArena, WasmCall, WasmKernelImpl, WasmWeights } from './wasm-arena.js';

const NAME = 'wasm-lut-i8';
/** Output rows per tile (one i8x16 lane each). */
export const WASM_LUT_TILE = 16;
/** Bytes of one v128. */
const V128_BYTES = 16;
/** Bytes of an f32 / i32. */
const WORD_BYTES = 4;
/** i32 fields per segment: first pair, pairs, table block, 2 g + last. */
const SEG_FIELDS = 4;
/** Slots per pair (one in each nibble of a weight byte). */
const SLOTS_PER_PAIR = 2;
/** 4-groups per table block: the wasm kernel uses lut-i8's default block (64 activations). */
const BLOCK_GROUPS = LUT_DEFAULT_BLOCK / LUT_GROUP;
/** 4-groups per u32 plane word. */
const GROUPS_PER_WORD = WORD_BITS / LUT_GROUP;
/** Mask of one plane nibble. */
const NIBBLE = LUT_ENTRIES - 1;

/** The slot layout shared by every row of a tensor with K columns and quant groups of G. */
interface SlotLayout {
  /** Slot pairs per row. */
  readonly pairs: number;
  /** 4-group of each slot (-1: an empty slot). */
  readonly slotGroup: Int32Array;
  /** SEG_FIELDS i32 per segment. */
  readonly segs: Int32Array;
  readonly nseg: number;
  readonly ng: number;
  readonly nt: number;
  readonly nblk: number;
}

const layoutCache = new Map<string, SlotLayout>();

/**
 * Segments (a quant group's part inside one table block) in row order, each on its own run of
 * slots padded to an even count: so both nibbles of a weight byte belong to the same segment.
 */
export function lutSlotLayout(k: number, gs: number): SlotLayout {
  const key = `${k},${gs}`;
  const hit = layoutCache.get(key);
  if (hit) return hit;
  if (!(Number.isInteger(k) && k >= 1 && Number.isInteger(gs) && gs >= 1 && k % gs === 0)) {
    throw new RangeError(`${NAME}: the slot layout needs K a positive multiple of the group size, got K = ${k}, group ${gs}`);
  }
  const ng = k / gs;
  const nt = Math.ceil(k / LUT_GROUP);
  const g4 = ng === 1 ? nt : gs / LUT_GROUP;
  const segs: number[] = [];
  const slots: number[] = [];
  for (let g = 0; g < ng; g++) {
    const t1 = Math.min((g + 1) * g4, nt);
    for (let sa = g * g4; sa < t1; ) {
      const blk = Math.floor(sa / BLOCK_GROUPS);
      const sb = Math.min(t1, (blk + 1) * BLOCK_GROUPS);
      const cnt = Math.ceil((sb - sa) / SLOTS_PER_PAIR);
      segs.push(slots.length / SLOTS_PER_PAIR, cnt, blk, 2 * g + (sb === t1 ? 1 : 0));
      for (let t = sa; t < sa + cnt * SLOTS_PER_PAIR; t++) slots.push(t < sb ? t : -1);
      sa = sb;
    }
  }
  const L: SlotLayout = {
    pairs: slots.length / SLOTS_PER_PAIR, slotGroup: Int32Array.from(slots), segs: Int32Array.from(segs),
    nseg: segs.length / SEG_FIELDS, ng, nt, nblk: Math.ceil(k / LUT_DEFAULT_BLOCK),
  };
  layoutCache.set(key, L);
  return L;
}

/** Bytes of the layout of `qt` (the plan's tensor: the codes' planes or the value planes). */
function sizes(qt: QuantizedTensor): { tiles: number; w: number; per: number } {
  const L = lutSlotLayout(qt.cols, qt.groupSize);
  const tiles = Math.ceil(qt.rows / WASM_LUT_TILE);
  return { tiles, w: tiles * L.pairs * qt.bits * V128_BYTES, per: tiles * L.ng * WASM_LUT_TILE * WORD_BYTES };
}

function weightBytes(qt0: QuantizedTensor): number {
  const qt = lutPlan(qt0, NAME).qt;
  const L = lutSlotLayout(qt.cols, qt.groupSize);
  const s = sizes(qt);
  return s.w + s.per * (qt.zeros ? 2 : 1) + L.segs.byteLength + L.slotGroup.byteLength + 4 * V128_BYTES;
}

function load(arena: WasmArena, qt0: QuantizedTensor): WasmWeights {
  // The tensor whose planes the kernel reads: qt itself, or its value planes (src/cpu/lut-values.ts).
  const { qt, dec } = lutPlan(qt0, NAME);
  const L = lutSlotLayout(qt.cols, qt.groupSize);
  const { tiles, w: wBytes, per } = sizes(qt);
  const bits = qt.bits;
  const n = qt.rows;
  const bp = toBitPlanes(qt);
  const wpr = bp.wordsPerRow;
  const planes = bp.planes;
  const slotGroup = L.slotGroup;
  const nslot = slotGroup.length;
  const wPtr = arena.alloc(wBytes);
  const wv = arena.u8(wPtr, wBytes);
  wv.fill(0);
  for (let r = 0; r < n; r++) {
    const tileBase = Math.floor(r / WASM_LUT_TILE) * L.pairs * bits;
    const lane = r % WASM_LUT_TILE;
    for (let i = 0; i < bits; i++) {
      const pOff = (r * bits + i) * wpr;
      for (let s = 0; s < nslot; s++) {
        const t = slotGroup[s];
        if (t < 0) continue;
        const nib = (planes[pOff + Math.floor(t / GROUPS_PER_WORD)] >>> ((t % GROUPS_PER_WORD) * LUT_GROUP)) & NIBBLE;
        // Slot 2j in the low nibble, 2j + 1 in the high nibble of byte `lane` of (pair j, plane i).
        wv[((tileBase + (s >> 1) * bits + i) * V128_BYTES) + lane] |= nib << ((s & 1) * LUT_GROUP);
      }
    }
  }
  const ng = L.ng;
  const perTile = (src: (gi: number) => number): Float32Array => {
    const a = new Float32Array(per / WORD_BYTES);
    for (let r = 0; r < n; r++) {
      const base = Math.floor(r / WASM_LUT_TILE) * ng * WASM_LUT_TILE + (r % WASM_LUT_TILE);
      for (let g = 0; g < ng; g++) a[base + g * WASM_LUT_TILE] = src(r * ng + g);
    }
    return a;
  };
  const scalesPtr = arena.put(perTile((gi) => qt.scales[gi]));
  const c0Base = (dec.alpha * ((1 << dec.bits) - 1)) / 2 + dec.beta;
  const zeros = qt.zeros;
  const c0Ptr = zeros ? arena.put(perTile((gi) => c0Base - zeros[gi])) : 0;
  const segsPtr = arena.put(new Uint32Array(L.segs.buffer, L.segs.byteOffset, L.segs.length));
  const slotsPtr = arena.put(new Uint32Array(L.slotGroup.buffer, L.slotGroup.byteOffset, L.slotGroup.length));
  return { w: wPtr, scales: scalesPtr, c0: c0Ptr, segs: segsPtr, slots: slotsPtr, tiles };
}

function prepare(arena: WasmArena, qt0: QuantizedTensor, w: WasmWeights, x: Float32Array, m: number, outPtr: number): WasmCall {
  checkMatmulArgs(NAME, x, m, qt0, arena.f32(outPtr, m * qt0.rows));
  const { qt, dec } = lutPlan(qt0, NAME);
  const k = qt.cols;
  const n = qt.rows;
  const L = lutSlotLayout(k, qt.groupSize);
  const gs = qt.groupSize;
  const nslot = L.slotGroup.length;
  const tablesPtr = arena.alloc(m * nslot * LUT_ENTRIES);
  const lsPtr = arena.alloc(m * L.nblk * WORD_BYTES);
  const xsPtr = arena.alloc(m * L.ng * WORD_BYTES);
  const xPtr = arena.put(x);
  arena.fn('lut_i8_tables')(xPtr, m, k, gs, L.ng, w.slots, nslot, L.nblk, tablesPtr, lsPtr, xsPtr);
  const c0Base = (dec.alpha * ((1 << dec.bits) - 1)) / 2 + dec.beta;
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  return {
    fn: 'lut_i8_gemm',
    args: [
      w.w, L.pairs, qt.bits, w.scales, w.c0, c0Base, L.ng, w.segs, L.nseg, tablesPtr, lsPtr, L.nblk, xsPtr, m,
      outPtr, n, dec.alpha / 2, qt.tensorScale, useTs ? 1 : 0,
    ],
    rows: n,
    rowAlign: WASM_LUT_TILE,
  };
}

/** wasm-lut-i8: lut-i8 in WebAssembly SIMD128, bit-exact with matmulLutI8 (file comment). */
export const wasmLutI8: WasmKernelImpl = {
  name: NAME,
  family: 'lut',
  description: 'T-MAC table lookup in WebAssembly SIMD128: int8 tables looked up 16 rows at a time with i8x16.swizzle, bit-exact with lut-i8',
  supports: (t) => lutSupport(t, NAME, true),
  weightBytes,
  load,
  prepare,
  c: 1,
  boundC: lutBoundC,
  extraBound: (x, qt, m) => lutI8ErrorBound(x, qt, m),
};
