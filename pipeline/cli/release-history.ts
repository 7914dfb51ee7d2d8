/**
 * `shipgate releases`: the release history, filtered, newest first. Read-only queries on the
 * store's `releases` collection (pipeline/release/store.ts writes it). Filters are parsed at the
 * edge: a bad value is a usage error naming its flag and what it accepts.
 */
import type { Collection, Db, Filter } from 'mongodb';
import { parseDuration } from '../config/duration.ts';
import type { ShipgateConfig } from '../config/schema.ts';
import { coreErrors } from '../errors.ts';
import type { ReleaseRecord, ReleaseStatus } from '../release/types.ts';

export const RELEASE_STATUSES: readonly ReleaseStatus[] = ['running', 'awaiting_approval', 'succeeded', 'failed', 'rejected', 'rolled_back'];
/** `active` means a release still in flight. */
const STATUS_ALIASES: Record<string, readonly ReleaseStatus[]> = { active: ['running', 'awaiting_approval'] };
export const MAX_LIMIT = 1000;
export const RELEASES_USAGE = 'shipgate releases [--env <name>] [--status <status>[,<status>…]] [--requester <person>] [--since <time|duration>] [--until <time|duration>] [--limit N] [--json]';

export interface HistoryFilter {
  env?: string;
  statuses?: ReleaseStatus[];
  requester?: string;
  /** ISO instants, inclusive. */
  since?: string;
  until?: string;
  limit: number;
}

export interface HistoryFlags {
  env?: string;
  status?: string;
  requester?: string;
  since?: string;
  until?: string;
  limit?: string;
}

const usage = (problem: string) => coreErrors.SHIPGATE_USAGE({ problem, usage: RELEASES_USAGE });

/**
 * A point in time from a flag: an ISO date (2026-12-01, taken as UTC midnight) or date-time
 * (2026-12-01T10:00Z), or a duration meaning "that long ago" (90m, 12h, 7d).
 */
export function parseInstant(flag: string, value: string, now: Date): string {
  const ago = parseDuration(value);
  if (ago !== undefined) return new Date(now.getTime() - ago).toISOString();
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const t = Date.parse(value.trim().replace(' ', 'T'));
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  throw usage(`${flag} "${value}" is not a time: write a date (2026-12-01), a date and time (2026-12-01T14:30Z), or how long ago (90m, 12h, 7d)`);
}

