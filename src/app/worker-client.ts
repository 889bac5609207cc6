/**
 * The page's handle on the worker: one job at a time, progress and streamed rows through
 * callbacks, and a Cancel that terminates the worker (a fresh one starts for the next job).
 */
import type { WorkerEnvelope, WorkerMessage, WorkerRequest } from './protocol.js';

/** Callbacks for one job. */
export interface JobHandlers {
  onMessage(msg: WorkerMessage): void;
}

/** Outcome of a job. */
export type JobOutcome = { readonly kind: 'done'; readonly adapter: string | null } | { readonly kind: 'error'; readonly message: string } | { readonly kind: 'cancelled' };

/** A restartable worker running one job at a time. */
export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private current: { id: number; handlers: JobHandlers; finish: (o: JobOutcome) => void } | undefined;

  private ensure(): Worker {
    if (!this.worker) {
      const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'lowbit-worker' });
      w.addEventListener('message', (ev: MessageEvent<WorkerMessage>) => this.onMessage(ev.data));
      w.addEventListener('error', (ev) => {
        ev.preventDefault();
        this.finish({ kind: 'error', message: `worker failed: ${ev.message || 'could not start the worker'}` });
      });
      this.worker = w;
    }
    return this.worker;
  }

  private onMessage(msg: WorkerMessage): void {
    const cur = this.current;
    if (!cur || msg.id !== cur.id) return;
    if (msg.type === 'done') this.finish({ kind: 'done', adapter: msg.adapter });
    else if (msg.type === 'error') this.finish({ kind: 'error', message: msg.message });
    else cur.handlers.onMessage(msg);
  }

  private finish(o: JobOutcome): void {
    const cur = this.current;
    this.current = undefined;
    cur?.finish(o);
  }

  /** True while a job runs. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Starts a job; resolves when it ends, fails, or is cancelled. Transfers nothing (the page keeps its arrays). */
  run(request: WorkerRequest, handlers: JobHandlers): Promise<JobOutcome> {
    if (this.current) return Promise.resolve({ kind: 'error', message: 'another job is running' });
    const id = this.nextId++;
    return new Promise<JobOutcome>((resolve) => {
      this.current = { id, handlers, finish: resolve };
      const envelope: WorkerEnvelope = { id, request };
      this.ensure().postMessage(envelope);
    });
  }

  /** Stops the running job at once: terminates the worker (the next job starts a new one). */
  cancel(): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.finish({ kind: 'cancelled' });
  }
}

/** How a pool run ended: as a job ends, plus how many jobs finished. */
export type PoolOutcome = JobOutcome & { readonly finished: number };

/**
 * A pool of workers running a list of jobs, each job on the next free worker (so a worker holds
 * one job's tensor at a time and a slow tensor does not hold up the others). Messages reach the
 * page with the index of their job. The first job that fails stops the run (the other workers
 * are stopped); Cancel stops every worker at once.
 */
export class WorkerPool {
  private readonly clients: WorkerClient[] = [];
  private running = false;
  private stopped: JobOutcome | undefined;

  /** True while a run is in progress. */
  get busy(): boolean {
    return this.running;
  }

  /** Runs `requests` on at most `size` workers; resolves when every job ended, one failed, or Cancel was pressed. */
  async run(requests: readonly WorkerRequest[], size: number, onMessage: (msg: WorkerMessage, job: number) => void): Promise<PoolOutcome> {
    if (this.running) return { kind: 'error', message: 'another job is running', finished: 0 };
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`WorkerPool.run: size must be a positive integer, got ${size}`);
    this.running = true;
    this.stopped = undefined;
    while (this.clients.length < Math.min(size, requests.length)) this.clients.push(new WorkerClient());
    let next = 0;
    let finished = 0;
    let adapter: string | null = null;
    const lane = async (client: WorkerClient): Promise<void> => {
      while (this.stopped === undefined && next < requests.length) {
        const job = next++;
        const outcome = await client.run(requests[job] as WorkerRequest, { onMessage: (msg) => onMessage(msg, job) });
        if (outcome.kind === 'done') {
          finished += 1;
          adapter = outcome.adapter ?? adapter;
        } else if (this.stopped === undefined) {
          this.stopped = outcome;
          this.stopAll();
        }
      }
    };
    try {
      await Promise.all(this.clients.slice(0, Math.min(size, requests.length)).map(lane));
    } finally {
      this.running = false;
    }
    return { ...(this.stopped ?? { kind: 'done', adapter }), finished };
  }

  private stopAll(): void {
    for (const c of this.clients) if (c.busy) c.cancel();
  }

  /** Stops every worker at once (the next run starts new ones). */
  cancel(): void {
    if (!this.running) return;
    this.stopped ??= { kind: 'cancelled' };
    this.stopAll();
  }
}
