/** Where a command's weight matrix comes from: a file (--in, --tensor) or the embedded sample. */
import { readWeights } from '../io/files.js';
import { sampleWeights } from '../io/sample.js';

/** A weight matrix [rows, cols] and a name for reports. */
export interface WeightInput {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly name: string;
  /** How errors name it: "tensor 'w' of 'path'", or "the sample". */
  readonly label: string;
}

/** Reads `path` (a file, index or directory; `tensor` picks one when it holds several), or returns the embedded sample without a path. */
export async function loadWeightInput(path: string | undefined, tensor: string | undefined): Promise<WeightInput> {
  if (path === undefined) {
    if (tensor !== undefined) throw new Error('--tensor needs --in FILE');
    const s = sampleWeights();
    return { data: s.data, rows: s.rows, cols: s.cols, name: s.name, label: `the sample '${s.name}'` };
  }
  const w = await readWeights(path, tensor);
  return { data: w.data, rows: w.shape[0], cols: w.shape[1], name: w.name, label: `tensor '${w.name}' [${w.shape[0]}, ${w.shape[1]}] of '${path}'` };
}
