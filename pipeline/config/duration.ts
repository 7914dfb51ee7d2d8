/** Durations as people write them in config and flags: 500ms, 90s, 5m, 4h, 1d, or combined (1h30m). */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * (UNITS[m[2] as string] as number);
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '')}s`;
  if (ms < 3_600_000) {
    // Whole seconds, carried into the minutes: 60.9 s is "1m1s", 119.6 s "2m" (never "1m1" or "1m60s").
    const s = Math.round(ms / 1000);
    return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  }
  const h = Math.floor(ms / 3_600_000);
  const m = Math.round((ms % 3_600_000) / 60_000);
  return `${h}h${m ? `${m}m` : ''}`;
}
