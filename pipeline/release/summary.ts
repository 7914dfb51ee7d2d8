/**
 * A small summary of each release, written beside the record (`release_summaries`), for lists
 * that must stay fast at thousands of releases (the dashboard). The record is the truth: the
 * summary is written after it, last writer wins, and a reader that opens the record repairs a
 * stale summary. Why a separate collection: FerretDB scans whole documents for any filter or sort
 * (10,000 full records: ~10 s; 10,000 summaries: ~0.3 s), and on MongoDB it is a small index-only
 * read. Nothing here is secret: the record was redacted before it was written.
 */
import type { Db } from 'mongodb';
import type { ReleaseRecord, ReleaseStatus } from './types.ts';

export const SUMMARIES = 'release_summaries';
/**
 * One small document that changes whenever a summary is written: readers check it before they
 * look for changed summaries, so an idle dashboard costs one tiny read per interval, not a scan.
 * Two writers may both set the same `seq` (FerretDB's $inc is not atomic with the read): it
 * still changes, and a reader re-reads every summary changed since its last look.
 */
export const RELEASE_CLOCK = 'release_clock';
/** Marks that every record written before summaries existed has one (the dashboard backfills once, then sets it). */
export const SUMMARY_META = 'release_index_meta';
export const BACKFILLED = 'summaries-backfilled';

export interface ReleaseIndexEntry {
  _id: string;
  rev: number;
  status: ReleaseStatus;
  path: string[];
  target: string;
  version: string;
  sha: string;
  requester: string;
  requesterId: string;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Environments this release went live on: its cutover passed there (its deploy, without a cutover stage). */
  live: string[];
  /** Per environment it went live on: when (the live stage's finishedAt), for delivery metrics without reading records. */
  liveAt?: Record<string, string>;
  /** Environments where a stage failed after the release went live there (e.g. verify-public): a change failure. */
  failedAfterLive?: string[];
  /** The running stage's key, or the failed one. */
  stage?: string;
  reason?: string;
}

export function summaryOf(r: ReleaseRecord): ReleaseIndexEntry {
  const stage = r.stages.find((s) => s.status === 'running') ?? r.stages.find((s) => s.status === 'failed' || s.status === 'error');
  const liveStage = (env: string) => r.stages.find((s) => s.env === env && s.name === 'cutover') ?? r.stages.find((s) => s.env === env && s.name === 'deploy');
  const live = r.path.filter((env) => liveStage(env)?.status === 'passed');
  const liveAt: Record<string, string> = {};
  for (const env of live) {
    const at = liveStage(env)?.finishedAt;
    if (at) liveAt[env] = at;
  }
  const failedAfterLive = Object.keys(liveAt).filter((env) =>
    r.stages.some((s) => s.env === env && (s.status === 'failed' || s.status === 'error') && (s.finishedAt ?? s.startedAt ?? '') >= (liveAt[env] as string)),
  );
  return {
    _id: r._id, rev: r.rev, live, liveAt, ...(failedAfterLive.length ? { failedAfterLive } : {}), status: r.status, path: [...r.path], target: r.target, version: r.version, sha: r.sha,
    requester: r.requester.person ?? `${r.requester.identity.via}:${r.requester.identity.id}`,
    requesterId: r.requester.identity.id,
    createdAt: r.createdAt, updatedAt: r.updatedAt,
    ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
    ...(stage ? { stage: stage.key } : {}),
    ...(r.reason ? { reason: r.reason.split('\n')[0]!.slice(0, 300) } : {}),
  };
}

/** Writes the summary of `r` and ticks the clock (never throws: a summary is an index, the record is already written). */
export async function writeSummary(db: Db, r: ReleaseRecord): Promise<void> {
  await db
    .collection<ReleaseIndexEntry>(SUMMARIES)
    .replaceOne({ _id: r._id }, summaryOf(r), { upsert: true })
    .catch(() => undefined);
  await tickReleaseClock(db);
}

export async function tickReleaseClock(db: Db): Promise<void> {
  await db
    .collection<{ _id: string; seq: number; at: Date }>(RELEASE_CLOCK)
    .updateOne({ _id: 'releases' }, { $inc: { seq: 1 }, $set: { at: new Date() } }, { upsert: true })
    .catch(() => undefined);
}

export async function readReleaseClock(db: Db): Promise<number> {
  return (await db.collection<{ _id: string; seq: number }>(RELEASE_CLOCK).findOne({ _id: 'releases' }))?.seq ?? 0;
}
