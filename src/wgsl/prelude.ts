/**
 * WGSL preludes generated from the datatype registry. A prelude holds every dtype-dependent
 * piece of a kernel (decode tables, the code extraction helper, BITS and layout flags, optional
 * `enable` directives); kernel bodies in shaders/ are dtype-agnostic and call the helpers below.
 *
 * The output is a pure function of a {@link PreludeSpec} (no shapes, no values), so the pipeline
 * cache keyed by prelude text compiles one pipeline per compile-time choice. Shapes travel in
 * uniforms.
 *
 * Tables are module-scope `var<private>` arrays, not `const`: a dynamically indexed `const` array
 * may be materialized in function memory at every use (Tint's SPIR-V output does this), which
 * on a software adapter costs more than the kernel's arithmetic; a private variable is
 * initialized once per invocation.
 *
 * Decode tables are emitted as f32 *bit patterns* (`array<u32, ...>` + bitcast): WGSL const
 * expressions cannot hold NaN or infinity (float8_e4m3fn's NaN code, float8_e5m2's inf codes,
 * ternary's unused code), and bit patterns make "bit-identical to the CPU decode table" hold by
 * construction instead of through decimal literals.
 *
 * Helpers a kernel body may call (it must declare the storage buffers they read):
 *   decode_value(id, code) -> f32                    value of `code` in element type `id`
 *   code_at(row_word_base, k) -> u32                 code k of the row starting at word row_word_base (reads `codes`)
 *   group_zero(g) -> f32 / group_type(g) -> u32      zero point / datatype id of group g (read `zeros` / `ids`)
 *   group_offset(g) -> f32                           per-group offset of g (reads `offsets`; 0.0 without offsets)
 *   dequant_weight(id, code, zero, scale) -> f32     (decode - zero) * scale, the CPU dequantize order
 */
import { getDType } from '../dtype/registry.js';
import { MAX_CODE_BITS, WORD_BITS } from '../format/pack.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';

/** WGSL `enable` extensions a variant may switch on. */
export type WgslEnable = 'subgroups' | 'f16';

/** Every compile-time choice a prelude encodes. */
export interface PreludeSpec {
  /** Element datatype names (registry names); a mixture has more than one. */
  readonly elementTypes: readonly string[];
  /** Code width shared by the element types (1..8). */
  readonly bits: number;
  /** Per-group zero points are stored (asymmetric integer schemes). */
  readonly hasZeros: boolean;
  /** Per-group datatype ids are stored (mixtures). */
  readonly hasIds: boolean;
  /** Multiply by the FP32 tensor scale (NVFP4), as the CPU dequantize does. */
  readonly useTensorScale: boolean;
  /**
   * Per-group f32 offsets are stored (llama.cpp's Q4_1/Q5_1 and k-quants: w = ... - offset);
   * `group_offset` then reads the `offsets` binding, which the kernel must declare. Default false.
   */
  readonly hasOffsets?: boolean;
  /** `enable` directives, emitted first. */
  readonly enables?: readonly WgslEnable[];
  /** Activation element type in storage: 'f32' (default) or 'f16' (needs the f16 enable). */
  readonly activation?: 'f32' | 'f16';
  /** Also emit the integer grid of each element type (bit-serial and packed-dot kernels). */
  readonly integerGrid?: boolean;
  /** Emit code_at (default true; kernels reading bit planes instead of the code stream turn it off). */
  readonly codeAt?: boolean;
  /** LUT kernels: the affine decode over offset-binary codes (value = alpha q_u + beta - zero). */
  readonly lut?: LutPreludeData;
  /** Bit-serial kernels: the term tables (derived from the registry by src/gpu/bitserial-kernels.ts). */
  readonly bitSerial?: BitSerialPreludeData;
}

/** LUT constants: plane i weighs alpha 2^(i-1); c0 = alpha (2^b - 1) / 2 + beta (minus the zero point). */
export interface LutPreludeData {
  readonly alpha: number;
  readonly c0Base: number;
}

/**
 * Bit-serial term tables: entry e of element type id is
 *   index[(id << BITS) | code] (+ d - zero with zero points),
 * and term p of entry e is mul[(id * entries + e) * terms + p] = sign * 2^shift (0 past the last).
 */
export interface BitSerialPreludeData {
  readonly terms: number;
  /** Entries per element type. */
  readonly entries: number;
  /** Offset D added to q - zero (0 without zero points). */
  readonly d: number;
  readonly index: readonly number[];
  readonly mul: readonly number[];
  /** Grid unit per element type (powers of two). */
  readonly unit: readonly number[];
}

/** An exactly representable f32 value as a WGSL literal (via its bit pattern). */
function f32Literal(v: number): string {
  const bits = new Uint32Array(new Float32Array([v]).buffer)[0] as number;
  if (Math.fround(v) !== v || !Number.isFinite(v)) throw new RangeError(`prelude: ${v} is not a finite f32 value`);
  return `bitcast<f32>(${f32BitsLiteral(bits)})`;
}

