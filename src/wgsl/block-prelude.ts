/**
 * Generated block code of the GEMV and tiled GEMM drivers (shaders/gemv-tree.wgsl,
 * gemv-subgroup.wgsl, gemm-tiled.wgsl). An invocation steps along K one *block* at a time: one
 * vec4<u32> of code words (or of each bit plane), 4 * 32 / SLOT_BITS codes. Per block the
 * family's generated functions
 *
 *   load_xblock(m, j) -> XBlock          the activations of block j of activation row m
 *   load_wblock(row, j) -> WBlock        the weights of block j of weight row `row`, decoded once
 *   wblock_dot(wb, xb) -> f32            sum over the block of w * x, scaled once per segment
 *   finish_row(m, v) -> f32              per-output factors applied once (tensor scale, x scale)
 *
 * are unrolled here, per code width and segment kind, because loops with dynamic vector indices
 * cost a software adapter (SwiftShader) about 2.5x the same code unrolled (measured on int4
 * 4096 x 4096). Everything dtype- or layout-dependent lives here; the drivers are generic.
 *
 * A *segment* is the part of a block that shares one quant group: the whole block when groups
 * are multiples of the block (or one group per row), else one code word, one quad of 4 codes, or
 * one element. Per segment the group's scale (zero point, datatype id) is read once and the
 * segment's partial sum is multiplied by the scale once.
 *
 * Slot layout (the GPU-side copy of the codes, src/gpu/gpu-tensor.ts): codes sit in slots of
 * SLOT_BITS = the next power of two >= bits, 32 / SLOT_BITS per u32 word, LSB first, so no code
 * straddles a word; each row is padded with zero words to a multiple of 4 words (one vec4). For
 * 1-, 2-, 4- and 8-bit codes with K a multiple of the block this is the QuantizedTensor's own
 * stream (docs/FORMATS.md section 2), uploaded as it is. Activations are stored with a row
 * stride of the padded K and zeros past K, so padded codes add 0 * x = 0.
 */
import { getDType } from '../dtype/registry.js';
import { WORD_BITS } from '../format/pack.js';

/** u32 words in one block (one vec4<u32>). */
export const BLOCK_WORDS = 4;
/** Codes decoded together into one vec4<f32> (a quad). */
export const QUAD = 4;
/** Activations per LUT table (a 4-group). */
const LUT_GROUP = 4;
/** 4-groups per plane word (one nibble each). */
const GROUPS_PER_WORD = WORD_BITS / LUT_GROUP;

/** Which part of a block shares one quant group. */
export type SegmentKind = 'block' | 'word' | 'quad' | 'element';

/** How blocks cover a weight row. */
export interface BlockLayout {
  readonly bits: number;
  /** Code slot width: the next power of two >= bits. */
  readonly slotBits: number;
  readonly codesPerWord: number;
  readonly codesPerBlock: number;
  /** vec4 quads per block (= vec4<f32> of activations per block). */
  readonly quadsPerBlock: number;
  readonly blocksPerRow: number;
  /** Slot words per row (a multiple of BLOCK_WORDS). */
  readonly wordsPerRow: number;
  /** Padded K: blocksPerRow * codesPerBlock. */
  readonly kPadded: number;
  readonly segment: SegmentKind;
  /** Codes per segment (the rounding count of a segment sum). */
  readonly segmentLength: number;
}

/** The next power of two >= bits (1, 2, 4 or 8). */
export function slotBitsFor(bits: number): number {
  let s = 1;
  while (s < bits) s *= 2;
  return s;
}

/** The segment kind of a code stream with `perBlock` and `perWord` codes, groups of `groupSize` in rows of `k`. */
function segmentOf(k: number, groupSize: number, perBlock: number, perWord: number): { segment: SegmentKind; length: number } {
  if (groupSize === k || groupSize % perBlock === 0) return { segment: 'block', length: perBlock };
  if (groupSize % perWord === 0) return { segment: 'word', length: perWord };
  if (groupSize % QUAD === 0) return { segment: 'quad', length: QUAD };
  return { segment: 'element', length: 1 };
}

/** The block layout of a code stream of `bits`-wide codes, rows of `k`, groups of `groupSize`. */
export function blockLayout(bits: number, k: number, groupSize: number): BlockLayout {
  const slotBits = slotBitsFor(bits);
  const codesPerWord = WORD_BITS / slotBits;
  const codesPerBlock = codesPerWord * BLOCK_WORDS;
  const blocksPerRow = Math.ceil(k / codesPerBlock);
  const { segment, length } = segmentOf(k, groupSize, codesPerBlock, codesPerWord);
  return {
    bits,
    slotBits,
    codesPerWord,
    codesPerBlock,
    quadsPerBlock: codesPerBlock / QUAD,
    blocksPerRow,
    wordsPerRow: blocksPerRow * BLOCK_WORDS,
    kPadded: blocksPerRow * codesPerBlock,
    segment,
    segmentLength: length,
  };
}

/** The block layout of bit planes: one vec4<u32> per plane covers 128 activations = 32 4-groups. */
export function planeBlockLayout(k: number, groupSize: number): BlockLayout {
  const perBlock = WORD_BITS * BLOCK_WORDS;
  const blocksPerRow = Math.ceil(k / perBlock);
  // LUT segments: the block, one plane word (32 activations) or one 4-group.
  const seg: { segment: SegmentKind; length: number } =
    groupSize === k || groupSize % perBlock === 0 ? { segment: 'block', length: perBlock } : groupSize % WORD_BITS === 0 ? { segment: 'word', length: WORD_BITS } : { segment: 'quad', length: LUT_GROUP };
  return {
    bits: 1,
    slotBits: 1,
    codesPerWord: WORD_BITS,
    codesPerBlock: perBlock,
    quadsPerBlock: perBlock / QUAD,
    blocksPerRow,
    wordsPerRow: blocksPerRow * BLOCK_WORDS,
    kPadded: blocksPerRow * perBlock,
    segment: seg.segment,
    segmentLength: seg.length,
  };
}

