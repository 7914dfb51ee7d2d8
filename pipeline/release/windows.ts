/**
 * Deploy windows and freezes (config `policy.windows`), evaluated as a pure function of the
 * environment's window config and an instant: open, or closed by which rule, and when it opens.
 *
 * - Weekly closed spans ("Fri 15:00" → "Mon 08:00") are wall-clock times in the window's IANA
 *   time zone; a span whose end is not after its start wraps the week. Freezes are whole days in
 *   that zone, both days included. Every rule is a half-open interval [start, end): at "Mon
 *   08:00" the window is open again.
 * - Time zones go through Intl (no dependency). A wall time that does not exist (the hour skipped
 *   when clocks go forward) means the first instant after the gap; a wall time that happens twice
 *   (clocks go back) means the earlier one — what Temporal calls `compatible`.
 * - Adjacent or overlapping rules chain: the next open time is the end of the whole chain.
 * - A window whose weekly spans cover the whole week never opens: the config rules refuse it
 *   (weeklyCoverageProblem), and evaluation, should it meet one anyway, says so (nextOpen null).
 */
import type { ReleaseWindowConfig } from '../config/schema.ts';

export type WindowConfig = ReleaseWindowConfig;

export interface WindowRule {
  kind: 'closed' | 'freeze';
  /** Index in `closed` or `freezes`. */
  index: number;
  /** e.g. "closed Fri 15:00 – Mon 08:00" or "freeze 2026-12-21 – 2027-01-04". */
  label: string;
  reason?: string;
}

export type WindowVerdict =
  | { open: true; timezone: string; closesAt?: Date; closingRule?: WindowRule }
  | { open: false; timezone: string; rule: WindowRule; nextOpen: Date | null };

const DAY_MS = 86_400_000;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** True when Intl knows the zone (what the config rules check). */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

interface Wall {
  y: number;
  m: number; // 1-12
  d: number;
  h: number;
  min: number;
}

/** The wall-clock time in `tz` at instant `ms` (seconds dropped). */
export function wallTime(ms: number, tz: string): Wall & { s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts.year!, m: parts.month!, d: parts.day!, h: parts.hour! % 24, min: parts.minute!, s: parts.second! };
}

/** tz's offset from UTC at instant ms, in ms (Berlin in winter: +3_600_000). */
function offsetAt(ms: number, tz: string): number {
  const w = wallTime(ms, tz);
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall-clock time in tz (`compatible`: a skipped time → after the gap; a repeated one → the earlier). */
export function zonedInstant(w: Wall, tz: string): number {
  const local = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min);
  const before = offsetAt(local - DAY_MS, tz);
  const after = offsetAt(local + DAY_MS, tz);
  const candidates = [...new Set([local - before, local - after])].filter((ms) => offsetAt(ms, tz) === local - ms).sort((a, b) => a - b);
  return candidates[0] ?? local - before;
}

