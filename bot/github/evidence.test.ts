import { describe, expect, it } from 'vitest';
import type { ReleaseRecord, StageRecord, TargetPlanSummary } from '../../pipeline/release/types.ts';
import { fitLines, gatesReport, joinNames, planReport, REPORT_LIMIT } from './evidence.ts';

const ids = (n: number, tag = 'migration') => Array.from({ length: n }, (_, i) => `${String(i + 1).padStart(4, '0')}-${tag}-${i + 1}`);

function release(plan: Partial<TargetPlanSummary> & { pending: string[] }, stages: StageRecord[] = []): ReleaseRecord {
  return {
    _id: 'rel-20261205-0001', repo: 'acme/widgets', sha: 'a'.repeat(40), ref: 'main', version: '2.0.0',
    path: ['staging', 'production'], target: 'production', requester: { person: 'dev', identity: { via: 'slack', id: 'U1' } },
    status: 'awaiting_approval', stages, approvals: [], deployments: {}, rev: 1,
    createdAt: '2026-12-05T09:00:00.000Z', updatedAt: '2026-12-05T09:00:00.000Z', digest: 'f'.repeat(64),
    targetPlan: { env: 'production', digest: 'd'.repeat(64), lines: [], approximate: false, irreversible: [], breaking: [], ...plan },
  };
}

/** Two plan lines per migration, as planLines writes them (one per operation). */
const linesFor = (pending: string[]) => pending.flatMap((id) => [`${id}: notes updateMany {"archived":true} → 1,204 documents`, `${id}: notes createIndex owner_1_createdAt_-1`]);

describe('protection-rule evidence: the migration plan', () => {
  it('with 20 migrations the risks and counts come first, the lines that fit follow, and the rest is counted', () => {
    const pending = ids(20);
    const irreversible = [pending[17]!, pending[19]!];
    const breaking = [pending[18]!];
    const lines = linesFor(pending);
    const text = planReport(release({ pending, lines, irreversible, breaking }));
    expect(text.length).toBeLessThanOrEqual(REPORT_LIMIT);
    expect(text).toContain(`⚠️ irreversible (2): ${irreversible.join(', ')}`);
    expect(text).toContain(`⚠️ point of no return (1): ${breaking[0]}`);
    expect(text).toContain('20 pending migrations · 40 changes · 2 irreversible · 1 point of no return');
    // Risks before any plan line.
    expect(text.indexOf('⚠️')).toBeLessThan(text.indexOf('- 0001-'));
    const shown = text.split('\n').filter((l) => /^- \d{4}-/.test(l)).length;
    const more = Number(/- … (\d+) more changes/.exec(text)?.[1]);
    expect(shown).toBeGreaterThan(0);
    expect(shown + more).toBe(40);
    expect(text).toContain('Approve or reject in Slack');
  });

  it('200 irreversible migrations: the risk line names what fits and says how many more', () => {
    const pending = ids(200);
    const text = planReport(release({ pending, lines: linesFor(pending), irreversible: pending, breaking: pending.slice(0, 150) }));
    expect(text.length).toBeLessThanOrEqual(REPORT_LIMIT);
    expect(text).toMatch(/⚠️ irreversible \(200\): 0001-migration-1, .* and \d+ more/);
    expect(text).toMatch(/⚠️ point of no return \(150\): 0001-migration-1, .* and \d+ more/);
    expect(text).toContain('200 pending migrations · 400 changes');
    expect(text).toMatch(/more changes \(the whole plan: `shipgate migrate plan`\)/);
    expect(text).toContain('Approve or reject in Slack');
  });

  it('a short plan is shown whole, with no "more" line', () => {
    const pending = ids(2);
    const text = planReport(release({ pending, lines: linesFor(pending) }));
    for (const line of linesFor(pending)) expect(text).toContain(`- ${line}`);
    expect(text).not.toContain('more');
    expect(text).not.toContain('⚠️');
  });

  it('no pending migrations says so', () => {
    expect(planReport(release({ pending: [] }))).toContain('No migrations to apply.');
  });
});

describe('protection-rule evidence: the gates', () => {
  const stage = (env: string, name: string, status: StageRecord['status'], summary = `${name} on ${env}: all checks answered within the deadline, see the job summary for the figures`): StageRecord =>
    ({ key: `${env}/${name}`, env, name, status, result: { gate: name, status: status === 'passed' ? 'passed' : 'failed', summary, startedAt: '', durationMs: 1 } as unknown as StageRecord['result'] });

  it('four environments of gates: the failed gate and the digest stay, passed ones are counted', () => {
    const envs = ['dev', 'qa', 'staging', 'preprod'];
    const names = ['migrate-plan', 'migrate-rehearse', 'migrate-apply', 'deploy', 'health', 'smoke', 'load', 'verify'];
    const stages = envs.flatMap((env) => names.map((n) => stage(env, n, env === 'preprod' && n === 'load' ? 'failed' : 'passed')));
    const text = gatesReport(release({ pending: [] }, stages));
    expect(text.length).toBeLessThanOrEqual(REPORT_LIMIT);
    expect(text).toContain('❌ preprod/load');
    expect(text).toContain('31 of 32 gates passed');
    expect(text).toMatch(/✅ … \d+ more passed/);
    expect(text).toContain(`digest \`${'f'.repeat(12)}\``);
  });
});

describe('fitLines', () => {
  it('never exceeds the limit and accounts for every item', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const items = Array.from({ length: seed * 3 }, (_, i) => 'x'.repeat(((i * 37 + seed) % 90) + 1));
      const text = fitLines(['head'], items, ['', 'tail'], (n) => (n ? `… ${n} more` : ''), 500);
      expect(text.length).toBeLessThanOrEqual(500);
      expect(text.startsWith('head')).toBe(true);
      expect(text.endsWith('tail')).toBe(true);
      const shown = text.split('\n').filter((l) => /^x+$/.test(l)).length;
      const more = Number(/… (\d+) more/.exec(text)?.[1] ?? 0);
      expect(shown + more).toBe(items.length);
    }
  });

  it('joinNames keeps within budget and counts the rest', () => {
    const names = ids(50);
    const text = joinNames(names, 100);
    expect(text.length).toBeLessThanOrEqual(100);
    const [listed, more] = text.split(' and ');
    expect(listed!.split(', ').length + Number(more!.replace(' more', ''))).toBe(50);
    expect(joinNames(['a', 'b'], 100)).toBe('a, b');
  });
});
