/**
 * The `lowbit` command: a table of subcommands, each with its own options and help. Exit status:
 * 0 success, 1 a failed check or runtime error, 2 a usage error.
 */
import { UsageError } from './args.js';
import { COMMANDS, type Command } from './commands.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'lowbit: low-bit weight quantization and mixed-precision matmul, on the CPU and on WebGPU.',
    '',
    'Usage: lowbit <command> [options]     lowbit <command> --help',
    '',
    'Commands:',
    ...lines,
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script); returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write('lowbit 0.1.0\n');
    return 0;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`lowbit: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`lowbit ${name}: ${err.message}\n\n${command.help}\n`);
      return 2;
    }
    const e = err as Error;
    process.stderr.write(`lowbit ${name}: ${e.message}\n`);
    if (process.env.LOWBIT_DEBUG === '1' && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