/** How codes turn into values: sign extension, the code itself, or the decode table. */
export type DecodeKind = 'signed' | 'unsigned' | 'table';

/** f32 bit pattern of a number. */
export function f32Bits(v: number): number {
  return new Uint32Array(new Float32Array([v]).buffer)[0] as number;
}

/**
 * 'signed' when every code of the single element type decodes to its two's-complement value,
 * 'unsigned' when every code decodes to itself (bit patterns compared, so NaN codes rule both
 * out), else 'table'. Derived from the decode table, not from names.
 */
export function decodeKindOf(elementTypes: readonly string[], bits: number): DecodeKind {
  if (elementTypes.length !== 1) return 'table';
  const table = getDType(elementTypes[0] as string).decodeTable;
  const n = 1 << bits;
  const half = n >> 1;
  let signed = true;
  let unsigned = true;
  for (let c = 0; c < n; c++) {
    const got = f32Bits(table[c] as number);
    if (got !== f32Bits(c >= half ? c - n : c)) signed = false;
    if (got !== f32Bits(c)) unsigned = false;
  }
  return signed ? 'signed' : unsigned ? 'unsigned' : 'table';
}

/** WGSL u32 literal. */
function u(v: number): string {
  return `${v >>> 0}u`;
}

/** `vec4<u32>(a, b, c, d)` of four literals. */
function uvec(vals: readonly number[]): string {
  return `vec4<u32>(${vals.map(u).join(', ')})`;
}

/** Bit offsets of the 4 codes of quad r inside a slot word. */
function quadShifts(slotBits: number, r: number): number[] {
  return [0, 1, 2, 3].map((i) => slotBits * (QUAD * r + i));
}

/**
 * Expression: the 4 codes of quad r of slot word `w` as vec4<u32> (unsigned field values).
 */
function codesExpr(w: string, bits: number, slotBits: number, r: number): string {
  return `((vec4<u32>(${w}) >> ${uvec(quadShifts(slotBits, r))}) & vec4<u32>(${u((1 << bits) - 1)}))`;
}

/** Expression: the 4 codes of quad r sign-extended as vec4<i32>. */
function signedExpr(w: string, bits: number, slotBits: number, r: number): string {
  const shl = quadShifts(slotBits, r).map((s) => WORD_BITS - s - bits);
  return `((vec4<i32>(bitcast<i32>(${w})) << ${uvec(shl)}) >> vec4<u32>(${u(WORD_BITS - bits)}))`;
}

/** Expression: decode values of quad r (vec4<f32>); `tb` is the vec4<u32> type base (id << BITS) for tables. */
function decodeExpr(kind: DecodeKind, w: string, bits: number, slotBits: number, r: number, tb: string): string {
  if (kind === 'signed') return `vec4<f32>(${signedExpr(w, bits, slotBits, r)})`;
  if (kind === 'unsigned') return `vec4<f32>(${codesExpr(w, bits, slotBits, r)})`;
  return `decode_quad(${tb} | ${codesExpr(w, bits, slotBits, r)})`;
}

/** Expression: integer grid values of quad r (vec4<i32>). */
function gridExpr(kind: DecodeKind, w: string, bits: number, slotBits: number, r: number, tb: string): string {
  if (kind === 'signed') return signedExpr(w, bits, slotBits, r);
  if (kind === 'unsigned') return `vec4<i32>(${codesExpr(w, bits, slotBits, r)})`;
  return `grid_quad(${tb} | ${codesExpr(w, bits, slotBits, r)})`;
}

/** Words of the vec4 of codes. */
const COMP = ['x', 'y', 'z', 'w'] as const;

/** What the dequant-family block code depends on. */
export interface DequantBlockSpec {
  readonly elementTypes: readonly string[];
  readonly bits: number;
  readonly hasZeros: boolean;
  readonly hasIds: boolean;
  readonly layout: BlockLayout;
  /** Activations in storage: f32 or f16 (converted to f32 on load). */
  readonly activation: 'f32' | 'f16';
  /**
   * Per-group f32 offsets (w = (decode - zero) * scale - offset): each segment subtracts
   * offset * (the segment's activation sum) after its scale. Default false.
   */
  readonly hasOffsets?: boolean;
}

/**
 * Segment group parameters: `let g{s} = seg_group(row, k)` plus its scale, zero (vec4) and type
 * base (vec4) where the tensor has them.
 */
function segmentParams(lines: string[], s: string, kExpr: string, spec: { hasZeros: boolean; hasIds: boolean }, needTb: boolean): void {
  lines.push(`  let g${s} = seg_group(row, ${kExpr});`);
  if (spec.hasZeros) lines.push(`  let z${s} = vec4<f32>(group_zero(g${s}));`);
  if (needTb) lines.push(`  let tb${s} = vec4<u32>(group_type(g${s}) << BITS);`);
}

/** Shared helpers of every generated block family. */
function commonLines(): string[] {
  return [
    `// Quant group of the segment starting at column k of weight row \`row\` (clamped: padded columns past K`,
    `// belong to the last group and multiply zero activations).`,
    `fn seg_group(row: u32, k: u32) -> u32 {`,
    `  return row * p.groups_per_row + min(k / p.group_size, p.groups_per_row - 1u);`,
    `}`,
  ];
}

/**
 * The XBlock of f32 / f16 activations: QPB vec4 per block. With `sums` (tensors with per-group
 * offsets) it also holds the activation sum of each block or word segment, `xs` (f32 for a block
 * segment, one vec4 lane per word for word segments), computed once per block and shared by every
 * weight row the block serves; quad and element segments sum in wblock_dot.
 */
