import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '90', 'ninety seconds', '4 h', '-5s', '1x'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());
  it('formats for people', () => {
    expect(formatDuration(420)).toBe('420ms');
    expect(formatDuration(2040)).toBe('2.04s');
    expect(formatDuration(12_100)).toBe('12.1s');
    expect(formatDuration(90_000)).toBe('1m30s');
    // Seconds that round up: the unit stays, and 60 s carry into the minutes.
    expect(formatDuration(60_900)).toBe('1m1s');
    expect(formatDuration(60_400)).toBe('1m');
    expect(formatDuration(119_600)).toBe('2m');
    expect(formatDuration(14_400_000)).toBe('4h');
  });
});
