/**
 * The `lowbit` command: a table of subcommands, each with its own options and help. Exit status:
 * 0 success, 1 a failed check or runtime error, 2 a usage error.
 */
import { UsageError } from './args.js';
import { COMMANDS, type Command } from './commands.js';
import { didYouMean } from '../util/nearest.js';
import { lowbitVersion } from '../bench/environment.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'lowbit: low-bit weight quantization and mixed-precision matmul, on the CPU and on WebGPU.',
    '',
    'Usage: lowbit <command> [options]     lowbit help <command>     lowbit <command> --help',
    '',
    'Commands:',
    ...lines,
    '',
  ].join('\n');
}

/** The usage lines of a command's help: everything before its first blank line. */
export function usageLines(command: Command): string {
  const lines = command.help.split('\n');
  const blank = lines.indexOf('');
  return (blank < 0 ? lines : lines.slice(0, blank)).join('\n');
}

function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The error for a name that is not a command, with the nearest ones; the reason comes last. */
function unknownCommand(name: string): string {
  const dym = didYouMean(name, COMMANDS.map((c) => c.name));
  return `Run 'lowbit --help' for the commands.\n\nlowbit: unknown command '${name}'${dym ? `; ${dym}` : ''}\n`;
}

/** Runs the CLI with `argv` (without node and script); returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      process.stdout.write(usage());
      return 0;
    }
    const c = findCommand(topic);
    if (!c) {
      process.stderr.write(unknownCommand(topic));
      return 2;
    }
    process.stdout.write(`${c.help}\n`);
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`lowbit ${lowbitVersion()}\n`);
    return 0;
  }
  const command = findCommand(name);
  if (!command) {
    process.stderr.write(unknownCommand(name));
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
      process.stderr.write(`${usageLines(command)}\nRun 'lowbit help ${name}' for every option.\n\nlowbit ${name}: ${err.message}\n`);
      return 2;
    }
    const e = err as Error;
    process.stderr.write(`lowbit ${name}: ${e.message}\n`);
    if (process.env.LOWBIT_DEBUG === '1' && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
