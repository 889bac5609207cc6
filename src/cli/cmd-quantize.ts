/** `lowbit quantize`: quantize a weight matrix with a scheme, report its error, write the dequantized tensor. */
import { writeFileAtomic, writeNpyFile } from '../io/files.js';
import { GGML_SCHEME_NAMES, SCHEME_NAMES, getScheme } from '../quant/schemes.js';
import { ggufTensorFromQuantized, writeGguf, GGML_MAX_NAME } from '../io/gguf-writer.js';
import type { GgufValue } from '../io/gguf.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';
import { evaluateScheme, evaluationJson, type SchemeEvaluation } from '../quant/evaluate.js';
import { intOption, parse, schemeListArg, UsageError } from './args.js';
import type { Command } from './commands.js';
import { formatTable, sig } from './table.js';
import { loadWeightInput } from './weights-input.js';

/** Parses --scale and --scale-dtype, naming the flag in errors. */
export function scaleOptions(scale: string | undefined, scaleDType: string | undefined): { scale?: 'absmax' | 'mse'; scaleDType?: 'f32' | 'f16' } {
  if (scale !== undefined && scale !== 'absmax' && scale !== 'mse') throw new UsageError(`--scale must be absmax or mse, got '${scale}'`);
  if (scaleDType !== undefined && scaleDType !== 'f32' && scaleDType !== 'f16') {
    throw new UsageError(`--scale-dtype must be f32 or f16, got '${scaleDType}'`);
  }
  return { ...(scale ? { scale } : {}), ...(scaleDType ? { scaleDType } : {}) };
}

