/** Entry of the bundled quantize worker script (scripts/gen-quantize-worker.mjs): start answering jobs. */
import { startQuantizeWorker } from './quantize-worker.js';

startQuantizeWorker();
