/**
 * Rollback knows the database. The DNS provider is testing/recording-dns.ts, an in-memory
 * implementation of DnsProvider (the real local router is exercised in e2e tests); the store is real.
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { ReleaseStore, newReleaseId } from './store.ts';
import { AuditLog } from './audit.ts';
import { rollbackEnvironment } from './rollback.ts';
import { presentError } from '../errors.ts';
import { recordingDns } from './testing/recording-dns.ts';

const t = useTestDatabase('rollback');

function world() {
  const dns = recordingDns('http://127.0.0.1:4201');
  const db = t.client.db(t.freshName('rb'));
  const store = new ReleaseStore(db);
  const runtimes = {
    production: dns.runtime('production'),
  };
  const live = (breaking: string[]) =>
    store.create({
      _id: newReleaseId(), repo: 'notes', sha: 'abc', ref: 'main', version: '1.1.0', path: ['production'], target: 'production',
      requester: { person: 'sam', identity: { via: 'cli', id: 'sam' } }, status: 'succeeded', stages: [], approvals: [],
      deployments: { production: { slot: 'green', url: 'http://127.0.0.1:4201', previousUrl: 'http://127.0.0.1:4200', previousSlot: 'blue' } },
      targetPlan: { env: 'production', digest: 'd', pending: breaking, lines: [], approximate: false, irreversible: [], breaking },
      backups: { production: 'sgbackupx' },
    });
  return { store, audit: new AuditLog(db), runtimes, target: () => dns.target, live };
}

describe('rollback', () => {
  it('switches the public host back to the previous slot and marks the release rolled back', async () => {
    const w = world();
    const r = await w.live([]);
    const out = await rollbackEnvironment(w, 'production', { force: false, actor: { via: 'cli', id: 'ana' } });
    expect(out.message).toMatch(/→ http:\/\/127\.0\.0\.1:4200 \(was http:\/\/127\.0\.0\.1:4201\)/);
    expect(w.target()).toBe('http://127.0.0.1:4200');
    expect(await w.store.get(r._id)).toMatchObject({ status: 'rolled_back', reason: 'rolled back by ana' });
  });

  it('after a breaking migration it refuses without --force, naming the backup to restore', async () => {
    const w = world();
    await w.live(['0003-backfill-note-slugs']);
    const err = await rollbackEnvironment(w, 'production', { force: false, actor: { via: 'cli', id: 'ana' } }).catch((e: unknown) => e);
    expect(presentError(err)).toMatch(/SHIPGATE_ROLLBACK_BREAKING: .*0003-backfill-note-slugs[\s\S]*--force[\s\S]*shipgate migrate restore sgbackupx/);
    expect(w.target()).toBe('http://127.0.0.1:4201');
    const forced = await rollbackEnvironment(w, 'production', { force: true, actor: { via: 'cli', id: 'ana' } });
    expect(forced.message).toMatch(/breaking migration\(s\) 0003-backfill-note-slugs remain applied/);
    expect(w.target()).toBe('http://127.0.0.1:4200');
  });

  it('with nothing released there, says so', async () => {
    const w = world();
    await expect(rollbackEnvironment(w, 'production', { force: false, actor: { via: 'cli', id: 'ana' } })).rejects.toMatchObject({ code: 'SHIPGATE_ROLLBACK_NOTHING' });
  });

  it('right after the first release (README\'s "then try"), the hint says what is needed: a previous release to go back to', async () => {
    const w = world();
    const first = await w.store.create({
      _id: newReleaseId(), repo: 'notes', sha: 'abc', ref: 'main', version: '1.0.0', path: ['production'], target: 'production',
      requester: { person: 'sam', identity: { via: 'cli', id: 'sam' } }, status: 'succeeded', stages: [], approvals: [],
      deployments: { production: { slot: 'blue', url: 'http://127.0.0.1:4200' } },
    });
    const err = await rollbackEnvironment(w, 'production', { force: false, actor: { via: 'cli', id: 'ana' } }).catch((e: unknown) => e);
    expect(presentError(err)).toMatch(new RegExp(`SHIPGATE_ROLLBACK_NOTHING: cannot roll back production: release ${first._id} replaced nothing`));
    expect(presentError(err)).toMatch(/hint: rollback needs a previous release to roll back to[\s\S]*after the next one \(shipgate release --to production\), shipgate rollback production switches back/);
    expect(w.target()).toBe('http://127.0.0.1:4201');
  });

  it('an environment without dns: the hint names the settings rollback needs', async () => {
    const w = world();
    const err = await rollbackEnvironment(w, 'staging', { force: false, actor: { via: 'cli', id: 'ana' } }).catch((e: unknown) => e);
    expect(presentError(err)).toMatch(/cannot roll back staging: it has no dns to switch[\s\S]*hint: .*give staging slots \(deploy\.slots\) and dns/);
  });
});
