/** `lowbit dtypes`: every datatype with its bits and, for <= 8-bit ones, its representable values. */
import { DTYPE_NAMES, getDType } from '../dtype/registry.js';
import { GGML_SCHEME_NAMES, getScheme } from '../quant/schemes.js';
import { ggmlCodec } from '../ggml/codecs.js';
import type { GgmlCodec } from '../ggml/codec.js';
import { parse } from './args.js';
import type { Command } from './commands.js';
import { exact, formatTable } from './table.js';

/** Datatypes wider than this do not list their values. */
const LIST_VALUES_MAX_BITS = 8;

export const dtypesCommand: Command = {
  name: 'dtypes',
  summary: 'list every datatype with its bits, limits and representable values',
  help: [
    'Usage: lowbit dtypes [--json]',
    '',
    'Lists every registered element and scale datatype: bits, largest value, smallest positive',
    'value, whether it has inf/NaN, and (for types of at most 8 bits) the sorted list of finite',
    'representable values, derived from the datatype definition. Then the ggml schemes',
    "(llama.cpp's block formats): block size, bytes per block, bits/weight, element type, the",
    'weights per scale, zero point and whether groups carry an offset (docs/FORMATS.md).',
    '',
    'Options:',
    '  --json   print a JSON array of the datatypes instead of text',
  ].join('\n'),
  async run(argv) {
    const opts = parse(argv, { json: { type: 'boolean', default: false } });
    const rows = DTYPE_NAMES.map((name) => {
      const dt = getDType(name);
      return {
        name,
        kind: dt.spec.kind,
        bits: dt.bits,
        max: dt.info.max,
        min: dt.info.min,
        smallestPositive: dt.info.smallestPositive,
        hasInf: dt.info.hasInf,
        hasNaN: dt.info.hasNaN,
        numValues: dt.info.numValues,
        values: dt.bits <= LIST_VALUES_MAX_BITS ? Array.from(dt.values) : undefined,
      };
    });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    const table = formatTable(
      ['datatype', 'kind', 'bits', 'max', 'min>0', 'inf', 'nan', 'values'],
      rows.map((r) => [r.name, r.kind, r.bits, exact(r.max), exact(r.smallestPositive), r.hasInf ? 'yes' : '-', r.hasNaN ? 'yes' : '-', r.numValues]),
    );
    const lists = rows
      .filter((r) => r.values && r.values.length <= 64)
      .map((r) => `${r.name}: ${r.values!.map((v) => exact(v)).join(' ')}`);
    const long = rows.filter((r) => r.values && r.values.length > 64).map((r) => r.name);
    process.stdout.write(
      `${table}\n\nRepresentable finite values:\n${lists.join('\n')}\n` +
        (long.length ? `(${long.join(', ')}: ${'more than 64 values; see --json'})\n` : '') +
        `\nggml schemes (llama.cpp block formats; bits/weight counts the whole block):\n${ggmlTable()}\n`,
    );
    return 0;
  },
};

/** The ggml schemes' block facts, from their codecs. */
function ggmlTable(): string {
  return formatTable(
    ['scheme', 'block', 'bytes', 'bits/w', 'element', 'group', 'zero', 'offsets', 'description'],
    GGML_SCHEME_NAMES.map((name) => {
      const c = ggmlCodec(name) as GgmlCodec;
      return [name, c.blockSize, c.blockBytes, (c.blockBytes * 8) / c.blockSize, c.elementType, c.groupSize, c.zero, c.hasOffsets ? 'yes' : '-', getScheme(name).description];
    }),
  );
}
