/**
 * Glue of the WebAssembly `bitserial` kernel (wasm/bitserial.ts): `wasm-bitserial`, the SIMD128
 * twin of the bitserial reference (src/cpu/bitserial.ts), bit-exact with matmulBitSerial for the
 * schemes with codes of at most 4 bits: the BitMoD mixtures and their FP3/FP4 grids, flint4,
 * E2M1 (fp4, mxfp4, nvfp4), int2-4 and their asymmetric forms, ternary, binary, ant3/ant4.
 * Wider codes (int8, FP6, FP8) need more than one 16-entry table per term plane; wasm-dequant
 * takes them.
 *
 * load: codes re-laid out per quant group in 16-byte blocks of two 16-weight chunks (nibbles);
 * per group scale * unit (f64, exact) and the offset of its term tables; the i8 term tables
 * (sign * 2^shift of term p of every code; with zero points, of every q - zero, so a group's
 * 16-entry table is a window) and bytes 3 and 2 of the same values as f32.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { getDType } from '../dtype/registry.js';
import { getScheme } from '../quant/schemes.js';
import { checkMatmulArgs } from './args.js';
import { BITSERIAL_C, bitSerialBoundC, bitSerialSupport, bitSerialTermTables } from './bitserial.js';
import { unpackRowCodes } from './unpack.js';
import type { WasmArena, WasmCall, WasmKernelImpl, WasmWeights } from './wasm-arena.js';

const NAME = 'wasm-bitserial';
/** Widest code the kernel takes: one i8x16.swizzle table per term plane. */
export const WASM_BITSERIAL_MAX_BITS = 4;
/** Entries of a swizzle table. */
const TABLE = 16;
/** Elements per chunk; bytes per block of two chunks (low and high nibbles). */
const CHUNK = 16;
const BLOCK_BYTES = 16;
/** Elements per quarter of a chunk (one f32x4). */
const QUARTER = 4;
const NIBBLE_BITS = 4;
/** Bytes per group record: su f64, table offset i32, padding. */
const GROUP_REC_BYTES = 16;
/** Largest term magnitude an i8 holds as a power of two (2^6). */
const MAX_TERM = 64;

/** Why the kernel cannot take `target` beyond what bitserial refuses, or undefined. */
function wasmReason(target: QuantizedTensor | string): string | undefined {
  const types = typeof target === 'string' ? getScheme(target).elementTypes : target.elementTypes;
  for (const t of types) {
    const bits = getDType(t).bits;
    if (bits > WASM_BITSERIAL_MAX_BITS) return `element type ${t} has ${bits}-bit codes (${NAME} takes at most ${WASM_BITSERIAL_MAX_BITS}; wasm-dequant takes it)`;
  }
  if (typeof target === 'string') return undefined;
  const tt = bitSerialTermTables(target);
  for (const l of tt.lists) for (const ts of l) for (const t of ts) if (2 ** t.shift > MAX_TERM) return `a term 2^${t.shift} does not fit an int8 multiplier`;
  if (target.zeros) {
    for (let e = 0; e < types.length; e++) {
      const ci = tt.codeIndex[e];
      for (let c = 0; c < ci.length; c++) if (ci[c] !== c + tt.offset) return `zero points need codes equal to their integers (element type ${types[e]})`;
    }
  }
  return undefined;
}

/** true when wasm-bitserial takes `target` (a scheme name or a quantized tensor), else the reason. */
export function wasmBitSerialSupport(target: QuantizedTensor | string): true | string {
  const ok = bitSerialSupport(target);
  if (ok !== true) return ok.replace(/^kernel bitserial /, `kernel ${NAME} `);
  const why = wasmReason(target);
  const scheme = typeof target === 'string' ? target : target.scheme;
  return why === undefined ? true : `kernel ${NAME} does not support scheme ${scheme}: ${why}`;
}

function requireSupport(qt: QuantizedTensor): void {
  const ok = wasmBitSerialSupport(qt);
  if (ok !== true) throw new Error(ok);
}

interface TermLayout {
  readonly planes: number;
  readonly planeStride: number;
  /** Bytes from an i8 multiplier to byte 3 of its f32 (byte 2 at twice that). */
  readonly hiTerms: number;
  readonly bytes: Int8Array;
}

function termLayout(qt: QuantizedTensor): TermLayout {
  const tt = bitSerialTermTables(qt);
  const T = tt.terms;
  // Without zero points an entry is a code (<= 16); with them one of 2D + 1 integers q - zero,
  // each plane padded so that a 16-byte window from any start stays inside the buffer.
  const entries = qt.zeros ? tt.lists[0]!.length : TABLE;
  const planeStride = entries + TABLE;
  // Three sections of hi bytes each: the i8 multipliers, then bytes 3 and 2 of the same values as f32.
  const hi = tt.lists.length * T * planeStride;
  const bytes = new Int8Array(3 * hi);
  const f32 = new Float32Array(1);
  const f32Bytes = new Uint8Array(f32.buffer);
  tt.lists.forEach((list, e) => {
    for (let entry = 0; entry < entries; entry++) {
      const src = qt.zeros ? entry : tt.codeIndex[e][entry];
      if (src === undefined || src >= list.length) continue;
      list[src].forEach((t, p) => {
        const at = (e * T + p) * planeStride + entry;
        f32[0] = t.sign * 2 ** t.shift;
        bytes[at] = f32[0];
        // Little-endian f32 bytes; bytes 0 and 1 of +-2^shift are 0.
        bytes[hi + at] = f32Bytes[3] << 24 >> 24;
        bytes[2 * hi + at] = f32Bytes[2] << 24 >> 24;
      });
    }
  });
  return { planes: T, planeStride, hiTerms: hi, bytes };
}

