/**
 * shipgate/migrate — the preflight checks, then the migration stages of one environment of a release (`step`: plan,
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
import { CHECK_RUN_ANNOTATIONS_PER_REQUEST, renderAnnotationOverflow, splitStepAnnotations, STEP_ANNOTATION_LIMIT, type CheckAnnotation } from '../../../../bot/github/migration-check.ts';
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

/** A check run's summary holds at most 65,535 characters: cut at a line and say where the rest is. */
function clipSummary(summary: string, limit = 65_535): string {
  if (summary.length <= limit) return summary;
  const note = '\n\n… cut here: GitHub takes at most 65,535 characters; the job summary of this run has the whole report.';
  const cut = summary.slice(0, limit - note.length);
  return `${cut.slice(0, Math.max(cut.lastIndexOf('\n'), 0) || cut.length)}${note}`;
}

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
    // GitHub shows 10 error + 10 warning annotations per step: the most important inline, the
    // rest listed in the job summary (and all of them on the check run).
    const { inline, rest } = splitStepAnnotations(check.annotations);
    const overflow = renderAnnotationOverflow(rest);
    await core.summary.addRaw(`## ${input['check-name']}: ${check.title}\n\n${check.summary}${overflow ? `\n\n${overflow}` : ''}`, true).write();
    for (const a of inline) {
      const props = { title: a.title, file: a.path, startLine: a.start_line, endLine: a.end_line };
      if (a.annotation_level === 'failure') core.error(a.message, props);
      else core.warning(a.message, props);
    }
    if (rest.length) core.info(`${rest.length} more finding(s) are listed in the job summary (GitHub shows at most ${STEP_ANNOTATION_LIMIT} error and ${STEP_ANNOTATION_LIMIT} warning annotations per step)`);
    const token = input['github-token'] ?? env.GITHUB_TOKEN;
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
    if (token && owner && repo && headSha) {
      const octokit = createGithubClient({ auth: token, ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}), log: (line) => core.info(line) });
      try {
        const batches: CheckAnnotation[][] = [];
        for (let i = 0; i < check.annotations.length; i += CHECK_RUN_ANNOTATIONS_PER_REQUEST) batches.push(check.annotations.slice(i, i + CHECK_RUN_ANNOTATIONS_PER_REQUEST));
        const output = (annotations: CheckAnnotation[]) => ({ title: check.title, summary: clipSummary(check.summary), annotations });
        const res = await octokit.rest.checks.create({ owner, repo, name: input['check-name'], head_sha: headSha, status: 'completed', conclusion: check.conclusion, output: output(batches[0] ?? []) });
        // GitHub appends the annotations of each update to the run's list.
        for (const batch of batches.slice(1)) await octokit.rest.checks.update({ owner, repo, check_run_id: res.data.id, output: output(batch) });
        core.setOutput('check-run-id', String(res.data.id));
      } catch (err) {
        // A fork's pull request gets a read-only token, so no check run: the job summary holds the
        // whole report, with the findings that did not fit in the step's annotations.
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
  // This action is the first of each environment's job: the environment's preflight checks run
  // first (once: a passed preflight is not run again), before any migration touches it.
  const names = ['preflight', ...(input.step === 'all' ? [...STEPS.plan!, ...STEPS.rehearse!, ...STEPS.apply!] : list(input.step).flatMap((x) => STEPS[x] ?? []))];
  const s = await openActionSession({ ...(input.config ? { config: input.config } : {}) });
  try {
    await runStagesAndReport(s, { releaseId: input.release, env: input.environment, names, heading: `Migrations on ${input.environment}` });
  } finally {
    await s.close();
  }
});
