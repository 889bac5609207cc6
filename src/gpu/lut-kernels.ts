/** LUT kernel variants (filled in below). */
import type { VariantDef } from './kernel-common.js';

/** LUT variants of the table. */
export const LUT_VARIANT_DEFS: readonly VariantDef[] = [];
