/**
 * Deploy windows, pure: the evaluation (DST in Europe/Berlin and America/New_York, spans that wrap
 * the week, chains of spans and freezes, a window that never opens), property-style checks of the
 * next open time, and the config rules (a real config text through parseConfigText).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateWindow, formatInstant, zonedInstant, type WindowConfig } from './windows.ts';
import { parseConfigText } from '../config/load.ts';
import { isShipgateError } from '../errors.ts';
import type { ConfigProblem } from '../config/problems.ts';

const win = (w: Partial<WindowConfig>): WindowConfig => ({ timezone: 'UTC', closed: [], freezes: [], ...w });
const at = (iso: string) => new Date(iso);
const closedAt = (w: WindowConfig, iso: string) => {
  const v = evaluateWindow(w, at(iso));
  if (v.open) throw new Error(`expected closed at ${iso}`);
  return v;
};
const weekend = { from: 'Fri 15:00', to: 'Mon 08:00', reason: 'weekend' };

describe('evaluateWindow', () => {
  it('a Fri 15:00 → Mon 08:00 span in Europe/Berlin across the October DST change (CEST → CET): closes 13:00 UTC, opens 07:00 UTC', () => {
    const w = win({ timezone: 'Europe/Berlin', closed: [weekend] });
    expect(evaluateWindow(w, at('2026-10-23T12:59:59Z'))).toMatchObject({ open: true, closesAt: at('2026-10-23T13:00:00Z') });
    const v = closedAt(w, '2026-10-23T13:00:00Z');
    expect(v.rule).toMatchObject({ kind: 'closed', label: 'closed Fri 15:00 – Mon 08:00', reason: 'weekend' });
    expect(v.nextOpen).toEqual(at('2026-10-26T07:00:00Z'));
    expect(closedAt(w, '2026-10-25T00:30:00Z').nextOpen).toEqual(at('2026-10-26T07:00:00Z')); // inside the repeated hour
    expect(evaluateWindow(w, at('2026-10-26T07:00:00Z')).open).toBe(true);
    expect(formatInstant(v.nextOpen!, 'Europe/Berlin')).toBe('Mon 2026-10-26 08:00 Europe/Berlin (07:00 UTC)');
  });

  it('the same span across the March DST change (CET → CEST): closes 14:00 UTC, opens 06:00 UTC', () => {
    const w = win({ timezone: 'Europe/Berlin', closed: [weekend] });
    expect(closedAt(w, '2026-03-27T14:00:00Z').nextOpen).toEqual(at('2026-03-30T06:00:00Z'));
    expect(evaluateWindow(w, at('2026-03-27T13:59:00Z')).open).toBe(true);
    expect(evaluateWindow(w, at('2026-03-30T06:00:00Z')).open).toBe(true);
  });

  it('America/New_York: a span ending at a wall time the spring change skips (Sun 02:30) ends right after the gap; in November the repeated 01:30 is the earlier one', () => {
    const w = win({ timezone: 'America/New_York', closed: [{ from: 'Sat 22:00', to: 'Sun 02:30' }] });
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist → 03:30 EDT = 07:30 UTC.
    expect(closedAt(w, '2026-03-08T06:00:00Z').nextOpen).toEqual(at('2026-03-08T07:30:00Z'));
    expect(evaluateWindow(w, at('2026-03-08T07:30:00Z')).open).toBe(true);
    expect(zonedInstant({ y: 2026, m: 11, d: 1, h: 1, min: 30 }, 'America/New_York')).toBe(Date.parse('2026-11-01T05:30:00Z')); // EDT, the earlier
    const fall = win({ timezone: 'America/New_York', closed: [{ from: 'Fri 17:00', to: 'Mon 09:00' }] });
    expect(closedAt(fall, '2026-10-30T21:00:00Z').nextOpen).toEqual(at('2026-11-02T14:00:00Z')); // Mon 09:00 EST
    expect(evaluateWindow(fall, at('2026-10-30T20:59:00Z')).open).toBe(true); // Fri 16:59 EDT
  });

  it('a span whose end is not after its start wraps the week (Sun 20:00 → Sun 08:00 is six and a half days)', () => {
    const w = win({ closed: [{ from: 'Sun 20:00', to: 'Sun 08:00' }] });
    expect(evaluateWindow(w, at('2026-12-06T12:00:00Z')).open).toBe(true); // Sunday noon
    expect(closedAt(w, '2026-12-09T12:00:00Z').nextOpen).toEqual(at('2026-12-13T08:00:00Z'));
  });

  it('adjacent and overlapping spans chain: the next open time is after the last of them', () => {
    const w = win({ closed: [{ from: 'Fri 15:00', to: 'Sat 00:00' }, { from: 'Sat 00:00', to: 'Sun 12:00' }, { from: 'Sun 10:00', to: 'Mon 08:00' }] });
    const v = closedAt(w, '2026-12-04T16:00:00Z');
    expect(v.rule.index).toBe(0);
    expect(v.nextOpen).toEqual(at('2026-12-07T08:00:00Z'));
  });

  it('a freeze (both days included) chains with the weekend before and after it; the freeze is named first', () => {
    const w = win({ timezone: 'Europe/Berlin', closed: [weekend], freezes: [{ from: '2026-12-21', to: '2027-01-04', reason: 'holidays' }, { from: '2027-01-05', to: '2027-01-05', reason: 'inventory' }] });
    expect(closedAt(w, '2026-12-18T15:00:00Z').nextOpen).toEqual(at('2027-01-05T23:00:00Z')); // Wed 2027-01-06 00:00 CET
    const inside = closedAt(w, '2026-12-26T12:00:00Z'); // a Saturday inside the freeze
    expect(inside.rule).toMatchObject({ kind: 'freeze', reason: 'holidays', label: 'freeze 2026-12-21 – 2027-01-04' });
    expect(evaluateWindow(w, at('2026-12-20T22:59:00Z')).open).toBe(false); // Sunday 23:59: weekend
    expect(evaluateWindow(w, at('2027-01-05T23:00:00Z')).open).toBe(true);
  });

  it('an open window says when it next closes, a far freeze included', () => {
    expect(evaluateWindow(win({ freezes: [{ from: '2027-06-01', to: '2027-06-02', reason: 'migration' }] }), at('2026-12-05T12:00:00Z'))).toMatchObject({
      open: true, closesAt: at('2027-06-01T00:00:00Z'), closingRule: { kind: 'freeze', reason: 'migration' },
    });
    expect(evaluateWindow(win({}), at('2026-12-05T12:00:00Z'))).toEqual({ open: true, timezone: 'UTC' });
  });

  it('spans that cover the whole week never open: nextOpen is null (the config rules refuse such a window)', () => {
    const v = closedAt(win({ closed: [{ from: 'Mon 00:00', to: 'Thu 00:00' }, { from: 'Wed 12:00', to: 'Mon 00:00' }] }), '2026-12-05T12:00:00Z');
    expect(v.nextOpen).toBeNull();
  });
});

// ---- property-style: the next open time is open, and nothing between now and it is ----
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const pad = (n: number) => String(n).padStart(2, '0');
const weekdayTime = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30, 59)).map(([d, h, m]) => `${DAYS[d]} ${pad(h)}:${pad(m)}`);
const span = fc.tuple(weekdayTime, weekdayTime).filter(([a, b]) => a !== b).map(([from, to]) => ({ from, to }));
const day = fc.integer({ min: 0, max: 80 }).map((n) => new Date(Date.UTC(2026, 9, 1) + n * 86_400_000).toISOString().slice(0, 10));
const freeze = fc.tuple(day, day).map(([a, b]) => (a <= b ? { from: a, to: b, reason: 'r' } : { from: b, to: a, reason: 'r' }));
const windowArb = fc.record({
  timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'),
  closed: fc.array(span, { maxLength: 3 }),
  freezes: fc.array(freeze, { maxLength: 3 }),
});
const instant = fc.integer({ min: Date.UTC(2026, 8, 20), max: Date.UTC(2027, 0, 10) }).map((ms) => new Date(ms));

describe('evaluateWindow properties', () => {
  it('when closed, the next open time is open, one millisecond before it is closed, and sampled instants in between are closed', () => {
    fc.assert(
      fc.property(windowArb, instant, fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 5, maxLength: 5 }), (w, t, fractions) => {
        const v = evaluateWindow(w, t);
        if (v.open || v.nextOpen === null) return;
        expect(evaluateWindow(w, v.nextOpen).open).toBe(true);
        expect(evaluateWindow(w, new Date(v.nextOpen.getTime() - 1)).open).toBe(false);
        const span = v.nextOpen.getTime() - t.getTime();
        expect(span).toBeGreaterThan(0);
        for (const f of fractions) expect(evaluateWindow(w, new Date(t.getTime() + Math.floor(f * span))).open).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('when open, it stays open until closesAt, which is closed', () => {
    fc.assert(
      fc.property(windowArb, instant, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (w, t, f) => {
        const v = evaluateWindow(w, t);
        if (!v.open || !v.closesAt) return;
        expect(evaluateWindow(w, v.closesAt).open).toBe(false);
        expect(evaluateWindow(w, new Date(t.getTime() + Math.floor(f * (v.closesAt.getTime() - t.getTime())))).open).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

// ---- config rules ----
const configWith = (windows: string) => `app: { name: notes, start: "node server.js" }
environments:
  staging: { deploy: { provider: process }, database: { uriEnv: STAGING_MONGODB_URI } }
  production: { deploy: { provider: process }, database: { uriEnv: PRODUCTION_MONGODB_URI } }
policy:
  windows:
${windows}`;

function problems(text: string): ConfigProblem[] {
  try {
    parseConfigText(text, 'shipgate.yml');
  } catch (err) {
    if (isShipgateError(err)) return err.details.problems as ConfigProblem[];
    throw err;
  }
  return [];
}

describe('policy.windows config rules', () => {
  it('accepts a valid window', () => {
    expect(problems(configWith(`    production: { timezone: Europe/Berlin, closed: [{ from: "Fri 15:00", to: "Mon 08:00" }], freezes: [{ from: 2026-12-21, to: 2027-01-04, reason: holidays }] }`))).toEqual([]);
  });

  it.each([
    ['an unknown environment', `    prod: { timezone: UTC }`, 'policy.windows.prod', /"prod" is not an environment/, /staging, production/],
    ['an invalid IANA zone', `    production: { timezone: Europe/Berlinn }`, 'policy.windows.production.timezone', /not an IANA time zone/, /Europe\/Berlin/],
    ['a freeze ending before it starts', `    production: { freezes: [{ from: 2027-01-04, to: 2026-12-21, reason: holidays }] }`, 'policy.windows.production.freezes[0].to', /2026-12-21 is before from \(2027-01-04\)/, /last frozen day/],
    ['a date that is not in the calendar', `    production: { freezes: [{ from: 2026-02-30, to: 2026-03-02, reason: x }] }`, 'policy.windows.production.freezes[0].from', /not a calendar date/, /YYYY-MM-DD/],
    ['a span from a time to the same time', `    production: { closed: [{ from: "Fri 15:00", to: "friday 15:00" }] }`, 'policy.windows.production.closed[0]', /same time/, /give the span an end/],
    ['spans covering the whole week', `    production: { closed: [{ from: "Mon 00:00", to: "Fri 00:00" }, { from: "Thu 12:00", to: "Mon 00:00" }] }`, 'policy.windows.production.closed', /never take a release/, /freeze|lock/],
  ])('refuses %s, naming the field and the fix', (_kind, yaml, path, message, hint) => {
    const p = problems(configWith(yaml)).find((x) => x.path === path);
    expect(p, JSON.stringify(problems(configWith(yaml)))).toBeDefined();
    expect(p!.message).toMatch(message);
    expect(p!.hint).toMatch(hint);
  });
});