function xBlockLines(quads: number, activation: 'f32' | 'f16', sums?: { segment: SegmentKind; quadsPerWord: number }): string[] {
  const lines = [`struct XBlock {`];
  for (let i = 0; i < quads; i++) lines.push(`  v${i}: vec4<f32>,`);
  const sumKind = sums && (sums.segment === 'block' || sums.segment === 'word') ? sums.segment : undefined;
  if (sumKind === 'block') lines.push(`  xs: f32,`);
  if (sumKind === 'word') lines.push(`  xs: vec4<f32>,`);
  lines.push(`}`, `fn load_xblock(m: u32, j: u32) -> XBlock {`, `  let base = m * (p.x_stride / 4u) + j * ${u(quads)};`, `  var b: XBlock;`);
  for (let i = 0; i < quads; i++) lines.push(`  b.v${i} = ${activation === 'f16' ? `vec4<f32>(x[base + ${u(i)}])` : `x[base + ${u(i)}]`};`);
  const quadSum = (from: number, to: number) => `dot(${sum(Array.from({ length: to - from }, (_, i) => `b.v${from + i}`))}, vec4<f32>(1.0))`;
  if (sumKind === 'block') lines.push(`  b.xs = ${quadSum(0, quads)};`);
  if (sumKind === 'word') {
    const qpw = (sums as { quadsPerWord: number }).quadsPerWord;
    lines.push(`  b.xs = vec4<f32>(${Array.from({ length: BLOCK_WORDS }, (_, q) => quadSum(q * qpw, (q + 1) * qpw)).join(', ')});`);
  }
  lines.push(`  return b;`, `}`);
  return lines;
}

/** Sum expression of terms, left to right. */
function sum(terms: readonly string[]): string {
  return terms.length === 0 ? '0.0' : terms.join(' + ');
}

/**
 * Dequant family: WBlock holds the decoded values minus the zero point, one vec4<f32> per quad,
 * and the segment scales; wblock_dot sums dot(w_quad, x_quad) per segment and multiplies by the
 * segment's scale once. With per-group offsets each segment then subtracts offset * (its
 * activation sum): (sum_k v_k x_k) * scale - (sum_k x_k) * offset (an element segment:
 * dot(v * x, scale) - dot(x, offset) over its quad).
 */
export function dequantBlockWgsl(spec: DequantBlockSpec): string {
  const L = spec.layout;
  const kind = decodeKindOf(spec.elementTypes, spec.bits);
  const needTb = kind === 'table';
  const qpw = L.codesPerWord / QUAD;
  const quads = L.quadsPerBlock;
  const lines: string[] = [
    `// Block code: ${spec.bits}-bit codes in ${L.slotBits}-bit slots, ${L.codesPerBlock} codes per block, segments per ${L.segment}; decode ${kind}.`,
    ...commonLines(),
  ];
  if (kind === 'table') {
    lines.push(
      `fn decode_quad(i: vec4<u32>) -> vec4<f32> {`,
      `  return vec4<f32>(bitcast<f32>(DECODE_BITS[i.x]), bitcast<f32>(DECODE_BITS[i.y]), bitcast<f32>(DECODE_BITS[i.z]), bitcast<f32>(DECODE_BITS[i.w]));`,
      `}`,
    );
  }
  const off = spec.hasOffsets === true;
  lines.push(...xBlockLines(quads, spec.activation, off ? { segment: L.segment, quadsPerWord: qpw } : undefined));
  const scaleType = L.segment === 'element' ? 'vec4<f32>' : 'f32';
  const nScales = L.segment === 'block' ? 1 : L.segment === 'word' ? BLOCK_WORDS : quads;
  lines.push(`struct WBlock {`);
  for (let i = 0; i < quads; i++) lines.push(`  q${i}: vec4<f32>,`);
  for (let s = 0; s < nScales; s++) lines.push(`  s${s}: ${scaleType},`, ...(off ? [`  o${s}: ${scaleType},`] : []));
  lines.push(`}`);
  lines.push(`fn load_wblock(row: u32, j: u32) -> WBlock {`, `  let c = wcodes[row * p.blocks + j];`, `  let k0 = j * ${u(L.codesPerBlock)};`, `  var b: WBlock;`);
  const zeroVec = (s: string) => (spec.hasZeros ? ` - z${s}` : '');
  const tbOf = (s: string) => (needTb ? `tb${s}` : 'vec4<u32>(0u)');
  const readOffset = (idx: number, g: string) => {
    if (off) lines.push(`  b.o${idx} = group_offset(${g});`);
  };
  if (L.segment === 'block') {
    segmentParams(lines, '', 'k0', spec, needTb);
    lines.push(`  b.s0 = scales[g];`);
    readOffset(0, 'g');
  }
  for (let q = 0; q < BLOCK_WORDS; q++) {
    const w = `c.${COMP[q]}`;
    if (L.segment === 'word') {
      segmentParams(lines, `${q}`, `k0 + ${u(q * L.codesPerWord)}`, spec, needTb);
      lines.push(`  b.s${q} = scales[g${q}];`);
      readOffset(q, `g${q}`);
    }
    for (let r = 0; r < qpw; r++) {
      const i = q * qpw + r;
      let s = '';
      if (L.segment === 'word') s = `${q}`;
      if (L.segment === 'quad') {
        s = `${i}`;
        segmentParams(lines, s, `k0 + ${u(i * QUAD)}`, spec, needTb);
        lines.push(`  b.s${i} = scales[g${i}];`);
        readOffset(i, `g${i}`);
      }
      if (L.segment === 'element') {
        // One group per element: vec4 of group indices, zero points, type bases and scales.
        lines.push(`  let ge${i} = vec4<u32>(${[0, 1, 2, 3].map((e) => `seg_group(row, k0 + ${u(i * QUAD + e)})`).join(', ')});`);
        if (spec.hasZeros) lines.push(`  let ze${i} = vec4<f32>(${[0, 1, 2, 3].map((e) => `group_zero(ge${i}.${COMP[e]})`).join(', ')});`);
        if (needTb) lines.push(`  let tbe${i} = vec4<u32>(${[0, 1, 2, 3].map((e) => `group_type(ge${i}.${COMP[e]}) << BITS`).join(', ')});`);
        lines.push(`  b.s${i} = vec4<f32>(${[0, 1, 2, 3].map((e) => `scales[ge${i}.${COMP[e]}]`).join(', ')});`);
        if (off) lines.push(`  b.o${i} = vec4<f32>(${[0, 1, 2, 3].map((e) => `group_offset(ge${i}.${COMP[e]})`).join(', ')});`);
        lines.push(`  b.q${i} = ${decodeExpr(kind, w, spec.bits, L.slotBits, r, needTb ? `tbe${i}` : 'vec4<u32>(0u)')}${spec.hasZeros ? ` - ze${i}` : ''};`);
        continue;
      }
      lines.push(`  b.q${i} = ${decodeExpr(kind, w, spec.bits, L.slotBits, r, tbOf(s))}${zeroVec(s)};`);
    }
  }
  lines.push(`  return b;`, `}`);
  // wblock_dot: per segment, the sum of its quads' dot products times its scale.
  lines.push(`fn wblock_dot(w: WBlock, x: XBlock) -> f32 {`);
  const dots = Array.from({ length: quads }, (_, i) => `dot(w.q${i}, x.v${i})`);
  // The offset term of segment s with activation sum `xs`: ' - xs * w.o{s}' (nothing without offsets).
  const minusOffset = (xs: string, s: number) => (off ? ` - ${xs} * w.o${s}` : '');
  if (L.segment === 'block') lines.push(`  return (${sum(dots)}) * w.s0${minusOffset('x.xs', 0)};`);
  else if (L.segment === 'word') {
    const segs = Array.from({ length: BLOCK_WORDS }, (_, q) => {
      const t = `(${sum(dots.slice(q * qpw, (q + 1) * qpw))}) * w.s${q}${minusOffset(`x.xs.${COMP[q]}`, q)}`;
      return off ? `(${t})` : t;
    });
    lines.push(`  return ${sum(segs)};`);
  } else if (L.segment === 'quad') {
    lines.push(`  return ${sum(dots.map((d, i) => (off ? `(${d} * w.s${i}${minusOffset(`dot(x.v${i}, vec4<f32>(1.0))`, i)})` : `${d} * w.s${i}`)))};`);
  } else {
    lines.push(`  return ${sum(Array.from({ length: quads }, (_, i) => (off ? `(dot(w.q${i} * x.v${i}, w.s${i}) - dot(x.v${i}, w.o${i}))` : `dot(w.q${i} * x.v${i}, w.s${i})`)))};`);
  }
  lines.push(`}`);
  lines.push(`fn finish_row(m: u32, v: f32) -> f32 {`, `  if (USE_TENSOR_SCALE) {`, `    return v * p.tensor_scale;`, `  }`, `  return v;`, `}`, '');
  return lines.join('\n');
}

