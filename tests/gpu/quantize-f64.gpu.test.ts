// The WGSL binary64 emulation (shaders/quantize-f64.wgsl) rounds add, sub, mul, div and the conversions to f32, f16 and integers exactly like JavaScript's f64.
import { describe, expect, it } from 'vitest';
import { useGpu } from './harness.js';
import { SHADER_SOURCES } from '../../src/wgsl/shader-sources.gen.js';
import { createStorage, readU32, uploadStorage } from '../../src/gpu/buffers.js';
import { roundToF16 } from '../../src/dtype/f16.js';
import { roundHalfEven } from '../../src/dtype/rounding.js';
import { mulberry32 } from '../../src/io/random.js';

/** Output words per case: add, sub, mul, div (2 words each), f32, f16-as-f32, rne int, cmp. */
const OUT_WORDS = 12;
const WG = 64;

const BODY = `
@group(0) @binding(0) var<storage, read> inp: array<u32>;
@group(0) @binding(1) var<storage, read_write> outp: array<u32>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= arrayLength(&inp) / 4u) {
    return;
  }
  let a = f64_from_bits(inp[4u * i], inp[4u * i + 1u]);
  let b = f64_from_bits(inp[4u * i + 2u], inp[4u * i + 3u]);
  let o = ${OUT_WORDS}u * i;
  let s = f64_to_bits(f64_add(a, b));
  let d = f64_to_bits(f64_sub(a, b));
  let m = f64_to_bits(f64_mul(a, b));
  let q = f64_to_bits(f64_div(a, b));
  outp[o] = s.x; outp[o + 1u] = s.y;
  outp[o + 2u] = d.x; outp[o + 3u] = d.y;
  outp[o + 4u] = m.x; outp[o + 5u] = m.y;
  outp[o + 6u] = q.x; outp[o + 7u] = q.y;
  outp[o + 8u] = f64_to_f32_bits(a);
  outp[o + 9u] = f64_to_f16_as_f32_bits(a);
  outp[o + 10u] = u32(f64_rne_int(a));
  outp[o + 11u] = u32(f64_cmp(a, b));
}
`;

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const F32 = new Float32Array(1);
const F32U = new Uint32Array(F32.buffer);
const bits64 = (x: number): [number, number] => {
  F64[0] = x;
  return [U32[1] as number, U32[0] as number];
};
const f32Bits = (x: number): number => {
  F32[0] = x;
  return F32U[0] as number;
};
const fromParts = (hi: number, lo: number): number => {
  U32[1] = hi >>> 0;
  U32[0] = lo >>> 0;
  return F64[0] as number;
};

/** A random f64 with a random 52-bit fraction and exponent in [lo, hi]. */
function randomF64(rng: () => number, lo: number, hi: number): number {
  const e = lo + Math.floor(rng() * (hi - lo + 1));
  const x = fromParts(((e + 1023) << 20) | Math.floor(rng() * 0x100000), Math.floor(rng() * 2 ** 32));
  return rng() < 0.5 ? -x : x;
}

