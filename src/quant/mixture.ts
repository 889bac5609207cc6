/**
 * Mixture schemes (BitMoD, ANT): each group stores a datatype id into `elementTypes`. The
 * selection itself runs in quantize.ts (lowest group squared error, candidates in list order,
 * a later candidate wins only when strictly lower); this module reports what was chosen.
 */
import { storedScaleCount } from '../format/bits.js';
import type { QuantizedTensor } from '../format/quantized-tensor.js';

/**
 * How many stored groups chose each element type (every element type is a key, zero counts
 * included). Channel granularity counts rows, tensor granularity counts 1.
 */
export function variantHistogram(qt: QuantizedTensor): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of qt.elementTypes) counts[name] = 0;
  const stored = storedScaleCount(qt);
  const ids = qt.dtypeIds;
  const first = qt.elementTypes[0] as string;
  if (!ids) {
    counts[first] = stored;
    return counts;
  }
  // ids has one entry per group; for tensor granularity they are all equal.
  const n = qt.granularity === 'tensor' ? 1 : ids.length;
  for (let g = 0; g < n; g++) {
    const name = qt.elementTypes[ids[g] as number];
    if (name === undefined) throw new RangeError(`variantHistogram: datatype id ${ids[g]} at group ${g} is out of range`);
    counts[name] = (counts[name] as number) + 1;
  }
  return counts;
}