/**
 * Packed 4x8 integer dot product (dp4a) family: activations are int8, 4 per u32 (quad i of the
 * block = one word); WBlock holds the weights' integer grid values packed the same way, the
 * segment scales times the grid unit, the zero points and the offsets. wblock_dot sums
 * dot4I8Packed exactly in i32 per segment, subtracts zero * (the segment's activation sum),
 * converts once and scales once, then subtracts offset * f32(the activation sum); finish_row
 * multiplies by the activation row scale.
 */
export function dp4aBlockWgsl(spec: Omit<DequantBlockSpec, 'activation'>): string {
  const L = spec.layout;
  const kind = decodeKindOf(spec.elementTypes, spec.bits);
  const needTb = kind === 'table' || spec.hasIds;
  const qpw = L.codesPerWord / QUAD;
  const quads = L.quadsPerBlock;
  if (L.segment === 'element') throw new RangeError('dp4a block code: quads must not cross quant groups');
  const lines: string[] = [`// dp4a block code: ${spec.bits}-bit codes in ${L.slotBits}-bit slots, segments per ${L.segment}; grid ${kind}.`, ...commonLines()];
  if (kind === 'table') {
    lines.push(`fn grid_quad(i: vec4<u32>) -> vec4<i32> {`, `  return vec4<i32>(GRID_INT[i.x], GRID_INT[i.y], GRID_INT[i.z], GRID_INT[i.w]);`, `}`);
  }
  lines.push(`struct XBlock {`);
  for (let i = 0; i < quads; i++) lines.push(`  v${i}: u32,`);
  lines.push(`}`, `fn load_xblock(m: u32, j: u32) -> XBlock {`, `  let base = m * (p.x_stride / 4u) + j * ${u(quads)};`, `  var b: XBlock;`);
  for (let i = 0; i < quads; i++) lines.push(`  b.v${i} = xq[base + ${u(i)}];`);
  lines.push(`  return b;`, `}`);
  const nSeg = L.segment === 'block' ? 1 : L.segment === 'word' ? BLOCK_WORDS : quads;
  lines.push(`struct WBlock {`);
  for (let i = 0; i < quads; i++) lines.push(`  q${i}: u32,`);
  const off = spec.hasOffsets === true;
  for (let s = 0; s < nSeg; s++) lines.push(`  s${s}: f32,`, ...(spec.hasZeros ? [`  z${s}: i32,`] : []), ...(off ? [`  o${s}: f32,`] : []));
  lines.push(`}`);
  lines.push(`fn load_wblock(row: u32, j: u32) -> WBlock {`, `  let c = wcodes[row * p.blocks + j];`, `  let k0 = j * ${u(L.codesPerBlock)};`, `  var b: WBlock;`);
  const seg = (s: string, k: string, idx: number) => {
    lines.push(`  let g${s} = seg_group(row, ${k});`, `  let id${s} = group_type(g${s});`);
    if (needTb) lines.push(`  let tb${s} = vec4<u32>(id${s} << BITS);`);
    lines.push(`  b.s${idx} = scales[g${s}] * GRID_UNIT[id${s}];`);
    if (spec.hasZeros) lines.push(`  b.z${idx} = i32(group_zero(g${s}));`);
    if (off) lines.push(`  b.o${idx} = group_offset(g${s});`);
  };
  if (L.segment === 'block') seg('', 'k0', 0);
  for (let q = 0; q < BLOCK_WORDS; q++) {
    if (L.segment === 'word') seg(`${q}`, `k0 + ${u(q * L.codesPerWord)}`, q);
    for (let r = 0; r < qpw; r++) {
      const i = q * qpw + r;
      const s = L.segment === 'block' ? '' : L.segment === 'word' ? `${q}` : `${i}`;
      if (L.segment === 'quad') seg(s, `k0 + ${u(i * QUAD)}`, i);
      lines.push(`  b.q${i} = pack4xI8(${gridExpr(kind, `c.${COMP[q]}`, spec.bits, L.slotBits, r, needTb ? `tb${s}` : 'vec4<u32>(0u)')});`);
    }
  }
  lines.push(`  return b;`, `}`);
  // Per segment: exact integer dot, minus zero * sum(x), one conversion, one scale; with offsets,
  // minus the offset times the segment's (exact, integer) activation sum. finish_row multiplies
  // both terms by the row's x scale.
  const sumLines: string[] = [];
  const segOf = (s: number, quadIdx: readonly number[]) => {
    const dot = quadIdx.map((i) => `dot4I8Packed(w.q${i}, x.v${i})`).join(' + ');
    if (spec.hasZeros || off) sumLines.push(`  let xs${s} = ${quadIdx.map((i) => `dot4I8Packed(${u(0x01010101)}, x.v${i})`).join(' + ')};`);
    const scaled = spec.hasZeros ? `f32((${dot}) - w.z${s} * xs${s}) * w.s${s}` : `f32(${dot}) * w.s${s}`;
    return off ? `(${scaled} - f32(xs${s}) * w.o${s})` : scaled;
  };
  const all = Array.from({ length: quads }, (_, i) => i);
  const segs =
    L.segment === 'block' ? [segOf(0, all)] : L.segment === 'word' ? Array.from({ length: BLOCK_WORDS }, (_, q) => segOf(q, all.slice(q * qpw, (q + 1) * qpw))) : all.map((i) => segOf(i, [i]));
  lines.push(`fn wblock_dot(w: WBlock, x: XBlock) -> f32 {`, ...sumLines, `  return ${sum(segs)};`, `}`);
  lines.push(`fn finish_row(m: u32, v: f32) -> f32 {`, `  var t = v;`, `  if (USE_TENSOR_SCALE) {`, `    t = t * p.tensor_scale;`, `  }`, `  return t * x_scale[m];`, `}`, '');
  return lines.join('\n');
}