function groupBytesOf(gs: number): number {
  return Math.ceil(gs / (2 * CHUNK)) * BLOCK_BYTES;
}

function weightBytes(qt: QuantizedTensor): number {
  const ng = qt.cols / qt.groupSize;
  const tl = termLayout(qt);
  return qt.rows * ng * (groupBytesOf(qt.groupSize) + GROUP_REC_BYTES) + tl.bytes.byteLength + 3 * TABLE;
}

function load(arena: WasmArena, qt: QuantizedTensor): WasmWeights {
  requireSupport(qt);
  const { rows: n, cols: k, groupSize: gs, bits } = qt;
  const ng = k / gs;
  const gb = groupBytesOf(gs);
  const tt = bitSerialTermTables(qt);
  const tl = termLayout(qt);
  const codesPtr = arena.alloc(n * ng * gb);
  const cv = arena.u8(codesPtr, n * ng * gb);
  cv.fill(0);
  const row = new Uint8Array(k);
  for (let r = 0; r < n; r++) {
    unpackRowCodes(qt.codes, r * qt.wordsPerRow, k, bits, row);
    for (let g = 0; g < ng; g++) {
      const base = (r * ng + g) * gb;
      for (let e = 0; e < gs; e++) {
        const c = Math.floor(e / CHUNK);
        const j = e % CHUNK;
        // Element 4a + r of chunk c: lane 8 (a >> 1) + 2r + (a & 1) of block c >> 1, nibble c & 1
        // (wasm/bitserial.ts: the lane order the kernel's unpacks turn back into element order).
        const a = Math.floor(j / QUARTER);
        const lane = (a >> 1) * (CHUNK / 2) + (j % QUARTER) * 2 + (a & 1);
        cv[base + (c >> 1) * BLOCK_BYTES + lane] |= row[g * gs + e] << ((c & 1) * NIBBLE_BITS);
      }
    }
  }
  const recPtr = arena.alloc(n * ng * GROUP_REC_BYTES);
  const buf = arena.memory.buffer;
  const su = new Float64Array(buf, recPtr, (n * ng * GROUP_REC_BYTES) / 8);
  const off = new Int32Array(buf, recPtr, (n * ng * GROUP_REC_BYTES) / 4);
  const { zeros, dtypeIds } = qt;
  for (let gi = 0; gi < n * ng; gi++) {
    const e = dtypeIds ? dtypeIds[gi] : 0;
    su[gi * 2] = qt.scales[gi] * tt.units[e];
    off[gi * 4 + 2] = e * tl.planes * tl.planeStride + (zeros ? tt.offset - zeros[gi] : 0);
    off[gi * 4 + 3] = 0;
  }
  const termsPtr = arena.alloc(tl.bytes.byteLength + TABLE);
  arena.i8(termsPtr, tl.bytes.byteLength + TABLE).fill(0).set(tl.bytes);
  return { codes: codesPtr, groups: recPtr, terms: termsPtr, planes: tl.planes, planeStride: tl.planeStride, hiTerms: tl.hiTerms };
}

function prepare(arena: WasmArena, qt: QuantizedTensor, w: WasmWeights, x: Float32Array, m: number, outPtr: number): WasmCall {
  requireSupport(qt);
  const { rows: n, cols: k, groupSize: gs } = qt;
  checkMatmulArgs(NAME, x, m, qt, arena.f32(outPtr, m * n));
  const xPtr = arena.put(x);
  const useTs = qt.hasTensorScale || qt.tensorScale !== 1;
  return {
    fn: 'bitserial_gemm',
    args: [w.codes, w.groups, w.terms, w.planeStride, w.planes, k / gs, gs, groupBytesOf(gs), xPtr, m, k, outPtr, n, qt.tensorScale, useTs ? 1 : 0, w.hiTerms],
    rows: n,
    rowAlign: 1,
  };
}

/** wasm-bitserial: bitserial in WebAssembly SIMD128, bit-exact with matmulBitSerial (file comment). */
export const wasmBitSerial: WasmKernelImpl = {
  name: NAME,
  family: 'bitserial',
  description: 'BitMoD bit-serial in WebAssembly SIMD128: term multipliers decoded 16 at a time with i8x16.swizzle, four f32 lanes per plane, one rescale per group; bit-exact with bitserial',
  supports: wasmBitSerialSupport,
  weightBytes,
  load,
  prepare,
  c: BITSERIAL_C,
  boundC: bitSerialBoundC,
};
