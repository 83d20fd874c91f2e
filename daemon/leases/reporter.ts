/**
 * Batches heartbeats, completions and failures into POST /jobs/report calls. Items that arrive
 * while a call is in flight (or within `lingerMs` of the first) go together in the next call, so
 * a busy worker sends one call for many jobs, not one per job: group commit on the wire.
 *
 * Each item gets its own answer. A transport failure (server unreachable, 5xx after the
 * client's short retries) rejects every item of that call; the caller decides whether to try
 * again, because only the caller knows how long its lease has left.
 */
import type { ReportItem, ReportResult } from "../../shared/protocol.ts";

export interface ReporterOptions {
  send: (items: ReportItem[]) => Promise<ReportResult[]>;
  /** How long the first item of an idle reporter waits for company. */
  lingerMs?: number;
  maxBatch?: number;
  /** Calls in flight at once; more items queue for the next free one. */
  concurrency?: number;
}

interface Waiting {
  item: ReportItem;
  resolve: (result: ReportResult) => void;
  reject: (error: unknown) => void;
}

export class Reporter {
  private readonly options: Required<ReporterOptions>;
  private queue: Waiting[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Calls made, and items carried, for logs and tests. */
  readonly stats = { calls: 0, items: 0 };

  constructor(options: ReporterOptions) {
    this.options = { lingerMs: 2, maxBatch: 500, concurrency: 2, ...options };
  }

  send(item: ReportItem): Promise<ReportResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.queue.length >= this.options.maxBatch) {
      this.flush();
      return;
    }
    // While a call is in flight, its completion flushes whatever gathered meanwhile.
    if (this.timer || this.inFlight >= this.options.concurrency) return;
    this.timer = setTimeout(() => this.flush(), this.options.lingerMs);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0 && this.inFlight < this.options.concurrency) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      void this.call(batch);
    }
  }

  private async call(batch: Waiting[]): Promise<void> {
    this.inFlight++;
    this.stats.calls++;
    this.stats.items += batch.length;
    try {
      const results = await this.options.send(batch.map((w) => w.item));
      batch.forEach((waiting, i) => {
        const result = results[i];
        if (result) waiting.resolve(result);
        else
          waiting.reject(
            new Error(`the server's report answer has no result for job ${waiting.item.job_id}`),
          );
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.inFlight--;
      if (this.queue.length > 0) this.flush();
    }
  }
}
