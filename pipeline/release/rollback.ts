/**
 * `shipgate rollback <env>` / `/deploy rollback production`: point the public host back at the
 * previous deployment, which stays up for the rollback window. Rollback knows the database: after
 * a `breaking` migration the previous version cannot run on the new schema, so switching back
 * needs `--force` (or a restore from the release's backup first).
 */
import { defineErrors } from '../errors.ts';
import type { ReleaseSystem } from './factory.ts';
import type { Identity } from './types.ts';

export const rollbackErrors = defineErrors({
  SHIPGATE_ROLLBACK_NOTHING: {
    message: (d: { env: string; why: string; need: 'dns' | 'previous' }) => `cannot roll back ${d.env}: ${d.why}`,
    hint: (d: { env: string; need: 'dns' | 'previous' }) =>
      d.need === 'dns'
        ? `rollback switches the public host back to the slot the last release replaced: give ${d.env} slots (deploy.slots) and dns in .github/shipgate.yml`
        : `rollback needs a previous release to roll back to: the slot the last successful release to ${d.env} replaced (it stays up). The first release there replaces nothing — after the next one (shipgate release --to ${d.env}), shipgate rollback ${d.env} switches back to the version live before it`,
    docs: 'releases.md#rollback',
  },
  SHIPGATE_ROLLBACK_BREAKING: {
    message: (d: { env: string; release: string; migrations: string[]; backup?: string }) =>
      `release ${d.release} applied breaking migration(s) ${d.migrations.join(', ')} on ${d.env}: the previous version may not run on the new schema`,
    hint: (d: { backup?: string }) =>
      `pass --force to switch back anyway${d.backup ? `, or restore first: shipgate migrate restore ${d.backup}` : ''}`,
    docs: 'releases.md#rollback',
  },
});

export async function rollbackEnvironment(system: Pick<ReleaseSystem, 'store' | 'audit' | 'runtimes'>, env: string, opts: { force: boolean; actor: Identity }): Promise<{ message: string }> {
  const rt = system.runtimes[env];
  if (!rt?.dns) throw rollbackErrors.SHIPGATE_ROLLBACK_NOTHING({ env, why: 'it has no dns to switch', need: 'dns' });
  const [live] = await system.store.releases.find({ target: env, status: 'succeeded' }).sort({ finishedAt: -1 }).limit(1).toArray();
  const d = live?.deployments[env];
  if (!live || !d?.previousUrl) throw rollbackErrors.SHIPGATE_ROLLBACK_NOTHING({ env, why: live ? `release ${live._id} replaced nothing (it was the first there)` : 'nothing was released there yet', need: 'previous' });
  const breaking = live.targetPlan?.breaking ?? [];
  if (breaking.length && !opts.force) {
    throw rollbackErrors.SHIPGATE_ROLLBACK_BREAKING({ env, release: live._id, migrations: breaking, ...(live.backups?.[env] ? { backup: live.backups[env] } : {}) });
  }
  const target = rt.dns.targetFor(d.previousUrl);
  const { previous } = await rt.dns.provider.switch(rt.dns.host, target);
  await system.store.update(live, (r) => {
    r.status = 'rolled_back';
    r.reason = `rolled back by ${opts.actor.id}${breaking.length ? ' (forced past breaking migrations)' : ''}`;
  });
  await system.audit.append({ type: 'dns.rollback', release: live._id, env, actor: opts.actor, data: { host: rt.dns.host, from: previous, to: target, forced: breaking.length > 0 } });
  return { message: `↩ ${rt.dns.publicUrl} → ${target} (was ${previous ?? 'unset'}); release ${live._id} marked rolled back${breaking.length ? `; breaking migration(s) ${breaking.join(', ')} remain applied` : ''}` };
}
