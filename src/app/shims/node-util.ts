/**
 * Browser stand-in for `node:util`, aliased in vite.config.ts. The app reaches src/cli/args.ts
 * only through `verifyMatrix` (src/cli/cmd-verify.ts), which never parses arguments; the CLI's
 * argument parser is not available in the browser.
 */

/** Throws: command-line parsing exists only in the Node CLI. */
export function parseArgs(): never {
  throw new Error('parseArgs (node:util) is not available in the browser app');
}
