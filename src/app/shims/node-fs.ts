/**
 * Browser stand-in for `node:fs`, aliased in vite.config.ts. The Benchmark page runs the bench
 * suite's GPU suite, whose shapes module also holds the Node-only table loader (readFileSync on
 * bench/shapes.json); the page reads that table through an import instead and never calls it.
 */

/** Throws: the file system exists only in Node. */
export function readFileSync(): never {
  throw new Error('readFileSync (node:fs) is not available in the browser app');
}
