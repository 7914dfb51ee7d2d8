/**
 * shipgate/nightly-report — after the nightly smoke steps: issue opened/updated/closed, the
 * production freeze set or lifted (bot/github/nightly.ts), a Slack report through an incoming
 * webhook when `slack-webhook-url` is given, built by the bot's smoke-report formatter.
 */
import * as core from '@actions/core';
import { createGithubClient } from '../../../../bot/github/octokit.ts';
import { z } from 'zod';
import { reportNightly, type EnvResult } from '../../../../bot/github/nightly.ts';
import { registerSecret } from '../../../../pipeline/secrets/redact.ts';
import { readInputs } from '../../lib/inputs.ts';
import { smokeReportMessage } from '../../../../bot/slack/blocks.ts';
import { runAction } from '../../lib/report.ts';
import { openActionSession } from '../../lib/session.ts';

const status = z.enum(['passed', 'failed', 'success', 'failure'], { error: () => 'must be passed or failed' }).transform((v) => (v === 'passed' || v === 'success' ? 'passed' : 'failed'));
const Inputs = z.object({
  'staging-status': status,
  'staging-summary': z.string().default(''),
  'production-status': status,
  'production-summary': z.string().default(''),
  'staging-flaky': z.string().max(20_000, 'at most 20,000 characters').default(''),
  'production-flaky': z.string().max(20_000, 'at most 20,000 characters').default(''),
  'github-token': z.string().min(1, 'pass github-token: ${{ github.token }} (issues: write)'),
  'slack-webhook-url': z.url().optional(),
  config: z.string().optional(),
});

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

await runAction(async () => {
  const input = readInputs(Inputs, ['staging-status', 'staging-summary', 'production-status', 'production-summary', 'staging-flaky', 'production-flaky', 'github-token', 'slack-webhook-url', 'config']);
  registerSecret(input['github-token']);
  registerSecret(input['slack-webhook-url']);
  const env = process.env;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY (owner/name) is not set: run this action in a workflow');
  const runUrl = `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`;
  const results: EnvResult[] = [
    { env: 'staging', status: input['staging-status'], summary: input['staging-summary'], flaky: lines(input['staging-flaky']) },
    { env: 'production', status: input['production-status'], summary: input['production-summary'], flaky: lines(input['production-flaky']) },
  ];
  const octokit = createGithubClient({ auth: input['github-token'], ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}), log: (line) => core.info(line) });
  const s = await openActionSession({ ...(input.config ? { config: input.config } : {}) });
  try {
    const out = await reportNightly({ request: (route, params) => octokit.request(route, params), owner, repo, db: s.system.store.db, results, runUrl });
    core.setOutput('ok', String(out.ok));
    core.setOutput('freeze', out.freeze);
    if (out.issue) core.setOutput('issue', out.issue.url);
    core.info(out.text);
    await core.summary.addRaw(`## Nightly smoke\n\n${out.text.split('\n').join('\n\n')}`, true).write();
    if (input['slack-webhook-url']) {
      // The same formatter the bot uses for smoke reports (bot/slack/blocks.ts), one section per environment.
      const messages = results.map((r) =>
        smokeReportMessage(
          { gate: 'smoke', status: r.status, summary: r.summary || r.status, details: '', metrics: {}, startedAt: new Date().toISOString(), durationMs: 0 },
          { env: r.env, url: s.config.environments[r.env]?.url ?? r.env, runUrl },
        ),
      );
      const body = { text: messages.map((m) => m.text).join('\n'), blocks: messages.flatMap((m) => m.blocks) };
      const res = await fetch(input['slack-webhook-url'], { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
      if (!res.ok) core.warning(`Slack webhook answered ${res.status}: report not posted`);
    }
  } finally {
    await s.close();
  }
});
