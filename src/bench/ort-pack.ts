/**
 * Packs a lowbit QuantizedTensor into onnxruntime's MatMulNBits layout (onnxruntime's contrib op MatMulNBits, docs/ContribOperators.md):
 * W = (q - zp) * scale with unsigned q in 0..2^bits - 1, B uint8 [N, k_blocks, blockSize * bits / 8]
 * with element j of a block at bits [j * bits, (j + 1) * bits) of the block's bytes (low bits
 * first: for 4 bits, the low nibble is the even element), zero points packed the same way per row
 * (each row padded to a whole byte), default zero point 2^(bits - 1).
 *
 * - Symmetric integer schemes (int2, int4, int8): q = value + 2^(bits-1), no zero-point tensor;
 *   values lie in -(2^(b-1) - 1)..2^(b-1) - 1, so q never overflows.
 * - Asymmetric schemes (int2_asym, int4_asym, int8_asym): q = code, zero points as stored.
 * Other schemes have no MatMulNBits equivalent and are reported unsupported with the reason.
 */
import { getDType } from '../dtype/registry.js';
import { unpackCodes } from '../format/pack.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import type { MatMulNBitsSpec } from './onnx-model.js';

/** Bit widths MatMulNBits accepts. */
export const ORT_BITS: readonly number[] = [2, 4, 8];
/** Smallest block size MatMulNBits accepts (a power of two >= 16). */
export const ORT_MIN_BLOCK = 16;
const BYTE_BITS = 8;

/** True when `qt` has an exact MatMulNBits form, else the reason it has none. */
export function ortSupports(qt: QuantizedTensor): true | string {
  if (!ORT_BITS.includes(qt.bits)) return `MatMulNBits takes ${ORT_BITS.join('/')}-bit weights, ${qt.scheme} has ${qt.bits}`;
  if (qt.elementTypes.length !== 1) return `${qt.scheme} mixes element types per group; MatMulNBits has one integer grid`;
  const dt = getDType(qt.elementTypes[0] as string);
  if (dt.spec.kind !== 'int') return `${qt.scheme} elements are ${dt.spec.kind}, not integers`;
  if (qt.tensorScale !== 1 || qt.hasTensorScale) return `${qt.scheme} has a tensor scale`;
  const bs = qt.groupSize;
  if (bs < ORT_MIN_BLOCK || (bs & (bs - 1)) !== 0) return `block size ${bs} is not a power of two >= ${ORT_MIN_BLOCK}`;
  if (qt.zeros === undefined && !(dt.spec.kind === 'int' && dt.spec.signed)) return `${qt.scheme} is unsigned without zero points`;
  return true;
}

function putBits(out: Uint8Array, byteBase: number, index: number, bits: number, q: number): void {
  const bit = index * bits;
  const at = byteBase + (bit >>> 3);
  out[at] = (out[at] as number) | (q << (bit & (BYTE_BITS - 1)));
}

/**
 * The MatMulNBits tensors of `qt` (without M and accuracy level).
 * @throws Error with the reason when `qt` has no exact MatMulNBits form.
 */
export function packMatMulNBits(qt: QuantizedTensor): Omit<MatMulNBitsSpec, 'm' | 'accuracyLevel'> {
  const why = ortSupports(qt);
  if (why !== true) throw new Error(`cannot express ${qt.scheme} as MatMulNBits: ${why}`);
  const { rows: n, cols: k, bits, groupSize: bs } = qt;
  const kBlocks = k / bs;
  const blob = (bs * bits) / BYTE_BITS;
  const table = getDType(qt.elementTypes[0] as string).decodeTable;
  const codes = unpackCodes(qt.codes, n, k, bits);
  const offset = qt.zeros ? 0 : 2 ** (bits - 1);
  const qmax = 2 ** bits - 1;
  const b = new Uint8Array(n * kBlocks * blob);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      const q = (table[codes[r * k + c] as number] as number) + offset;
      if (!(q >= 0 && q <= qmax && Number.isInteger(q))) throw new Error(`MatMulNBits packing: (${r}, ${c}) maps to q = ${q}, outside 0..${qmax}`);
      const blk = Math.floor(c / bs);
      putBits(b, (r * kBlocks + blk) * blob, c % bs, bits, q);
    }
  }
  let zeroPoints: Uint8Array | undefined;
  if (qt.zeros) {
    const zpRow = Math.ceil((kBlocks * bits) / BYTE_BITS);
    zeroPoints = new Uint8Array(n * zpRow);
    for (let r = 0; r < n; r++) for (let g = 0; g < kBlocks; g++) putBits(zeroPoints, r * zpRow, g, bits, qt.zeros[r * kBlocks + g] as number);
  }
  return { n, k, bits, blockSize: bs, b, scales: Float32Array.from(qt.scales), ...(zeroPoints ? { zeroPoints } : {}) };
}

/** Bytes MatMulNBits moves per call: B + f32 scales + packed zero points + A + Y. */
export function matMulNBitsBytes(spec: Omit<MatMulNBitsSpec, 'accuracyLevel'>): number {
  return spec.b.length + spec.scales.byteLength + (spec.zeroPoints?.length ?? 0) + (spec.m * spec.k + spec.m * spec.n) * 4;
}
