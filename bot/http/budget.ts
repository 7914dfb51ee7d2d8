/**
 * A budget for request bodies in flight across the whole server: each Slack or GitHub request
 * reserves its declared Content-Length (or, without one, the path's whole limit) until its
 * response is closed. When a reservation would pass the budget, the request is refused (503,
 * Retry-After) before a byte is read — so many concurrent large bodies cannot add up to more
 * memory than the budget, whatever each one's own limit allows.
 */
export const DEFAULT_BODY_BUDGET_BYTES = 100 * 1024 * 1024;

export interface BodyBudget {
  /** A release function, or undefined when `bytes` does not fit now. */
  reserve(bytes: number): (() => void) | undefined;
  readonly inFlight: number;
}

export function createBodyBudget(maxBytes: number): BodyBudget {
  let inFlight = 0;
  return {
    reserve(bytes) {
      if (inFlight + bytes > maxBytes) return undefined;
      inFlight += bytes;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= bytes;
      };
    },
    get inFlight() {
      return inFlight;
    },
  };
}