/** What the bit-serial block code depends on (term tables in the prelude: BS_INDEX, BS_MUL, BS_UNIT). */
export interface BitSerialBlockSpec {
  readonly bits: number;
  readonly hasZeros: boolean;
  readonly hasIds: boolean;
  readonly terms: number;
  readonly layout: BlockLayout;
}

/**
 * Bit-serial family: per quad the term-table entries of the 4 codes, then per term a vec4 of
 * signed powers of two; wblock_dot adds x * term (exact products) into one vec4 per segment,
 * sums its lanes and multiplies once by scale * unit.
 */
export function bitSerialBlockWgsl(spec: BitSerialBlockSpec): string {
  const L = spec.layout;
  if (L.segment === 'element') throw new RangeError('bit-serial block code: quads must not cross quant groups');
  const qpw = L.codesPerWord / QUAD;
  const quads = L.quadsPerBlock;
  const T = spec.terms;
  const lines: string[] = [`// Bit-serial block code: ${spec.bits}-bit codes in ${L.slotBits}-bit slots, ${T} terms, segments per ${L.segment}.`, ...commonLines()];
  lines.push(
    `fn bs_entries(i: vec4<u32>) -> vec4<u32> {`,
    `  return vec4<u32>(BS_INDEX[i.x], BS_INDEX[i.y], BS_INDEX[i.z], BS_INDEX[i.w]);`,
    `}`,
    `fn bs_mul(i: vec4<u32>) -> vec4<f32> {`,
    `  return vec4<f32>(BS_MUL[i.x], BS_MUL[i.y], BS_MUL[i.z], BS_MUL[i.w]);`,
    `}`,
  );
  if (!spec.hasZeros) {
    lines.push(`fn bs_code_mul(i: vec4<u32>) -> vec4<f32> {`, `  return vec4<f32>(BS_CODE_MUL[i.x], BS_CODE_MUL[i.y], BS_CODE_MUL[i.z], BS_CODE_MUL[i.w]);`, `}`);
  }
  lines.push(...xBlockLines(quads, 'f32'));
  const nSeg = L.segment === 'block' ? 1 : L.segment === 'word' ? BLOCK_WORDS : quads;
  lines.push(`struct WBlock {`);
  for (let i = 0; i < quads; i++) for (let t = 0; t < T; t++) lines.push(`  m${i}_${t}: vec4<f32>,`);
  for (let s = 0; s < nSeg; s++) lines.push(`  s${s}: f32,`);
  lines.push(`}`);
  lines.push(`fn load_wblock(row: u32, j: u32) -> WBlock {`, `  let c = wcodes[row * p.blocks + j];`, `  let k0 = j * ${u(L.codesPerBlock)};`, `  var b: WBlock;`);
  const seg = (s: string, k: string, idx: number) => {
    lines.push(`  let g${s} = seg_group(row, ${k});`, `  let id${s} = group_type(g${s});`);
    lines.push(`  let tb${s} = vec4<u32>(id${s} << BITS);`);
    // Entry e of a code: BS_INDEX[code] (+ D) minus the zero point; term row (id * BS_ENTRIES + e) * BS_TERMS.
    if (spec.hasZeros) lines.push(`  let eb${s} = vec4<i32>(i32(id${s} * BS_ENTRIES)) - vec4<i32>(i32(group_zero(g${s})));`);
    lines.push(`  b.s${idx} = scales[g${s}] * BS_UNIT[id${s}];`);
  };
  if (L.segment === 'block') seg('', 'k0', 0);
  for (let q = 0; q < BLOCK_WORDS; q++) {
    if (L.segment === 'word') seg(`${q}`, `k0 + ${u(q * L.codesPerWord)}`, q);
    for (let r = 0; r < qpw; r++) {
      const i = q * qpw + r;
      const s = L.segment === 'block' ? '' : L.segment === 'word' ? `${q}` : `${i}`;
      if (L.segment === 'quad') seg(s, `k0 + ${u(i * QUAD)}`, i);
      if (spec.hasZeros) {
        lines.push(`  let e${i} = vec4<u32>(vec4<i32>(bs_entries(tb${s} | ${codesExpr(`c.${COMP[q]}`, spec.bits, L.slotBits, r)})) + eb${s}) * BS_TERMS;`);
        for (let t = 0; t < T; t++) lines.push(`  b.m${i}_${t} = bs_mul(e${i} + vec4<u32>(${u(t)}));`);
      } else {
        // The code's terms straight from BS_CODE_MUL (no entry indirection without zero points).
        lines.push(`  let e${i} = (tb${s} | ${codesExpr(`c.${COMP[q]}`, spec.bits, L.slotBits, r)}) * BS_TERMS;`);
        for (let t = 0; t < T; t++) lines.push(`  b.m${i}_${t} = bs_code_mul(e${i} + vec4<u32>(${u(t)}));`);
      }
    }
  }
  lines.push(`  return b;`, `}`);
  const segOf = (s: number, quadIdx: readonly number[]) => {
    const terms = quadIdx.flatMap((i) => Array.from({ length: T }, (_, t) => `x.v${i} * w.m${i}_${t}`));
    return `dot(${sum(terms)}, vec4<f32>(1.0)) * w.s${s}`;
  };
  const all = Array.from({ length: quads }, (_, i) => i);
  const segs =
    L.segment === 'block' ? [segOf(0, all)] : L.segment === 'word' ? Array.from({ length: BLOCK_WORDS }, (_, q) => segOf(q, all.slice(q * qpw, (q + 1) * qpw))) : all.map((i) => segOf(i, [i]));
  lines.push(`fn wblock_dot(w: WBlock, x: XBlock) -> f32 {`, `  return ${sum(segs)};`, `}`);
  lines.push(`fn finish_row(m: u32, v: f32) -> f32 {`, `  if (USE_TENSOR_SCALE) {`, `    return v * p.tensor_scale;`, `  }`, `  return v;`, `}`, '');
  return lines.join('\n');
}

