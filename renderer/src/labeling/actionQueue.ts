/** Thrown for an action that was waiting behind one that failed: it was typed on top of a state that never happened. */
export class CancelledAction extends Error {
  constructor() {
    super('An earlier action failed, so this one was not sent.');
    this.name = 'CancelledAction';
  }
}

/**
 * Runs labeling calls strictly one after another, in the order they were asked for, however fast the
 * keys come: each call starts once the previous one has settled, so labels are never reordered or
 * lost. When a call fails, the calls already waiting behind it are cancelled (a digit typed after a
 * failed label, or an undo, would otherwise act on a state the user never saw); calls asked for after
 * the failure run normally.
 */
export class ActionQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private waiting = 0;
  private readonly listeners = new Set<(pending: number) => void>();

  /** Calls asked for and not settled yet (running or waiting). */
  get pending(): number {
    return this.waiting;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    const generation = this.generation;
    this.changePending(1);
    const result = this.tail.then(async () => {
      if (generation !== this.generation) throw new CancelledAction();
      try {
        return await task();
      } catch (error) {
        this.generation++;
        throw error;
      }
    });
    const settled = result.finally(() => this.changePending(-1));
    // The chain never rejects, so one failure does not stop the calls asked for later.
    this.tail = settled.catch(() => undefined);
    return settled;
  }

  /** Resolves once every call asked for so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  onPendingChange(listener: (pending: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changePending(delta: number): void {
    this.waiting += delta;
    for (const listener of this.listeners) listener(this.waiting);
  }
}
