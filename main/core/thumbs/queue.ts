export type Priority = 'visible' | 'prefetch';

interface Job {
  priority: Priority;
  run: () => Promise<void>;
  cancel: () => void;
}

/**
 * Runs async tasks at most `concurrency` at a time; waiting `visible` tasks always start before
 * waiting `prefetch` ones, and a waiting task can be promoted when it becomes visible.
 */
export class PriorityQueue {
  private readonly waiting: Record<Priority, Job[]> = { visible: [], prefetch: [] };
  private running = 0;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  /**
   * Queues `task`; `promote()` moves it ahead of prefetch work while it still waits, and `withdraw()`
   * takes it out of the queue (its result rejects) if it has not started.
   */
  add<T>(
    priority: Priority,
    task: () => Promise<T>,
  ): { result: Promise<T>; promote: () => void; withdraw: () => void } {
    let job!: Job;
    const result = new Promise<T>((resolve, reject) => {
      job = {
        priority,
        run: () => task().then(resolve, reject),
        cancel: () => reject(new Error('The task was cancelled before it started.')),
      };
    });
    this.waiting[priority].push(job);
    this.pump();
    return { result, promote: () => this.promote(job), withdraw: () => this.withdraw(job) };
  }

  get size(): number {
    return this.running + this.waiting.visible.length + this.waiting.prefetch.length;
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Rejects every task that has not started yet; running ones finish. */
  cancelWaiting(): void {
    const jobs = [...this.waiting.visible.splice(0), ...this.waiting.prefetch.splice(0)];
    for (const job of jobs) job.cancel();
    this.settle();
  }

  private withdraw(job: Job): void {
    const waiting = this.waiting[job.priority];
    const index = waiting.indexOf(job);
    if (index < 0) return;
    waiting.splice(index, 1);
    job.cancel();
    this.settle();
  }

  private promote(job: Job): void {
    const index = this.waiting.prefetch.indexOf(job);
    if (index < 0) return;
    this.waiting.prefetch.splice(index, 1);
    job.priority = 'visible';
    this.waiting.visible.push(job);
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const job = this.waiting.visible.shift() ?? this.waiting.prefetch.shift();
      if (!job) break;
      this.running++;
      void job.run().finally(() => {
        this.running--;
        this.pump();
        this.settle();
      });
    }
  }

  private settle(): void {
    if (this.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
