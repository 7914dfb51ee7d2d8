/**
 * Posts the nightly smoke report to Slack with the same formatter the bot uses:
 *   node --import tsx bot/slack/post-smoke-report.ts --result smoke-result.json --env production --url https://example.com [--channel '#deploys'] [--run-url …]
 * The result file is the smoke gate's GateResult JSON (`shipgate gate smoke --json`). Env:
 * SLACK_BOT_TOKEN (required), SLACK_API_URL (optional: another Web API base URL, e.g. a test fake).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { webApi } from '@slack/bolt';
import { z } from 'zod';
import { coreErrors, presentError } from '../../pipeline/errors.ts';
import { registerSecret } from '../../pipeline/secrets/redact.ts';
import { smokeReportMessage } from './blocks.ts';

const gateResult = z.object({
  gate: z.string(),
  status: z.enum(['passed', 'failed', 'error', 'skipped']),
  summary: z.string(),
  details: z.string(),
  metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  startedAt: z.string(),
  durationMs: z.number(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { result: { type: 'string' }, env: { type: 'string' }, url: { type: 'string' }, channel: { type: 'string', default: '#deploys' }, 'run-url': { type: 'string' } } });
  if (!values.result || !values.env || !values.url) {
    throw coreErrors.SHIPGATE_USAGE({ problem: 'post-smoke-report needs --result, --env and --url', usage: 'post-smoke-report.ts --result smoke.json --env production --url https://example.com [--channel "#deploys"] [--run-url URL]' });
  }
  const token = process.env.SLACK_BOT_TOKEN;
  if (!token) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: 'SLACK_BOT_TOKEN', purpose: 'posting the nightly smoke report to Slack' });
  registerSecret(token);
  const parsed = gateResult.safeParse(JSON.parse(await readFile(values.result, 'utf8')));
  if (!parsed.success) throw coreErrors.SHIPGATE_USAGE({ problem: `${values.result} is not a gate result: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}` });
  const client = new webApi.WebClient(token, process.env.SLACK_API_URL ? { slackApiUrl: process.env.SLACK_API_URL } : {});
  const body = smokeReportMessage(parsed.data, { env: values.env, url: values.url, ...(values['run-url'] ? { runUrl: values['run-url'] } : {}) });
  const res = await client.chat.postMessage({ channel: values.channel, ...body });
  console.log(`posted the smoke report to ${values.channel} (ts ${res.ts})`);
  if (parsed.data.status !== 'passed') process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(presentError(err));
  process.exitCode = (err as { exitCode?: number }).exitCode ?? 1;
});