/** The prelude spec of a quantized tensor (no enables, f32 activations). */
export function preludeSpecOf(qt: QuantizedTensor): PreludeSpec {
  return {
    elementTypes: qt.elementTypes.slice(),
    bits: qt.bits,
    hasZeros: qt.zeros !== undefined,
    hasIds: qt.dtypeIds !== undefined,
    useTensorScale: qt.hasTensorScale || qt.tensorScale !== 1,
    hasOffsets: qt.offsets !== undefined,
  };
}

/** Bit pattern of an f32 value as an 8-digit WGSL u32 literal. */
function f32BitsLiteral(bits: number): string {
  return `0x${(bits >>> 0).toString(16).padStart(8, '0')}u`;
}

function checkSpec(spec: PreludeSpec): void {
  if (!Number.isInteger(spec.bits) || spec.bits < 1 || spec.bits > MAX_CODE_BITS) {
    throw new RangeError(`prelude: code width must be 1..${MAX_CODE_BITS} bits, got ${spec.bits}`);
  }
  if (spec.elementTypes.length === 0) throw new RangeError('prelude: no element types');
  for (const name of spec.elementTypes) {
    const dt = getDType(name);
    if (dt.bits !== spec.bits) throw new RangeError(`prelude: ${name} is ${dt.bits}-bit, the tensor is ${spec.bits}-bit`);
  }
  if (spec.hasIds !== spec.elementTypes.length > 1) {
    throw new RangeError(`prelude: hasIds must be true exactly for mixtures (${spec.elementTypes.length} element types)`);
  }
  if (spec.activation === 'f16' && !(spec.enables ?? []).includes('f16')) {
    throw new RangeError("prelude: f16 activations need the 'f16' enable");
  }
}

/** The decode table of every element type, concatenated: entry (id << BITS) | code. */
function decodeTableLines(spec: PreludeSpec): string[] {
  const perType = 1 << spec.bits;
  const total = perType * spec.elementTypes.length;
  const lines = [`// Decode table: entry (id << BITS) | code holds the f32 bits of the CPU decode table value.`];
  lines.push(`var<private> DECODE_BITS: array<u32, ${total}> = array<u32, ${total}>(`);
  spec.elementTypes.forEach((name, id) => {
    const table = getDType(name).decodeTable;
    const words = new Uint32Array(table.buffer, table.byteOffset, table.length);
    lines.push(`  // id ${id}: ${name}`);
    for (let c = 0; c < perType; c += 8) {
      const row: string[] = [];
      for (let j = c; j < Math.min(c + 8, perType); j++) row.push(f32BitsLiteral(words[j] as number));
      lines.push(`  ${row.join(', ')},`);
    }
  });
  lines.push(');');
  return lines;
}

/**
 * Integer grid table (value = GRID_INT[(id << BITS) | code] * GRID_UNIT[id]); unused codes hold
 * 0. Only for element types with an integer grid (see DType.grid).
 */
function gridLines(spec: PreludeSpec): string[] {
  const perType = 1 << spec.bits;
  const ints: number[] = [];
  const units: string[] = [];
  for (const name of spec.elementTypes) {
    const grid = getDType(name).grid;
    if (!grid) throw new RangeError(`prelude: ${name} has no integer grid`);
    for (let c = 0; c < perType; c++) ints.push(grid.byCode[c] as number);
    const unitBits = new Uint32Array(new Float32Array([grid.unit]).buffer)[0] as number;
    units.push(`bitcast<f32>(${f32BitsLiteral(unitBits)})`);
  }
  return [
    `// Integer grid: value = f32(GRID_INT[(id << BITS) | code]) * GRID_UNIT[id] (exact).`,
    `var<private> GRID_INT: array<i32, ${ints.length}> = array<i32, ${ints.length}>(${ints.map((v) => `${v}i`).join(', ')});`,
    `var<private> GRID_UNIT: array<f32, ${units.length}> = array<f32, ${units.length}>(${units.join(', ')});`,
  ];
}

/** `code_at`: straddle-free form for widths that divide 32, two-word form otherwise. */
function codeAtLines(bits: number): string[] {
  const straddles = WORD_BITS % bits !== 0;
  const lines = [
    `// Code k of a row: bits [k*BITS, (k+1)*BITS) of the row's LSB-first stream.`,
    `fn code_at(row_word_base: u32, k: u32) -> u32 {`,
    `  let bit = k * BITS;`,
    `  let wi = row_word_base + (bit >> 5u);`,
    `  let sh = bit & 31u;`,
  ];
  if (straddles) {
    lines.push(
      `  var c = codes[wi] >> sh;`,
      `  // The code straddles into the next word: its high bits are that word's low bits.`,
      `  if (sh + BITS > 32u) {`,
      `    c = c | (codes[wi + 1u] << (32u - sh));`,
      `  }`,
      `  return c & CODE_MASK;`,
    );
  } else {
    lines.push(`  return (codes[wi] >> sh) & CODE_MASK;`);
  }
  lines.push(`}`);
  return lines;
}

/**
 * Generates the prelude text. Stable: the same spec always yields the same string (it is the
 * pipeline cache key).
 */
