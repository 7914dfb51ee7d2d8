/**
 * The Slack ReleaseNotifier (bot/notify.ts): one live message per release in the deploys channel,
 * edited with chat.update as stages progress; gate reports as thread replies; the approval request
 * in the approvals channel (once per digest); a notice when a release ends.
 *
 * chat.update is Tier 3 (~50/min per workspace): updates of one release are coalesced — at most
 * one call per `minIntervalMs` (default 1 s), only the newest record is sent, and the final state
 * is always sent (releaseUpdated awaits it).
 */
import type { webApi } from '@slack/bolt';
import type { Db } from 'mongodb';
import type { ReleaseLinks, ReleaseNotifier } from '../notify.ts';
import { releasePageUrl } from '../../pipeline/dashboard/links.ts';
import type { ApprovalPolicy } from '../../pipeline/release/approvals.ts';
import { FINAL_STATUSES, type ReleaseRecord } from '../../pipeline/release/types.ts';
import type { GateResult } from '../../pipeline/gates/types.ts';
import { approvalRequestMessage, finishedNotice, gateReportReply, liveReleaseMessage } from './blocks.ts';
import { approvalMessageId, liveMessageId, noticeId, SlackMessageStore, threadReplyId } from './message-store.ts';

/** Slack's answer for a channel the app cannot post in, as an error naming the channel and the fix. */
export function channelError(err: unknown, channel: string, setting: string): unknown {
  const code = (err as { data?: { error?: unknown } }).data?.error;
  if (code === 'not_in_channel') return new Error(`Slack answered not_in_channel for ${channel} (${setting}): the Shipgate app is not a member; invite it in that channel with /invite @Shipgate`);
  if (code === 'channel_not_found') return new Error(`Slack answered channel_not_found for ${channel} (${setting} in .github/shipgate.yml): check the name, or use the channel id; a private channel needs the app invited first`);
  return err;
}

export interface SlackNotifierOptions {
  client: webApi.WebClient;
  db: Db;
  channel: string;
  approvalsChannel: string;
  policy: ApprovalPolicy;
  thresholds?: readonly string[];
  minIntervalMs?: number;
  log?: (line: string) => void;
  /** The bot's public base URL (SHIPGATE_DASHBOARD_URL): the live message links to the release's dashboard page. */
  dashboardUrl?: string;
}

interface Pending {
  latest?: ReleaseRecord;
  links?: ReleaseLinks;
  dirty: boolean;
  urgent: boolean;
  lastSent: number;
  running?: Promise<void>;
}

export class SlackNotifier implements ReleaseNotifier {
  readonly store: SlackMessageStore;
  private readonly pending = new Map<string, Pending>();
  private readonly interval: number;

  constructor(private readonly opts: SlackNotifierOptions) {
    this.store = new SlackMessageStore(opts.db);
    this.interval = opts.minIntervalMs ?? 1000;
  }

  async releaseUpdated(release: ReleaseRecord, links?: ReleaseLinks): Promise<void> {
    let p = this.pending.get(release._id);
    if (!p) this.pending.set(release._id, (p = { dirty: false, urgent: false, lastSent: 0 }));
    if (!p.latest || release.rev >= p.latest.rev) {
      p.latest = release;
      if (links) p.links = links;
      p.dirty = true;
    }
    const final = FINAL_STATUSES.includes(release.status);
    if (final) p.urgent = true;
    this.pump(p);
    if (final) await this.idle(p);
  }

  async approvalRequested(release: ReleaseRecord): Promise<void> {
    if (!release.digest) return;
    const id = approvalMessageId(release._id, release.digest);
    if (!(await this.store.claim(id, release._id))) return; // already posted for this digest
    try {
      const body = approvalRequestMessage(release, { policy: this.opts.policy, ...(this.opts.thresholds ? { thresholds: this.opts.thresholds } : {}) });
      const res = await this.opts.client.chat.postMessage({ channel: this.opts.approvalsChannel, ...body });
      await this.store.posted(id, { channel: res.channel as string, ts: res.ts as string });
    } catch (err) {
      await this.store.unclaim(id);
      throw channelError(err, this.opts.approvalsChannel, 'slack.approvalsChannel');
    }
  }

  /** Resolves when every queued update has been sent (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending.values()].map((p) => this.idle(p)));
  }

  private async idle(p: Pending): Promise<void> {
    while (p.dirty || p.running) await (p.running ?? this.pump(p));
  }

  private pump(p: Pending): Promise<void> {
    if (p.running) return p.running;
    p.running = (async () => {
      while (p.dirty) {
        const wait = p.lastSent + this.interval - Date.now();
        if (wait > 0 && !p.urgent) await new Promise((r) => setTimeout(r, wait));
        p.dirty = false;
        p.urgent = false;
        const release = p.latest as ReleaseRecord;
        try {
          await this.send(release, p.links);
        } catch (err) {
          this.opts.log?.(`slack: could not update the message of ${release._id}: ${(err as Error).message}`);
        }
        p.lastSent = Date.now();
      }
    })().finally(() => {
      p.running = undefined;
    });
    return p.running;
  }

  private async send(release: ReleaseRecord, links?: ReleaseLinks): Promise<void> {
    const { client } = this.opts;
    const id = liveMessageId(release._id);
    const page = releasePageUrl(this.opts.dashboardUrl, release._id);
    const body = liveReleaseMessage(release, links || page ? { links: { ...links, ...(page ? { dashboardUrl: page } : {}) } } : {});
    let doc = await this.store.find(id);
    if (!doc?.ts) {
      if (await this.store.claim(id, release._id)) {
        try {
          const res = await client.chat.postMessage({ channel: this.opts.channel, ...body });
          await this.store.posted(id, { channel: res.channel as string, ts: res.ts as string });
          doc = { _id: id, release: release._id, channel: res.channel as string, ts: res.ts as string, claimedAt: new Date() };
        } catch (err) {
          await this.store.unclaim(id);
          throw channelError(err, this.opts.channel, 'slack.channel');
        }
      } else {
        doc = await this.store.waitPosted(id);
        if (!doc?.ts) throw new Error(`the live message of ${release._id} was claimed but never posted`);
        await client.chat.update({ channel: doc.channel as string, ts: doc.ts, ...body });
      }
    } else {
      await client.chat.update({ channel: doc.channel as string, ts: doc.ts, ...body });
    }
    await this.threadReplies(release, doc as { channel: string; ts: string });
    if (FINAL_STATUSES.includes(release.status) && (await this.store.claim(noticeId(release._id, release.status), release._id))) {
      await client.chat.postMessage({ channel: this.opts.channel, ...finishedNotice(release) });
    }
  }

  /** Gate reports of finished stages, once each, as replies under the live message. */
  private async threadReplies(release: ReleaseRecord, where: { channel: string; ts: string }): Promise<void> {
    for (const s of release.stages) {
      if (!s.result || !s.startedAt || s.status === 'running' || s.status === 'pending' || !s.result.details.trim()) continue;
      if (!(await this.store.claim(threadReplyId(release._id, s.key, s.startedAt), release._id))) continue;
      await this.opts.client.chat.postMessage({ channel: where.channel, thread_ts: where.ts, ...gateReportReply({ ...s, result: s.result as GateResult }) });
    }
  }
}
