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