export function generatePrelude(spec: PreludeSpec): string {
  checkSpec(spec);
  const bits = spec.bits;
  const enables = [...new Set(spec.enables ?? [])].sort();
  const lines: string[] = [];
  for (const e of enables) lines.push(`enable ${e};`);
  lines.push(
    `// lowbit prelude: element types ${spec.elementTypes.join(', ')}; ${bits}-bit codes` +
      `${spec.hasZeros ? ', zero points' : ''}${spec.hasIds ? ', datatype ids' : ''}${spec.useTensorScale ? ', tensor scale' : ''}${spec.hasOffsets ? ', offsets' : ''}.`,
    `const BITS: u32 = ${bits}u;`,
    `const CODE_MASK: u32 = ${(1 << bits) - 1}u;`,
    `const NUM_TYPES: u32 = ${spec.elementTypes.length}u;`,
    `const HAS_ZEROS: bool = ${spec.hasZeros};`,
    `const HAS_IDS: bool = ${spec.hasIds};`,
    `const USE_TENSOR_SCALE: bool = ${spec.useTensorScale};`,
    `const HAS_OFFSETS: bool = ${spec.hasOffsets ?? false};`,
    `alias act_t = ${spec.activation ?? 'f32'};`,
    ...decodeTableLines(spec),
  );
  if (spec.integerGrid) lines.push(...gridLines(spec));
  if (spec.lut) {
    lines.push(
      `// LUT: plane i weighs LUT_ALPHA * 2^(i-1); constant term LUT_C0_BASE - zero.`,
      `const LUT_ALPHA: f32 = ${f32Literal(spec.lut.alpha)};`,
      `const LUT_C0_BASE: f32 = ${f32Literal(spec.lut.c0Base)};`,
    );
  }
  if (spec.bitSerial) {
    const b = spec.bitSerial;
    lines.push(
      `// Bit-serial terms: BS_MUL[(id * BS_ENTRIES + entry) * BS_TERMS + p] = sign * 2^shift.`,
      `const BS_TERMS: u32 = ${b.terms}u;`,
      `const BS_ENTRIES: u32 = ${b.entries}u;`,
      `const BS_D: i32 = ${b.d}i;`,
      `var<private> BS_INDEX: array<u32, ${b.index.length}> = array<u32, ${b.index.length}>(${b.index.map((v) => `${v}u`).join(', ')});`,
      `var<private> BS_MUL: array<f32, ${b.mul.length}> = array<f32, ${b.mul.length}>(${b.mul.map((v) => f32Literal(v)).join(', ')});`,
      `var<private> BS_UNIT: array<f32, ${b.unit.length}> = array<f32, ${b.unit.length}>(${b.unit.map((v) => f32Literal(v)).join(', ')});`,
    );
    if (!spec.hasZeros) {
      // Without zero points a code's entry is fixed: its terms straight from the code,
      // BS_CODE_MUL[((id << BITS) | code) * BS_TERMS + p] = BS_MUL[(id * BS_ENTRIES + BS_INDEX[(id << BITS) | code]) * BS_TERMS + p].
      const perType = 1 << spec.bits;
      const direct: number[] = [];
      for (let id = 0; id < spec.elementTypes.length; id++) {
        for (let c = 0; c < perType; c++) {
          const e = (b.index[(id << spec.bits) | c] as number) + b.d;
          for (let t = 0; t < b.terms; t++) direct.push(b.mul[(id * b.entries + e) * b.terms + t] as number);
        }
      }
      lines.push(`var<private> BS_CODE_MUL: array<f32, ${direct.length}> = array<f32, ${direct.length}>(${direct.map((v) => f32Literal(v)).join(', ')});`);
    }
  }
  lines.push(
    `fn decode_value(id: u32, code: u32) -> f32 {`,
    `  return bitcast<f32>(DECODE_BITS[(id << BITS) | code]);`,
    `}`,
    ...(spec.codeAt === false ? [] : codeAtLines(bits)),
    // Zero points and ids are bytes packed four to a u32 word, LSB first.
    `fn group_zero(g: u32) -> f32 {`,
    spec.hasZeros ? `  return f32((zeros[g >> 2u] >> ((g & 3u) * 8u)) & 0xffu);` : `  return 0.0;`,
    `}`,
    `fn group_type(g: u32) -> u32 {`,
    spec.hasIds ? `  return (ids[g >> 2u] >> ((g & 3u) * 8u)) & 0xffu;` : `  return 0u;`,
    `}`,
    // One f32 offset per group (QuantizedTensor.offsets), subtracted after the scale.
    `fn group_offset(g: u32) -> f32 {`,
    spec.hasOffsets ? `  return offsets[g];` : `  return 0.0;`,
    `}`,
    `// (decode - zero) * scale, each operation rounded to f32: the order of the CPU dequantize.`,
    `fn dequant_weight(id: u32, code: u32, zero: f32, scale: f32) -> f32 {`,
    spec.hasZeros ? `  return (decode_value(id, code) - zero) * scale;` : `  return decode_value(id, code) * scale;`,
    `}`,
    '',
  );
  return lines.join('\n');
}
