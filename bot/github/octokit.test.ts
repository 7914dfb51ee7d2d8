/**
 * Issue 12, finding 4: Shipgate's GitHub clients back off on GitHub's rate limits. The GitHub fake
 * answers the next requests with GitHub's primary (403, x-ratelimit-remaining 0, x-ratelimit-reset)
 * or secondary (403/429, retry-after) limit; the client waits, retries and succeeds, and beyond its
 * bound fails with SHIPGATE_GITHUB_RATE_LIMITED. Assertions are on the requests the fake saw and
 * their order, never on time.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isShipgateError, type ShipgateError } from '../../pipeline/errors.ts';
import { startGithubFake, type GithubFake } from '../../pipeline/testing/fakes/github.ts';
import { installationOctokit } from './installation-auth.ts';
import { createGithubClient } from './octokit.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const PAT = 'ghp_ratelimit000000000000000000000000000';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const DISPATCH = '/repos/acme/notes/actions/workflows/release.yml/dispatches';
let fake: GithubFake;
let dir = '';
let lines: string[] = [];
const log = (line: string) => void lines.push(line);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sg-ratelimit-'));
  await writeFile(join(dir, 'release.yml'), 'on:\n  workflow_dispatch:\n    inputs:\n      sha: { required: true }\n      requester: { required: false }\njobs: {}\n');
  fake = await startGithubFake({ appPublicKey: publicKey, appId: 4242, installations: { 11: ['acme/notes'] }, tokens: [PAT], workflowsDir: dir });
});
afterAll(async () => {
  expect(fake?.violations ?? [], "requests outside GitHub's contract").toEqual([]);
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  lines = [];
  fake.requests.length = 0;
  fake.limited.length = 0;
});

const seen = (path: string) => fake.requests.filter((r) => r.path === path).length;
const dispatchBody = { owner: 'acme', repo: 'notes', workflow_id: 'release.yml', ref: 'main', inputs: { sha: SHA, requester: 'ana' } };

describe('Shipgate waits out GitHub rate limits within a bound', () => {
  it('the bot\'s dispatch (installation token) meets a 429 and a 403 secondary limit: it waits as told, retries, and the run starts once', async () => {
    const octokit = installationOctokit({ appId: '4242', privateKey, owner: 'acme', repo: 'notes', baseUrl: fake.url, rateLimit: { log } });
    fake.rateLimitNext({ kind: 'secondary-429', seconds: 1, match: /dispatches$/ });
    fake.rateLimitNext({ kind: 'secondary', seconds: 1, match: /dispatches$/ });
    const before = fake.dispatches.length;
    await octokit.rest.actions.createWorkflowDispatch(dispatchBody);
    expect(fake.limited.map((l) => [l.status, l.path])).toEqual([[429, DISPATCH], [403, DISPATCH]]);
    expect(seen(DISPATCH)).toBe(3);
    expect(fake.dispatches.length - before).toBe(1);
    expect(lines).toEqual([
      `GitHub secondary rate limit on POST ${DISPATCH}: waiting 1 s, then retry 1 of 3`,
      `GitHub secondary rate limit on POST ${DISPATCH}: waiting 1 s, then retry 2 of 3`,
    ]);
    const token = fake.issued.at(-1)!.token;
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).not.toMatch(/ghs_|ghp_|bearer|authorization/i);
  });

  it('a check run created with a token (the migrate action) meets the primary limit: it waits until x-ratelimit-reset and succeeds', async () => {
    const octokit = createGithubClient({ auth: PAT, baseUrl: fake.url, log });
    fake.rateLimitNext({ kind: 'primary', seconds: 1 });
    const res = await octokit.rest.checks.create({ owner: 'acme', repo: 'notes', name: 'migrations', head_sha: SHA, status: 'completed', conclusion: 'success', output: { title: 'ok', summary: 'ok' } });
    expect(res.status).toBe(201);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /repos/acme/notes/check-runs', 'POST /repos/acme/notes/check-runs']);
    expect(fake.limited.map((l) => l.kind)).toEqual(['primary']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^GitHub primary rate limit on POST \/repos\/acme\/notes\/check-runs: waiting \d s, then retry 1 of 3$/);
    expect(lines[0]).not.toContain(PAT);
  });

  it('beyond the retry bound the request fails with SHIPGATE_GITHUB_RATE_LIMITED, keeping GitHub\'s status; no run starts', async () => {
    const octokit = createGithubClient({ auth: PAT, baseUrl: fake.url, log, maxRetries: 1 });
    fake.rateLimitNext({ kind: 'secondary-429', seconds: 1, count: 2 });
    const before = fake.dispatches.length;
    const err = (await octokit.rest.actions.createWorkflowDispatch(dispatchBody).then(() => undefined, (e: unknown) => e)) as ShipgateError & { status?: number };
    expect(isShipgateError(err)).toBe(true);
    expect(err.code).toBe('SHIPGATE_GITHUB_RATE_LIMITED');
    expect(err.status).toBe(429);
    expect(err.message).toBe(`GitHub's secondary rate limit refused POST ${DISPATCH} (429) after 1 retry: GitHub asked to wait 1 s`);
    expect(err.hint).toMatch(/wait a few minutes/);
    expect(seen(DISPATCH)).toBe(2);
    expect(fake.dispatches.length).toBe(before);
    expect(lines.at(-1)).toBe(`GitHub secondary rate limit on POST ${DISPATCH}: not retrying (1 retries already)`);
  });

  it('a primary limit that resets later than the longest wait fails at once, naming the reset time', async () => {
    const octokit = createGithubClient({ auth: PAT, baseUrl: fake.url, log });
    fake.rateLimitNext({ kind: 'primary', seconds: 3600 });
    const err = (await octokit.rest.repos.get({ owner: 'acme', repo: 'notes' }).then(() => undefined, (e: unknown) => e)) as ShipgateError & { status?: number };
    expect(err.code).toBe('SHIPGATE_GITHUB_RATE_LIMITED');
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/^GitHub's primary rate limit refused GET \/repos\/acme\/notes \(403\) after 0 retries: the quota resets at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(err.hint).toMatch(/hourly request quota/);
    expect(seen('/repos/acme/notes')).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^GitHub primary rate limit on GET \/repos\/acme\/notes: not retrying \(the wait of \d+ s is longer than 120 s\)$/)]);
  });

  it('other errors pass through unchanged (a 404 stays Octokit\'s RequestError)', async () => {
    const octokit = createGithubClient({ auth: PAT, baseUrl: fake.url, log });
    const err = (await octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { owner: 'acme', repo: 'notes', run_id: 999_999 }).then(() => undefined, (e: unknown) => e)) as { status?: number; name?: string };
    expect(err.status).toBe(404);
    expect(err.name).toBe('HttpError');
    expect(lines).toEqual([]);
  });
});
