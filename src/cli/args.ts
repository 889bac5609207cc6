/** Argument parsing shared by the lowbit subcommands (node:util parseArgs, strict). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { getScheme, type AnySchemeName } from '../quant/schemes.js';

/** A usage error: the CLI prints the command's usage line, a hint and this reason, and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Option table of one subcommand. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** A negative number as an option value: -1, -0.5, -2e3. */
const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * `--group -1` -> `--group=-1` for string options, so negative numbers are values, not flags
 * (parseArgs calls a value starting with '-' ambiguous). Stops at `--`.
 */
export function joinNegativeValues(argv: readonly string[], options: OptionSpec): string[] {
  const out: string[] = [];
  const shorts = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) if (o.short) shorts.set(o.short, name);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const long = /^--([^=]+)$/.exec(a)?.[1];
    const short = /^-([A-Za-z])$/.exec(a)?.[1];
    const name = long ?? (short !== undefined ? shorts.get(short) : undefined);
    const next = argv[i + 1];
    if (name !== undefined && Object.prototype.hasOwnProperty.call(options, name) && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** Parses `argv` against `options`; unknown flags and stray positionals are usage errors. */
export function parse<O extends OptionSpec>(argv: string[], options: O): ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'] {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals: false }).values;
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

/** A scheme name from the command line, checked: a usage error with the nearest names otherwise. */
export function schemeArg(name: string): AnySchemeName {
  try {
    return getScheme(name).name;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A comma-separated scheme list from the command line (at least one name), each checked. */
export function schemeListArg(value: string, flag: string): AnySchemeName[] {
  const names = value.split(',').map((x) => x.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`${flag} needs at least one scheme name`);
  return names.map(schemeArg);
}
