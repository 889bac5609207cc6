/** Bit-serial kernel variants (filled in below). */
import type { VariantDef } from './kernel-common.js';

/** Bit-serial variants of the table. */
export const BITSERIAL_VARIANT_DEFS: readonly VariantDef[] = [];