/** Operand pairs: random doubles and f32 values across exponent gaps, exact ties, cancellations, zeros. */
function cases(): [number, number][] {
  const rng = mulberry32(77);
  const out: [number, number][] = [];
  for (let i = 0; i < 600; i++) out.push([randomF64(rng, -300, 300), randomF64(rng, -300, 300)]);
  for (let i = 0; i < 600; i++) {
    const a = randomF64(rng, -40, 40);
    const gap = Math.floor(rng() * 70);
    out.push([a, randomF64(rng, -40 - gap, 40 - gap)]);
  }
  for (let i = 0; i < 400; i++) out.push([Math.fround(randomF64(rng, -30, 30)), Math.fround(randomF64(rng, -30, 30))]);
  for (let i = 0; i < 300; i++) {
    // Ties: b = half an ulp of a (times an odd factor) so a + b lands exactly between two doubles.
    const a = randomF64(rng, -20, 20);
    const e = Math.floor(Math.log2(Math.abs(a))) - 53;
    out.push([a, (rng() < 0.5 ? 1 : -1) * (1 + 2 * Math.floor(rng() * 3)) * 2 ** e]);
    // Cancellation: b within a few ulps of a.
    out.push([a, a * (1 + (Math.floor(rng() * 9) - 4) * 2 ** -52)]);
  }
  // Scale-like values around the f16 and f32 rounding edges, and integers and half-integers.
  for (const v of [0, 1, 65504, 65519.99, 65520, 65536, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -14 * 1.00048828125, 2 ** -126, 2 ** -149, 2 ** -150, 1.5 * 2 ** -150, 3.4028234663852886e38, 0.5, 1.5, 2.5, -2.5, 1e9, 2 ** 31 + 0.5]) {
    out.push([v, 3], [-v, 7], [v, 1]);
  }
  // Signed zeros: IEEE sums give -0 only for -0 + -0 (and x - x = +0).
  out.push([0, 0], [0, -0], [-0, 0], [-0, -0], [2.5, 2.5], [-2.5, -2.5]);
  return out;
}

describe('gpu f64 emulation', () => {
  const fixture = useGpu();

  it('matches JavaScript f64 on every operation', async (ctx) => {
    await fixture.scoped(ctx, async ({ gpu, track }) => {
      const pairs = cases();
      const inp = new Uint32Array(pairs.length * 4);
      pairs.forEach(([a, b], i) => inp.set([...bits64(a), ...bits64(b)], 4 * i));
      const module = gpu.device.createShaderModule({ code: SHADER_SOURCES['quantize-f64'] + BODY });
      const info = await module.getCompilationInfo();
      expect(info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}: ${m.message}`)).toEqual([]);
      const pipeline = await gpu.device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const ib = track(uploadStorage(gpu, inp, 'f64 inputs'));
      const ob = track(createStorage(gpu, pairs.length * OUT_WORDS * 4, 'f64 outputs'));
      const bg = gpu.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: ib } }, { binding: 1, resource: { buffer: ob } }] });
      const enc = gpu.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bg);
      pass.dispatchWorkgroups(Math.ceil(pairs.length / WG));
      pass.end();
      gpu.device.queue.submit([enc.finish()]);
      const got = await readU32(gpu, ob, pairs.length * OUT_WORDS);
      const bad: string[] = [];
      const hex = (x: number): string => (x >>> 0).toString(16).padStart(8, '0');
      pairs.forEach(([a, b], i) => {
        const o = OUT_WORDS * i;
        const want: [string, number[]][] = [
          ['add', bits64(a + b)],
          ['sub', bits64(a - b)],
          ['mul', bits64(a * b)],
          ['div', bits64(a / b)],
          ['f32', [f32Bits(a)]],
          ['f16', [f32Bits(roundToF16(a))]],
          ['int', [Math.max(-(2 ** 30), Math.min(2 ** 30, roundHalfEven(a))) >>> 0]],
          ['cmp', [(a < b ? -1 : a > b ? 1 : 0) >>> 0]],
        ];
        let w = o;
        for (const [name, words] of want) {
          // 0 / 0 (NaN) lies outside the emulation's domain: the quantizer never divides by zero.
          if (name === 'div' && b === 0) {
            w += words.length;
            continue;
          }
          // Zero results: the emulation keeps the IEEE sign of products and quotients; sums of
          // opposite values give +0 as IEEE does.
          const g = Array.from(got.subarray(w, w + words.length));
          if (g.some((x, j) => x !== words[j])) bad.push(`${name}(${a}, ${b}): got ${g.map(hex).join(' ')}, expected ${words.map(hex).join(' ')}`);
          w += words.length;
        }
      });
      expect(bad.slice(0, 8), `${bad.length} mismatches of ${pairs.length * 8}`).toEqual([]);
    });
  });
});
