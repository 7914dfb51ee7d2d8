/**
 * Live release pages: server-sent events from the store. One watcher per release per process,
 * however many people watch it: it reads the release's small summary every `intervalMs`, and only
 * when the revision moved does it read the record and push the re-rendered checklist to every
 * viewer. A viewer costs a socket, not a query. The watcher stops with its last viewer; a release
 * that finishes sends `end` and closes its streams. Viewers are capped per process (503 beyond).
 */
import type { ServerResponse } from 'node:http';
import type { Collection, Db } from 'mongodb';
import { SUMMARIES, type ReleaseIndexEntry } from '../release/summary.ts';
import { FINAL_STATUSES, type ReleaseRecord } from '../release/types.ts';
import type { ReleaseIndex } from './release-index.ts';
import { liveFragment } from './views.ts';

export interface LiveOptions {
  intervalMs?: number;
  maxViewers?: number;
  /** Streams one viewer (a signed-in person, or "local") may hold open at once (default 20). */
  maxPerViewer?: number;
  heartbeatMs?: number;
}

export interface LiveViewer {
  /** Who watches: the signed-in person (bot) or "local". */
  key: string;
  /** Checked at every heartbeat: a session that expired, or a person removed from the config, ends the stream. */
  stillAllowed?: () => boolean;
}

interface Watcher {
  viewers: Set<ServerResponse>;
  rev: number;
  timer: NodeJS.Timeout;
  busy: boolean;
}

export class LiveHub {
  private readonly watchers = new Map<string, Watcher>();
  private readonly summaries: Collection<ReleaseIndexEntry>;
  private viewers = 0;
  private readonly perViewer = new Map<string, number>();
  /** Store reads made by the watchers (tests check that viewers share them). */
  reads = 0;

  constructor(db: Db, private readonly index: ReleaseIndex, private readonly opts: LiveOptions = {}) {
    this.summaries = db.collection<ReleaseIndexEntry>(SUMMARIES);
  }

  get viewerCount(): number {
    return this.viewers;
  }

  /** Releases being watched: one store poller each, whatever the number of viewers. */
  get watcherCount(): number {
    return this.watchers.size;
  }

  /**
   * Streams `release` to `res` (already checked to exist and be readable by the viewer). Refused
   * ('busy': the process's cap; 'too-many': this viewer's) before anything is written.
   */
  attach(release: ReleaseRecord, res: ServerResponse, viewer: LiveViewer = { key: 'local' }): true | 'busy' | 'too-many' {
    if (this.viewers >= (this.opts.maxViewers ?? 500)) return 'busy';
    if ((this.perViewer.get(viewer.key) ?? 0) >= (this.opts.maxPerViewer ?? 20)) return 'too-many';
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
    res.write('retry: 3000\n\n');
    this.send(res, release);
    if (FINAL_STATUSES.includes(release.status)) {
      res.end();
      return true;
    }
    this.viewers++;
    this.perViewer.set(viewer.key, (this.perViewer.get(viewer.key) ?? 0) + 1);
    let w = this.watchers.get(release._id);
    if (!w) {
      w = { viewers: new Set(), rev: release.rev, busy: false, timer: setInterval(() => void this.tick(release._id), this.opts.intervalMs ?? 1000) };
      w.timer.unref();
      this.watchers.set(release._id, w);
    }
    w.viewers.add(res);
    const heartbeat = setInterval(() => {
      if (viewer.stillAllowed && !viewer.stillAllowed()) return void res.end();
      res.write(': keep-alive\n\n');
    }, this.opts.heartbeatMs ?? 15_000);
    heartbeat.unref();
    res.once('close', () => {
      clearInterval(heartbeat);
      this.viewers--;
      const held = (this.perViewer.get(viewer.key) ?? 1) - 1;
      if (held > 0) this.perViewer.set(viewer.key, held);
      else this.perViewer.delete(viewer.key);
      const cur = this.watchers.get(release._id);
      if (!cur) return;
      cur.viewers.delete(res);
      if (cur.viewers.size === 0) {
        clearInterval(cur.timer);
        this.watchers.delete(release._id);
      }
    });
    return true;
  }

  private send(res: ServerResponse, r: ReleaseRecord): void {
    const event = FINAL_STATUSES.includes(r.status) ? 'end' : 'release';
    res.write(`event: ${event}\ndata: ${JSON.stringify({ rev: r.rev, status: r.status, html: liveFragment(r).value })}\n\n`);
  }

  private async tick(id: string): Promise<void> {
    const w = this.watchers.get(id);
    if (!w || w.busy) return;
    w.busy = true;
    try {
      this.reads++;
      const s = await this.summaries.findOne({ _id: id }, { projection: { rev: 1 } });
      if (!s || s.rev === w.rev) return;
      const r = await this.index.record(id, { minRev: s.rev });
      if (!r || r.rev === w.rev) return;
      w.rev = r.rev;
      for (const res of w.viewers) {
        this.send(res, r);
        if (FINAL_STATUSES.includes(r.status)) res.end();
      }
    } catch {
      // The store did not answer: the next tick tries again; viewers keep what they have.
    } finally {
      w.busy = false;
    }
  }

  close(): void {
    for (const w of this.watchers.values()) {
      clearInterval(w.timer);
      for (const res of w.viewers) res.end();
    }
    this.watchers.clear();
  }
}
