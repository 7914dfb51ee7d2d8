/**
 * Release history for tests and bench/dashboard.ts: `count` release records shaped like the
 * engine's (stages with gate results and markdown details, approvals, deployments), spread over
 * the last `days` days, deterministic for a seed. Written straight into the store's `releases`
 * collection (and their summaries, as ReleaseStore writes them) in batches — the dashboard reads it exactly as it reads real history.
 */
import type { Db } from 'mongodb';
import type { GateResult } from '../gates/types.ts';
import type { ReleaseRecord, ReleaseStatus, StageRecord } from '../release/types.ts';
import { BACKFILLED, SUMMARIES, SUMMARY_META, summaryOf, type ReleaseIndexEntry } from '../release/summary.ts';

const PEOPLE = ['ana', 'ben', 'chen', 'dara', 'eli'];
const STAGES = ['preflight', 'migrate', 'deploy', 'health', 'smoke', 'load'];

/** mulberry32: uniform in [0, 1) even for consecutive seeds (a plain xorshift's first draws are not: dates clustered). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function result(gate: string, status: GateResult['status'], at: string): GateResult {
  return {
    gate, status, startedAt: at, durationMs: 1200,
    summary: status === 'passed' ? `${gate} passed` : `${gate} failed: 3 of 40 requests answered 503`,
    details: `| check | result |\n|---|---|\n| ${gate} | ${status} |\n\n${'a line of gate details that a real gate writes\n'.repeat(8)}`,
    metrics: { tries: 3, p95Ms: 41.2 },
  };
}

export function seededRelease(i: number, opts: { now: Date; days: number; seed?: number }): ReleaseRecord {
  const r = rng((opts.seed ?? 7) * 100_003 + i);
  const created = new Date(opts.now.getTime() - Math.floor(r() * opts.days * 86_400_000));
  const at = created.toISOString();
  const toProd = r() < 0.7;
  const path = toProd ? ['staging', 'production'] : ['staging'];
  const roll = r();
  const status: ReleaseStatus = roll < 0.75 ? 'succeeded' : roll < 0.87 ? 'failed' : roll < 0.93 ? 'rejected' : 'rolled_back';
  const failAt = status === 'failed' ? Math.floor(r() * STAGES.length * path.length) : -1;
  const stages: StageRecord[] = [];
  let n = 0;
  for (const env of path) {
    for (const name of [...STAGES, ...(env === 'production' ? ['cutover'] : [])]) {
      const st = n < failAt || failAt < 0 ? 'passed' : n === failAt ? 'failed' : 'pending';
      stages.push({
        key: `${env}/${name}`, env, name, status: status === 'rejected' && env === 'production' ? 'pending' : st,
        ...(st !== 'pending' ? { startedAt: at, finishedAt: new Date(created.getTime() + (n + 1) * 20_000).toISOString(), result: result(name, st === 'failed' ? 'failed' : 'passed', at) } : {}),
      });
      n++;
    }
  }
  const person = PEOPLE[Math.floor(r() * PEOPLE.length)] as string;
  const version = `1.${Math.floor(i / 100)}.${i % 100}`;
  const sha = (i.toString(16).padStart(8, '0') + 'c0ffee'.repeat(6)).slice(0, 40);
  const finished = new Date(created.getTime() + 600_000).toISOString();
  return {
    _id: `rel-seed-${String(i).padStart(6, '0')}`, repo: 'acme/notes', sha, ref: 'main', version, path, target: path[path.length - 1] as string,
    requester: { person, identity: { via: 'slack', id: `U${person.toUpperCase()}` } }, status, stages,
    approvals: toProd && status !== 'rejected' ? [{ person: 'ben', identity: { via: 'slack', id: 'UBEN' }, at: finished, expiresAt: finished, digest: 'd'.repeat(64) }] : [],
    ...(status === 'failed' ? { reason: 'a gate failed' } : status === 'rejected' ? { reason: 'rejected by ben: not today' } : status === 'rolled_back' ? { reason: 'rolled back by ana' } : {}),
    deployments: Object.fromEntries(path.map((e) => [e, { url: `http://127.0.0.1:41${e === 'staging' ? '01' : '02'}`, slot: i % 2 ? 'blue' : 'green' }])),
    rev: 12, createdAt: at, updatedAt: finished, finishedAt: finished,
  };
}

/** Inserts `count` seeded releases (ids rel-seed-000000…); returns how many were written. */
export async function seedReleases(db: Db, count: number, opts: { now?: Date; days?: number; seed?: number } = {}): Promise<number> {
  const now = opts.now ?? new Date();
  const days = opts.days ?? 365;
  const releases = db.collection<ReleaseRecord>('releases');
  for (let i = 0; i < count; i += 500) {
    const batch: ReleaseRecord[] = [];
    for (let j = i; j < Math.min(count, i + 500); j++) batch.push(seededRelease(j, { now, days, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) }));
    await releases.insertMany(batch, { ordered: false });
    await db.collection<ReleaseIndexEntry>(SUMMARIES).insertMany(batch.map(summaryOf), { ordered: false });
  }
  // Every seeded record has its summary: nothing to backfill.
  await db.collection<{ _id: string; at: Date }>(SUMMARY_META).updateOne({ _id: BACKFILLED }, { $set: { at: new Date() } }, { upsert: true });
  return count;
}
