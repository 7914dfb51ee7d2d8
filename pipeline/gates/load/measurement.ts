/** What a load engine hands back: k6-named metrics plus what the report shows. Engines measure; the gate decides. */
import type { LoadMetrics } from './thresholds.ts';

export interface LoadMeasurement {
  engine: 'builtin' | 'k6';
  metrics: LoadMetrics;
  /** Measured window (warm-up excluded). */
  durationMs: number;
  /** HTTP status → responses; "error" for requests without a response (refused, timeout, reset). */
  statusCounts: Record<string, number>;
  /** Latency distribution for the terminal (built-in engine only; k6 summaries carry no distribution). */
  histogram?: Array<{ label: string; count: number }>;
  notes: string[];
}

/** Latency bucket upper bounds in ms for the small terminal histogram. */
export const HISTOGRAM_BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] as const;

export class LatencyBuckets {
  readonly counts = new Array<number>(HISTOGRAM_BOUNDS_MS.length + 1).fill(0);
  add(ms: number): void {
    let i = 0;
    while (i < HISTOGRAM_BOUNDS_MS.length && ms > (HISTOGRAM_BOUNDS_MS[i] as number)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
  }
  /** Non-empty range only, so the picture stays small. */
  toBuckets(): Array<{ label: string; count: number }> {
    const all = this.counts.map((count, i) => ({
      label: i < HISTOGRAM_BOUNDS_MS.length ? `≤${fmt(HISTOGRAM_BOUNDS_MS[i] as number)}` : `>${fmt(HISTOGRAM_BOUNDS_MS[HISTOGRAM_BOUNDS_MS.length - 1] as number)}`,
      count,
    }));
    const first = all.findIndex((b) => b.count > 0);
    if (first < 0) return [];
    let last = all.length - 1;
    while (last > first && all[last]?.count === 0) last--;
    return all.slice(first, last + 1);
  }
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}