const parseDate = (s: string) => {
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  return { y, m, d };
};
/** Days since the epoch of a calendar date, and back. */
const dayNumber = (y: number, m: number, d: number) => Math.floor(Date.UTC(y, m - 1, d) / DAY_MS);
const dateOf = (n: number) => {
  const t = new Date(n * DAY_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
};

/** "Fri 15:00" / "friday 15:00" → weekday (0 = Sunday) and minutes. */
export function parseWeekdayTime(s: string): { day: number; minutes: number } {
  const m = /^([a-z]{3})[a-z]* (\d{2}):(\d{2})$/i.exec(s.trim());
  const day = m ? WEEKDAYS.indexOf(m[1]!.toLowerCase() as (typeof WEEKDAYS)[number]) : -1;
  if (!m || day < 0) throw new Error(`"${s}" is not a weekday and a time, e.g. "Fri 15:00"`);
  return { day, minutes: Number(m[2]) * 60 + Number(m[3]) };
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

function spanLabel(span: WindowConfig['closed'][number]): string {
  const f = parseWeekdayTime(span.from);
  const t = parseWeekdayTime(span.to);
  return `closed ${WEEKDAY_NAMES[f.day]} ${hhmm(f.minutes)} – ${WEEKDAY_NAMES[t.day]} ${hhmm(t.minutes)}`;
}

/** Length of a weekly span in minutes of the wall-clock week (a span whose end is not after its start wraps). */
function spanMinutes(from: { day: number; minutes: number }, to: { day: number; minutes: number }): number {
  const a = from.day * 1440 + from.minutes;
  const b = to.day * 1440 + to.minutes;
  return b > a ? b - a : b + 7 * 1440 - a;
}

interface Interval {
  start: number;
  end: number;
  rule: WindowRule;
}

/** Every rule's intervals that overlap [fromMs, toMs). */
function intervals(w: WindowConfig, fromMs: number, toMs: number): Interval[] {
  const tz = w.timezone;
  const out: Interval[] = [];
  const firstDay = (() => {
    const s = wallTime(fromMs, tz);
    return dayNumber(s.y, s.m, s.d) - 8;
  })();
  const lastDay = (() => {
    const e = wallTime(toMs, tz);
    return dayNumber(e.y, e.m, e.d) + 1;
  })();
  w.closed.forEach((span, index) => {
    const from = parseWeekdayTime(span.from);
    const to = parseWeekdayTime(span.to);
    const length = spanMinutes(from, to);
    const rule: WindowRule = { kind: 'closed', index, label: spanLabel(span), ...(span.reason ? { reason: span.reason } : {}) };
    for (let n = firstDay; n <= lastDay; n++) {
      const date = dateOf(n);
      if (new Date(n * DAY_MS).getUTCDay() !== from.day) continue;
      const endMinutes = from.minutes + length;
      const endDate = dateOf(n + Math.floor(endMinutes / 1440));
      const start = zonedInstant({ ...date, h: Math.floor(from.minutes / 60), min: from.minutes % 60 }, tz);
      const end = zonedInstant({ ...endDate, h: Math.floor((endMinutes % 1440) / 60), min: endMinutes % 60 }, tz);
      if (end > start && end > fromMs && start < toMs) out.push({ start, end, rule });
    }
  });
  w.freezes.forEach((f, index) => {
    const a = parseDate(f.from);
    const b = parseDate(f.to);
    const start = zonedInstant({ ...a, h: 0, min: 0 }, tz);
    const end = zonedInstant({ ...dateOf(dayNumber(b.y, b.m, b.d) + 1), h: 0, min: 0 }, tz);
    const rule: WindowRule = { kind: 'freeze', index, label: f.from === f.to ? `freeze ${f.from}` : `freeze ${f.from} – ${f.to}`, reason: f.reason };
    if (end > start && end > fromMs && start < toMs) out.push({ start, end, rule });
  });
  return out.sort((x, y) => x.start - y.start || y.end - x.end);
}

/** The latest instant any freeze ends (or 0). */
function lastFreezeEnd(w: WindowConfig): number {
  let last = 0;
  for (const f of w.freezes) {
    const b = parseDate(f.to);
    last = Math.max(last, zonedInstant({ ...dateOf(dayNumber(b.y, b.m, b.d) + 1), h: 0, min: 0 }, w.timezone));
  }
  return last;
}

/**
 * Is the window open at `at`? Closed: the rule that closes it (freezes before weekly spans) and
 * the next open instant, after every rule that chains on. Open: when it next closes, if it does.
 */
export function evaluateWindow(w: WindowConfig, at: Date): WindowVerdict {
  const t = at.getTime();
  // Two weeks ahead first; a chain that reaches that far is looked at again up to two weeks past the
  // last freeze. A chain reaching that horizon too can only be weekly spans covering the whole week.
  const near = t + 15 * DAY_MS;
  let horizon = near;
  let all = intervals(w, t - DAY_MS, horizon);
  const covering = all.filter((i) => i.start <= t && t < i.end);
  if (covering.length === 0) {
    const next = all.find((i) => i.start > t) ?? nextFreeze(w, t);
    return { open: true, timezone: w.timezone, ...(next ? { closesAt: new Date(next.start), closingRule: next.rule } : {}) };
  }
  const rule = (covering.find((i) => i.rule.kind === 'freeze') ?? covering[0]!).rule;
  const chainEnd = () => {
    let end = t;
    for (const i of all) if (i.start <= end && i.end > end) end = i.end;
    return end;
  };
  let end = chainEnd();
  if (end >= horizon) {
    horizon = Math.max(near, lastFreezeEnd(w)) + 15 * DAY_MS;
    all = intervals(w, t - DAY_MS, horizon);
    end = chainEnd();
  }
  return { open: false, timezone: w.timezone, rule, nextOpen: end >= horizon ? null : new Date(end) };
}

/** The first freeze starting after t (beyond the near horizon, where no weekly span is). */
function nextFreeze(w: WindowConfig, t: number): Interval | undefined {
  const future = intervals({ ...w, closed: [] }, t, Math.max(t, lastFreezeEnd(w)) + DAY_MS).filter((i) => i.start > t);
  return future[0];
}

/** "Mon 2026-12-07 08:00 Europe/Berlin (07:00 UTC)"; the UTC date is named when it differs. */
export function formatInstant(d: Date, tz: string): string {
  const w = wallTime(d.getTime(), tz);
  const date = (x: { y: number; m: number; d: number }) => `${x.y}-${String(x.m).padStart(2, '0')}-${String(x.d).padStart(2, '0')}`;
  const weekday = WEEKDAY_NAMES[new Date(Date.UTC(w.y, w.m - 1, w.d)).getUTCDay()];
  const local = `${weekday} ${date(w)} ${hhmm(w.h * 60 + w.min)} ${tz}`;
  if (tz === 'UTC' || tz === 'Etc/UTC') return local;
  const u = { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
  const utc = `${date(u) === date(w) ? '' : `${date(u)} `}${hhmm(d.getUTCHours() * 60 + d.getUTCMinutes())} UTC`;
  return `${local} (${utc})`;
}

/** One line naming a closing rule: `weekend (closed Fri 15:00 – Mon 08:00 Europe/Berlin)`. */
export function describeRule(rule: WindowRule, tz: string): string {
  return `${rule.reason ? `${rule.reason} (` : ''}${rule.label} ${tz}${rule.reason ? ')' : ''}`;
}

/** "next open Mon 2026-12-07 08:00 Europe/Berlin (07:00 UTC)" or why it never opens. */
export function describeNextOpen(v: Extract<WindowVerdict, { open: false }>): string {
  return v.nextOpen ? formatInstant(v.nextOpen, v.timezone) : 'never: the closed spans cover the whole week (fix policy.windows)';
}

/** Freezes that have not ended at `at` (today's included), in config order. */
export function upcomingFreezes(w: WindowConfig, at: Date): { from: string; to: string; reason: string }[] {
  const today = wallTime(at.getTime(), w.timezone);
  const todayN = dayNumber(today.y, today.m, today.d);
  return w.freezes.filter((f) => {
    const b = parseDate(f.to);
    return dayNumber(b.y, b.m, b.d) >= todayN;
  }).map((f) => ({ from: f.from, to: f.to, reason: f.reason }));
}

/**
 * Config problems of one window (the config rules call it): an unknown time zone, a span from a
 * time to the same time, spans that together close the whole week, a freeze that ends before it
 * starts. Paths are relative to the window.
 */
export function windowProblems(raw: { timezone?: unknown; closed?: unknown; freezes?: unknown }): { path: (string | number)[]; message: string; hint: string }[] {
  const out: { path: (string | number)[]; message: string; hint: string }[] = [];
  if (typeof raw.timezone === 'string' && !isValidTimeZone(raw.timezone))
    out.push({ path: ['timezone'], message: `"${raw.timezone}" is not an IANA time zone`, hint: 'use a name like Europe/Berlin, America/New_York or UTC (see the tz database list)' });
  const spans: { from: { day: number; minutes: number }; to: { day: number; minutes: number } }[] = [];
  (Array.isArray(raw.closed) ? raw.closed : []).forEach((s: unknown, i) => {
    const span = s as { from?: unknown; to?: unknown } | null;
    if (typeof span?.from !== 'string' || typeof span.to !== 'string') return;
    let from, to;
    try {
      from = parseWeekdayTime(span.from);
      to = parseWeekdayTime(span.to);
    } catch {
      return; // the schema names the malformed one
    }
    if (from.day === to.day && from.minutes === to.minutes)
      out.push({ path: ['closed', i], message: `from and to are the same time (${span.from}): the span is empty or the whole week`, hint: 'give the span an end, e.g. { from: "Fri 15:00", to: "Mon 08:00" }' });
    else spans.push({ from, to });
  });
  if (spans.length > 0 && weekCovered(spans))
    out.push({ path: ['closed'], message: 'the closed spans together cover the whole week: the environment would never take a release', hint: 'leave at least one open hour a week; to stop releases for a while use a freeze or `shipgate lock <env> --reason …`' });
  (Array.isArray(raw.freezes) ? raw.freezes : []).forEach((f: unknown, i) => {
    const fr = f as { from?: unknown; to?: unknown } | null;
    if (typeof fr?.from !== 'string' || typeof fr.to !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(fr.from) || !/^\d{4}-\d{2}-\d{2}$/.test(fr.to)) return;
    for (const key of ['from', 'to'] as const) {
      const v = fr[key] as string;
      const p = parseDate(v);
      const back = dateOf(dayNumber(p.y, p.m, p.d));
      if (back.m !== p.m || back.d !== p.d) out.push({ path: ['freezes', i, key], message: `"${v}" is not a calendar date`, hint: 'write YYYY-MM-DD, e.g. 2026-12-21' });
    }
    if (fr.from > fr.to)
      out.push({ path: ['freezes', i, 'to'], message: `${fr.to} is before from (${fr.from})`, hint: `to is the last frozen day, on or after from: e.g. { from: ${fr.from}, to: ${fr.from} } for one day` });
  });
  return out;
}

/** Do the weekly spans cover every minute of the wall-clock week? */
function weekCovered(spans: { from: { day: number; minutes: number }; to: { day: number; minutes: number } }[]): boolean {
  const WEEK = 7 * 1440;
  const pieces: [number, number][] = [];
  for (const s of spans) {
    const a = s.from.day * 1440 + s.from.minutes;
    const b = a + spanMinutes(s.from, s.to);
    if (b <= WEEK) pieces.push([a, b]);
    else pieces.push([a, WEEK], [0, b - WEEK]);
  }
  pieces.sort((x, y) => x[0] - y[0]);
  let reach = 0;
  for (const [a, b] of pieces) {
    if (a > reach) return false;
    reach = Math.max(reach, b);
  }
  return reach >= WEEK;
}
