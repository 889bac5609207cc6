/**
 * ggml blocks <-> QuantizedTensor, and the ggml schemes' quantize.
 *
 * A ggml tensor W[rows, cols] is rows * cols / blockSize blocks in row-major order (blocks run
 * along K; cols must be a multiple of the block size). Its QuantizedTensor form has one group per
 * sub-block (the codec's groupSize): codes in the registry's element type, f32 scales (d, or the
 * product d * sc of the k-quants, rounded to f32 exactly as ggml's dequantize_row_* does), the
 * constant zero point of the format and, where the format has mins, per-group offsets. So the
 * generic dequantize (w = (decode(q) - zero) * scale - offset, f32 left to right) reproduces
 * ggml's dequantize_row_* bit for bit. The blocks themselves ride along (`blocks`) for storage
 * accounting and for writing GGUF.
 */
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { packCodes, wordsPerRowFor } from '../format/pack.js';
import { getDType } from '../dtype/registry.js';
import { newScratch, type GgmlCodec } from './codec.js';
import { ggmlCodec, isGgmlSchemeType } from './codecs.js';
import { packMxfp4Block } from './mxfp4-layout.js';

/** Options a ggml scheme accepts (the fields of QuantizeOptions it checks). */
export interface GgmlQuantizeOptions {
  readonly group?: number;
  readonly scale?: 'absmax' | 'mse';
  readonly scaleDType?: 'f32' | 'f16';
}

/** The codec of `type`; throws naming the supported ones. */
export function requireCodec(type: string): GgmlCodec {
  const c = ggmlCodec(type);
  if (!c) throw new Error(`ggml type '${type}' is not one lowbit decodes`);
  return c;
}

function checkCols(what: string, c: GgmlCodec, cols: number): void {
  if (cols % c.blockSize !== 0) {
    throw new RangeError(`${what} needs K to be a multiple of its block size ${c.blockSize}; got K=${cols}`);
  }
}

/**
 * Quantizes W[rows, cols] (row-major f32, already checked finite) with ggml scheme `scheme` and
 * llama.cpp's reference quantizer; returns the tensor with its blocks. The options a ggml
 * scheme does not have (another group size, an MSE scale search, another scale storage) are
 * errors naming the scheme.
 */
export function quantizeGgml(w: Float32Array, rows: number, cols: number, scheme: string, opts: GgmlQuantizeOptions = {}): QuantizedTensor {
  if (!isGgmlSchemeType(scheme)) throw new Error(`'${scheme}' is not a ggml scheme`);
  const c = requireCodec(scheme);
  if (opts.group !== undefined && opts.group !== c.blockSize) {
    throw new Error(`${scheme} uses a fixed block of ${c.blockSize} along K; group ${opts.group} is not supported (omit it or pass ${c.blockSize})`);
  }
  if (opts.scale !== undefined && opts.scale !== 'absmax') throw new Error(`${scheme} has llama.cpp's fixed scale rule; scale '${opts.scale}' is not supported`);
  if (opts.scaleDType !== undefined && opts.scaleDType !== c.scaleDType) {
    throw new Error(`${scheme} stores its scales as ${c.scaleDType} (a ggml block layout); scaleDType '${opts.scaleDType}' is not supported`);
  }
  checkCols(scheme, c, cols);
  const blocksPerRow = cols / c.blockSize;
  const bytes = new Uint8Array(rows * blocksPerRow * c.blockBytes);
  const scratch = newScratch();
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < blocksPerRow; b++) {
      const blk = r * blocksPerRow + b;
      try {
        c.quantizeBlock(w, blk * c.blockSize, bytes, blk * c.blockBytes, scratch);
      } catch (err) {
        throw new RangeError(`${scheme}: row ${r}, block ${b} (columns ${b * c.blockSize}..${(b + 1) * c.blockSize - 1}): ${(err as Error).message}`);
      }
    }
  }
  return ggmlBlocksToQuantized(scheme, bytes, rows, cols);
}

/**
 * The QuantizedTensor of ggml blocks of `type` holding W[rows, cols]. ggml schemes get scheme
 * name = type and keep the blocks; 'mxfp4' becomes a lowbit `mxfp4` tensor (E2M1 codes, E8M0
 * scales). `what` names the tensor in errors.
 */
