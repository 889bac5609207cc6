/** Reads the shapes table (bench/shapes.json) from disk in Node; the browser app imports the JSON instead. */
import { readFileSync } from 'node:fs';
import { parseShapesTable, type Preset } from './shapes.js';

/** Where the table lives: bench/shapes.json at the package root (two levels above src/bench and dist/bench). */
export const SHAPES_URL = new URL('../../bench/shapes.json', import.meta.url);

/** Reads bench/shapes.json and returns preset `name`; the error lists the presets. */
export function loadPreset(name: string, url: URL = SHAPES_URL): Preset {
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the shapes table ${url.pathname}: ${(err as Error).message} (run lowbit bench from a lowbit checkout)`);
  }
  const { presets } = parseShapesTable(text);
  const p = presets.get(name);
  if (!p) throw new Error(`unknown preset '${name}'; bench/shapes.json has: ${[...presets.keys()].join(', ')}`);
  return p;
}
