/**
 * The GitHub fake answers what GitHub answers: workflow dispatch only on a branch or tag and only
 * with the inputs the workflow file declares; every request checked against GitHub's OpenAPI
 * operation; GitHub's rate-limit answers on demand. Raw HTTP, so nothing on the client side
 * (Octokit) can hide an answer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGithubFake, type GithubFake } from './github.ts';

const TOKEN = 'ghp_fakecontracttest0000000000000000';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const DISPATCH_DOCS = 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event';
let gh: GithubFake;
let dir = '';

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${gh.url}${path}`, {
    method,
    headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
};
const dispatch = (workflow: string, body: unknown) => call('POST', `/repos/acme/widgets/actions/workflows/${workflow}/dispatches`, body);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sg-ghfake-'));
  await writeFile(join(dir, 'release.yml'), [
    'name: release',
    'on:',
    '  workflow_dispatch:',
    '    inputs:',
    '      sha: { description: commit to release, required: true }',
    '      requester: { required: false }',
    '      environment: { required: true, default: staging }',
    'jobs: { go: { runs-on: ubuntu-latest, steps: [ { run: "true" } ] } }',
    '',
  ].join('\n'));
  await writeFile(join(dir, 'plain.yml'), 'on: workflow_dispatch\njobs: {}\n');
  await writeFile(join(dir, 'push-only.yml'), 'on: [push]\njobs: {}\n');
  gh = await startGithubFake({ tokens: [TOKEN], workflowsDir: dir, repos: { 'acme/widgets': { branches: ['release/1.x'], tags: ['v1.4.0'] } } });
});
afterAll(async () => {
  await gh?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  gh.violations.length = 0;
  gh.dispatches.length = 0;
});

describe('workflow dispatch: ref and inputs as GitHub checks them', () => {
  it('a commit SHA as ref is refused with GitHub\'s 422 body, recorded, and starts nothing', async () => {
    const r = await dispatch('release.yml', { ref: SHA, inputs: { sha: SHA } });
    expect(r.status).toBe(422);
    expect(r.body).toEqual({ message: `No ref found for: ${SHA}`, documentation_url: DISPATCH_DOCS, status: '422' });
    expect(gh.violations).toEqual([{ method: 'POST', path: '/repos/acme/widgets/actions/workflows/release.yml/dispatches', status: 422, message: `No ref found for: ${SHA}` }]);
    expect(gh.dispatches).toEqual([]);
  });

  it('an unknown branch is refused the same way; the default branch, another branch, a tag and refs/heads/… are accepted', async () => {
    expect((await dispatch('release.yml', { ref: 'nope', inputs: { sha: SHA } })).body?.message).toBe('No ref found for: nope');
    expect((await dispatch('release.yml', { ref: 'refs/tags/main', inputs: { sha: SHA } })).body?.message).toBe('No ref found for: refs/tags/main');
    for (const ref of ['main', 'release/1.x', 'v1.4.0', 'refs/heads/main', 'refs/tags/v1.4.0']) {
      expect((await dispatch('release.yml', { ref, inputs: { sha: SHA } })).status, ref).toBe(204);
    }
    expect(gh.dispatches.map((d) => d.ref)).toEqual(['main', 'release/1.x', 'v1.4.0', 'refs/heads/main', 'refs/tags/v1.4.0']);
    expect(gh.violations).toHaveLength(2);
  });

  it('inputs the workflow file does not declare, and a missing required input, get GitHub\'s messages', async () => {
    const extra = await dispatch('release.yml', { ref: 'main', inputs: { sha: SHA, ref: SHA, x: '1' } });
    expect(extra.status).toBe(422);
    expect(extra.body?.message).toBe('Unexpected inputs provided: ["ref","x"]');
    const missing = await dispatch('release.yml', { ref: 'main', inputs: { requester: 'ana' } });
    expect(missing.body?.message).toBe("Required input 'sha' not provided");
    // A required input with a default may be left out; a workflow without inputs takes none.
    expect((await dispatch('release.yml', { ref: 'main', inputs: { sha: SHA, requester: 'ana' } })).status).toBe(204);
    expect((await dispatch('plain.yml', { ref: 'main' })).status).toBe(204);
    expect((await dispatch('plain.yml', { ref: 'main', inputs: { sha: SHA } })).body?.message).toBe('Unexpected inputs provided: ["sha"]');
    expect(gh.violations.map((v) => v.message)).toEqual(['Unexpected inputs provided: ["ref","x"]', "Required input 'sha' not provided", 'Unexpected inputs provided: ["sha"]']);
  });

  it('a workflow without a workflow_dispatch trigger, and one that does not exist, are refused', async () => {
    expect((await dispatch('push-only.yml', { ref: 'main' })).body?.message).toBe("Workflow does not have 'workflow_dispatch' trigger");
    const absent = await dispatch('absent.yml', { ref: 'main' });
    expect(absent.status).toBe(404);
    expect(gh.violations.map((v) => v.status)).toEqual([422, 404]);
  });

  it('reads Shipgate\'s own workflow files by default: release.yml is dispatchable, an undeclared input is not', async () => {
    const own = await startGithubFake({ tokens: [TOKEN] });
    try {
      const res = await fetch(`${own.url}/repos/acme/widgets/actions/workflows/release.yml/dispatches`, {
        method: 'POST', headers: { authorization: `token ${TOKEN}` }, body: JSON.stringify({ ref: 'main', inputs: { surely_not_declared: 'x' } }),
      });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { message: string }).message).toBe('Unexpected inputs provided: ["surely_not_declared"]');
    } finally {
      await own.close();
    }
  });
});

describe('every request is checked against its OpenAPI operation', () => {
  it('an operation GitHub does not have (or the fake does not serve) is 404 Not Found, recorded', async () => {
    const r = await call('POST', '/repos/acme/widgets/actions/workflows/release.yml/dispatch', { ref: 'main' });
    expect(r.status).toBe(404);
    expect(r.body?.message).toBe('Not Found');
    expect(gh.violations).toEqual([expect.objectContaining({ status: 404, path: '/repos/acme/widgets/actions/workflows/release.yml/dispatch' })]);
  });

  it('a missing required field, a wrong type and a bad enum get 422 "Invalid request." in GitHub\'s wording', async () => {
    const noRef = await dispatch('release.yml', { inputs: { sha: SHA } });
    expect(noRef.status).toBe(422);
    expect(noRef.body?.message).toBe('Invalid request.\n\n"ref" wasn\'t supplied.');
    const labels = await call('POST', '/repos/acme/widgets/issues', { title: 'x', labels: {} });
    expect(labels.body?.message).toBe("Invalid request.\n\nFor 'properties/labels', {} is not an array.");
    const comment = await call('POST', '/repos/acme/widgets/issues/1/comments', { body: null });
    expect(comment.body?.message).toBe("Invalid request.\n\nFor 'properties/body', nil is not a string.");
    const state = await call('PATCH', '/repos/acme/widgets/issues/1', { state: 'merged' });
    expect(state.status).toBe(422);
    expect(String(state.body?.message)).toMatch(/^Invalid request\.\n\nFor 'properties\/state', "merged" is not a member of \["open","closed"\]/);
    expect(gh.violations).toHaveLength(4);
  });

  it('check runs: at most 50 annotations and 65535 characters of summary per request', async () => {
    const ann = (i: number) => ({ path: 'db/migrations/x.js', start_line: i + 1, end_line: i + 1, annotation_level: 'warning', message: `m${i}` });
    const ok = await call('POST', '/repos/acme/widgets/check-runs', { name: 'migrations', head_sha: SHA, output: { title: 't', summary: 's'.repeat(65535), annotations: Array.from({ length: 50 }, (_, i) => ann(i)) } });
    expect(ok.status).toBe(201);
    const many = await call('POST', '/repos/acme/widgets/check-runs', { name: 'migrations', head_sha: SHA, output: { title: 't', summary: 's', annotations: Array.from({ length: 51 }, (_, i) => ann(i)) } });
    expect(many.status).toBe(422);
    expect(String(many.body?.message)).toContain("For 'properties/output/properties/annotations'");
    const long = await call('PATCH', `/repos/acme/widgets/check-runs/${String(ok.body?.id)}`, { output: { title: 't', summary: 's'.repeat(65536) } });
    expect(long.status).toBe(422);
    expect(String(long.body?.message)).toContain('too long (maximum is 65535)');
    expect(gh.violations.map((v) => v.status)).toEqual([422, 422]);
  });

  it('protection-rule status reports: ≤ 1024 characters (GitHub\'s docs; not in the schema)', async () => {
    gh.addRun({ id: 77 });
    const long = await call('POST', '/repos/acme/widgets/actions/runs/77/deployment_protection_rule', { environment_name: 'production', comment: 'x'.repeat(1025) });
    expect(long.status).toBe(422);
    const neither = await call('POST', '/repos/acme/widgets/actions/runs/77/deployment_protection_rule', { environment_name: 'production' });
    expect(neither.status).toBe(422);
    expect(neither.body?.message).toBe('Invalid request.\n\nNo subschema in "anyOf" matched.');
    expect(gh.violations).toHaveLength(2);
  });
});

describe('rate limits, as GitHub answers them', () => {
  it('primary: 403 with x-ratelimit-remaining 0 and x-ratelimit-reset, for the next N requests, then normal again', async () => {
    gh.rateLimitNext({ kind: 'primary', count: 2, seconds: 30 });
    const before = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 2; i++) {
      const r = await call('GET', '/repos/acme/widgets');
      expect(r.status).toBe(403);
      expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(r.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(before + 30);
      expect(String(r.body?.message)).toMatch(/^API rate limit exceeded for /);
    }
    expect((await call('GET', '/repos/acme/widgets')).status).toBe(200);
    expect(gh.limited.slice(-2).map((l) => l.kind)).toEqual(['primary', 'primary']);
  });

  it('secondary: 403 or 429 with retry-after and GitHub\'s "secondary rate limit" message', async () => {
    gh.rateLimitNext({ kind: 'secondary', seconds: 2 });
    gh.rateLimitNext({ kind: 'secondary-429', seconds: 3 });
    const a = await dispatch('release.yml', { ref: 'main', inputs: { sha: SHA } });
    const b = await dispatch('release.yml', { ref: 'main', inputs: { sha: SHA } });
    expect([a.status, a.headers.get('retry-after'), b.status, b.headers.get('retry-after')]).toEqual([403, '2', 429, '3']);
    expect(String(a.body?.message)).toMatch(/^You have exceeded a secondary rate limit\./);
    expect(gh.dispatches).toEqual([]);
    expect((await dispatch('release.yml', { ref: 'main', inputs: { sha: SHA } })).status).toBe(204);
  });
});
