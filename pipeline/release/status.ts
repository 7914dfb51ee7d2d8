/**
 * `shipgate status` / `/deploy status`: per environment, what runs there, what is in flight, and
 * every freeze in one place — the lock (a release's lease, a manual `lock`, the nightly smoke's
 * freeze) and the configured deploy window (open now or closed until when, upcoming freeze dates).
 */
import { readEnvironmentLock } from './locks.ts';
import type { ReleaseSystem } from './factory.ts';
import type { ReleaseRecord } from './types.ts';
import type { ShipgateConfig } from '../config/schema.ts';
import { describeNextOpen, describeRule, evaluateWindow, formatInstant, upcomingFreezes } from './windows.ts';

/** The owner of the nightly smoke's freeze (bot/github/nightly.ts NIGHTLY_LOCK_OWNER; status.test.ts holds them together). */
export const NIGHTLY_SMOKE_LOCK_OWNER = 'nightly-smoke';

export type LockKind = 'release' | 'freeze' | 'nightly-smoke';

export interface WindowState {
  timezone: string;
  open: boolean;
  /** Closed: the rule (with its reason) and when it opens; open: when it next closes, if it does. */
  rule?: string;
  nextOpen?: string;
  closesAt?: string;
  freezes: { from: string; to: string; reason: string }[];
}

export interface EnvironmentState {
  env: string;
  protected: boolean;
  live?: { version: string; sha: string; release: string; url: string; slot?: string; at: string };
  publicUrl?: string;
  lock?: { owner: string; reason: string; until: string; kind?: LockKind };
  window?: WindowState;
  inFlight?: { release: string; version: string; status: string; stage?: string };
}

type StatusSystem = Pick<ReleaseSystem, 'store' | 'runtimes'> & { config?: Pick<ShipgateConfig, 'policy'>; now?: () => Date };

export async function environmentStates(system: StatusSystem, opts: { now?: Date } = {}): Promise<EnvironmentState[]> {
  const now = opts.now ?? system.now?.() ?? new Date();
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
      ...(lock ? { lock: lockState(lock) } : {}),
      ...windowState(system.config, env, now),
      ...(flight
        ? { inFlight: { release: flight._id, version: flight.version, status: flight.status, ...(flight.stages.find((s) => s.status === 'running') ? { stage: flight.stages.find((s) => s.status === 'running')!.key } : {}) } }
        : {}),
    });
  }
  return out;
}

/** A lock as status shows it: who, why, until when, and which kind of freeze. */
export function lockState(lock: { owner: string; reason: string; expiresAt: Date | null }): NonNullable<EnvironmentState['lock']> {
  return { owner: lock.owner, reason: lock.reason, until: lock.expiresAt ? lock.expiresAt.toISOString() : 'unlocked by hand', kind: lockKind(lock) };
}

function lockKind(lock: { owner: string; expiresAt: Date | null }): LockKind {
  if (lock.owner === NIGHTLY_SMOKE_LOCK_OWNER) return 'nightly-smoke';
  return lock.expiresAt ? 'release' : 'freeze';
}

/** The deploy window of `env` at `now` (nothing when the config sets none). */
export function windowState(config: Pick<ShipgateConfig, 'policy'> | undefined, env: string, now: Date): { window?: WindowState } {
  const windows = config?.policy.windows;
  const w = windows && Object.hasOwn(windows, env) ? windows[env] : undefined;
  if (!w) return {};
  const v = evaluateWindow(w, now);
  const freezes = upcomingFreezes(w, now);
  if (!v.open) return { window: { timezone: w.timezone, open: false, rule: describeRule(v.rule, w.timezone), nextOpen: describeNextOpen(v), freezes } };
  return {
    window: {
      timezone: w.timezone, open: true,
      ...(v.closesAt && v.closingRule ? { closesAt: formatInstant(v.closesAt, w.timezone), rule: describeRule(v.closingRule, w.timezone) } : {}),
      freezes,
    },
  };
}

/** The lock and window lines of one environment (terminal; Slack's statusMessage shows the same facts). */
export function freezeLines(s: EnvironmentState): string[] {
  const lines: string[] = [];
  if (!s.lock) lines.push('unlocked');
  else if (s.lock.kind === 'nightly-smoke') lines.push(`🔒 nightly smoke freeze: ${s.lock.reason} (lifted when the smoke is green again, or \`shipgate unlock ${s.env}\`)`);
  else lines.push(`🔒 locked by ${s.lock.owner}: ${s.lock.reason} (${s.lock.until})`);
  const w = s.window;
  if (w) {
    if (w.open) lines.push(`window open now${w.closesAt ? `; closes ${w.closesAt}: ${w.rule}` : ''}`);
    else lines.push(`⛔ window closed: ${w.rule}; opens ${w.nextOpen}`);
    for (const f of w.freezes) lines.push(`freeze ${f.from === f.to ? f.from : `${f.from} – ${f.to}`} (${w.timezone}): ${f.reason}`);
  }
  return lines;
}

export async function environmentStatus(system: StatusSystem, opts: { now?: Date } = {}): Promise<string[]> {
  const lines: string[] = [];
  for (const s of await environmentStates(system, opts)) {
    lines.push(`${s.env}${s.protected ? ' (protected)' : ''}`);
    lines.push(s.live ? `  version ${s.live.version} (${s.live.sha.slice(0, 7)})${s.live.slot ? ` on slot ${s.live.slot}` : ''} at ${s.live.url} — ${s.live.release}` : '  nothing released yet');
    if (s.publicUrl) lines.push(`  public: ${s.publicUrl}`);
    for (const l of freezeLines(s)) lines.push(`  ${l}`);
    if (s.inFlight) lines.push(`  in flight: ${s.inFlight.release} ${s.inFlight.version} — ${s.inFlight.status.replace('_', ' ')}${s.inFlight.stage ? ` at ${s.inFlight.stage}` : ''}`);
  }
  return lines;
}
