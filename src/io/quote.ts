/**
 * Bounded quoting of untrusted file content in error messages. A hostile file may hold a
 * 200,000-entry shape, a 10,000-deep nested header value or a megabyte-long name; messages quote
 * a capped, depth-limited rendering of it instead (never JSON.stringify of the raw value, which
 * recurses without bound and prints everything). Pure TS.
 */

/** Characters a quoted string keeps before it is cut with an ellipsis. */
export const MAX_QUOTED_CHARS = 120;
/** Entries of an array or object a rendering lists before "... N more". */
export const MAX_QUOTED_ITEMS = 8;
/** Nesting levels a rendering descends into before writing "[...]" / "{...}". */
export const MAX_QUOTED_DEPTH = 3;

/** `s` cut to `max` characters with a note of how long it was. */
export function clip(s: string, max = MAX_QUOTED_CHARS): string {
  return s.length <= max ? s : `${s.slice(0, max)}... (${s.length} characters)`;
}

/**
 * Characters a terminal may act on that JSON.stringify leaves as they are: C1 controls, line and
 * paragraph separators, and the bidirectional overrides and isolates (which can reorder what a
 * message appears to say).
 */
const INVISIBLE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `s` with control and invisible formatting characters written as \uXXXX escapes. */
export function escapeControls(s: string): string {
  return JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A string as a quoted, escaped and capped literal: 'abc', or 'abc...' (N characters). */
export function quoteString(s: string, max = MAX_QUOTED_CHARS): string {
  // The cut happens first so the work is bounded.
  const cut = s.length <= max ? s : s.slice(0, max);
  const body = escapeControls(cut);
  return s.length <= max ? `'${body}'` : `'${body}...' (${s.length} characters)`;
}

function render(v: unknown, depth: number): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return quoteString(v, MAX_QUOTED_CHARS / 2);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return clip(String(v), MAX_QUOTED_CHARS / 2);
  if (Array.isArray(v)) {
    if (depth >= MAX_QUOTED_DEPTH) return v.length === 0 ? '[]' : `[...${v.length} items]`;
    const items = v.slice(0, MAX_QUOTED_ITEMS).map((x) => render(x, depth + 1));
    const more = v.length - items.length;
    return `[${items.join(', ')}${more > 0 ? `, ... ${more} more` : ''}]`;
  }
  if (typeof v === 'object') {
    // Own enumerable keys only; file content never reaches the prototype chain here.
    const keys = Object.keys(v as object);
    if (depth >= MAX_QUOTED_DEPTH) return keys.length === 0 ? '{}' : `{...${keys.length} keys}`;
    const items = keys.slice(0, MAX_QUOTED_ITEMS).map((k) => `${quoteString(k, MAX_QUOTED_CHARS / 4)}: ${render((v as Record<string, unknown>)[k], depth + 1)}`);
    const more = keys.length - items.length;
    return `{${items.join(', ')}${more > 0 ? `, ... ${more} more` : ''}}`;
  }
  return typeof v;
}

/**
 * A short, bounded rendering of a value parsed from a file (JSON or a Python literal) for an
 * error message: strings quoted and capped, arrays and objects cut after MAX_QUOTED_ITEMS entries
 * and MAX_QUOTED_DEPTH levels, the whole cut to about MAX_QUOTED_CHARS * 2 characters.
 */
export function quoteValue(v: unknown): string {
  return clip(render(v, 0), MAX_QUOTED_CHARS * 2);
}

/** A short identifier-like string (a dtype such as BF16) as is; anything else quoted by quoteString. */
export function quoteToken(s: string): string {
  return /^[\w.-]{1,40}$/.test(s) ? s : quoteString(s);
}

/** A shape for messages: [2, 3], or [1, 1, 1, ... 200000 dims] when long. */
export function quoteShape(shape: readonly number[]): string {
  if (shape.length <= MAX_QUOTED_ITEMS) return `[${shape.join(', ')}]`;
  return `[${shape.slice(0, MAX_QUOTED_ITEMS).join(', ')}, ... ${shape.length} dims]`;
}