export const quantizeCommand: Command = {
  name: 'quantize',
  summary: 'quantize weights with a scheme; print error metrics, write the dequantized tensor',
  help: [
    'Usage: lowbit quantize [--in PATH [--tensor NAME]] --scheme S [--group G] [--scale absmax|mse]',
    '                       [--scale-dtype f32|f16] [--out DEQ.npy] [--out-gguf Q.gguf [--gguf-tensor NAME]] [--json]',
    '',
    'Reads a 2-D weight matrix [N, K] (nn.Linear layout) from a .npy (f32/f16/f64) or .safetensors',
    '(F32/F16/BF16/F64) file, a sharded checkpoint (its model.safetensors.index.json or its',
    'directory; name the tensor with --tensor), reading only that tensor; or uses the embedded',
    'sample without --in. Quantizes it, dequantizes it, and prints bits/weight (all metadata',
    'included), MSE, NMSE, SQNR, max |error| and cosine similarity against the input, plus the',
    'chosen variants for mixture schemes. `lowbit report --in` does every tensor of a model.',
    '',
    'The ggml schemes (llama.cpp\'s block formats, named as llama.cpp names them) quantize with',
    'llama.cpp\'s reference quantizers and produce the same bytes; --out-gguf writes the packed',
    'tensor (a ggml scheme, or mxfp4 as ggml\'s MXFP4) to a GGUF file llama.cpp\'s tools read.',
    '',
    'Options:',
    '  --in PATH          .npy, .safetensors, *.index.json or a directory of shards (default:',
    '                     the embedded sample)',
    '  --tensor NAME      the tensor to read when the input holds several',
    '  --scheme S         scheme name, or several separated by commas (see the list below)',
    '  --group G          G > 0: groups of G along K (must divide K); 0: per output channel;',
    "                     -1: per tensor (default: the scheme's own, e.g. 128)",
    '  --scale R          absmax (default) or mse (clip-ratio search per group)',
    '  --scale-dtype T    f16 or f32 storage of the scales where the scheme allows',
    '  --out FILE         write the dequantized f32 tensor as .npy (one scheme only)',
    '  --out-gguf FILE    write the quantized tensor to a .gguf file (one ggml scheme or mxfp4)',
    '  --gguf-tensor N    its tensor name in the GGUF file (default: the input\'s name)',
    '  --json             print JSON instead of a table',
    '',
    `Schemes: ${SCHEME_NAMES.join(' ')}`,
    `ggml schemes: ${GGML_SCHEME_NAMES.join(' ')}`,
  ].join('\n'),
  async run(argv) {
    const o = parse(argv, {
      in: { type: 'string' },
      tensor: { type: 'string' },
      scheme: { type: 'string' },
      group: { type: 'string' },
      scale: { type: 'string' },
      'scale-dtype': { type: 'string' },
      out: { type: 'string' },
      'out-gguf': { type: 'string' },
      'gguf-tensor': { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (!o.scheme) throw new UsageError('--scheme is required');
    const schemes = schemeListArg(o.scheme, '--scheme');
    if (o.out && schemes.length !== 1) throw new UsageError('--out writes one tensor: give a single --scheme');
    if (o.out && !o.out.toLowerCase().endsWith('.npy')) throw new UsageError(`--out must name a .npy file, got '${o.out}'`);
    const gguf = o['out-gguf'];
    if (gguf !== undefined) {
      if (schemes.length !== 1) throw new UsageError('--out-gguf writes one tensor: give a single --scheme');
      if (!gguf.toLowerCase().endsWith('.gguf')) throw new UsageError(`--out-gguf must name a .gguf file, got '${gguf}'`);
      const sc = getScheme(schemes[0] as string);
      if (sc.family !== 'ggml' && sc.name !== 'mxfp4') {
        throw new UsageError(`--out-gguf writes ggml block types; ${sc.name} has none (use a ggml scheme: ${GGML_SCHEME_NAMES.join(' ')}, or mxfp4)`);
      }
    } else if (o['gguf-tensor'] !== undefined) {
      throw new UsageError('--gguf-tensor needs --out-gguf');
    }
    const group = intOption(o.group, '--group');
    const scaleOpts = scaleOptions(o.scale, o['scale-dtype']);
    const input = await loadWeightInput(o.in, o.tensor);
    // Every scheme that can take this tensor and these options is evaluated; the others are
    // reported as refused, with the reason, and make the exit status 1.
    const results: SchemeEvaluation[] = [];
    const refused: { scheme: string; reason: string }[] = [];
    for (const s of schemes) {
      try {
        results.push(evaluateScheme(input.data, input.rows, input.cols, s, { ...scaleOpts, ...(group !== undefined ? { group } : {}) }));
      } catch (err) {
        // A single scheme's error is the command's error: name the tensor and file it concerns.
        if (schemes.length === 1) throw new Error(`${input.label}: ${(err as Error).message}`);
        refused.push({ scheme: s, reason: (err as Error).message });
      }
    }
    if (o.out) await writeNpyFile(o.out, results[0]!.dequantized, [input.rows, input.cols]);
    if (gguf !== undefined) await writeQuantizedGguf(gguf, o['gguf-tensor'] ?? input.name, results[0]!.qt, input.name);
    const status = refused.length > 0 ? 1 : 0;
    if (o.json) {
      const payload = { input: { name: input.name, shape: [input.rows, input.cols] }, results: results.map(evaluationJson), refused, ...(o.out ? { out: o.out } : {}), ...(gguf ? { outGguf: gguf } : {}) };
      process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
      return status;
    }
    process.stdout.write(`input ${input.name} [${input.rows}, ${input.cols}]\n\n`);
    if (results.length > 0) process.stdout.write(`${schemeTable(results)}\n`);
    if (refused.length > 0) process.stdout.write(`\nrefused (${refused.length} of ${schemes.length}):\n${refused.map((r) => `  ${r.scheme}: ${r.reason}`).join('\n')}\n`);
    if (o.out) process.stdout.write(`\nwrote dequantized f32 tensor to ${o.out}\n`);
    if (gguf) process.stdout.write(`\nwrote ${results[0]!.qt.blocks?.type ?? 'mxfp4'} tensor '${o['gguf-tensor'] ?? input.name}' to ${gguf}\n`);
    return status;
  },
};

/** GGUF metadata llama.cpp writes into quantized files (GGML_QNT_VERSION of the k-quants era). */
const GGML_QUANTIZATION_VERSION = 2;

/** Writes `qt` as the only tensor of a GGUF file, atomically. */
async function writeQuantizedGguf(path: string, tensorName: string, qt: QuantizedTensor, source: string): Promise<void> {
  if (new TextEncoder().encode(tensorName).length >= GGML_MAX_NAME) {
    throw new UsageError(`the GGUF tensor name '${tensorName}' is ${tensorName.length} bytes; llama.cpp takes names shorter than ${GGML_MAX_NAME}: give one with --gguf-tensor`);
  }
  const metadata: [string, GgufValue][] = [
    ['general.name', { type: 'string', value: source }],
    ['general.quantization_version', { type: 'u32', value: GGML_QUANTIZATION_VERSION }],
    ['lowbit.scheme', { type: 'string', value: qt.scheme }],
  ];
  await writeFileAtomic(path, writeGguf(metadata, [ggufTensorFromQuantized(tensorName, qt)]));
}

/** The per-scheme table shared with the report. */
export function schemeTable(results: readonly SchemeEvaluation[]): string {
  return formatTable(
    ['scheme', 'group', 'bits/w', 'NMSE', 'SQNR dB', 'max |err|', 'cosine', 'ms', 'variants'],
    results.map((e) => [
      e.scheme,
      e.granularity === 'group' ? e.groupSize : e.granularity,
      Number(e.bitsPerWeight.toFixed(3)),
      sig(e.metrics.nmse, 3),
      Number(e.metrics.sqnrDb.toFixed(2)),
      sig(e.metrics.maxAbsErr, 3),
      Number(e.metrics.cosine.toFixed(5)),
      Number(e.quantizeMs.toFixed(1)),
      Object.keys(e.variants).length > 1
        ? Object.entries(e.variants)
            .map(([k, v]) => `${k}:${v}`)
            .join(' ')
        : '',
    ]),
  );
}
