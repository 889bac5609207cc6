/**
 * A minimal protobuf writer and the one-node ONNX model lowbit benchmarks onnxruntime with:
 * Y[M, N] = MatMulNBits(A[M, K], B, scales[, zero_points]) in the com.microsoft domain.
 *
 * Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto, TypeProto) and of the contrib op's schema in onnxruntime
 * (onnxruntime's contrib op MatMulNBits, docs/ContribOperators.md): B uint8 [N, k_blocks, block_size * bits / 8], scales float
 * [N * k_blocks], optional zero_points uint8 [N * ceil(k_blocks * bits / 8)], attributes K, N,
 * bits, block_size, accuracy_level.
 */

/** Protobuf wire types. */
const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Appends protobuf fields to a list of chunks; `finish()` concatenates them. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: number | bigint): void {
    let v = BigInt(value);
    if (v < 0n) v = BigInt.asUintN(64, v); // negative int64: ten-byte two's complement, as protobuf does
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** An int32/int64/enum field (varint). */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  /** A float field (fixed 32-bit, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** A bytes field. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message field. */
  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  /** The encoded message. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** onnx.proto TensorProto.DataType values. */
export const ONNX_DTYPE = { FLOAT: 1, UINT8: 2 } as const;
/** onnx.proto AttributeProto.AttributeType.INT. */
const ATTR_INT = 2;
/** IR version 9 (ONNX 1.15+); opset 21 for the default domain, 1 for com.microsoft. */
export const ONNX_IR_VERSION = 9;
export const ONNX_OPSET = 21;
export const MS_DOMAIN = 'com.microsoft';
const MS_OPSET = 1;

// Field numbers from onnx.proto.
const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTR = { name: 1, i: 3, type: 20 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE = { tensorType: 1 } as const;
const TYPE_TENSOR = { elemType: 1, shape: 2 } as const;
const SHAPE = { dim: 1 } as const;
const DIM = { value: 1 } as const;

function tensorProto(name: string, dims: readonly number[], dataType: number, raw: Uint8Array): ProtoWriter {
  const t = new ProtoWriter();
  for (const d of dims) t.int(TENSOR.dims, d);
  t.int(TENSOR.dataType, dataType);
  t.string(TENSOR.name, name);
  t.bytes(TENSOR.rawData, raw);
  return t;
}

function valueInfo(name: string, elemType: number, dims: readonly number[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(SHAPE.dim, new ProtoWriter().int(DIM.value, d));
  const tensorType = new ProtoWriter().int(TYPE_TENSOR.elemType, elemType).message(TYPE_TENSOR.shape, shape);
  return new ProtoWriter().string(VALUE_INFO.name, name).message(VALUE_INFO.type, new ProtoWriter().message(TYPE.tensorType, tensorType));
}

function intAttr(name: string, value: number): ProtoWriter {
  return new ProtoWriter().string(ATTR.name, name).int(ATTR.i, value).int(ATTR.type, ATTR_INT);
}

function bytesOf(a: Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The inputs of {@link matMulNBitsModel}. */
export interface MatMulNBitsSpec {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly bits: number;
  readonly blockSize: number;
  /** 0: f32 reference arithmetic (the WebGPU EP's default is 4: int8 activations). */
  readonly accuracyLevel: number;
  /** [N, k_blocks, blockSize * bits / 8] uint8, low bits first. */
  readonly b: Uint8Array;
  /** [N * k_blocks] f32. */
  readonly scales: Float32Array;
  /** [N * ceil(k_blocks * bits / 8)] uint8 packed, or absent for the default 2^(bits-1). */
  readonly zeroPoints?: Uint8Array;
}

/** Serialized ModelProto of one MatMulNBits node with input 'A' [M, K] and output 'Y' [M, N]. */
export function matMulNBitsModel(s: MatMulNBitsSpec): Uint8Array {
  const kBlocks = Math.ceil(s.k / s.blockSize);
  const blob = (s.blockSize * s.bits) / 8;
  if (s.b.length !== s.n * kBlocks * blob) throw new Error(`MatMulNBits: B has ${s.b.length} bytes, expected N * k_blocks * blob = ${s.n} * ${kBlocks} * ${blob}`);
  if (s.scales.length !== s.n * kBlocks) throw new Error(`MatMulNBits: ${s.scales.length} scales, expected N * k_blocks = ${s.n * kBlocks}`);
  const node = new ProtoWriter().string(NODE.input, 'A').string(NODE.input, 'B').string(NODE.input, 'scales');
  if (s.zeroPoints) node.string(NODE.input, 'zero_points');
  node
    .string(NODE.output, 'Y')
    .string(NODE.name, 'matmul_nbits')
    .string(NODE.opType, 'MatMulNBits')
    .string(NODE.domain, MS_DOMAIN)
    .message(NODE.attribute, intAttr('K', s.k))
    .message(NODE.attribute, intAttr('N', s.n))
    .message(NODE.attribute, intAttr('bits', s.bits))
    .message(NODE.attribute, intAttr('block_size', s.blockSize))
    .message(NODE.attribute, intAttr('accuracy_level', s.accuracyLevel));
  const graph = new ProtoWriter()
    .message(GRAPH.node, node)
    .string(GRAPH.name, 'lowbit_matmul_nbits')
    .message(GRAPH.initializer, tensorProto('B', [s.n, kBlocks, blob], ONNX_DTYPE.UINT8, s.b))
    .message(GRAPH.initializer, tensorProto('scales', [s.n * kBlocks], ONNX_DTYPE.FLOAT, bytesOf(s.scales)));
  if (s.zeroPoints) graph.message(GRAPH.initializer, tensorProto('zero_points', [s.zeroPoints.length], ONNX_DTYPE.UINT8, s.zeroPoints));
  graph.message(GRAPH.input, valueInfo('A', ONNX_DTYPE.FLOAT, [s.m, s.k])).message(GRAPH.output, valueInfo('Y', ONNX_DTYPE.FLOAT, [s.m, s.n]));
  return new ProtoWriter()
    .int(MODEL.irVersion, ONNX_IR_VERSION)
    .string(MODEL.producerName, 'lowbit')
    .string(MODEL.producerVersion, 'bench')
    .message(MODEL.graph, graph)
    .message(MODEL.opsetImport, new ProtoWriter().string(OPSET.domain, '').int(OPSET.version, ONNX_OPSET))
    .message(MODEL.opsetImport, new ProtoWriter().string(OPSET.domain, MS_DOMAIN).int(OPSET.version, MS_OPSET))
    .finish();
}
