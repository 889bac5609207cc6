/** Seeded hostile mutations of valid .npy / .safetensors files for the fuzz tests (shared by the io and CLI tests). */
import { writeNpy } from '../../src/io/npy.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { mulberry32, seededRandn } from '../../src/io/random.js';

type Rng = () => number;

const enc = new TextEncoder();
const dec = new TextDecoder('latin1');

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/** A .npy file with a given header text (v1 when it fits a u16 length, else v2) and data bytes. */
export function npyWithHeader(text: string, data: Uint8Array): Uint8Array {
  const body = enc.encode(text);
  const major = body.length + 11 > 0xffff ? 2 : 1;
  const pre = major === 1 ? 10 : 12;
  const total = Math.ceil((pre + body.length + 1) / 64) * 64;
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const hlen = total - pre;
  if (major === 1) new DataView(out.buffer).setUint16(8, hlen, true);
  else new DataView(out.buffer).setUint32(8, hlen, true);
  out.fill(0x20, pre, total - 1);
  out.set(body, pre);
  out[total - 1] = 0x0a;
  out.set(data, total);
  return out;
}

/** A .safetensors file with a given header text and byte buffer. */
export function safetensorsWithHeader(text: string, buffer: Uint8Array): Uint8Array {
  const body = enc.encode(text);
  const out = new Uint8Array(8 + body.length + buffer.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 8);
  out.set(buffer, 8 + body.length);
  return out;
}

const HOSTILE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '', 'x'.repeat(100_000), '\u0000\n\u001b[31m'];

function deep(rng: Rng): string {
  const d = pick(rng, [20, 200, 5000, 100_000]);
  return '['.repeat(d) + ']'.repeat(d);
}

function deepPy(rng: Rng): string {
  const d = pick(rng, [20, 200, 5000, 100_000]);
  return '('.repeat(d) + ')'.repeat(d);
}

function hugeShape(rng: Rng, py: boolean): string {
  const choice = Math.floor(rng() * 6);
  const n = pick(rng, [65, 1000, 200_000]);
  const items = choice === 0 ? Array.from({ length: n }, () => '1')
    : choice === 1 ? ['9007199254740993', '3']
    : choice === 2 ? ['4294967296', '4294967296', '4294967296']
    : choice === 3 ? ['-3', '4']
    : choice === 4 ? ['1.5', '2']
    : ['0', ...Array.from({ length: n }, () => '99999')];
  return py ? `(${items.join(', ')},)` : `[${items.join(',')}]`;
}

/** The valid files mutations start from. */
export function baseFiles(): { npy: Uint8Array[]; safetensors: Uint8Array[] } {
  const w = seededRandn(4 * 8, 3);
  const f64 = new Uint8Array(new Float64Array([1, -2, 3e-3, 4]).buffer);
  const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]).buffer);
  const st = writeSafetensors([
    { name: 'a.weight', data: w, shape: [4, 8] },
    { name: 'b', data: w.subarray(0, 8), shape: [8] },
  ]);
  const st2 = safetensorsWithHeader(
    JSON.stringify({ __metadata__: { format: 'pt' }, h: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] }, g: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] }, d: { dtype: 'F64', shape: [2], data_offsets: [12, 28] } }),
    new Uint8Array([...f16, 0x80, 0x3f, 0x40, 0xc0, ...new Uint8Array(new Float64Array([1e300, 2]).buffer)]),
  );
  return {
    npy: [writeNpy(w, [4, 8]), npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f64), npyWithHeader("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", f16)],
    safetensors: [st, st2],
  };
}

/** Header text (latin-1) and data of an npy file, or undefined when the preamble is not intact. */
function splitNpy(file: Uint8Array): { text: string; data: Uint8Array } | undefined {
  const major = file[6];
  const pre = major === 1 ? 10 : 12;
  if (file.length < pre) return undefined;
  const hlen = major === 1 ? file[8]! | (file[9]! << 8) : new DataView(file.buffer, file.byteOffset).getUint32(8, true);
  return { text: dec.decode(file.subarray(pre, pre + hlen)).trimEnd(), data: file.subarray(pre + hlen) };
}