export function ggmlBlocksToQuantized(type: string, bytes: Uint8Array, rows: number, cols: number, what: string = type): QuantizedTensor {
  const c = requireCodec(type);
  checkCols(what, c, cols);
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`${what}: rows must be a positive integer, got ${rows}`);
  const nBlocks = (rows * cols) / c.blockSize;
  if (bytes.length !== nBlocks * c.blockBytes) {
    throw new RangeError(`${what}: ${bytes.length} bytes of ${type} blocks for ${rows} x ${cols} weights (needs ${nBlocks} blocks of ${c.blockBytes} bytes = ${nBlocks * c.blockBytes})`);
  }
  const groupsPerBlock = c.blockSize / c.groupSize;
  const codes = new Uint8Array(rows * cols);
  const scales = new Float32Array(nBlocks * groupsPerBlock);
  const offsets = c.hasOffsets ? new Float32Array(scales.length) : undefined;
  for (let b = 0; b < nBlocks; b++) {
    try {
      c.unpackBlock(bytes, b * c.blockBytes, codes, b * c.blockSize, scales, offsets, b * groupsPerBlock);
    } catch (err) {
      const perRow = cols / c.blockSize;
      throw new RangeError(`${what}: row ${Math.floor(b / perRow)}, block ${b % perRow}: ${(err as Error).message}`);
    }
  }
  const bits = getDType(c.elementType).bits;
  const lowbitMx = type === 'mxfp4';
  return {
    scheme: c.type,
    rows,
    cols,
    bits,
    groupSize: c.groupSize,
    granularity: 'group',
    codes: packCodes(codes, rows, cols, bits),
    wordsPerRow: wordsPerRowFor(cols, bits),
    elementTypes: [c.elementType],
    idBits: 0,
    scales,
    scaleDType: c.scaleDType,
    ...(c.zero !== 0 ? { zeros: new Uint8Array(scales.length).fill(c.zero) } : {}),
    tensorScale: 1,
    hasTensorScale: false,
    ...(offsets ? { offsets } : {}),
    // lowbit's mxfp4 tensors are re-packed on write; the others keep their exact blocks.
    ...(lowbitMx ? {} : { blocks: { type, blockSize: c.blockSize, blockBytes: c.blockBytes, codeBytes: c.codeBytes, bytes } }),
  };
}

/**
 * ggml's dequantize_row_* of `nBlocks` blocks of `type` at bytes[0..) into out[outOff..): the
 * direct path (no QuantizedTensor), used to read GGUF tensors as f32 chunk by chunk.
 */
export function dequantizeGgmlBlocks(type: string, bytes: Uint8Array, nBlocks: number, out: Float32Array, outOff = 0): void {
  const c = requireCodec(type);
  if (bytes.length < nBlocks * c.blockBytes) throw new RangeError(`dequantize ${type}: ${bytes.length} bytes for ${nBlocks} blocks of ${c.blockBytes}`);
  if (out.length < outOff + nBlocks * c.blockSize) throw new RangeError(`dequantize ${type}: out has room for ${out.length - outOff} values, needs ${nBlocks * c.blockSize}`);
  for (let b = 0; b < nBlocks; b++) c.dequantizeBlock(bytes, b * c.blockBytes, out, outOff + b * c.blockSize);
}

/** ggml type and block bytes of a tensor that GGUF can hold. */
export interface GgmlBlocks {
  readonly type: string;
  readonly bytes: Uint8Array;
}

/**
 * The ggml blocks of `qt`: a ggml scheme's stored blocks, or lowbit `mxfp4` codes and E8M0 scales
 * re-packed as ggml MXFP4 blocks. Throws for schemes that have no ggml type, naming them.
 */
export function ggmlBlocksOf(qt: QuantizedTensor): GgmlBlocks {
  if (qt.blocks) return { type: qt.blocks.type, bytes: qt.blocks.bytes };
  if (qt.scheme === 'mxfp4' && qt.groupSize === 32 && qt.bits === 4 && qt.elementTypes[0] === 'float4_e2m1fn' && !qt.zeros && !qt.offsets) {
    return { type: 'mxfp4', bytes: packMxfp4(qt) };
  }
  throw new Error(`scheme ${qt.scheme} has no ggml block type; GGUF files can hold the ggml schemes and mxfp4`);
}

function packMxfp4(qt: QuantizedTensor): Uint8Array {
  const c = requireCodec('mxfp4');
  const nBlocks = (qt.rows * qt.cols) / c.blockSize;
  const out = new Uint8Array(nBlocks * c.blockBytes);
  const codes = new Uint8Array(c.blockSize);
  const mask = (1 << qt.bits) - 1;
  const perRow = qt.cols / c.blockSize;
  for (let b = 0; b < nBlocks; b++) {
    const r = Math.floor(b / perRow);
    // Codes of this block from the row's bit stream (4-bit codes: 8 per word).
    for (let j = 0; j < c.blockSize; j++) {
      const bit = ((b % perRow) * c.blockSize + j) * qt.bits;
      codes[j] = ((qt.codes[r * qt.wordsPerRow + (bit >>> 5)] as number) >>> (bit & 31)) & mask;
    }
    packMxfp4Block(codes, 0, qt.scales[b] as number, out, b * c.blockBytes);
  }
  return out;
}