/** Flags → a validated filter. `config` (when there is one) names the environments and people. */
export function parseHistoryFilter(flags: HistoryFlags, opts: { config?: ShipgateConfig; now?: Date } = {}): HistoryFilter {
  const now = opts.now ?? new Date();
  const filter: HistoryFilter = { limit: 20 };
  if (flags.env !== undefined) {
    const env = flags.env.trim();
    const known = opts.config ? Object.keys(opts.config.environments) : undefined;
    if (!/^[a-z][a-z0-9-]*$/.test(env)) throw usage(`--env "${flags.env}" is not an environment name${known ? ` (known: ${known.join(', ')})` : ''}`);
    if (known && !known.includes(env)) throw usage(`--env ${env} is not an environment of the config (known: ${known.join(', ')})`);
    filter.env = env;
  }
  if (flags.status !== undefined) {
    const wanted = new Set<ReleaseStatus>();
    for (const raw of flags.status.split(',').map((s) => s.trim()).filter(Boolean)) {
      const s = raw.replace(/-/g, '_');
      if (STATUS_ALIASES[s]) STATUS_ALIASES[s].forEach((x) => wanted.add(x));
      else if ((RELEASE_STATUSES as readonly string[]).includes(s)) wanted.add(s as ReleaseStatus);
      else throw usage(`--status "${raw}" is not a release status (one of ${[...RELEASE_STATUSES, ...Object.keys(STATUS_ALIASES)].join(', ')}; several: --status failed,rolled_back)`);
    }
    if (wanted.size === 0) throw usage(`--status is empty (one of ${RELEASE_STATUSES.join(', ')})`);
    filter.statuses = [...wanted];
  }
  if (flags.requester !== undefined) {
    if (!flags.requester.trim()) throw usage('--requester is empty: give a person from people, or a Slack id / GitHub login');
    filter.requester = flags.requester.trim();
  }
  if (flags.since !== undefined) filter.since = parseInstant('--since', flags.since, now);
  if (flags.until !== undefined) filter.until = parseInstant('--until', flags.until, now);
  if (filter.since && filter.until && filter.since > filter.until) throw usage(`--since (${filter.since}) is after --until (${filter.until}): nothing could match`);
  if (flags.limit !== undefined) {
    if (!/^\d+$/.test(flags.limit) || Number(flags.limit) < 1 || Number(flags.limit) > MAX_LIMIT) throw usage(`--limit "${flags.limit}" must be a whole number from 1 to ${MAX_LIMIT}`);
    filter.limit = Number(flags.limit);
  }
  return filter;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The releases matching `filter`, newest first (by creation time, then id). */
export async function findReleases(db: Db, filter: HistoryFilter): Promise<ReleaseRecord[]> {
  const releases: Collection<ReleaseRecord> = db.collection<ReleaseRecord>('releases');
  const and: Filter<ReleaseRecord>[] = [];
  // A release "of" an environment is one whose path went through it (staging → production: both).
  if (filter.env) and.push({ path: filter.env });
  if (filter.statuses) and.push({ status: { $in: filter.statuses } });
  if (filter.requester) {
    const exact = new RegExp(`^${escapeRegex(filter.requester)}$`, 'i');
    and.push({ $or: [{ 'requester.person': exact }, { 'requester.identity.id': exact }] });
  }
  if (filter.since) and.push({ createdAt: { $gte: filter.since } });
  if (filter.until) and.push({ createdAt: { $lte: filter.until } });
  const query: Filter<ReleaseRecord> = and.length ? { $and: and } : {};
  return releases.find(query).sort({ createdAt: -1, _id: -1 }).limit(filter.limit).toArray();
}

/** What `--json` prints per release: stable fields, not the whole record (see `release show <id> --json`). */
export interface ReleaseSummary {
  id: string;
  status: ReleaseStatus;
  target: string;
  path: string[];
  version: string;
  sha: string;
  ref: string;
  requester: string;
  approvedBy: string[];
  createdAt: string;
  finishedAt?: string;
  reason?: string;
}

export function summarize(r: ReleaseRecord): ReleaseSummary {
  return {
    id: r._id, status: r.status, target: r.target, path: [...r.path], version: r.version, sha: r.sha, ref: r.ref,
    requester: requesterName(r), approvedBy: r.approvals.map((a) => a.person),
    createdAt: r.createdAt, ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}), ...(r.reason ? { reason: r.reason } : {}),
  };
}

function requesterName(r: ReleaseRecord): string {
  return r.requester.person ?? `${r.requester.identity.via}:${r.requester.identity.id}`;
}

/** One line per release, aligned; `filter` is described under the table when nothing matched. */
export function renderHistory(list: readonly ReleaseRecord[], filter: HistoryFilter): string[] {
  if (list.length === 0) return [`no releases${describeFilter(filter)}`];
  const rows = list.map((r) => [r._id, r.createdAt.replace('T', ' ').slice(0, 16), r.path.join('→'), r.status, r.version, r.sha.slice(0, 7), requesterName(r)]);
  const head = ['id', 'created (UTC)', 'path', 'status', 'version', 'sha', 'requester'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ');
  const out = [line(head), ...rows.map(line)];
  if (list.length === filter.limit) out.push(`(the newest ${filter.limit}; --limit N for more)`);
  return out;
}

function describeFilter(f: HistoryFilter): string {
  const parts = [
    f.env ? `to ${f.env}` : '', f.statuses ? `with status ${f.statuses.join(' or ')}` : '', f.requester ? `requested by ${f.requester}` : '',
    f.since ? `since ${f.since}` : '', f.until ? `until ${f.until}` : '',
  ].filter(Boolean);
  return parts.length ? ` ${parts.join(', ')}` : ' yet';
}
