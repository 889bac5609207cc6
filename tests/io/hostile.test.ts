// Fuzz-style: 2,000 seeded hostile mutations of .npy/.safetensors files give clear bounded errors (or valid reads), never crashes or hangs.
import { describe, expect, it } from 'vitest';
import { hostileFiles, unclearReason } from './hostile-files.js';
import { parseNpy } from '../../src/io/npy.js';
import { parseSafetensorsHeader, readSafetensorsTensor } from '../../src/io/safetensors.js';
import { openModel } from '../../src/io/model.js';
import { bytesSource } from '../../src/io/byte-source.js';

/** One parse must finish in well under this (a hang or a quadratic blow-up shows as a long case). */
const MAX_CASE_MS = 2000;

describe('hostile .npy and .safetensors files', () => {
  it('2,000 seeded mutations: every failure is a clear Error naming the format, every success reads a consistent tensor', async () => {
    const problems: string[] = [];
    let failures = 0;
    let successes = 0;
    const files = hostileFiles(2000, 20250115);
    for (const [i, f] of files.entries()) {
      const name = `case${i}${f.ext}`;
      const t0 = performance.now();
      // In-memory parsers (what the app used so far).
      try {
        if (f.ext === '.npy') {
          const a = parseNpy(f.bytes);
          if (a.data.length !== a.shape.reduce((x, y) => x * y, 1)) problems.push(`${name}: parseNpy returned ${a.data.length} values for shape [${a.shape}]`);
        } else {
          const h = parseSafetensorsHeader(f.bytes);
          for (const t of h.tensors) {
            try {
              readSafetensorsTensor(f.bytes, t.name, h);
            } catch (e) {
              const why = unclearReason(e, ['safetensors: ']);
              if (why !== undefined) problems.push(`${name} (read ${t.name.slice(0, 20)}): ${why}`);
            }
          }
        }
        successes++;
      } catch (e) {
        failures++;
        const why = unclearReason(e, [f.ext === '.npy' ? 'npy: ' : 'safetensors: ']);
        if (why !== undefined) problems.push(`${name} (parse): ${why}`);
      }
      // The streaming path: a model over a ByteSource, reading every readable tensor.
      try {
        const m = await openModel({ name, shards: [{ name, open: () => Promise.resolve(bytesSource(f.bytes, name)) }] });
        for (const t of m.tensors) {
          if (t.kind === undefined) continue;
          try {
            const data = await m.read(t);
            if (data.length !== t.elements) problems.push(`${name}: read ${data.length} values for ${t.elements} elements`);
          } catch (e) {
            const why = unclearReason(e, [`${name}: `]);
            if (why !== undefined) problems.push(`${name} (stream read): ${why}`);
          }
        }
        await m.close();
      } catch (e) {
        const why = unclearReason(e, [`cannot read '${name}': `]);
        if (why !== undefined) problems.push(`${name} (stream open): ${why}`);
      }
      const ms = performance.now() - t0;
      if (ms > MAX_CASE_MS) problems.push(`${name}: took ${ms.toFixed(0)} ms`);
    }
    expect(problems.slice(0, 20)).toEqual([]);
    // The mutations reach deep into the parsers: most fail, some stay valid.
    expect(failures).toBeGreaterThan(1500);
    expect(successes).toBeGreaterThan(20);
  });

  it('the checker itself flags the unclear messages a fuzz run found before', () => {
    const bad = [
      new RangeError('Maximum call stack size exceeded'),
      new Error("safetensors: tensor 'w': shape [2] of __proto__ needs NaN bytes, but data_offsets [0, 8] span 8"),
      new Error("safetensors: tensor 'w': 'dtype' must be a string, got undefined"),
      new Error(`safetensors: tensor 'w': 'shape' must be an array of non-negative integers, got [${Array(200_000).fill(1).join(',')}]`),
      new Error("npy: weight at (row 0, col 1) is Infinity"),
      new TypeError("Cannot read properties of undefined (reading 'length')"),
      new Error('npy: name \u001b[31mred'),
      new Error('no prefix'),
    ];
    for (const e of bad) expect(unclearReason(e, ['npy: ', 'safetensors: ']), e.message.slice(0, 60)).toBeDefined();
    expect(unclearReason(new Error("npy: unsupported dtype '__proto__'; supported: '<f4'"), ['npy: '])).toBeUndefined();
  });

  it('the messages issue 12 listed: deep nesting, inherited-property dtypes, huge shapes, missing keys', async () => {
    const { npyWithHeader, safetensorsWithHeader } = await import('./hostile-files.js');
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const msg = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(msg(() => parseNpy(npyWithHeader(`{'descr': ${'('.repeat(100_000)}`, new Uint8Array(0))))).toMatch(/^npy: header is not a valid Python literal: values nested deeper than 16 levels at character \d+/);
    expect(msg(() => parseSafetensorsHeader(safetensorsWithHeader(`{"w": {"dtype": "F32", "shape": ${deep}, "data_offsets": [0, 4]}}`, new Uint8Array(4))))).toBe(
      "safetensors: tensor 'w': 'shape' must be an array of non-negative integers, got [[[[...1 items]]]]",
    );
    for (const dtype of ['__proto__', 'constructor', 'toString']) {
      const file = safetensorsWithHeader(JSON.stringify({ w: { dtype, shape: [2], data_offsets: [0, 8] } }), new Uint8Array(8));
      expect(parseSafetensorsHeader(file).tensors[0]!.dtype).toBe(dtype);
      expect(msg(() => readSafetensorsTensor(file, 'w'))).toBe(`safetensors: tensor 'w' has dtype ${dtype}, which cannot be read as f32; supported: F32, F16, BF16, F64`);
      expect(msg(() => parseNpy(npyWithHeader(`{'descr': '${dtype}', 'fortran_order': False, 'shape': (2,), }`, new Uint8Array(8))))).toMatch(new RegExp(`^npy: unsupported dtype '${dtype}'; supported:`));
    }
    const longShape = `[${Array.from({ length: 200_000 }, () => 1).join(',')}]`;
    const m1 = msg(() => parseSafetensorsHeader(safetensorsWithHeader(`{"w": {"dtype": "F32", "shape": ${longShape}, "data_offsets": [0, 4]}}`, new Uint8Array(4))));
    expect(m1).toBe("safetensors: tensor 'w': shape [1, 1, 1, 1, 1, 1, 1, 1, ... 200000 dims] has more than 64 dimensions");
    expect(msg(() => parseSafetensorsHeader(safetensorsWithHeader('{"w": {"dtype": "F32", "data_offsets": [0, 4]}}', new Uint8Array(4))))).toBe(
      "safetensors: tensor 'w': 'shape' must be an array of non-negative integers, the key is missing",
    );
    const f64 = npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", new Uint8Array(new Float64Array([1, 3.5e38]).buffer));
    expect(msg(() => parseNpy(f64))).toBe('npy: f64 element (row 0, col 1) is 3.5e+38, which exceeds the f32 range (largest finite f32: 3.4028234663852886e+38)');
  });
});
