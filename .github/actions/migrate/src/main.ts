/**
 * shipgate/migrate — the migration stages of one environment of a release (`step`: plan,
 * rehearse, apply — apply takes the backup first where configured — or all), or `step: check`:
 * the migrations check of a pull request (lint against the base branch, plan against staging
 * when its database variable is set), published as a check run with annotations.
 */
import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { createGithubClient } from '../../../../bot/github/octokit.ts';
import { loadConfig } from '../../../../pipeline/config/load.ts';
import { releasePath, environmentByName } from '../../../../pipeline/config/lookup.ts';
import { connectMongo, dbNameFromUri } from '../../../../pipeline/mongo/connect.ts';
import { openMigrationTarget } from '../../../../pipeline/migrate/target.ts';
import { registerSecret } from '../../../../pipeline/secrets/redact.ts';
import { inRepo } from '../../../../pipeline/repo.ts';
import { collectMigrationCheck } from '../../../../bot/github/migration-check-collect.ts';
import { list, readInputs } from '../../lib/inputs.ts';
import { runAction } from '../../lib/report.ts';
import { actionWorkspace, openActionSession } from '../../lib/session.ts';
import { runStagesAndReport } from '../../lib/stage-action.ts';

const STEPS: Record<string, string[]> = { plan: ['migrate-plan'], rehearse: ['migrate-rehearse'], apply: ['backup', 'migrate-apply'] };
const Inputs = z.object({
  step: z.string().default('plan,rehearse,apply').refine((v) => v === 'check' || v === 'all' || list(v).every((x) => x in STEPS), 'step must be check, all, or a list of plan, rehearse, apply'),
  release: z.string().optional(),
  environment: z.string().default('staging'),
  'base-ref': z.string().optional(),
  'github-token': z.string().optional(),
  'check-name': z.string().default('Shipgate migrations'),
  config: z.string().optional(),
});

async function prCheck(input: z.infer<typeof Inputs>): Promise<void> {
  const env = process.env;
  const workspace = actionWorkspace({ ...(input.config ? { config: input.config } : {}), env });
  const cwd = workspace.root;
  const config = await loadConfig({ file: workspace.configFile, cwd });
  const event = env.GITHUB_EVENT_PATH ? (JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as { pull_request?: { head: { sha: string }; base: { ref: string } } }) : {};
  const baseRef = input['base-ref'] ?? (event.pull_request ? `origin/${event.pull_request.base.ref}` : 'origin/main');
  const headSha = event.pull_request?.head.sha ?? env.GITHUB_SHA ?? '';
  const stagingName = releasePath(config)[0];
  const uriEnv = stagingName ? environmentByName(config, stagingName).database.uriEnv : undefined;
  const uri = uriEnv ? env[uriEnv] : undefined;
  registerSecret(uri);
  const client = uri ? await connectMongo(uri, { source: uriEnv as string, timeoutMs: 15_000 }) : undefined;
  try {
    const staging = client && uri ? openMigrationTarget({ client, dbName: dbNameFromUri(uri, `${config.app.name}${stagingName}`.replace(/[^A-Za-z0-9]/g, '')), dir: inRepo(workspace, config.migrations.dir), changelogCollection: config.migrations.changelogCollection, label: stagingName }) : undefined;
    const check = await collectMigrationCheck({ repoDir: cwd, dir: config.migrations.dir, baseRef, ...(staging ? { staging } : { noStagingReason: `${uriEnv ?? 'the staging database variable'} is not set for this run` }) });
    core.setOutput('conclusion', check.conclusion);
    await core.summary.addRaw(`## ${input['check-name']}: ${check.title}\n\n${check.summary}`, true).write();
    for (const a of check.annotations) {
      const props = { title: a.title, file: a.path, startLine: a.start_line, endLine: a.end_line };
      if (a.annotation_level === 'failure') core.error(a.message, props);
      else core.warning(a.message, props);
    }
    const token = input['github-token'] ?? env.GITHUB_TOKEN;
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
    if (token && owner && repo && headSha) {
      const octokit = createGithubClient({ auth: token, ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}), log: (line) => core.info(line) });
      try {
        const res = await octokit.rest.checks.create({ owner, repo, name: input['check-name'], head_sha: headSha, status: 'completed', conclusion: check.conclusion, output: { title: check.title, summary: check.summary.slice(0, 65_000), annotations: check.annotations } });
        core.setOutput('check-run-id', String(res.data.id));
      } catch (err) {
        // A fork's pull request gets a read-only token: the job summary and annotations above still show everything.
        core.warning(`could not publish the check run (${(err as { status?: number }).status ?? 'error'}): the job summary holds the same content`);
      }
    }
    if (check.conclusion === 'failure') core.setFailed(`${input['check-name']}: ${check.title}`);
  } finally {
    await client?.close();
  }
}

await runAction(async () => {
  const input = readInputs(Inputs, ['step', 'release', 'environment', 'base-ref', 'github-token', 'check-name', 'config']);
  if (input.step === 'check') return prCheck(input);
  if (!input.release) throw new Error('input release is required (the release id from shipgate/release step start, or the promote workflow input)');
  const names = input.step === 'all' ? [...STEPS.plan!, ...STEPS.rehearse!, ...STEPS.apply!] : list(input.step).flatMap((x) => STEPS[x] ?? []);
  const s = await openActionSession({ ...(input.config ? { config: input.config } : {}) });
  try {
    await runStagesAndReport(s, { releaseId: input.release, env: input.environment, names, heading: `Migrations on ${input.environment}` });
  } finally {
    await s.close();
  }
});
