/** `lowbit dequantize`: one tensor of a GGUF file, dequantized to f32 (bit-exact with ggml), written as .npy. */
import { openFileSource } from '../io/node-file-source.js';
import { ggufTensor, readGgufHeader, readGgufTensorF32 } from '../io/gguf.js';
import { writeNpyFile } from '../io/files.js';
import { ggmlBitsPerWeight } from '../ggml/types.js';
import { parse, UsageError } from './args.js';
import type { Command } from './commands.js';
import { sig } from './table.js';

export const dequantizeCommand: Command = {
  name: 'dequantize',
  summary: 'read one tensor of a .gguf file as f32 (ggml types dequantized exactly) and write it as .npy',
  help: [
    'Usage: lowbit dequantize --in FILE.gguf --tensor NAME --out W.npy [--json]',
    '',
    'Reads tensor NAME of a GGUF file and writes it as an f32 .npy file in its row-major shape',
    '(GGUF dimensions reversed: [N, K] for a weight matrix). Block formats (q4_0 q4_1 q5_0 q5_1',
    'q8_0 q2_k q3_k q4_k q5_k q6_k iq4_nl tq1_0 tq2_0 mxfp4) are dequantized as llama.cpp\'s',
    'dequantize_row_* does, bit for bit, a chunk of rows at a time; f16 and bf16 convert exactly,',
    'f64 rounds to f32. `lowbit inspect FILE.gguf` lists the tensor names.',
    '',
    'Options:',
    '  --in FILE      the .gguf file',
    '  --tensor NAME  the tensor to read',
    '  --out FILE     the .npy file to write (atomically)',
    '  --json         print a JSON summary instead of text',
  ].join('\n'),
  async run(argv) {
    const o = parse(argv, { in: { type: 'string' }, tensor: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean', default: false } });
    if (!o.in) throw new UsageError('--in FILE.gguf is required');
    if (!o.tensor) throw new UsageError('--tensor NAME is required (lowbit inspect FILE lists them)');
    if (!o.out) throw new UsageError('--out W.npy is required');
    if (!o.in.toLowerCase().endsWith('.gguf')) throw new UsageError(`--in must name a .gguf file, got '${o.in}'`);
    if (!o.out.toLowerCase().endsWith('.npy')) throw new UsageError(`--out must name a .npy file, got '${o.out}'`);
    const src = await openFileSource(o.in);
    try {
      const header = await readGgufHeader(src);
      const info = ggufTensor(header, o.tensor);
      const t0 = performance.now();
      const { data, shape, type } = await readGgufTensorF32(src, header, o.tensor);
      const ms = performance.now() - t0;
      await writeNpyFile(o.out, data, shape);
      const summary = { in: o.in, tensor: o.tensor, type, shape, bitsPerWeight: ggmlBitsPerWeight(info.type), elements: data.length, out: o.out, ms };
      process.stdout.write(
        o.json
          ? `${JSON.stringify(summary, null, 2)}\n`
          : `${o.tensor}: ${type} [${shape.join(', ')}], ${sig(summary.bitsPerWeight, 5)} bits/weight, ${data.length} values read in ${ms.toFixed(1)} ms\nwrote f32 ${o.out}\n`,
      );
      return 0;
    } finally {
      await src.close();
    }
  },
};
