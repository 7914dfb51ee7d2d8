/**
 * Preflight in a whole release on real parts (the sample app, the process provider, FerretDB):
 * a missing required variable, a placeholder secret and a production URI equal to staging's each
 * stop the release at staging's preflight — before any migration, deploy or write — naming the
 * problem and never showing a value. A good setup passes preflight and the app gets its mapped
 * variables.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import { useTestDatabase } from '../testing/mongo.ts';
import { readLocalState } from '../local/state.ts';
import { renderFinal } from '../release/render.ts';
import { createReleaseWorld, type World, type WorldConfig } from '../release/testing/world.ts';

vi.setConfig({ testTimeout: 180_000 });
const t = useTestDatabase('pfrel');
const worlds: World[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

const GOOD_SECRET = 'q9V!c2Lx8#rT4mZ7pW1sKd0F';

async function world(configure: (c: WorldConfig) => void, env: (e: Record<string, string>) => Record<string, string | undefined> = (e) => e): Promise<World> {
  const w = await createReleaseWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p), configure, env });
  worlds.push(w);
  return w;
}

/** The app needs JWT_SECRET; each environment maps it from a variable of its own. */
function needsJwt(c: WorldConfig): void {
  c.app.requiredEnv = ['MONGODB_URI', 'JWT_SECRET'];
  c.environments.staging!.deploy.env = { JWT_SECRET: 'STAGING_JWT_SECRET' };
  c.environments.production!.deploy.env = { JWT_SECRET: 'PRODUCTION_JWT_SECRET' };
}

async function untouched(w: World, env: string): Promise<void> {
  const target = await w.system.runtimes[env]!.migrationTarget();
  expect(await target.db.collection('shipgate_migrations').countDocuments()).toBe(0);
  expect((await target.db.listCollections().toArray()).map((c) => c.name)).toEqual([]);
}

describe('preflight stops a release before anything is touched', () => {
  it('a required variable missing on staging: stopped at staging/preflight naming it; no migration, no deploy', async () => {
    const w = await world(needsJwt, (e) => ({ ...e, PRODUCTION_JWT_SECRET: `${GOOD_SECRET}p` }));
    const r = await w.run((await w.release('production', '1.0.0'))._id);
    expect(r.status).toBe('failed');
    const pre = r.stages.find((s) => s.key === 'staging/preflight')!;
    expect(pre.status).toBe('failed');
    expect(r.reason).toContain('STAGING_JWT_SECRET (JWT_SECRET of the app on staging) is not set');
    expect(r.reason).toContain('required-env — 1 required variable not set on staging: JWT_SECRET');
    expect(pre.result?.details).toContain('set STAGING_JWT_SECRET (environments.staging.deploy.env maps JWT_SECRET from it)');
    // The terminal's final lines list each failed check with its fix.
    const terminal = renderFinal(r).join('\n');
    expect(terminal).toContain("  ✗ Shipgate's variables for staging: STAGING_JWT_SECRET (JWT_SECRET of the app on staging) is not set");
    expect(terminal).toContain('      fix: set STAGING_JWT_SECRET (environments.staging.deploy.env maps JWT_SECRET from it)');
    expect(r.stages.filter((s) => s.key !== 'staging/preflight').every((s) => s.status === 'pending')).toBe(true);
    expect(r.deployments).toEqual({});
    await untouched(w, 'staging');
  });

  it('a placeholder secret: stopped at preflight, the value never in the record', async () => {
    const w = await world(needsJwt, (e) => ({ ...e, STAGING_JWT_SECRET: 'changeme', PRODUCTION_JWT_SECRET: GOOD_SECRET }));
    const r = await w.run((await w.release('production', '1.0.0'))._id);
    expect(r.status).toBe('failed');
    expect(r.reason).toContain('secrets — JWT_SECRET is a placeholder');
    expect(JSON.stringify(r)).not.toContain('changeme');
    await untouched(w, 'staging');
  });

  it('production\'s URI pasted from staging: stopped at staging/preflight, both environments named', async () => {
    const w = await world(() => undefined, (e) => ({ ...e, PRODUCTION_MONGODB_URI: e.STAGING_MONGODB_URI }));
    const r = await w.run((await w.release('production', '1.0.0'))._id);
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/database-target — staging's database URI: it is production's database \(same host 127\.0\.0\.1:\d+, database staging[0-9a-f]+\)/);
    await untouched(w, 'staging');
  });

  it('a good setup passes preflight on staging with every check judged, and the app starts with its mapped secret', async () => {
    const w = await world(needsJwt, (e) => ({ ...e, STAGING_JWT_SECRET: GOOD_SECRET, PRODUCTION_JWT_SECRET: `${GOOD_SECRET}p` }));
    const r = await w.run((await w.release('staging', '1.0.0'))._id);
    expect(r.status, r.reason).toBe('succeeded');
    const pre = r.stages.find((s) => s.key === 'staging/preflight')!;
    expect(pre.result).toMatchObject({ status: 'passed', metrics: { checks: 10, failed: 0 } });
    expect(pre.result?.details).toMatch(/✅ \| required variables on staging \| all 2 required variables \(from app.requiredEnv\) are set/);
    expect(pre.result?.details).toMatch(/✅ \| secrets on staging \| 1 secret checked/);
    if (t.kind === 'ferretdb') expect(pre.result?.details).toMatch(/➖ \| database privileges on staging \| FerretDB.* runs without access control/);
    expect(JSON.stringify(r)).not.toContain(GOOD_SECRET);
    // The process provider started the app with the mapped value (Linux: the process's environment).
    const app = (await readLocalState(w.stateDir)).apps.staging!;
    const environ = (await readFile(`/proc/${app.pid}/environ`, 'utf8').catch(() => '')).split('\0');
    if (process.platform === 'linux') expect(environ).toContain(`JWT_SECRET=${GOOD_SECRET}`);
  });
});
