/** `lowbit report` (npm start): every scheme on the embedded sample, one row each. */
import { SCHEME_NAMES } from '../quant/schemes.js';
import { evaluateScheme, type SchemeEvaluation } from '../quant/evaluate.js';
import { parse } from './args.js';
import type { Command } from './commands.js';
import { evaluationJson, schemeTable } from './cmd-quantize.js';
import { loadWeightInput } from './weights-input.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'the main report: every scheme on the sample (or your weights), bits/weight and error',
  help: [
    'Usage: lowbit report [--in FILE [--tensor NAME]] [--json]',
    '',
    'Quantizes the embedded sample weights (a deterministic synthetic matrix with LLM-like',
    'statistics: heavy tails and a few outlier input channels), or the given file, with every',
    "scheme at its default group size and prints one row per scheme: bits/weight with all",
    'metadata, NMSE, SQNR, max |error|, cosine similarity and quantize time. `npm start` runs it.',
  ].join('\n'),
  async run(argv) {
    const o = parse(argv, { in: { type: 'string' }, tensor: { type: 'string' }, json: { type: 'boolean', default: false } });
    const input = await loadWeightInput(o.in, o.tensor);
    const progress = !o.json && process.stderr.isTTY;
    const results: SchemeEvaluation[] = [];
    for (const [i, s] of SCHEME_NAMES.entries()) {
      if (progress) process.stderr.write(`\rquantizing ${i + 1}/${SCHEME_NAMES.length} ${s.padEnd(14)}`);
      results.push(evaluateScheme(input.data, input.rows, input.cols, s));
    }
    if (progress) process.stderr.write('\r\x1b[K');
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ input: { name: input.name, shape: [input.rows, input.cols] }, schemes: results.map(evaluationJson) }, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`lowbit report: ${input.name} [${input.rows} x ${input.cols}], every scheme at its default group\n\n`);
    process.stdout.write(`${schemeTable(results)}\n`);
    return 0;
  },
};
