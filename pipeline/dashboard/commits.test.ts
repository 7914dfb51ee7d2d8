/**
 * The commits a release page shows: from git in a real checkout (a temp repository with real
 * commits), else from GitHub's compare API through the GitHub fake, which checks every request
 * against GitHub's OpenAPI description (no violation allowed); an unknown commit is a note, not a
 * failure of the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { useTestDatabase } from '../testing/mongo.ts';
import { startGithubFake, type GithubFake } from '../testing/fakes/github.ts';
import { createGithubClient } from '../../bot/github/octokit.ts';
import { parseConfigText } from '../config/load.ts';
import { ReleaseStore } from '../release/store.ts';
import type { ReleaseRecord } from '../release/types.ts';
import { commitsFor } from './data.ts';
import { ReleaseIndex } from './release-index.ts';
import { seededRelease } from './seed.ts';

const run = promisify(execFile);
const t = useTestDatabase('dashcommits');
const TOKEN = 'ghs_dashboardcommitstesttoken000000000';
const sha = (i: number) => `${String(i).repeat(7)}${'a'.repeat(33)}`.slice(0, 40);
const HISTORY = [1, 2, 3, 4, 5].map((i) => ({ sha: sha(i), message: `change ${i}\n\nbody <b>${i}</b>`, author: `dev${i}`, date: `2026-12-0${i}T10:00:00Z` }));
let gh: GithubFake;
let repo: string;

const config = parseConfigText(stringify({
  app: { name: 'notes', start: 'node s.js' },
  environments: { production: { deploy: { provider: 'process' }, database: { uriEnv: 'PRODUCTION_MONGODB_URI' } } },
  approval: { approvers: ['ana'] }, people: [{ name: 'ana' }],
}), 'shipgate.yml');

async function releases(db: ReturnType<typeof t.client.db>, live: string, next: string): Promise<{ index: ReleaseIndex; r: ReleaseRecord }> {
  const store = new ReleaseStore(db);
  const base = seededRelease(1, { now: new Date(), days: 1 });
  const stages = [{ key: 'production/deploy', env: 'production', name: 'deploy', status: 'passed' as const, finishedAt: new Date().toISOString() }];
  await store.create({ ...base, _id: 'rel-before', sha: live, path: ['production'], target: 'production', status: 'succeeded', stages });
  await new Promise((res) => setTimeout(res, 5));
  const r = await store.create({ ...base, _id: 'rel-now', sha: next, path: ['production'], target: 'production', status: 'running', stages: [] });
  const index = new ReleaseIndex(db);
  await index.refresh();
  return { index, r };
}

beforeAll(async () => {
  gh = await startGithubFake({ tokens: [TOKEN], history: { 'acme/notes': HISTORY } });
  repo = await mkdtemp(join(tmpdir(), 'sg-dash-git-'));
  const git = (...a: string[]) => run('git', a, { cwd: repo });
  await git('init', '-q', '-b', 'main');
  for (const i of [1, 2, 3]) {
    await writeFile(join(repo, 'f.txt'), String(i));
    await git('add', 'f.txt');
    await git('-c', 'user.name=Dev Eloper', '-c', 'user.email=dev@example.com', 'commit', '-q', '-m', `git change ${i}`);
  }
});
afterAll(async () => {
  await gh?.close();
  await rm(repo, { recursive: true, force: true });
});

describe('commits between what was live and the release', () => {
  it('from git in a checkout: the commits after the live one, newest first', async () => {
    const log = (await run('git', ['log', '--format=%H'], { cwd: repo })).stdout.trim().split('\n');
    const { index, r } = await releases(t.client.db(t.freshName('git')), log[2]!, log[0]!);
    const out = await commitsFor({ db: index.db, config, index, repoRoot: repo }, r);
    expect(out).toMatchObject({ available: true, from: log[2] });
    expect(out.list.map((c) => [c.sha, c.subject, c.author])).toEqual([[log[0], 'git change 3', 'Dev Eloper'], [log[1], 'git change 2', 'Dev Eloper']]);
  });

  it('from GitHub\'s compare API without a checkout, within GitHub\'s contract', async () => {
    const { index, r } = await releases(t.client.db(t.freshName('gh')), sha(2), sha(5));
    const octokit = createGithubClient({ auth: TOKEN, baseUrl: gh.url });
    const github = { owner: 'acme', repo: 'notes', request: (route: string, params: Record<string, unknown>) => octokit.request(route, params) };
    const out = await commitsFor({ db: index.db, config, index, github }, r);
    expect(out).toMatchObject({ available: true, from: sha(2) });
    expect(out.list.map((c) => [c.sha, c.subject, c.author, c.at])).toEqual([
      [sha(5), 'change 5', 'dev5', '2026-12-05T10:00:00Z'], [sha(4), 'change 4', 'dev4', '2026-12-04T10:00:00Z'], [sha(3), 'change 3', 'dev3', '2026-12-03T10:00:00Z'],
    ]);
    expect(gh.calls('GET', /\/compare\//)).toHaveLength(1);
    // The same range again (another page view): from memory, GitHub is not asked twice.
    await commitsFor({ db: index.db, config, index, github }, r);
    expect(gh.calls('GET', /\/compare\//)).toHaveLength(1);
    expect(gh.violations).toEqual([]);
    // A checkout that does not know the commits falls back to GitHub.
    expect((await commitsFor({ db: index.db, config, index, github, repoRoot: repo }, r)).list).toHaveLength(3);
  });

  it('a commit GitHub does not know, or no GitHub at all, is a note on the page', async () => {
    const { index, r } = await releases(t.client.db(t.freshName('unk')), sha(2), sha(9));
    const octokit = createGithubClient({ auth: TOKEN, baseUrl: gh.url, maxRetries: 0 });
    const github = { owner: 'acme', repo: 'notes', request: (route: string, params: Record<string, unknown>) => octokit.request(route, params) };
    expect(await commitsFor({ db: index.db, config, index, github }, r)).toEqual({ available: false, note: `GitHub could not compare 2222222...9999999 (HTTP 404)`, list: [] });
    expect((await commitsFor({ db: index.db, config, index }, r)).note).toContain('in a checkout of the repository');
  });
});
