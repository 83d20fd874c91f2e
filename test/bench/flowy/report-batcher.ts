/**
 * Gathers the outcomes that finish within a few milliseconds into one POST /jobs/report, the way
 * the daemon's reporter does (River's batch completer, graphile-worker's batched completion): a
 * busy worker then makes one call for many jobs. While a call is in flight, new outcomes wait for
 * the next one.
 */
import type { ReportItem, ReportResult } from "../../../shared/protocol.ts";

interface Waiting {
  item: ReportItem;
  resolve: (result: ReportResult) => void;
  reject: (error: unknown) => void;
}

export class ReportBatcher {
  private queue: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly send: (items: ReportItem[]) => Promise<ReportResult[]>;
  private readonly lingerMs: number;
  private readonly concurrency: number;

  constructor(send: (items: ReportItem[]) => Promise<ReportResult[]>, lingerMs = 2, concurrency = 2) {
    this.send = send;
    this.lingerMs = lingerMs;
    this.concurrency = concurrency;
  }

  report(item: ReportItem): Promise<ReportResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.timer && this.inFlight < this.concurrency) {
        this.timer = setTimeout(() => this.flush(), this.lingerMs);
      }
    });
  }

  private flush(): void {
    this.timer = undefined;
    while (this.queue.length > 0 && this.inFlight < this.concurrency) {
      void this.call(this.queue.splice(0, 1000));
    }
  }

  private async call(batch: Waiting[]): Promise<void> {
    this.inFlight++;
    try {
      const results = await this.send(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        w.resolve(results[i]!);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      this.inFlight--;
      if (this.queue.length > 0 && !this.timer) this.flush();
    }
  }
}