function splitSt(file: Uint8Array): { text: string; buffer: Uint8Array } {
  const n = new DataView(file.buffer, file.byteOffset).getUint32(0, true);
  return { text: new TextDecoder().decode(file.subarray(8, 8 + n)), buffer: file.subarray(8 + n) };
}

function mutateBytes(rng: Rng, file: Uint8Array): Uint8Array {
  const out = file.slice();
  const k = Math.floor(rng() * 3);
  if (k === 0) {
    for (let i = 0, n = 1 + Math.floor(rng() * 4); i < n; i++) out[Math.floor(rng() * out.length)] = Math.floor(rng() * 256);
    return out;
  }
  if (k === 1) return out.subarray(0, Math.floor(rng() * out.length));
  const at = Math.floor(rng() * out.length);
  const junk = Uint8Array.from({ length: 1 + Math.floor(rng() * 16) }, () => Math.floor(rng() * 256));
  const grown = new Uint8Array(out.length + junk.length);
  grown.set(out.subarray(0, at));
  grown.set(junk, at);
  grown.set(out.subarray(at), at + junk.length);
  return grown;
}

/** One seeded hostile variant of a valid .npy file. */
export function mutateNpy(rng: Rng, file: Uint8Array): Uint8Array {
  const parts = splitNpy(file);
  const r = rng();
  if (parts === undefined || r < 0.3) return mutateBytes(rng, file);
  const { text, data } = parts;
  const edits: (() => string)[] = [
    () => text.replace(/'descr': '[^']*'/, `'descr': '${pick(rng, HOSTILE_NAMES)}'`),
    () => text.replace(/'descr': '[^']*'/, `'descr': ${pick(rng, [deepPy(rng), deep(rng), '7', 'None', "[('a', '<f4')]", '{}'])}`),
    () => text.replace(/'shape': \([^)]*\)/, `'shape': ${pick(rng, [hugeShape(rng, true), deepPy(rng), '[2, 2]', "'2'", 'None'])}`),
    () => text.replace(/'fortran_order': \w+/, `'fortran_order': ${pick(rng, ['1', 'None', deepPy(rng), "'no'"])}`),
    () => text.replace(pick(rng, ["'descr': ", "'shape': ", "'fortran_order': "]), "'x': "),
    () => pick(rng, [deepPy(rng), `{${'{'.repeat(3000)}`, `{'descr': '<f4', 'fortran_order': False, 'shape': (${'9'.repeat(500)},), }`, `{'${pick(rng, HOSTILE_NAMES)}': 1}`, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (3, 3), }"]),
    () => text.slice(0, Math.floor(rng() * text.length)),
  ];
  const newText = pick(rng, edits)();
  const newData = rng() < 0.2 ? new Uint8Array(new Float64Array([1e39, -1e300, 5, 6]).buffer) : data;
  return npyWithHeader(newText, newData);
}

