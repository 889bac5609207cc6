/**
 * `lowbit report --in PATH`: the model report in the CLI. Opens the model (a file, an index or a
 * directory), runs the report with progress on stderr, plans a bits budget when asked, and
 * prints text, JSON or CSV, or writes it to --out atomically (a temp file renamed into place, so
 * Ctrl-C leaves either no file or the whole file, never a partial one).
 */
import type { AnySchemeName } from '../quant/schemes.js';
import { access, constants } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { writeFileAtomic } from '../io/files.js';
import type { Model } from '../io/model.js';
import { openModelPath } from '../io/node-model.js';
import type { QuantizeOptions } from '../quant/quantize.js';
import { activationProvider } from '../report/activation-provider.js';
import { planBudget, type BudgetPlanResult } from '../report/budget-plan.js';
import { runModelReport } from '../report/model-report.js';
import { reportCsv, reportJson } from '../report/report-output.js';
import type { TensorQuantizer } from '../report/tensor-quantizer.js';
import { UsageError } from './args.js';
import { progressPrinter } from './progress.js';
import { reportText } from './report-text.js';

/** Exit status after an interrupt (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

/** What the command line asked for. */
export interface ModelReportRequest {
  readonly in: string;
  readonly schemes: readonly AnySchemeName[];
  readonly quantizeOptions: QuantizeOptions;
  /** A regular expression searched in each tensor name. */
  readonly tensors?: string;
  /** One exact tensor name. */
  readonly tensor?: string;
  readonly budget?: number;
  readonly activations?: string;
  readonly format: 'text' | 'json' | 'csv';
  readonly out?: string;
  readonly quiet: boolean;
  /** The quantizer every tensor goes through (the reference by default). */
  readonly quantizer?: TensorQuantizer;
}

/** The output format: --json or --csv, else by --out's extension (.json, .csv), else text. */
export function outputFormat(json: boolean, csv: boolean, out: string | undefined): 'text' | 'json' | 'csv' {
  if (json && csv) throw new UsageError('--json and --csv exclude each other: pick one');
  if (json) return 'json';
  if (csv) return 'csv';
  const ext = out === undefined ? '' : extname(out).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.csv' ? 'csv' : 'text';
}

/** Parses --budget: a positive number of bits per weight. */
export function budgetOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const b = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(b) || b <= 0) throw new UsageError(`--budget expects a positive number of bits per weight, e.g. 3.5; got '${value}'`);
  return b;
}

/** Compiles --tensors, naming the flag when the expression is invalid. */
export function tensorFilter(pattern: string | undefined, exact: string | undefined): ((name: string) => boolean) | undefined {
  let re: RegExp | undefined;
  if (pattern !== undefined) {
    try {
      re = new RegExp(pattern);
    } catch (e) {
      throw new UsageError(`--tensors '${pattern}' is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  if (re === undefined && exact === undefined) return undefined;
  return (name) => (re === undefined || re.test(name)) && (exact === undefined || name === exact);
}

async function checkWritable(path: string): Promise<void> {
  const dir = dirname(path);
  try {
    await access(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot write '${path}': ${code === 'ENOENT' ? `directory '${dir}' does not exist` : `directory '${dir}' is not writable`}`);
  }
}

/**
 * Writes `text` to `path` atomically (writeFileAtomic); a SIGINT or SIGTERM during the write is
 * held until the file is complete, so no temp file is left behind. Returns whether one came.
 */
export async function writeReportFile(path: string, text: string): Promise<boolean> {
  let interrupted = false;
  const hold = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  try {
    await writeFileAtomic(path, new TextEncoder().encode(text));
  } finally {
    process.off('SIGINT', hold);
    process.off('SIGTERM', hold);
  }
  return interrupted;
}

/** Runs the model report for `req`; returns the exit status. */
export async function runModelReportCommand(req: ModelReportRequest): Promise<number> {
  const include = tensorFilter(req.tensors, req.tensor);
  if (req.out !== undefined) await checkWritable(req.out);
  const model = await openModelPath(req.in);
  let acts: Model | undefined;
  try {
    if (req.activations !== undefined) acts = await openModelPath(req.activations);
    if (req.tensor !== undefined) model.get(req.tensor); // throws listing some names when there is no such tensor
    const progress = req.quiet ? undefined : progressPrinter(process.stderr);
    let report;
    try {
      report = await runModelReport(model, {
        schemes: req.schemes,
        quantizeOptions: req.quantizeOptions,
        ...(include !== undefined ? { include: (t) => include(t.name) } : {}),
        ...(req.quantizer !== undefined ? { quantizer: req.quantizer } : {}),
        ...(acts !== undefined ? { activations: activationProvider(acts) } : {}),
        ...(progress !== undefined ? { onProgress: (p) => progress.update(p) } : {}),
      });
    } finally {
      progress?.finish();
    }
    if (report.model.selected === 0) {
      const why = include !== undefined ? ` match ${req.tensor !== undefined ? `--tensor '${req.tensor}'` : `--tensors '${req.tensors}'`}` : ' are 2-D weight matrices';
      throw new Error(`no tensors of '${req.in}'${why} (${report.model.tensors} tensors, ${report.skipped.length} of those considered are not 2-D)`);
    }
    const plan: BudgetPlanResult | undefined = req.budget !== undefined ? planBudget(report, req.budget) : undefined;
    const context = { ...(req.tensors !== undefined ? { tensors: req.tensors } : {}), ...(req.activations !== undefined ? { activations: req.activations } : {}) };
    const text = req.format === 'json' ? reportJson(report, plan, context) : req.format === 'csv' ? reportCsv(report) : reportText(report, plan);
    const status = plan?.error !== undefined ? 1 : 0;
    if (req.out === undefined) {
      process.stdout.write(text);
      if (plan?.error !== undefined && req.format !== 'text') process.stderr.write(`lowbit report: no budget plan: ${plan.error}\n`);
      return status;
    }
    const interrupted = await writeReportFile(req.out, text);
    const rows = report.rows.length;
    process.stdout.write(`wrote ${req.format} report to ${req.out} (${rows} rows${plan !== undefined ? ', with the budget plan' : ''})\n`);
    if (plan?.error !== undefined) process.stderr.write(`lowbit report: no budget plan: ${plan.error}\n`);
    return interrupted ? EXIT_INTERRUPTED : status;
  } finally {
    await model.close();
    await acts?.close();
  }
}
