// Bit-level conversions from IEEE 754 binary16 and bfloat16 to f32, shared by the .npy and
// .safetensors readers. Pure TS: no Node APIs.
import { f16BitsToF32 } from '../dtype/f16.js';

/** IEEE 754-2008 binary16 (section 3.6): 1 sign, 5 exponent, 10 trailing significand bits. */
const F16_EXP_BITS = 5;
const F16_MANT_BITS = 10;
const F16_EXP_MAX = (1 << F16_EXP_BITS) - 1; // 31: all-ones exponent encodes Inf / NaN
const F16_MANT_MASK = (1 << F16_MANT_BITS) - 1; // 0x3ff
const F16_SIGN_SHIFT = F16_EXP_BITS + F16_MANT_BITS; // 15

/** IEEE 754 binary32: 1 sign, 8 exponent, 23 trailing significand bits. */
const F32_MANT_BITS = 23;
const F32_EXP_MAX = 0xff;
const F32_SIGN_SHIFT = 31;

/** bfloat16 is the upper half of a binary32: same sign and exponent, 7 significand bits. */
const BF16_SHIFT = 16;

const scratchU32 = new Uint32Array(1);
const scratchF32 = new Float32Array(scratchU32.buffer);

function f32FromBits(bits: number): number {
  scratchU32[0] = bits >>> 0;
  return scratchF32[0]!;
}

/**
 * The value of a binary16 bit pattern, defined once in src/dtype/f16.ts (every binary16 value is
 * exact in binary32). NaN payloads are not kept in a JS number; `decodeHalfLE` keeps them.
 */
export { f16BitsToF32 } from '../dtype/f16.js';

/** Decodes one bfloat16 bit pattern (low 16 bits of `bits`): the top half of an f32. */
export function bf16BitsToF32(bits: number): number {
  return f32FromBits((bits & 0xffff) << BF16_SHIFT);
}

let f16Table: Uint32Array | undefined;

/**
 * The f32 bit patterns of all 65536 binary16 codes, built on first use (256 KiB). Bit patterns,
 * not numbers, so NaN payloads survive (a JS number read of a signaling NaN may quiet it).
 */
function f16DecodeTable(): Uint32Array {
  if (f16Table === undefined) {
    const codes = 1 << (F16_SIGN_SHIFT + 1);
    f16Table = new Uint32Array(codes);
    const asF32 = new Float32Array(f16Table.buffer);
    const mantShift = F32_MANT_BITS - F16_MANT_BITS;
    for (let c = 0; c < codes; c++) {
      const exp = (c >>> F16_MANT_BITS) & F16_EXP_MAX;
      const mant = c & F16_MANT_MASK;
      if (exp === F16_EXP_MAX && mant !== 0) {
        const sign = (c >>> F16_SIGN_SHIFT) & 1;
        f16Table[c] = ((sign << F32_SIGN_SHIFT) | (F32_EXP_MAX << F32_MANT_BITS) | (mant << mantShift)) >>> 0;
      } else {
        asF32[c] = f16BitsToF32(c);
      }
    }
  }
  return f16Table;
}

/**
 * Decodes `count` little-endian 16-bit words starting at `bytes[offset]` with `decode`
 * ('f16' or 'bf16') into `out` (allocated when omitted) and returns it.
 */
export function decodeHalfLE(
  bytes: Uint8Array,
  offset: number,
  count: number,
  kind: 'f16' | 'bf16',
  out: Float32Array = new Float32Array(count),
): Float32Array {
  // Write f32 bit patterns through a u32 view of `out` (exact, NaN payloads included).
  const u32 = new Uint32Array(out.buffer, out.byteOffset, count);
  const start = bytes.byteOffset + offset;
  if (HOST_LITTLE_ENDIAN && start % 2 === 0) {
    // Aligned: read the 16-bit words through a view instead of byte by byte (same values).
    const u16 = new Uint16Array(bytes.buffer, start, count);
    if (kind === 'f16') {
      const table = f16DecodeTable();
      for (let i = 0; i < count; i++) u32[i] = table[u16[i]!]!;
    } else {
      for (let i = 0; i < count; i++) u32[i] = u16[i]! << BF16_SHIFT;
    }
    return out;
  }
  if (kind === 'f16') {
    const table = f16DecodeTable();
    for (let i = 0, p = offset; i < count; i++, p += 2) {
      u32[i] = table[bytes[p]! | (bytes[p + 1]! << 8)]!;
    }
  } else {
    for (let i = 0, p = offset; i < count; i++, p += 2) {
      u32[i] = (bytes[p]! | (bytes[p + 1]! << 8)) << BF16_SHIFT;
    }
  }
  return out;
}

const F32_BYTES = Float32Array.BYTES_PER_ELEMENT;
const F64_BYTES = Float64Array.BYTES_PER_ELEMENT;

/** True when this host stores typed-array elements little-endian (every current platform). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes `count` little-endian f32 values starting at `bytes[offset]`. */
export function decodeF32LE(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (HOST_LITTLE_ENDIAN) {
    // Copy the bytes (the source may be unaligned) and view them as f32.
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * F32_BYTES));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * F32_BYTES);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * F32_BYTES, true);
  }
  return out;
}

/**
 * Decodes `count` little-endian f32 values starting at `bytes[offset]` into `out` (from index 0)
 * and returns `out`. Bit patterns are copied, so NaN payloads survive.
 */
export function decodeF32LEInto(bytes: Uint8Array, offset: number, count: number, out: Float32Array): Float32Array {
  if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer, out.byteOffset, count * F32_BYTES).set(bytes.subarray(offset, offset + count * F32_BYTES));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * F32_BYTES);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * F32_BYTES, true);
  }
  return out;
}

/** Largest finite f32 (2 - 2^-23) * 2^127 = 3.4028234663852886e38 (IEEE 754 binary32). */
export const F32_MAX = (2 - 2 ** -23) * 2 ** 127;

/**
 * Decodes `count` little-endian f64 values starting at `bytes[offset]` into `out` (from index 0),
 * each rounded to the nearest f32. Returns -1, or the index of the first finite f64 whose f32
 * rounding overflows to infinity (beyond F32_MAX plus half an ulp): the caller reports it, since
 * "Infinity" would misname a finite value that merely exceeds the f32 range.
 */
export function decodeF64LEInto(bytes: Uint8Array, offset: number, count: number, out: Float32Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * F64_BYTES);
  let overflow = -1;
  for (let i = 0; i < count; i++) {
    const v = view.getFloat64(i * F64_BYTES, true);
    const f = Math.fround(v);
    out[i] = f;
    // f - f !== 0 only for +-Infinity and NaN; a finite v that became infinite overflowed.
    if (overflow < 0 && f - f !== 0 && v - v === 0) overflow = i;
  }
  return overflow;
}

/** Decodes `count` little-endian f64 values starting at `bytes[offset]`, rounded to f32. */
export function decodeF64LEToF32(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * F64_BYTES);
  for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * F64_BYTES, true);
  return out;
}

/** Encodes f32 values as little-endian bytes (a copy). */
export function encodeF32LE(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * F32_BYTES);
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } else {
    const view = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * F32_BYTES, data[i]!, true);
  }
  return out;
}
