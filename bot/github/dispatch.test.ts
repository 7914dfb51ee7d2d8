/**
 * Issue 12, finding 1: GitHub dispatches a workflow only on a branch or tag, and only with the
 * inputs the workflow file declares. The GitHub fake enforces both, reading the real workflow
 * files: Shipgate's own .github/workflows and the caller workflows `shipgate init` writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { startGithubFake, type GithubFake } from '../../pipeline/testing/fakes/github.ts';
import { answersFrom, defaultsFor, planInit } from '../../pipeline/init/init.ts';
import { isShipgateError } from '../../pipeline/errors.ts';
import { dispatchWorkflow, workflowRefFor } from './dispatch.ts';

const TOKEN = 'ghs_dispatchtest00000000000000';
const SHA = '0123456789abcdef0123456789abcdef01234567';
let own: GithubFake;
let init: GithubFake;
let dir = '';
const octo = (fake: GithubFake) => new Octokit({ auth: TOKEN, baseUrl: fake.url, request: { retries: 0 } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sg-dispatch-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'widgets' }));
  const plan = planInit({ root: dir }, answersFrom({ approvers: 'ana' }, defaultsFor(dir)));
  for (const f of plan.files.filter((p) => p.kind === 'workflow')) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.content);
  }
  const repos = { 'acme/widgets': { defaultBranch: 'trunk', branches: ['feature/x'], tags: ['v1.4.0'] } };
  own = await startGithubFake({ tokens: [TOKEN], repos });
  init = await startGithubFake({ tokens: [TOKEN], repos, workflowsDir: join(dir, '.github', 'workflows') });
});
afterAll(async () => {
  await own?.close();
  await init?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('workflow dispatch follows GitHub\'s contract', () => {
  for (const which of ['Shipgate\'s own workflows', 'the workflows shipgate init writes'] as const) {
    it(`${which}: release.yml takes the bot's inputs on a branch, a tag, and a commit (run from the default branch); promote.yml takes the release id`, async () => {
      const fake = which === 'Shipgate\'s own workflows' ? own : init;
      const ok = fake.violations.length;
      for (const ref of ['feature/x', 'v1.4.0', SHA]) {
        const on = await workflowRefFor(octo(fake), 'acme', 'widgets', ref);
        await dispatchWorkflow(octo(fake), { owner: 'acme', repo: 'widgets', workflow: 'release.yml', ref: on, inputs: { environment: 'staging', ref, requester: 'slack:U012ABC' } });
      }
      await dispatchWorkflow(octo(fake), { owner: 'acme', repo: 'widgets', workflow: 'promote.yml', ref: 'trunk', inputs: { release: 'rel-20261205-101010-abcdef' } });
      expect(fake.violations.slice(ok)).toEqual([]);
      expect(fake.dispatches.slice(-4).map((d) => [d.workflow, d.ref, d.inputs.ref ?? d.inputs.release])).toEqual([
        ['release.yml', 'feature/x', 'feature/x'],
        ['release.yml', 'v1.4.0', 'v1.4.0'],
        ['release.yml', 'trunk', SHA],
        ['promote.yml', 'trunk', 'rel-20261205-101010-abcdef'],
      ]);
    });
  }

  it('the fake answers as GitHub does: a commit SHA as ref, an undeclared input, a missing required input', async () => {
    const send = (ref: string, inputs: Record<string, string>, workflow = 'release.yml') =>
      dispatchWorkflow(octo(own), { owner: 'acme', repo: 'widgets', workflow, ref, inputs }).then(() => undefined, (e: unknown) => e as Error);
    expect((await send(SHA, { ref: SHA }))?.message).toContain(`422 No ref found for: ${SHA}`);
    expect((await send('trunk', { sha: SHA }))?.message).toContain('422 Unexpected inputs provided: ["sha"]');
    expect((await send('trunk', {}, 'promote.yml'))?.message).toContain("422 Required input 'release' not provided");
    expect(own.violations.slice(-3).map((v) => v.status)).toEqual([422, 422, 422]);
  });

  it('a short SHA is refused before anything is sent, asking for the full SHA or a branch', async () => {
    const before = own.requests.length;
    const err = await workflowRefFor(octo(own), 'acme', 'widgets', 'abc1234').catch((e: unknown) => e);
    expect(isShipgateError(err) && err.code).toBe('SHIPGATE_DISPATCH_SHORT_SHA');
    expect(own.requests.length).toBe(before);
  });
});
