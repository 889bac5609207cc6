/** The table of lowbit subcommands. */
import { reportCommand } from './cmd-report.js';
import { dtypesCommand } from './cmd-dtypes.js';
import { quantizeCommand } from './cmd-quantize.js';
import { matmulCommand } from './cmd-matmul.js';
import { verifyCommand } from './cmd-verify.js';
import { benchCommand } from './cmd-bench.js';
import { gpuCommand } from './cmd-gpu.js';
import { inspectCommand } from './cmd-inspect.js';
import { dequantizeCommand } from './cmd-dequantize.js';

/** One subcommand: its name, a one-line summary, full help text and its entry point. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  run(argv: string[]): Promise<number>;
}

/** Every subcommand, in the order `lowbit --help` lists them. */
export const COMMANDS: readonly Command[] = [reportCommand, dtypesCommand, quantizeCommand, inspectCommand, dequantizeCommand, matmulCommand, verifyCommand, benchCommand, gpuCommand];
