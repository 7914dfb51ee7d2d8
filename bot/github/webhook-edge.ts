/**
 * The GitHub webhook edge, in front of the Probot app (instead of Probot's node middleware, which
 * buffers without a bound, answers 500 with a TypeError for bad payloads and can log payloads):
 * 1. POST only; X-GitHub-Event, X-GitHub-Delivery and X-Hub-Signature-256 present;
 * 2. the body read into a bounded buffer (bot/http/body.ts; GitHub caps payloads at 25 MB; more is a
 *    413, before or while reading — bot/server.ts bounds it earlier too);
 * 3. X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the webhook secret) compared in constant
 *    time: a forged or missing signature is a 400 and nothing runs;
 * 4. the JSON parsed, and the payloads of the events the app acts on validated (payloads.ts):
 *    a malformed one is a 400 naming the field; events the app does not act on get 202 and are dropped;
 * 5. `receive` (probot.receive) runs the app; a failure is a 500 without internals (GitHub lets
 *    the delivery be redelivered).
 * Payloads are never logged; responses are one plain-text line.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactText } from '../../pipeline/secrets/redact.ts';
import { GITHUB_MAX_BODY_BYTES, readBoundedBody } from '../http/body.ts';
import { isHandledEvent, parsePayload } from './payloads.ts';


export interface WebhookEvent { id: string; name: string; payload: unknown }

export interface WebhookEdgeOptions {
  secret: string;
  receive(event: WebhookEvent): Promise<void>;
  log: { warn(msg: string): void };
  maxBytes?: number;
}

function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

export function signatureMatches(secret: string, body: Buffer, signature: string): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(signature);
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'));
}

export function createWebhookEdge(opts: WebhookEdgeOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const max = opts.maxBytes ?? GITHUB_MAX_BODY_BYTES;
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return reply(res, 405, 'method not allowed: GitHub webhooks are POSTed', { allow: 'POST' });
    const name = header(req, 'x-github-event');
    const id = header(req, 'x-github-delivery');
    const signature = header(req, 'x-hub-signature-256');
    if (!name || !/^[a-z_]{1,64}$/.test(name)) return reply(res, 400, 'missing or malformed X-GitHub-Event header');
    if (!id || !/^[A-Za-z0-9-]{1,100}$/.test(id)) return reply(res, 400, 'missing or malformed X-GitHub-Delivery header');
    if (!signature) return reply(res, 400, 'missing X-Hub-Signature-256 header: set the webhook secret in the GitHub App settings');
    const read = await readBoundedBody(req, max);
    if (!read.ok) {
      req.resume();
      if (read.status === 413) return reply(res, 413, `payload too large (more than ${max} bytes)`, { connection: 'close' });
      return reply(res, read.status, read.problem);
    }
    const body = read.body;
    if (!signatureMatches(opts.secret, body, signature)) return reply(res, 400, 'signature does not match: check the webhook secret (GITHUB_WEBHOOK_SECRET)');
    if (name === 'ping') return reply(res, 200, 'pong');
    if (!isHandledEvent(name)) return reply(res, 202, `${name} ignored: the app does not act on it`);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return reply(res, 400, 'body is not JSON (the GitHub App sends application/json)');
    }
    const parsed = parsePayload(name, json);
    if (!parsed.ok) return reply(res, 400, parsed.problem);
    try {
      await opts.receive({ id, name, payload: parsed.payload });
    } catch (err) {
      const errors = err instanceof AggregateError ? err.errors : [err];
      opts.log.warn(redactText(`github delivery ${id} (${name}) failed: ${errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('; ')}`).slice(0, 2000));
      return reply(res, 500, `delivery ${id} failed; it can be redelivered from the GitHub App's settings → Advanced`);
    }
    reply(res, 200, 'ok');
  }
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.log.warn(redactText(`github webhook request failed: ${(err as Error).message}`));
      reply(res, 500, 'internal error');
    });
  };
}
