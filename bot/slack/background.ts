/**
 * Work that runs after a Slack request was acknowledged. The ack is sent first and nothing of the
 * work runs on the request's own turn of the event loop (setImmediate), so a burst of commands is
 * acknowledged before their work competes for the loop; close() waits for what is under way.
 * `coalesce` shares one computation among callers that arrive while it is being made (a burst of
 * `/deploy status` reads the store once or twice, not 200 times) — each caller gets a result
 * computed after it asked.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly onError: (err: unknown) => void) {}

  run(work: () => Promise<void>): void {
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((err: unknown) => this.onError(err))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}

/** fn, shared: a call made while a computation runs waits for the next one (started after it). */
export function coalesce<T>(fn: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const p = fn().finally(() => {
      if (current === p) current = undefined;
    });
    current = p;
    return p;
  };
  return () => {
    if (!current) return start();
    next ??= current
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
}
