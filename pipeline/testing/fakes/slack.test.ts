/**
 * The Slack fake refuses what Slack refuses (issue 12, finding 5), through @slack/web-api's
 * WebClient as Bolt uses it: Block Kit limits (invalid_blocks with Slack's `errors`),
 * msg_blocks_too_long, channels the bot cannot post in, a reused trigger_id, and 429 with
 * Retry-After (which the WebClient waits out).
 */
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackFake, type SlackFake } from './slack.ts';
import { BLOCK_KIT } from './slack-contract.ts';

const TOKEN = 'xoxb-fake-contract';
let fake: SlackFake;
let client: webApi.WebClient;
beforeAll(async () => {
  fake = await startSlackFake({ token: TOKEN, outsideChannels: ['#secret-ops'], allowViolations: true });
  client = new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(async () => fake?.close());

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
async function refusal(args: Record<string, unknown>): Promise<{ error: string; errors?: string[] }> {
  try {
    await client.chat.postMessage({ channel: '#deploys', text: 'x', ...args } as never);
    return { error: 'none' };
  } catch (err) {
    const data = (err as { data?: { error: string; errors?: string[] } }).data;
    return data ?? { error: String(err) };
  }
}

describe('Slack fake: Block Kit limits', () => {
  const cases: Array<[string, unknown[], RegExp]> = [
    ['section text 3001', [section('a'.repeat(3001))], /must be less than 3001 characters \[json-pointer:\/blocks\/0\/text\/text\]/],
    ['51 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), /no more than 50 items/],
    ['11 fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }], /\/blocks\/0\/fields/],
    ['a field of 2001', [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }], /less than 2001 .*fields\/0\/text/],
    ['header 151', [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], /less than 151/],
    ['header in mrkdwn', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], /must be one of plain_text/],
    ['button text 76', [{ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) } }] }], /less than 76/],
    ['button value 2001', [{ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'ok' }, value: 'v'.repeat(2001) }] }], /value/],
    ['26 actions', [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => ({ type: 'button', action_id: `a${i}`, text: { type: 'plain_text', text: 'b' } })) }], /no more than 25/],
    ['11 context elements', [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }], /no more than 10/],
    ['empty text', [section('')], /more than 0 characters/],
    ['unknown block type', [{ type: 'carousel' }], /unsupported type/],
  ];
  for (const [name, blocks, want] of cases) {
    it(`${name}: invalid_blocks naming the place`, async () => {
      const r = await refusal({ blocks });
      expect(r.error).toBe('invalid_blocks');
      expect(r.errors?.join('\n')).toMatch(want);
    });
  }

  it('the limits themselves pass', async () => {
    const blocks = [
      section('a'.repeat(BLOCK_KIT.sectionText)),
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      { type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(75) }, value: 'v'.repeat(2000) }] },
      ...Array.from({ length: 47 }, () => ({ type: 'divider' })),
    ];
    expect(blocks).toHaveLength(50);
    expect((await refusal({ blocks })).error).toBe('none');
  });

  it('msg_blocks_too_long beyond about 11,000 characters of block text; msg_too_long beyond 40,000 of text', async () => {
    expect((await refusal({ blocks: Array.from({ length: 4 }, () => section('a'.repeat(2800))) })).error).toBe('msg_blocks_too_long');
    expect((await refusal({ blocks: Array.from({ length: 3 }, () => section('a'.repeat(2800))) })).error).toBe('none');
    expect((await refusal({ text: 't'.repeat(40_001) })).error).toBe('msg_too_long');
  });

  it('records each refusal in violations', () => {
    expect(fake.violations.map((v) => v.error)).toContain('invalid_blocks');
    expect(fake.violations.map((v) => v.error)).toContain('msg_blocks_too_long');
  });
});

describe('Slack fake: channels, triggers, rate limits', () => {
  it('an unknown channel is channel_not_found; one the bot is not in is not_in_channel; ids resolve', async () => {
    expect((await refusal({ channel: '#no-such-channel' })).error).toBe('channel_not_found');
    expect((await refusal({ channel: '#secret-ops' })).error).toBe('not_in_channel');
    expect((await refusal({ channel: fake.channelId('#deploys') })).error).toBe('none');
  });

  it('a trigger_id works once: the second views.open is exchanged_trigger_id', async () => {
    const trigger = fake.mintTrigger();
    const view = { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [section('hello')] };
    await client.views.open({ trigger_id: trigger, view } as never);
    await expect(client.views.open({ trigger_id: trigger, view } as never)).rejects.toMatchObject({ data: { error: 'exchanged_trigger_id' } });
  });

  it('429 with Retry-After: a rejecting client sees it, the default client waits and succeeds', async () => {
    fake.rateLimitNext('chat.postMessage', { count: 1, retryAfterS: 1 });
    const rejecting = new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true });
    await expect(rejecting.chat.postMessage({ channel: '#deploys', text: 'x' })).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 1 });
    fake.rateLimitNext('chat.postMessage', { count: 1, retryAfterS: 1 });
    const patient = new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl });
    const before = fake.callsOf('chat.postMessage').length;
    await expect(patient.chat.postMessage({ channel: '#deploys', text: 'after the wait' })).resolves.toMatchObject({ ok: true });
    expect(fake.callsOf('chat.postMessage').length - before).toBe(2);
  });

  it('close() throws when a request was refused as malformed, unless allowed', async () => {
    const strict = await startSlackFake({ token: TOKEN });
    const c = new webApi.WebClient(TOKEN, { slackApiUrl: strict.apiUrl, retryConfig: { retries: 0 } });
    await c.chat.postMessage({ channel: '#deploys', text: 'x', blocks: [section('a'.repeat(3001))] }).catch(() => undefined);
    await expect(strict.close()).rejects.toThrow(/1 request\(s\) Slack would refuse[\s\S]*invalid_blocks/);
  });
});
