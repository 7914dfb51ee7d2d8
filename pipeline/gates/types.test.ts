/** The gate contract's two fail-closed rules (types.ts): what may promote, and a crash is an error. */
import { describe, expect, it } from 'vitest';
import { allowsPromotion, runGuarded, type GateResult } from './types.ts';
import { loadErrors } from './load/errors.ts';

const result = (status: GateResult['status']): GateResult => ({ gate: 'g', status, summary: '', details: '', metrics: {}, startedAt: '', durationMs: 0 });

describe('gate contract', () => {
  it('promotes only on passed or a deliberate skip; a missing result is a failure', () => {
    expect(allowsPromotion(undefined)).toBe(false);
    expect(['passed', 'skipped', 'failed', 'error'].map((s) => allowsPromotion(result(s as GateResult['status'])))).toEqual([true, true, false, false]);
    expect(allowsPromotion({ ...result('passed'), status: 'PASSED' as never })).toBe(false);
  });

  it('returns what the body decided, stamped with gate, start and duration', async () => {
    const r = await runGuarded('smoke', async ({ startedAt, t0 }) => {
      expect(typeof t0).toBe('number');
      expect(new Date(startedAt).toISOString()).toBe(startedAt);
      return { status: 'failed', summary: 's', details: 'd', metrics: { n: 1 } };
    });
    expect(r).toMatchObject({ gate: 'smoke', status: 'failed', summary: 's', details: 'd', metrics: { n: 1 } });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('turns a throw into an error result: first line in the summary, the whole message in the details', async () => {
    const r = await runGuarded('load', async () => {
      throw new Error('engine broke\nstack-ish detail');
    });
    expect(r).toMatchObject({ gate: 'load', status: 'error', summary: 'load could not decide: engine broke', details: '```\nengine broke\nstack-ish detail\n```', metrics: {} });
    expect(new Date(r.startedAt).toISOString()).toBe(r.startedAt);
    const s = await runGuarded('x', () => Promise.reject('plain string'));
    expect(s).toMatchObject({ status: 'error', summary: 'x could not decide: plain string', details: '```\nplain string\n```' });
  });

  it('keeps code, hint and docs link of a catalogue error', async () => {
    const r = await runGuarded('load', async () => {
      throw loadErrors.SHIPGATE_LOAD_THRESHOLDS_MISSING({ engine: 'builtin' });
    });
    expect(r.status).toBe('error');
    expect(r.details).toMatch(/^\*\*SHIPGATE_LOAD_THRESHOLDS_MISSING\*\*: the load gate has no thresholds/);
    expect(r.details).toMatch(/> set gates\.load\.thresholds/);
    expect(r.details).toMatch(/\[docs\]\(.*load\.md#thresholds\)/);
  });
});
