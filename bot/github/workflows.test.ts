/**
 * The workflow files and action metadata, parsed: job and step structure, and every `uses:`
 * either an action of this repository (whose action.yml exists, declares the inputs given and
 * gets its required ones) or a third-party action pinned to a version tag or commit.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../../pipeline/mongo/embedded.ts';

interface Step { id?: string; uses?: string; run?: string; with?: Record<string, string>; 'continue-on-error'?: boolean; env?: Record<string, string> }
interface Job { environment?: string; concurrency?: { group: string; 'cancel-in-progress'?: boolean }; steps: Step[]; needs?: string; if?: string; outputs?: Record<string, string> }
interface Workflow { name: string; on: Record<string, unknown>; jobs: Record<string, Job>; permissions?: Record<string, string>; 'run-name'?: string; concurrency?: { group: string } }
interface ActionMeta { name: string; inputs?: Record<string, { required?: boolean; default?: string }>; outputs?: Record<string, unknown>; runs: { using: string; main: string } }

const wfDir = join(repoRoot, '.github/workflows');
const load = async (name: string) => parse(await readFile(join(wfDir, name), 'utf8')) as Workflow;
const action = async (path: string) => parse(await readFile(join(repoRoot, path, 'action.yml'), 'utf8')) as ActionMeta;
const localActions = (job: Job) => job.steps.filter((s) => s.uses?.startsWith('./'));

describe('workflows', async () => {
  const files = (await readdir(wfDir)).filter((f) => f.endsWith('.yml'));

  it('has the release pipeline workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'release.yml', 'promote.yml', 'nightly-smoke.yml', 'migrations.yml', 'publish-actions.yml']));
  });

  for (const file of files) {
    it(`${file}: every action it uses exists here (with its inputs) or is pinned`, async () => {
      const wf = await load(file);
      expect(wf.name).toBeTruthy();
      for (const [jobName, job] of Object.entries(wf.jobs)) {
        expect(job.steps.length, `${file} ${jobName}`).toBeGreaterThan(0);
        const firstLocal = job.steps.findIndex((s) => s.uses?.startsWith('./'));
        if (firstLocal >= 0) {
          // dist/ is not committed: the bundles must be built before the first local action.
          expect(job.steps.slice(0, firstLocal).some((s) => /npm run build:actions/.test(s.run ?? '')), `${file} ${jobName} builds the actions first`).toBe(true);
        }
        for (const step of job.steps) {
          if (!step.uses) continue;
          if (step.uses.startsWith('./')) {
            const meta = await action(step.uses);
            expect(meta.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
            expect((await stat(join(repoRoot, step.uses, 'src/main.ts'))).isFile()).toBe(true);
            const declared = Object.keys(meta.inputs ?? {});
            for (const k of Object.keys(step.with ?? {})) expect(declared, `${file} ${jobName}: ${step.uses} input ${k}`).toContain(k);
            for (const [k, spec] of Object.entries(meta.inputs ?? {})) if (spec.required) expect(step.with?.[k], `${file} ${jobName}: ${step.uses} needs ${k}`).toBeTruthy();
          } else {
            expect(step.uses, `${file}: third-party actions are pinned`).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
          }
        }
      }
    });
  }

  it('release.yml: dispatched with ref and requester; staging job ends at awaiting approval; the rule-mode production job re-checks approval first', async () => {
    const wf = await load('release.yml');
    const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, unknown> }).inputs;
    // The Slack side dispatches it with inputs environment, ref and requester (bot/slack/release-starter.ts).
    expect(Object.keys(inputs)).toEqual(expect.arrayContaining(['environment', 'ref', 'requester']));
    const staging = wf.jobs.staging!;
    const steps = localActions(staging).map((s) => `${s.uses!.split('/').pop()}:${s.with?.step ?? s.with?.gates}`);
    expect(steps).toEqual(['release:start', 'migrate:plan,rehearse,apply', 'promote:deploy', 'verify:health,smoke,load', 'release:request-approval']);
    expect(staging.concurrency?.group).toBe('shipgate-staging');
    const prod = wf.jobs.production!;
    expect(prod).toMatchObject({ needs: 'staging', environment: 'production', concurrency: { group: 'shipgate-production', 'cancel-in-progress': false } });
    expect(prod.if).toContain('SHIPGATE_PROTECTION_RULE');
    expect(localActions(prod)[0]!.with).toMatchObject({ step: 'check-approval' });
  });

  it('promote.yml: one release id, environment production, approval re-checked before anything else, concurrency with release.yml', async () => {
    const wf = await load('promote.yml');
    expect(Object.keys((wf.on.workflow_dispatch as { inputs: Record<string, unknown> }).inputs)).toEqual(['release']);
    expect(wf['run-name']).toContain('inputs.release'); // how the app finds the release of a waiting run
    const job = wf.jobs.production!;
    expect(job.environment).toBe('production');
    expect(job.concurrency?.group).toBe('shipgate-production');
    const steps = localActions(job).map((s) => `${s.uses!.split('/').pop()}:${s.with?.step ?? s.with?.gates}`);
    expect(steps).toEqual(['release:check-approval', 'migrate:all', 'promote:deploy', 'verify:health,smoke', 'promote:cutover']);
  });

  it('nightly-smoke.yml: scheduled, both environments smoked without failing the job early, then the report', async () => {
    const wf = await load('nightly-smoke.yml');
    expect(wf.on.schedule).toBeTruthy();
    expect(wf.permissions).toMatchObject({ issues: 'write' });
    const steps = localActions(wf.jobs.smoke!);
    expect(steps.map((s) => s.uses)).toEqual(['./.github/actions/verify', './.github/actions/verify', './.github/actions/nightly-report']);
    expect(steps.slice(0, 2).map((s) => [s.with?.environment, s['continue-on-error']])).toEqual([['staging', true], ['production', true]]);
  });

  it('migrations.yml: pull requests touching migrations, with checks: write', async () => {
    const wf = await load('migrations.yml');
    expect(wf.on.pull_request).toMatchObject({ types: ['opened', 'synchronize'], paths: ['app/migrations/**'] });
    expect(wf.permissions).toMatchObject({ checks: 'write' });
    expect(localActions(wf.jobs.check!)[0]!.with).toMatchObject({ step: 'check' });
  });
});
