// Test helper: GGUF files written byte by byte (independently of src/io/gguf-writer.ts), with every metadata value type.

/** A little-endian byte list built field by field. */
export class Bytes {
  readonly out: number[] = [];
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  /** A u64 below 2^53 (or a bigint). */
  u64(v: number | bigint): this {
    const b = BigInt.asUintN(64, BigInt(v));
    return this.u32(Number(b & 0xffffffffn)).u32(Number(b >> 32n));
  }
  f32(v: number): this {
    return this.raw(new Uint8Array(new Float32Array([v]).buffer));
  }
  f64(v: number): this {
    return this.raw(new Uint8Array(new Float64Array([v]).buffer));
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.out.push(b[i] as number);
    return this;
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u64(b.length).raw(b);
  }
  /** Zero bytes up to a multiple of `align`. */
  pad(align: number): this {
    while (this.out.length % align !== 0) this.out.push(0);
    return this;
  }
  get length(): number {
    return this.out.length;
  }
  bytes(): Uint8Array<ArrayBuffer> {
    return Uint8Array.from(this.out);
  }
}

/** GGUF value type ids (ggml docs/gguf.md, gguf_metadata_value_type). */
export const T = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;

/** The q8_0 block of the hand-written file: d = 0.5, q = 0, 1, ..., 31 -> w = q / 2. */
export function q8Block(): Uint8Array {
  const b = new Bytes().u16(0x3800);
  for (let j = 0; j < 32; j++) b.u8(j);
  return b.bytes();
}

/**
 * A version-3 GGUF with one metadata entry of every value type (arrays of i32, strings, bools,
 * u64, an empty array and an array of arrays), general.alignment = 64, and two tensors: 'a' f32
 * [2, 3] (ne [3, 2]) holding 0..5 and 'b' q8_0 [2, 32] (ne [32, 2]) holding two q8Block()s.
 * Returns the bytes and the offsets a reader must find.
 */
export function handWrittenGguf(version = 3): { bytes: Uint8Array<ArrayBuffer>; dataOffset: number; offsetA: number; offsetB: number } {
  const b = new Bytes().raw([0x47, 0x47, 0x55, 0x46]).u32(version).u64(2).u64(18);
  b.str('t.u8').u32(T.u8).u8(200);
  b.str('t.i8').u32(T.i8).u8(-5);
  b.str('t.u16').u32(T.u16).u16(65000);
  b.str('t.i16').u32(T.i16).u16(-300);
  b.str('t.u32').u32(T.u32).u32(4000000000);
  b.str('t.i32').u32(T.i32).u32(-70000);
  b.str('t.f32').u32(T.f32).f32(0.1);
  b.str('t.bool').u32(T.bool).u8(1);
  b.str('t.string').u32(T.string).str('llama ü');
  b.str('t.u64').u32(T.u64).u64(2n ** 63n + 5n);
  b.str('t.i64').u32(T.i64).u64(-(2n ** 40n));
  b.str('t.f64').u32(T.f64).f64(-1.25e300);
  b.str('t.array_i32').u32(T.array).u32(T.i32).u64(3).u32(1).u32(-2).u32(3);
  b.str('t.array_str').u32(T.array).u32(T.string).u64(2).str('<s>').str('');
  b.str('t.array_bool').u32(T.array).u32(T.bool).u64(2).u8(0).u8(1);
  b.str('t.array_u64').u32(T.array).u32(T.u64).u64(1).u64(12345678901234n);
  b.str('t.array_nested').u32(T.array).u32(T.array).u64(2).u32(T.string).u64(1).str('x').u32(T.f32).u64(0);
  b.str('general.alignment').u32(T.u32).u32(64);
  // Tensor infos: name, n_dims, ne..., type, offset (relative to the data section).
  b.str('a').u32(2).u64(3).u64(2).u32(0).u64(0);
  b.str('b').u32(2).u64(32).u64(2).u32(8).u64(64);
  b.pad(64);
  const dataOffset = b.length;
  for (let i = 0; i < 6; i++) b.f32(i);
  b.pad(64);
  b.raw(q8Block()).raw(q8Block());
  b.pad(64);
  return { bytes: b.bytes(), dataOffset, offsetA: dataOffset, offsetB: dataOffset + 64 };
}
