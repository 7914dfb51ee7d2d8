/**
 * Slack request verification, done at the edge before Bolt sees a request: X-Slack-Signature is
 * `v0=<hex HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body)>`, compared in constant
 * time over the raw bytes; X-Slack-Request-Timestamp must lie within 5 minutes of now in EITHER
 * direction (Bolt 4.7 only checks the past, so a request dated in the future would stay valid).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_WINDOW_SECONDS = 300;

export interface SlackSignatureInput {
  signingSecret: string;
  rawBody: Buffer;
  timestamp: string | string[] | undefined;
  signature: string | string[] | undefined;
  nowMs: number;
  windowSeconds?: number;
}

export type SlackSignatureResult = { ok: true; timestamp: number; signature: string } | { ok: false; problem: string };

export function verifySlackSignature(input: SlackSignatureInput): SlackSignatureResult {
  const window = input.windowSeconds ?? SLACK_WINDOW_SECONDS;
  const { timestamp, signature } = input;
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return { ok: false, problem: 'missing or malformed X-Slack-Request-Timestamp' };
  if (typeof signature !== 'string' || !/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, problem: 'missing or malformed X-Slack-Signature' };
  const ts = Number(timestamp);
  const skew = ts - Math.floor(input.nowMs / 1000);
  if (skew < -window) return { ok: false, problem: `request timestamp is more than ${window} s in the past` };
  if (skew > window) return { ok: false, problem: `request timestamp is more than ${window} s in the future` };
  const expected = createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:`).update(input.rawBody).digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  if (!timingSafeEqual(expected, given)) return { ok: false, problem: 'signature mismatch' };
  return { ok: true, timestamp: ts, signature };
}
