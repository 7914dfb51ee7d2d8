/** `shipgate releases`: the history on FerretDB, seeded with release records; filters and their errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '../testing/mongo.ts';
import { parseConfigText } from '../config/load.ts';
import { isShipgateError } from '../errors.ts';
import type { ReleaseRecord, ReleaseStatus } from '../release/types.ts';
import { findReleases, parseHistoryFilter, renderHistory, type HistoryFlags } from './release-history.ts';
import { runShipgate } from './test-helpers.ts';

const t = useTestDatabase('hist');
const CONFIG = `app: { name: widgets, start: "node server.js" }
environments:
  staging: { deploy: { provider: process }, database: { uriEnv: STAGING_MONGODB_URI } }
  production: { deploy: { provider: process }, database: { uriEnv: PRODUCTION_MONGODB_URI } }
people:
  - { name: ana, slack: U012ABC, github: ana-dev }
  - { name: raj, slack: U034DEF, github: rajk }
`;
const config = parseConfigText(CONFIG, 'shipgate.yml');
const NOW = new Date('2026-12-04T12:00:00.000Z');

function record(id: string, o: { at: string; path: string[]; status: ReleaseStatus; person?: string; via?: 'cli' | 'slack' | 'github'; who: string }): ReleaseRecord {
  return {
    _id: id, repo: 'octo/widgets', sha: `${id.slice(-1)}`.repeat(40), ref: 'main', version: `1.0.${id.slice(-1)}`, path: o.path, target: o.path.at(-1) as string,
    requester: { ...(o.person ? { person: o.person } : {}), identity: { via: o.via ?? 'cli', id: o.who } }, status: o.status, stages: [], approvals: [], deployments: {},
    rev: 1, createdAt: o.at, updatedAt: o.at,
  };
}

// Inserted out of order: the listing sorts.
const seeded = [
  record('rel-b', { at: '2026-12-02T09:00:00.000Z', path: ['staging', 'production'], status: 'succeeded', person: 'ana', via: 'slack', who: 'U012ABC' }),
  record('rel-a', { at: '2026-11-20T09:00:00.000Z', path: ['staging'], status: 'failed', person: 'raj', who: 'raj' }),
  record('rel-d', { at: '2026-12-04T11:00:00.000Z', path: ['staging', 'production'], status: 'awaiting_approval', person: 'raj', via: 'github', who: 'rajk' }),
  record('rel-c', { at: '2026-12-03T18:30:00.000Z', path: ['staging', 'production'], status: 'rolled_back', person: 'ana', who: 'ana' }),
  record('rel-e', { at: '2026-12-04T11:30:00.000Z', path: ['staging'], status: 'running', who: 'stranger' }),
];
let repo: string;

beforeAll(async () => {
  await t.db.collection<ReleaseRecord>('releases').insertMany(seeded);
  repo = await mkdtemp(join(tmpdir(), 'shipgate-releases-'));
  await mkdir(join(repo, '.github'), { recursive: true });
  await writeFile(join(repo, '.github/shipgate.yml'), CONFIG);
});
afterAll(() => rm(repo, { recursive: true, force: true }));

const ids = async (flags: HistoryFlags) => (await findReleases(t.db, parseHistoryFilter(flags, { config, now: NOW }))).map((r) => r._id);

describe('the release history', () => {
  it('lists newest first, every filter narrowing it', async () => {
    expect(await ids({})).toEqual(['rel-e', 'rel-d', 'rel-c', 'rel-b', 'rel-a']);
    expect(await ids({ env: 'production' })).toEqual(['rel-d', 'rel-c', 'rel-b']);
    expect(await ids({ status: 'failed,rolled-back' })).toEqual(['rel-c', 'rel-a']);
    expect(await ids({ status: 'active' })).toEqual(['rel-e', 'rel-d']);
    // A person by name, Slack id or GitHub login, any case.
    expect(await ids({ requester: 'ANA' })).toEqual(['rel-c', 'rel-b']);
    expect(await ids({ requester: 'rajk' })).toEqual(['rel-d']);
    expect(await ids({ requester: 'U012ABC' })).toEqual(['rel-b']);
    expect(await ids({ requester: 'an' })).toEqual([]);
    expect(await ids({ since: '2d' })).toEqual(['rel-e', 'rel-d', 'rel-c']);
    expect(await ids({ since: '2026-12-02', until: '2026-12-03T23:59Z' })).toEqual(['rel-c', 'rel-b']);
    expect(await ids({ env: 'production', since: '7d', status: 'succeeded,rolled_back', limit: '1' })).toEqual(['rel-c']);
    expect(await ids({ limit: '2' })).toEqual(['rel-e', 'rel-d']);
  });

  it('refuses bad filter values, naming the flag and what it accepts', () => {
    const refusal = (flags: HistoryFlags): string => {
      try {
        parseHistoryFilter(flags, { config, now: NOW });
      } catch (err) {
        if (isShipgateError(err)) return `${err.code} ${err.message}`;
        throw err;
      }
      return 'accepted';
    };
    expect(refusal({ status: 'done' })).toMatch(/^SHIPGATE_USAGE --status "done" is not a release status \(one of running, awaiting_approval, succeeded, failed, rejected, rolled_back, active/);
    expect(refusal({ env: 'prod' })).toBe('SHIPGATE_USAGE --env prod is not an environment of the config (known: staging, production)');
    expect(refusal({ since: 'yesterday' })).toMatch(/^SHIPGATE_USAGE --since "yesterday" is not a time/);
    expect(refusal({ until: '2026-13-45' })).toMatch(/^SHIPGATE_USAGE --until "2026-13-45" is not a time/);
    expect(refusal({ since: '2026-12-04', until: '2026-12-01' })).toMatch(/^SHIPGATE_USAGE --since .* is after --until/);
    expect(refusal({ limit: '0' })).toMatch(/^SHIPGATE_USAGE --limit "0" must be a whole number from 1 to 1000/);
    expect(refusal({ limit: 'ten' })).toMatch(/--limit "ten"/);
    expect(refusal({ requester: ' ' })).toMatch(/--requester is empty/);
  });

  it('renders one aligned line per release, and says what matched nothing', async () => {
    const filter = parseHistoryFilter({ env: 'production', limit: '2' }, { config, now: NOW });
    const lines = renderHistory(await findReleases(t.db, filter), filter);
    expect(lines[0]).toMatch(/^id +created \(UTC\) +path +status +version +sha +requester$/);
    expect(lines[1]).toMatch(/^rel-d +2026-12-04 11:00 +staging→production +awaiting_approval +1\.0\.d +d{7} +raj$/);
    expect(lines.at(-1)).toBe('(the newest 2; --limit N for more)');
    const none = parseHistoryFilter({ status: 'rejected' }, { config, now: NOW });
    expect(renderHistory(await findReleases(t.db, none), none)).toEqual(['no releases with status rejected']);
  });

  it('shipgate releases: from the repository, against the store; --json; a bad flag exits 2 naming it', async () => {
    const env = { SHIPGATE_STORE_URI: t.uriFor(t.dbName) };
    const json = await runShipgate(['releases', '--env', 'production', '--status', 'succeeded,rolled_back', '--json'], env, { cwd: repo });
    expect(json.code, json.stderr).toBe(0);
    const list = JSON.parse(json.stdout) as { id: string; status: string; requester: string; target: string }[];
    expect(list.map((r) => [r.id, r.status, r.requester, r.target])).toEqual([['rel-c', 'rolled_back', 'ana', 'production'], ['rel-b', 'succeeded', 'ana', 'production']]);
    const text = await runShipgate(['releases', '--requester', 'stranger'], env, { cwd: repo });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.trim().split('\n')).toHaveLength(2);
    expect(text.stdout).toMatch(/^rel-e .* running .* cli:stranger$/m);
    const bad = await runShipgate(['releases', '--status', 'green'], env, { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('✗ SHIPGATE_USAGE: --status "green" is not a release status');
  }, 60_000);

  it('read-only commands (releases, release show, audit) need no provider secret of any environment', async () => {
    await writeFile(join(repo, '.github/railway.yml'), `app: { name: widgets, start: "node server.js" }
environments:
  production:
    deploy: { provider: railway, service: 5e1d2c3b-4a59-4687-9abc-0d1e2f3a4b01, environment: e0e1e2e3-a4b5-4c6d-8e7f-0a1b2c3d4e01 }
    database: { uriEnv: PRODUCTION_MONGODB_URI }
    dns: { provider: cloudflare, zoneEnv: CF_ZONE_ID, record: example.com }
`);
    const env = { SHIPGATE_STORE_URI: t.uriFor(t.dbName) }; // no RAILWAY_TOKEN, CF_API_TOKEN, CF_ZONE_ID, PRODUCTION_MONGODB_URI
    const f = ['-f', '.github/railway.yml'];
    const show = await runShipgate(['release', 'show', 'rel-b', '--json', ...f], env, { cwd: repo });
    expect(show.code, show.stderr).toBe(0);
    expect((JSON.parse(show.stdout) as { _id: string })._id).toBe('rel-b');
    const audit = await runShipgate(['audit', 'verify', ...f], env, { cwd: repo });
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/✓ audit chain intact/);
    const list = await runShipgate(['releases', '--env', 'production', '--limit', '1', ...f], env, { cwd: repo });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^rel-d /m);
  }, 60_000);

  it('status --env shows that environment alone; an unknown one is refused naming the known ones', async () => {
    const env = { SHIPGATE_STORE_URI: t.uriFor(t.dbName), SHIPGATE_STATE_DIR: join(repo, 'state') };
    const all = await runShipgate(['status'], env, { cwd: repo });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^staging$/m);
    const one = await runShipgate(['status', '--env', 'production'], env, { cwd: repo });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^production$/m);
    expect(one.stdout).not.toMatch(/^staging/m);
    expect(one.stdout).toMatch(/^ {2}(un)?locked/m);
    const bad = await runShipgate(['status', '--env', 'prod'], env, { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('environment "prod" is not in the config (known: staging, production)');
  }, 60_000);
});
