/**
 * Scheme names grouped for the pickers, from the registry (a new scheme lands in "Other"):
 * lowbit's own schemes by family, then llama.cpp's block formats (q4_0 ... tq2_0) under a
 * heading of their own.
 */
import { ALL_SCHEME_NAMES, SCHEME_NAMES, getScheme, isGgmlSchemeName } from '../quant/schemes.js';

/** A titled list of schemes. */
export interface SchemeCategory {
  readonly title: string;
  readonly schemes: readonly string[];
}

const RULES: readonly (readonly [string, (name: string) => boolean])[] = [
  ['Integers', (n) => /^int\d+$/.test(n)],
  ['Asymmetric integers', (n) => /^int\d+_asym$/.test(n)],
  ['Minifloats', (n) => /^fp\d(_e\dm\d)?$/.test(n)],
  ['Codebooks', (n) => n === 'nf4' || n === 'flint4'],
  ['BitMoD variants', (n) => /^fp\d_e[ra]_(pos|neg)$/.test(n)],
  ['Per-group mixtures', (n) => getScheme(n).elementTypes.length > 1],
  ['Block formats (OCP MX, NVFP4)', (n) => getScheme(n).fixedBlock !== undefined],
  ['Ternary and binary', (n) => n === 'ternary' || n === 'binary'],
];

/** The heading of llama.cpp's formats (the ggml quant types as lowbit schemes). */
export const GGML_CATEGORY = 'llama.cpp block formats (GGUF)';

/** Every scheme in one category, in registry order. */
export function schemeCategories(): SchemeCategory[] {
  const used = new Set<string>();
  const out: SchemeCategory[] = [];
  for (const [title, test] of RULES) {
    const schemes = SCHEME_NAMES.filter((n) => !used.has(n) && test(n));
    for (const s of schemes) used.add(s);
    if (schemes.length) out.push({ title, schemes });
  }
  const ggml = ALL_SCHEME_NAMES.filter((n) => isGgmlSchemeName(n));
  if (ggml.length) out.push({ title: GGML_CATEGORY, schemes: ggml });
  const rest = SCHEME_NAMES.filter((n) => !used.has(n));
  if (rest.length) out.push({ title: 'Other', schemes: rest });
  return out;
}
