/**
 * `shipgate status` after a rollback: a rollback switches back its release's target only, so the
 * environments before it on the path still run that release. The store is real (FerretDB); the
 * DNS provider is testing/recording-dns.ts.
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { ReleaseStore, newReleaseId } from './store.ts';
import { AuditLog } from './audit.ts';
import { rollbackEnvironment } from './rollback.ts';
import { environmentStates } from './status.ts';
import { recordingDns } from './testing/recording-dns.ts';
import type { EnvironmentRuntime } from './stages/runtime.ts';
import type { StageRecord } from './types.ts';

const t = useTestDatabase('status');

const passed = (env: string, name: string): StageRecord => ({ key: `${env}/${name}`, env, name, status: 'passed' });

describe('status after a production rollback', () => {
  it('production shows the release before the rolled-back one; staging still shows the rolled-back release, which runs there', async () => {
    const dns = recordingDns(null);
    const db = t.client.db(t.freshName('st'));
    const store = new ReleaseStore(db);
    await store.init();
    const runtimes = {
      staging: { name: 'staging', protected: false } as unknown as EnvironmentRuntime,
      production: dns.runtime('production', { protected: true }),
    };
    const release = (version: string, prod: { slot: string; url: string; previousUrl?: string }, finishedAt: string) =>
      store.create({
        _id: newReleaseId(), repo: 'notes', sha: `${version.replace(/\./g, '')}0000000`, ref: 'main', version, path: ['staging', 'production'], target: 'production',
        requester: { person: 'sam', identity: { via: 'cli', id: 'sam' } }, status: 'succeeded', finishedAt, approvals: [],
        stages: [passed('staging', 'deploy'), passed('production', 'deploy'), passed('production', 'cutover'), passed('production', 'verify-public')],
        deployments: { staging: { url: `http://127.0.0.1:41${version.replace(/\./g, '')}` }, production: prod },
      });
    const r1 = await release('1.0.0', { slot: 'blue', url: 'http://127.0.0.1:4200' }, '2026-12-01T10:00:00.000Z');
    dns.target = 'http://127.0.0.1:4200';
    const r2 = await release('1.1.0', { slot: 'green', url: 'http://127.0.0.1:4201', previousUrl: 'http://127.0.0.1:4200' }, '2026-12-02T10:00:00.000Z');
    dns.target = 'http://127.0.0.1:4201';
    const system = { store, audit: new AuditLog(db), runtimes };

    const before = await environmentStates(system);
    expect(before.map((s) => [s.env, s.live?.release])).toEqual([['staging', r2._id], ['production', r2._id]]);

    await rollbackEnvironment(system, 'production', { force: false, actor: { via: 'cli', id: 'ana' } });
    expect(dns.target).toBe('http://127.0.0.1:4200');
    const after = await environmentStates(system);
    expect(after.find((s) => s.env === 'production')?.live).toMatchObject({ release: r1._id, version: '1.0.0', slot: 'blue' });
    // Staging was not rolled back: 1.1.0 still runs there.
    expect(after.find((s) => s.env === 'staging')?.live).toMatchObject({ release: r2._id, version: '1.1.0', url: 'http://127.0.0.1:41110' });
  });
});
