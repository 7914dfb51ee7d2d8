/**
 * What the dashboard reads releases through: every release's summary in memory
 * (pipeline/release/summary.ts), refreshed from the store at most once per interval however many
 * people look (one query per process, never one per viewer), and the full records of recently
 * viewed releases, kept while their revision is current. Lists, filters and paging at 10,000
 * releases are then work on an array, not a scan of the store.
 */
import type { Collection, Db } from 'mongodb';
import { SUMMARIES, summaryOf, writeSummary, type ReleaseIndexEntry } from '../release/summary.ts';
import type { ReleaseRecord, ReleaseStatus } from '../release/types.ts';

export interface ListFilter {
  env?: string;
  statuses?: ReleaseStatus[];
  /** A person's name or an identity id, exact, any case. */
  requester?: string;
  /** ISO instants, inclusive, on createdAt. */
  since?: string;
  until?: string;
}

export interface ListPage {
  items: ReleaseIndexEntry[];
  total: number;
  page: number;
  pages: number;
  perPage: number;
}

/** Summaries written by another clock may be a little behind ours: re-read this much before the newest one seen. */
const SKEW_MS = 15_000;
const RECORD_CACHE = 256;

export class ReleaseIndex {
  private readonly entries = new Map<string, ReleaseIndexEntry>();
  private sorted: ReleaseIndexEntry[] | null = null;
  private readonly records = new Map<string, ReleaseRecord>();
  private readonly summaries: Collection<ReleaseIndexEntry>;
  private readonly releases: Collection<ReleaseRecord>;
  private newest = '';
  private lastRefresh = 0;
  private inFlight: Promise<void> | null = null;
  private loaded = false;

  constructor(
    readonly db: Db,
    private readonly opts: { minIntervalMs?: number; now?: () => number } = {},
  ) {
    this.summaries = db.collection<ReleaseIndexEntry>(SUMMARIES);
    this.releases = db.collection<ReleaseRecord>('releases');
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Fresh enough: re-reads changed summaries when the last read is older than the interval (single flight). */
  async refresh(force = false): Promise<void> {
    if (!force && this.loaded && this.now() - this.lastRefresh < (this.opts.minIntervalMs ?? 1000)) return;
    if (this.inFlight) return this.inFlight;
    this.inFlight = (this.loaded ? this.readChanged() : this.load()).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async load(): Promise<void> {
    // Histories written before summaries existed: summarize the records once.
    const [records, summaries] = await Promise.all([this.releases.estimatedDocumentCount(), this.summaries.estimatedDocumentCount()]);
    if (records > summaries) {
      const have = new Set((await this.summaries.find({}, { projection: { _id: 1 } }).toArray()).map((s) => s._id));
      for await (const r of this.releases.find({})) if (!have.has(r._id)) await writeSummary(this.db, r);
    }
    for (const s of await this.summaries.find({}).toArray()) this.put(s);
    this.loaded = true;
    this.lastRefresh = this.now();
  }

  private async readChanged(): Promise<void> {
    const since = this.newest ? new Date(Date.parse(this.newest) - SKEW_MS).toISOString() : '';
    const started = this.now();
    for (const s of await this.summaries.find(since ? { updatedAt: { $gte: since } } : {}).toArray()) this.put(s);
    this.lastRefresh = started;
  }

  private put(s: ReleaseIndexEntry): void {
    const had = this.entries.get(s._id);
    if (had && had.rev > s.rev) return;
    this.entries.set(s._id, s);
    if (!had || had.createdAt !== s.createdAt) this.sorted = null;
    else if (this.sorted) this.sorted[this.sorted.indexOf(had)] = s;
    if (s.updatedAt > this.newest) this.newest = s.updatedAt;
  }

  /** Newest first (created, then id). */
  all(): readonly ReleaseIndexEntry[] {
    if (!this.sorted) {
      this.sorted = [...this.entries.values()].sort((a, b) => (a.createdAt === b.createdAt ? (a._id < b._id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    }
    return this.sorted;
  }

  get size(): number {
    return this.entries.size;
  }

  entry(id: string): ReleaseIndexEntry | undefined {
    return this.entries.get(id);
  }

  list(filter: ListFilter, page: number, perPage: number): ListPage {
    const who = filter.requester?.toLowerCase();
    const matches = this.all().filter(
      (e) =>
        (!filter.env || e.path.includes(filter.env)) &&
        (!filter.statuses || filter.statuses.includes(e.status)) &&
        (!who || e.requester.toLowerCase() === who || e.requesterId.toLowerCase() === who) &&
        (!filter.since || e.createdAt >= filter.since) &&
        (!filter.until || e.createdAt <= filter.until),
    );
    const pages = Math.max(1, Math.ceil(matches.length / perPage));
    const p = Math.min(Math.max(1, page), pages);
    return { items: matches.slice((p - 1) * perPage, p * perPage), total: matches.length, page: p, pages, perPage };
  }

  /** The full record: from memory while its revision is the newest known, else from the store (repairing a stale summary). */
  async record(id: string, opts: { minRev?: number } = {}): Promise<ReleaseRecord | null> {
    const known = this.entries.get(id);
    const cached = this.records.get(id);
    if (cached && known && cached.rev >= Math.max(known.rev, opts.minRev ?? 0)) {
      this.records.delete(id);
      this.records.set(id, cached); // most recently used last
      return cached;
    }
    const r = await this.releases.findOne({ _id: id });
    if (!r) return null;
    if (!known || known.rev !== r.rev) {
      const s = summaryOf(r);
      this.put(s);
      if (known && known.rev < r.rev) await writeSummary(this.db, r);
    }
    this.records.set(id, r);
    if (this.records.size > RECORD_CACHE) this.records.delete(this.records.keys().next().value as string);
    return r;
  }
}