/** What the LUT block code depends on. */
export interface LutBlockSpec {
  readonly bits: number;
  readonly hasZeros: boolean;
  readonly tables: 'f32' | 'i8';
  readonly layout: BlockLayout;
  /**
   * f32 tables only, even bits only: `tables` holds the 256-entry plane-pair tables of
   * lut-precompute.wgsl's build_f32_pairs, P_t[lo | hi << 4] = LUT_ALPHA/2 T_t[lo] + LUT_ALPHA T_t[hi],
   * and each pair of planes (2i, 2i + 1) costs one lookup, scaled by the exact 4^i.
   */
  readonly pairs?: boolean;
}

/**
 * LUT family over bit planes (src/format/bitplanes.ts, rows padded to whole vec4s on upload).
 * Block j of plane i is one vec4<u32>; nibble e of its word q is the table index of 4-group
 * t = 32 j + 8 q + e. The code looks up the 4 words' nibbles at once (one gather of 4 per plane
 * and nibble position) and keeps one vec4 lane per word:
 *   f32 tables: S1[q] = sum_e sum_i LUT_ALPHA 2^(i-1) T_t[nibble_i(t)]
 *   int8 tables: S1[q] = f32(sum_e sum_i 2^i Q_t[nibble_i(t)]) * lut_scale(word q) * LUT_ALPHA / 2
 *     (integer sums are exact; one lut scale covers a word when the table block is a multiple of 32)
 * and per segment adds (LUT_C0_BASE - zero) * (sum of the segment's 4-group x-sums) and
 * multiplies by the scale once. Per-4-group segments do the same per nibble position.
 * XBlock holds the table base of (m, j), the words' x-sums and (int8) their lut scales.
 * With plane-pair tables (`pairs`) the f32 sum becomes S1[q] = sum_e sum_i 4^i P_t[byte_i(t)],
 * byte_i(t) = nibble_2i(t) | nibble_2i+1(t) << 4: half the lookups.
 */
