/**
 * What the dashboard reads releases through: every release's summary in memory
 * (pipeline/release/summary.ts), refreshed from the store at most once per interval however many
 * people look (one query per process, never one per viewer), and the full records of recently
 * viewed releases, kept while their revision is current. Lists, filters and paging at 10,000
 * releases are then work on an array, not a scan of the store.
 */
import type { Collection, Db } from 'mongodb';
import { BACKFILLED, readReleaseClock, SUMMARIES, SUMMARY_META, summaryOf, writeSummary, type ReleaseIndexEntry } from '../release/summary.ts';
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
  private clock = -1;

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

  /**
   * For a request: waits only for the first load; after that, a stale index is served as it is
   * and re-read in the background (single flight), so no request waits for a scan of the store.
   */
  async ensureFresh(): Promise<void> {
    if (!this.loaded) return this.refresh();
    if (this.now() - this.lastRefresh >= (this.opts.minIntervalMs ?? 1000)) this.refresh().catch(() => undefined);
  }

  private timer: NodeJS.Timeout | undefined;
  /** Release records read from the store (tests check that unknown ids cost none). */
  recordReads = 0;

  /**
   * Keeps the index fresh without a request waiting: every interval, one read of the release
   * clock (a single small document), and a read of the changed summaries only when it moved.
   */
  startAutoRefresh(intervalMs = this.opts.minIntervalMs ?? 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(true).catch(() => undefined), Math.max(250, intervalMs));
    this.timer.unref();
  }

  stopAutoRefresh(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
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
    this.clock = await readReleaseClock(this.db);
    // Histories written before summaries existed: summarize the records once, then mark it done
    // (counting the records would read them all on FerretDB at every start).
    const meta = this.db.collection<{ _id: string; at: Date }>(SUMMARY_META);
    if (!(await meta.findOne({ _id: BACKFILLED }))) {
      const have = new Set((await this.summaries.find({}, { projection: { _id: 1 } }).toArray()).map((s) => s._id));
      for await (const r of this.releases.find({}, { projection: { _id: 1 } })) {
        if (have.has(r._id)) continue;
        const full = await this.releases.findOne({ _id: r._id });
        if (full) await writeSummary(this.db, full);
      }
      await meta.insertOne({ _id: BACKFILLED, at: new Date() }).catch(() => undefined);
    }
    // On MongoDB these make the re-reads index scans; FerretDB scans either way (summaries are small).
    await this.summaries.createIndex({ updatedAt: 1 }).catch(() => undefined);
    for (const s of await this.summaries.find({}).toArray()) this.put(s);
    this.loaded = true;
    this.lastRefresh = this.now();
  }

  private async readChanged(): Promise<void> {
    const started = this.now();
    // The clock first: a write that lands while we read the summaries ticks it again.
    const clock = await readReleaseClock(this.db);
    if (clock !== this.clock) {
      const since = this.newest ? new Date(Date.parse(this.newest) - SKEW_MS).toISOString() : '';
      for (const s of await this.summaries.find(since ? { updatedAt: { $gte: since } } : {}).toArray()) this.put(s);
      this.clock = clock;
    }
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
    this.recordReads++;
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
