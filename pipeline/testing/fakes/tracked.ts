/**
 * The fakes one test file (or describe block) starts: each is closed after its test, and after all
 * tests none may hold a request outside its vendor's contract. A test that provokes a violation on
 * purpose takes it out of the fake's `violations` itself. Call at the top level of a test file or
 * inside a `describe`.
 */
import { afterAll, afterEach, expect } from 'vitest';

export interface TrackedFakes<T> {
  /** Registers a fake just started; returns it. */
  add(fake: T): T;
  /** The fakes of the running test (closed after it). */
  readonly current: readonly T[];
}

export function trackedFakes<T extends { close(): Promise<void>; violations: unknown[] }>(): TrackedFakes<T> {
  const open: T[] = [];
  const started: T[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((f) => f.close()));
  });
  afterAll(() => {
    expect(started.flatMap((f) => f.violations), "requests outside the vendor's contract").toEqual([]);
  });
  return {
    add(fake) {
      open.push(fake);
      started.push(fake);
      return fake;
    },
    current: open,
  };
}