export function lutBlockWgsl(spec: LutBlockSpec): string {
  const L = spec.layout;
  const B = spec.bits;
  if (spec.pairs && (spec.tables !== 'f32' || B % 2 !== 0)) throw new Error(`lutBlockWgsl: plane-pair tables need f32 tables and even bits, got ${spec.tables}, ${B} bits`);
  const lines: string[] = [`// LUT block code: ${B} bit planes, ${spec.tables} tables${spec.pairs ? ' of plane pairs' : ''}, segments per ${L.segment}.`, ...commonLines()];
  const perGroupWord = L.segment === 'quad';
  lines.push(`struct XBlock {`, `  tb: u32,`, `  xs: vec4<f32>,`);
  if (perGroupWord) for (let e = 0; e < GROUPS_PER_WORD; e++) lines.push(`  x${e}: vec4<f32>,`);
  if (spec.tables === 'i8') lines.push(`  ls: vec4<f32>,`);
  lines.push(`}`);
  // x4sum of 4-group t at x4sum[m * nt + t]; word q of block j holds t = 32 j + 8 q .. + 7.
  lines.push(`fn load_xblock(m: u32, j: u32) -> XBlock {`, `  let nt = p.aux0;`, `  var b: XBlock;`, `  let t0 = j * 32u;`, `  b.tb = m * nt + t0;`, `  let xb = (m * nt + t0) / 4u;`);
  const words = [0, 1, 2, 3];
  // x4sum as vec4: word q covers vec4s xb + 2q and xb + 2q + 1.
  lines.push(`  b.xs = vec4<f32>(${words.map((q) => `dot(x4sum[xb + ${u(2 * q)}] + x4sum[xb + ${u(2 * q + 1)}], vec4<f32>(1.0))`).join(', ')});`);
  if (perGroupWord) {
    for (let e = 0; e < GROUPS_PER_WORD; e++) {
      const v = e >> 2;
      const c = COMP[e & 3];
      lines.push(`  b.x${e} = vec4<f32>(${words.map((q) => `x4sum[xb + ${u(2 * q + v)}].${c}`).join(', ')});`);
    }
  }
  if (spec.tables === 'i8') {
    lines.push(`  let nblocks = (nt + p.aux1 - 1u) / p.aux1;`, `  b.ls = vec4<f32>(${words.map((q) => `lut_scales[m * nblocks + (t0 + ${u(8 * q)}) / p.aux1]`).join(', ')});`);
  }
  lines.push(`  return b;`, `}`);
  const nSeg = L.segment === 'block' ? 1 : L.segment === 'word' ? BLOCK_WORDS : BLOCK_WORDS * GROUPS_PER_WORD;
  lines.push(`struct WBlock {`);
  for (let i = 0; i < B; i++) lines.push(`  p${i}: vec4<u32>,`);
  if (L.segment === 'block') lines.push(`  c0: f32,`, `  s: f32,`);
  else if (L.segment === 'word') lines.push(`  c0: vec4<f32>,`, `  s: vec4<f32>,`);
  else for (let e = 0; e < GROUPS_PER_WORD; e++) lines.push(`  c0_${e}: vec4<f32>,`, `  s${e}: vec4<f32>,`);
  lines.push(`}`);
  void nSeg;
  // planes[(row * BITS + i) * blocks + j] (vec4 per block of each plane row).
  lines.push(`fn load_wblock(row: u32, j: u32) -> WBlock {`, `  var b: WBlock;`, `  let pb = row * ${u(B)} * p.blocks + j;`);
  for (let i = 0; i < B; i++) lines.push(`  b.p${i} = planes[pb + ${u(i)} * p.blocks];`);
  lines.push(`  let k0 = j * 128u;`);
  const c0 = (g: string) => (spec.hasZeros ? `LUT_C0_BASE - group_zero(${g})` : 'LUT_C0_BASE');
  if (L.segment === 'block') lines.push(`  let g = seg_group(row, k0);`, `  b.c0 = ${c0('g')};`, `  b.s = scales[g];`);
  else if (L.segment === 'word') {
    lines.push(`  let g = vec4<u32>(${words.map((q) => `seg_group(row, k0 + ${u(32 * q)})`).join(', ')});`);
    lines.push(`  b.c0 = vec4<f32>(${words.map((q) => c0(`g.${COMP[q]}`)).join(', ')});`, `  b.s = vec4<f32>(${words.map((q) => `scales[g.${COMP[q]}]`).join(', ')});`);
  } else {
    for (let e = 0; e < GROUPS_PER_WORD; e++) {
      lines.push(`  let g${e} = vec4<u32>(${words.map((q) => `seg_group(row, k0 + ${u(32 * q + 4 * e)})`).join(', ')});`);
      lines.push(`  b.c0_${e} = vec4<f32>(${words.map((q) => c0(`g${e}.${COMP[q]}`)).join(', ')});`, `  b.s${e} = vec4<f32>(${words.map((q) => `scales[g${e}.${COMP[q]}]`).join(', ')});`);
    }
  }
  lines.push(`  return b;`, `}`);
  // Lookups: for nibble position e, index of word q = (t0 + 8 q + e) * 16 + nibble.
  if (spec.tables === 'f32') {
    lines.push(`fn lut_gather(i: vec4<u32>) -> vec4<f32> {`, `  return vec4<f32>(tables[i.x], tables[i.y], tables[i.z], tables[i.w]);`, `}`);
  } else {
    lines.push(
      `// int8 entry idx of the table at word base tw: byte (idx & 3) of word tw + (idx >> 2), sign-extended.`,
      `fn lut_gather(tw: vec4<u32>, idx: vec4<u32>) -> vec4<i32> {`,
      `  let i = tw + (idx >> vec4<u32>(2u));`,
      `  let words = vec4<i32>(bitcast<i32>(qtables[i.x]), bitcast<i32>(qtables[i.y]), bitcast<i32>(qtables[i.z]), bitcast<i32>(qtables[i.w]));`,
      `  return (words << (vec4<u32>(24u) - (idx & vec4<u32>(3u)) * 8u)) >> vec4<u32>(24u);`,
      `}`,
    );
  }
  lines.push(`fn wblock_dot(w: WBlock, x: XBlock) -> f32 {`);
  const wordBase = `vec4<u32>(0u, 8u, 16u, 24u)`;
  lines.push(`  let tq = vec4<u32>(x.tb) + ${wordBase};`);
  for (let e = 0; e < GROUPS_PER_WORD; e++) {
    const nib = (i: number) => `((w.p${i} >> vec4<u32>(${u(4 * e)})) & vec4<u32>(15u))`;
    if (spec.pairs) {
      // Bytes of plane pair i: nibble e of planes 2i and 2i + 1, gathered into byte e >> 1 of
      // the pair's even (e even) or odd word.
      if (e === 0) {
        for (let i = 0; i < B / 2; i++) {
          lines.push(`  let pe${i} = (w.p${2 * i} & vec4<u32>(0x0f0f0f0fu)) | ((w.p${2 * i + 1} & vec4<u32>(0x0f0f0f0fu)) << vec4<u32>(4u));`);
          lines.push(`  let po${i} = ((w.p${2 * i} >> vec4<u32>(4u)) & vec4<u32>(0x0f0f0f0fu)) | (w.p${2 * i + 1} & vec4<u32>(0xf0f0f0f0u));`);
        }
      }
      const word = e % 2 === 0 ? 'pe' : 'po';
      const sh = 8 * (e >> 1);
      const byte = (i: number) => (sh === 0 ? `(${word}${i} & vec4<u32>(255u))` : `((${word}${i} >> vec4<u32>(${u(sh)})) & vec4<u32>(255u))`);
      lines.push(`  let tb${e} = (tq + vec4<u32>(${u(e)})) * 256u;`);
      const terms = Array.from({ length: B / 2 }, (_, i) => (i === 0 ? `lut_gather(tb${e} + ${byte(i)})` : `lut_gather(tb${e} + ${byte(i)}) * ${(4 ** i).toFixed(1)}`));
      lines.push(`  let l${e} = ${sum(terms)};`);
    } else if (spec.tables === 'f32') {
      const base = `(tq + vec4<u32>(${u(e)})) * 16u`;
      lines.push(`  let tb${e} = ${base};`);
      // sum_i alpha 2^(i-1) T[nib_i]: plane weights as exact f32 constants.
      const terms = Array.from({ length: B }, (_, i) => `lut_gather(tb${e} + ${nib(i)}) * ${planeWeight(i)}`);
      lines.push(`  let l${e} = ${sum(terms)};`);
    } else {
      const base = `(tq + vec4<u32>(${u(e)})) * 4u`;
      lines.push(`  let tb${e} = ${base};`);
      const terms = Array.from({ length: B }, (_, i) => (i === 0 ? `lut_gather(tb${e}, ${nib(i)})` : `(lut_gather(tb${e}, ${nib(i)}) << vec4<u32>(${u(i)}))`));
      lines.push(`  let l${e} = ${sum(terms)};`);
    }
  }
  const lsum = (es: readonly number[]) => sum(es.map((e) => `l${e}`));
  const allE = Array.from({ length: GROUPS_PER_WORD }, (_, e) => e);
  const toF = (expr: string) => (spec.tables === 'f32' ? `(${expr})` : `(vec4<f32>(${expr}) * x.ls * (LUT_ALPHA * 0.5))`);
  if (L.segment === 'block') {
    lines.push(`  let s1 = ${toF(lsum(allE))};`, `  return (dot(s1, vec4<f32>(1.0)) + w.c0 * dot(x.xs, vec4<f32>(1.0))) * w.s;`);
  } else if (L.segment === 'word') {
    lines.push(`  let s1 = ${toF(lsum(allE))};`, `  return dot(s1 + w.c0 * x.xs, w.s);`);
  } else {
    lines.push(`  return dot(${sum(allE.map((e) => `(${toF(`l${e}`)} + w.c0_${e} * x.x${e}) * w.s${e}`))}, vec4<f32>(1.0));`);
  }
  lines.push(`}`);
  lines.push(`fn finish_row(m: u32, v: f32) -> f32 {`, `  if (USE_TENSOR_SCALE) {`, `    return v * p.tensor_scale;`, `  }`, `  return v;`, `}`, '');
  return lines.join('\n');
}

