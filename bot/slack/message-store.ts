/**
 * Which Slack message belongs to what (`slack_messages` in the store): the live message of each
 * release, its approval request per digest, the notices and thread replies already posted.
 * Creation is claimed with a unique insert (FerretDB's conditional updates are not atomic), so two
 * events at once never post two messages.
 */
import { insertOnce } from '../../pipeline/mongo/insert-once.ts';
import type { Collection, Db } from 'mongodb';

export interface SlackMessageDoc {
  _id: string;
  release: string;
  channel?: string;
  ts?: string;
  claimedAt: Date;
}

export class SlackMessageStore {
  readonly messages: Collection<SlackMessageDoc>;

  constructor(db: Db) {
    this.messages = db.collection<SlackMessageDoc>('slack_messages');
  }

  /** True if this caller won the right to post message `id` (nobody claimed it before). */
  async claim(id: string, release: string): Promise<boolean> {
    return insertOnce(this.messages, { _id: id, release, claimedAt: new Date() });
  }

  async posted(id: string, where: { channel: string; ts: string }): Promise<void> {
    await this.messages.updateOne({ _id: id }, { $set: { channel: where.channel, ts: where.ts } });
  }

  /** Gives a claim back (the post failed) so a later event can try again. */
  async unclaim(id: string): Promise<void> {
    await this.messages.deleteOne({ _id: id, ts: { $exists: false } });
  }

  async find(id: string): Promise<SlackMessageDoc | null> {
    return this.messages.findOne({ _id: id });
  }

  /** Waits for another writer's claimed message to be posted (its channel and ts). */
  async waitPosted(id: string, timeoutMs = 10_000): Promise<SlackMessageDoc | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const doc = await this.find(id);
      if (!doc || doc.ts || Date.now() > end) return doc?.ts ? doc : null;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export const liveMessageId = (release: string) => `live:${release}`;
export const approvalMessageId = (release: string, digest: string) => `approval:${release}:${digest}`;
export const noticeId = (release: string, status: string) => `notice:${release}:${status}`;
export const threadReplyId = (release: string, stage: string, startedAt: string) => `thread:${release}:${stage}:${startedAt}`;
