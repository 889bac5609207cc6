/** Argument parsing shared by the lowbit subcommands (node:util parseArgs, strict). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage error: the CLI prints it with the command's help and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Option table of one subcommand. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` against `options`; unknown flags and stray positionals are usage errors. */
export function parse<O extends OptionSpec>(argv: string[], options: O): ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'] {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Parses an integer option, naming the flag in the error. */
export function intOption(value: string | undefined, flag: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${flag} expects an integer, got '${value}'`);
  return Number.parseInt(value, 10);
}

/** Like `parse`, also returning positional arguments (for commands such as `lowbit inspect FILE`). */
export function parseWithPositionals<O extends OptionSpec>(argv: string[], options: O): { values: ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>>['values']; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    return { values: r.values, positionals: r.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