/** One seeded hostile variant of a valid .safetensors file. */
export function mutateSafetensors(rng: Rng, file: Uint8Array): Uint8Array {
  const r = rng();
  if (r < 0.25) return mutateBytes(rng, file);
  if (r < 0.35) {
    const out = file.slice();
    const v = new DataView(out.buffer);
    v.setUint32(0, pick(rng, [0, 1, 0xffffffff, out.length, out.length - 7, 100_000_001]), true);
    v.setUint32(4, pick(rng, [0, 0, 1, 0xffffffff]), true);
    return out;
  }
  const { text, buffer } = splitSt(file);
  let json: Record<string, Record<string, unknown>>;
  try {
    json = JSON.parse(text) as Record<string, Record<string, unknown>>;
  } catch {
    return mutateBytes(rng, file);
  }
  const names = Object.keys(json).filter((k) => k !== '__metadata__');
  const victim = pick(rng, names);
  const entry = { ...json[victim]! };
  const edits: (() => string)[] = [
    () => ((entry.dtype = pick(rng, HOSTILE_NAMES)), JSON.stringify({ ...json, [victim]: entry })),
    () => ((entry.dtype = pick(rng, [7, null, ['F32'], { a: 1 }])), JSON.stringify({ ...json, [victim]: entry })),
    () => JSON.stringify({ ...json, [victim]: entry }).replace(/"shape":\[[^\]]*\]/, `"shape":${pick(rng, [hugeShape(rng, false), deep(rng), '"2"', 'null', '{}'])}`),
    () => JSON.stringify({ ...json, [victim]: entry }).replace(/"data_offsets":\[[^\]]*\]/, `"data_offsets":${pick(rng, ['[0]', '[8,0]', '[0,9007199254740993]', '[0,1e300]', '[-1,4]', '[0.5,4]', deep(rng), 'null', '[0,4,8]'])}`),
    () => {
      const key = pick(rng, ['dtype', 'shape', 'data_offsets']);
      delete entry[key];
      return JSON.stringify({ ...json, [victim]: entry });
    },
    () => JSON.stringify({ ...json, [pick(rng, HOSTILE_NAMES)]: entry }),
    () => pick(rng, [deep(rng), `{"a": ${deep(rng)}}`, '[]', '"x"', 'null', '{"__metadata__": 5}', `{"a": 1}`]),
    () => text.slice(0, Math.floor(rng() * text.length)),
  ];
  return safetensorsWithHeader(pick(rng, edits)(), buffer);
}

/** `count` seeded variants, alternating formats, each with its extension. */
export function hostileFiles(count: number, seed: number): { ext: '.npy' | '.safetensors'; bytes: Uint8Array }[] {
  const rng = mulberry32(seed);
  const base = baseFiles();
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0 ? { ext: '.npy' as const, bytes: mutateNpy(rng, pick(rng, base.npy)) } : { ext: '.safetensors' as const, bytes: mutateSafetensors(rng, pick(rng, base.safetensors)) },
  );
}

/** Patterns that mark a message as unclear: engine internals, leaked undefined/NaN, unbounded quotes, raw control characters. */
const UNCLEAR: readonly [RegExp, string][] = [
  [/Maximum call stack/, 'stack overflow'],
  [/\bundefined\b/, "says 'undefined'"],
  [/\bNaN\b/, "says 'NaN'"],
  [/is -?Infinity\b/, "calls a value 'Infinity'"],
  [/\[object /, 'prints [object ...]'],
  [/Invalid typed array length|Array buffer allocation failed|outside the bounds|out of bounds/i, 'engine allocation or bounds error'],
  [/Cannot read propert|is not a function|is not iterable|Cannot convert/, 'engine type error'],
  // eslint-disable-next-line no-control-regex -- the point is to find raw control characters
  [/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, 'raw control character'],
];

/** Longest message a hostile file may produce (names and values are quoted capped). */
export const MAX_MESSAGE_CHARS = 700;

/** Why `err` is not a clear error message for a bad file, or undefined when it is. `prefixes`: how the message may start. */
export function unclearReason(err: unknown, prefixes: readonly string[]): string | undefined {
  if (!(err instanceof Error)) return `not an Error: ${String(err).slice(0, 200)}`;
  if (err.constructor !== Error && err.constructor !== RangeError) return `${err.constructor.name}: ${err.message.slice(0, 200)}`;
  // A weight that is NaN or infinite is named as such by the quantizer: that is the clear message.
  const m = err.message.replace(/ is (NaN|-?Infinity); NaN\/Inf weights cannot be quantized/, ' is a non-finite value');
  if (m.length > MAX_MESSAGE_CHARS) return `${m.length} characters: ${m.slice(0, 200)}...`;
  if (!prefixes.some((p) => m.startsWith(p))) return `does not start with ${prefixes.join(' or ')}: ${m.slice(0, 200)}`;
  for (const [re, why] of UNCLEAR) if (re.test(m)) return `${why}: ${m.slice(0, 300)}`;
  return undefined;
}