/** LUT_ALPHA * 2^(i-1) as a WGSL expression (exact: a power of two times LUT_ALPHA). */
function planeWeight(i: number): string {
  return `(LUT_ALPHA * ${(2 ** (i - 1)).toFixed(1)})`;
}

/** f32 baseline family: weights are f32 rows padded to whole blocks of 16; plain dot products. */
export function f32BlockWgsl(): string {
  const quads = 4;
  return [
    `// f32 block code: 16 weights (4 vec4) per block.`,
    ...xBlockLines(quads, 'f32'),
    `struct WBlock {`,
    ...Array.from({ length: quads }, (_, i) => `  q${i}: vec4<f32>,`),
    `}`,
    `fn load_wblock(row: u32, j: u32) -> WBlock {`,
    `  let base = row * (p.x_stride / 4u) + j * ${u(quads)};`,
    `  var b: WBlock;`,
    ...Array.from({ length: quads }, (_, i) => `  b.q${i} = w[base + ${u(i)}];`),
    `  return b;`,
    `}`,
    `fn wblock_dot(w: WBlock, x: XBlock) -> f32 {`,
    `  return ${sum(Array.from({ length: quads }, (_, i) => `dot(w.q${i}, x.v${i})`))};`,
    `}`,
    `fn finish_row(m: u32, v: f32) -> f32 {`,
    `  return v;`,
    `}`,
    '',
  ].join('\n');
}
