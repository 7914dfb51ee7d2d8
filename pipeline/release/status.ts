/** `shipgate status` / `/deploy status`: per environment, what runs there, its lock, what is in flight. */
import { readEnvironmentLock } from './locks.ts';
import type { ReleaseSystem } from './factory.ts';
import type { ReleaseRecord } from './types.ts';

export interface EnvironmentState {
  env: string;
  protected: boolean;
  live?: { version: string; sha: string; release: string; url: string; slot?: string; at: string };
  publicUrl?: string;
  lock?: { owner: string; reason: string; until: string };
  inFlight?: { release: string; version: string; status: string; stage?: string };
}

export async function environmentStates(system: Pick<ReleaseSystem, 'store' | 'runtimes'>): Promise<EnvironmentState[]> {
  const out: EnvironmentState[] = [];
  const active = await system.store.list({ active: true, limit: 50 });
  for (const [env, rt] of Object.entries(system.runtimes)) {
    // The newest release whose deploy (or, behind DNS, cutover) on env passed and that was not rolled back *on env*
    // (filtered here: FerretDB's $elemMatch takes only operator expressions). A rollback switches back its
    // release's target only: a release rolled back on production still runs on staging.
    const recent = await system.store.releases.find({ path: env }).sort({ updatedAt: -1 }).limit(50).toArray();
    const liveStage = rt.dns ? 'cutover' : 'deploy';
    const last = recent.find((r) => !(r.status === 'rolled_back' && r.target === env) && r.stages.some((s) => s.env === env && s.name === liveStage && s.status === 'passed'));
    const lock = await readEnvironmentLock(system.store.db, env);
    const flight = active.find((r: ReleaseRecord) => r.path.includes(env) && r.stages.some((s) => s.env === env && s.status !== 'passed'));
    const d = last?.deployments[env];
    out.push({
      env,
      protected: rt.protected,
      ...(last && d ? { live: { version: last.version, sha: last.sha, release: last._id, url: d.url, ...(d.slot ? { slot: d.slot } : {}), at: last.updatedAt } } : {}),
      ...(rt.dns ? { publicUrl: rt.dns.publicUrl } : {}),
      ...(lock ? { lock: { owner: lock.owner, reason: lock.reason, until: lock.expiresAt ? lock.expiresAt.toISOString() : 'unlocked by hand' } } : {}),
      ...(flight
        ? { inFlight: { release: flight._id, version: flight.version, status: flight.status, ...(flight.stages.find((s) => s.status === 'running') ? { stage: flight.stages.find((s) => s.status === 'running')!.key } : {}) } }
        : {}),
    });
  }
  return out;
}

export async function environmentStatus(system: Pick<ReleaseSystem, 'store' | 'runtimes'>): Promise<string[]> {
  const lines: string[] = [];
  for (const s of await environmentStates(system)) {
    lines.push(`${s.env}${s.protected ? ' (protected)' : ''}`);
    lines.push(s.live ? `  version ${s.live.version} (${s.live.sha.slice(0, 7)})${s.live.slot ? ` on slot ${s.live.slot}` : ''} at ${s.live.url} — ${s.live.release}` : '  nothing released yet');
    if (s.publicUrl) lines.push(`  public: ${s.publicUrl}`);
    lines.push(s.lock ? `  🔒 locked by ${s.lock.owner}: ${s.lock.reason} (${s.lock.until})` : '  unlocked');
    if (s.inFlight) lines.push(`  in flight: ${s.inFlight.release} ${s.inFlight.version} — ${s.inFlight.status.replace('_', ' ')}${s.inFlight.stage ? ` at ${s.inFlight.stage}` : ''}`);
  }
  return lines;
}
