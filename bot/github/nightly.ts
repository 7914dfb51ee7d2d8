/**
 * What the nightly smoke does with its results (nightly-smoke.yml, shipgate/nightly-report):
 * - any environment red: open an issue (label `shipgate-nightly-smoke`), or comment on the open one;
 * - production red: freeze production promotions with a lock whose reason links the issue
 *   (a lock someone else holds is left alone);
 * - all green again: close the issue with a comment, and lift the nightly freeze (only its own).
 * The Slack report goes to an incoming webhook, when one is configured.
 */
import type { Db } from 'mongodb';
import { freezeEnvironment, readEnvironmentLock, unfreezeEnvironment } from '../../pipeline/release/locks.ts';
import { redactText } from '../../pipeline/secrets/redact.ts';
import type { RequestFn } from './rule-keeper.ts';
import { NIGHTLY_RUNS } from '../../pipeline/dashboard/data.ts';
import type { NightlyRun } from '../../pipeline/dashboard/views.ts';

export const NIGHTLY_LABEL = 'shipgate-nightly-smoke';
export const NIGHTLY_LOCK_OWNER = 'nightly-smoke';

export interface EnvResult { env: string; status: 'passed' | 'failed'; summary: string; flaky?: string[] }

/** Records one night's results (redacted, bounded); a run reported twice (a re-run) is kept once. */
export async function recordNightlyRun(db: Db, run: { results: EnvResult[]; runUrl: string; now?: Date }): Promise<void> {
  const at = run.now ?? new Date();
  const results: NightlyRun['results'] = run.results.slice(0, 20).map((r) => ({
    env: r.env.slice(0, 63), status: r.status, summary: redactText(r.summary).slice(0, 500),
    ...(r.flaky?.length ? { flaky: r.flaky.slice(0, 50).map((t) => redactText(t).slice(0, 200)) } : {}),
  }));
  await db
    .collection<NightlyRun>(NIGHTLY_RUNS)
    .replaceOne({ _id: run.runUrl.slice(0, 300) }, { date: at.toISOString().slice(0, 10), at: at.toISOString(), runUrl: run.runUrl, results }, { upsert: true });
}

export interface NightlyOutcome {
  ok: boolean;
  issue?: { number: number; url: string; action: 'opened' | 'commented' | 'closed' };
  freeze: 'frozen' | 'already-frozen' | 'held-by-someone-else' | 'lifted' | 'none';
  text: string;
}

export async function reportNightly(opts: { request: RequestFn; owner: string; repo: string; db: Db; results: EnvResult[]; runUrl: string; protectedEnv?: string; now?: Date }): Promise<NightlyOutcome> {
  const { request, owner, repo } = opts;
  const prod = opts.protectedEnv ?? 'production';
  const ok = opts.results.every((r) => r.status === 'passed');
  const date = (opts.now ?? new Date()).toISOString().slice(0, 10);
  const table = ['| environment | smoke | summary |', '|---|---|---|', ...opts.results.map((r) => `| ${r.env} | ${r.status === 'passed' ? '✅ passed' : '❌ failed'} | ${redactText(r.summary).replace(/\|/g, '\\|')} |`)].join('\n');
  const open = (await request('GET /repos/{owner}/{repo}/issues', { owner, repo, state: 'open', labels: NIGHTLY_LABEL })).data as Array<{ number: number; html_url: string }>;
  const current = open[0];
  let issue: NightlyOutcome['issue'];
  let freeze: NightlyOutcome['freeze'] = 'none';
  if (!ok) {
    const body = `Nightly smoke of ${date} failed ([run](${opts.runUrl})).\n\n${table}`;
    if (current) {
      await request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: current.number, body });
      issue = { number: current.number, url: current.html_url, action: 'commented' };
    } else {
      const made = (await request('POST /repos/{owner}/{repo}/issues', { owner, repo, title: `Nightly smoke failing: ${opts.results.filter((r) => r.status === 'failed').map((r) => r.env).join(', ')}`, body, labels: [NIGHTLY_LABEL] })).data as { number: number; html_url: string };
      issue = { number: made.number, url: made.html_url, action: 'opened' };
    }
    if (opts.results.some((r) => r.env === prod && r.status === 'failed')) {
      const held = await readEnvironmentLock(opts.db, prod);
      if (held && held.owner === NIGHTLY_LOCK_OWNER) freeze = 'already-frozen';
      else if (held) freeze = 'held-by-someone-else';
      else {
        await freezeEnvironment(opts.db, prod, { by: NIGHTLY_LOCK_OWNER, reason: `nightly smoke failed on ${prod}: ${issue.url}` });
        freeze = 'frozen';
      }
    }
  } else {
    if (current) {
      await request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: current.number, body: `Green again on ${date} ([run](${opts.runUrl})).\n\n${table}` });
      await request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { owner, repo, issue_number: current.number, state: 'closed' });
      issue = { number: current.number, url: current.html_url, action: 'closed' };
    }
    const held = await readEnvironmentLock(opts.db, prod);
    if (held?.owner === NIGHTLY_LOCK_OWNER) {
      await unfreezeEnvironment(opts.db, prod);
      freeze = 'lifted';
    }
  }
  await recordNightlyRun(opts.db, { results: opts.results, runUrl: opts.runUrl, ...(opts.now ? { now: opts.now } : {}) });
  const lines = [`${ok ? '✅' : '❌'} Nightly smoke ${date}: ${opts.results.map((r) => `${r.env} ${r.status}`).join(', ')} — ${opts.runUrl}`];
  if (issue) lines.push(`issue #${issue.number} ${issue.action}: ${issue.url}`);
  if (freeze === 'frozen') lines.push(`🔒 ${prod} promotions frozen until the smoke is green again`);
  if (freeze === 'lifted') lines.push(`🔓 ${prod} freeze lifted`);
  return { ok, ...(issue ? { issue } : {}), freeze, text: lines.join('\n') };
}
