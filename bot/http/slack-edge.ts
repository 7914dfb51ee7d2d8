/**
 * The Slack edge, in front of Bolt's HTTPReceiver: every request to /slack/* is
 * 1. one of SLACK_PATHS (404 otherwise), POST only (405 otherwise);
 * 2. read into a bounded buffer (SLACK_MAX_BODY_BYTES; a larger declared or streamed body is a 413
 *    before anything else — Slack's own requests are a few KB);
 * 3. an `ssl_check=1` form (Slack's unsigned connectivity check) answered 200 here, nothing else;
 * 4. verified: signature over the raw bytes and the timestamp within 5 minutes either way (401);
 * 5. parsed as Bolt parses it, and refused with 400 unless it is a JSON object (Bolt 4.7 crashes
 *    the process on a body that parses to `null`) of a shape the bot serves (slack-shape.ts);
 * 6. claimed once (the signature, in the replay store): a replay gets an empty 200 and no effect.
 *    The two read-only commands, `/deploy status` and `/deploy help` (exactly that word, as
 *    bot/slack/command.ts parses it), are not claimed: replaying them changes nothing, and a store
 *    write in front of every status ack is what made a burst of them slow. Everything else —
 *    every other command, click and modal — is claimed (deny by default);
 * 7. handed to Bolt with the buffer attached as `req.rawBody` (Bolt reuses it, reads nothing more).
 * Bodies are never logged; the log gets one line per refusal, without the body.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { readBoundedBody } from './body.ts';
import { replayKey, type ReplayGuard } from './replay.ts';
import { slackShapeProblem } from './slack-shape.ts';
import { SLACK_WINDOW_SECONDS, verifySlackSignature } from './slack-signature.ts';

export const SLACK_MAX_BODY_BYTES = 1024 * 1024;
/** The endpoints Bolt's receiver serves (bot/slack/app.ts); any other /slack/* path is a 404 here. */
export const SLACK_PATHS: readonly string[] = ['/slack/events', '/slack/commands', '/slack/actions'];

export interface SlackEdgeOptions {
  /** Bolt's HTTPReceiver request listener. */
  handler: RequestListener;
  signingSecret: string;
  replays: ReplayGuard;
  maxBodyBytes?: number;
  now?: () => number;
  log: (line: string) => void;
}

export type SlackEdgeOutcome = 'handled' | 'refused' | 'replay';

function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text ? `${text}\n` : '');
}

/** The body as Bolt's parseHTTPRequestBody will see it, or a reason it is not a usable object. */
export function parseSlackBody(contentType: string | undefined, raw: Buffer): { ok: true; body: Record<string, unknown>; fromForm: boolean } | { ok: false; problem: string } {
  let value: unknown;
  let fromForm = false;
  try {
    const text = raw.toString('utf8');
    if (contentType === 'application/x-www-form-urlencoded') {
      const form = parseQuery(text);
      if ('payload' in form) {
        if (typeof form.payload !== 'string') return { ok: false, problem: 'the payload form field must appear once' };
        value = JSON.parse(form.payload);
      } else {
        value = { ...form };
        fromForm = true;
      }
    } else value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'the body is neither a form nor JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'the body must be a JSON object' };
  return { ok: true, body: value as Record<string, unknown>, fromForm };
}

/** `/deploy status` or `/deploy help` and nothing more: the only requests that skip the replay claim. */
export function isReadOnlyCommand(body: Record<string, unknown>, fromForm: boolean): boolean {
  if (!fromForm || body.command !== '/deploy' || typeof body.text !== 'string') return false;
  const words = body.text.trim().split(/\s+/);
  return words.length === 1 && READ_ONLY_WORDS.has((words[0] ?? '').toLowerCase());
}
const READ_ONLY_WORDS = new Set(['status', 'help']);

function isSslCheck(contentType: string | undefined, raw: Buffer): boolean {
  return contentType === 'application/x-www-form-urlencoded' && parseQuery(raw.toString('utf8')).ssl_check === '1';
}

export function createSlackEdge(opts: SlackEdgeOptions): (req: IncomingMessage, res: ServerResponse, path: string, label: string) => Promise<SlackEdgeOutcome> {
  const max = opts.maxBodyBytes ?? SLACK_MAX_BODY_BYTES;
  const now = opts.now ?? Date.now;
  const refuse = (res: ServerResponse, label: string, status: number, problem: string, headers: Record<string, string> = {}): SlackEdgeOutcome => {
    opts.log(`slack edge: ${label} refused (${status}): ${problem}`);
    reply(res, status, problem, headers);
    return 'refused';
  };
  return async (req, res, path, label) => {
    if (!SLACK_PATHS.includes(path)) return refuse(res, label, 404, 'not found');
    if (req.method !== 'POST') return refuse(res, label, 405, 'Slack requests are POSTed', { allow: 'POST' });
    const read = await readBoundedBody(req, max);
    if (!read.ok) return refuse(res, label, read.status, read.problem, read.status === 413 ? { connection: 'close' } : {});
    const contentType = req.headers['content-type'];
    if (isSslCheck(contentType, read.body)) {
      reply(res, 200, '');
      return 'handled';
    }
    const verified = verifySlackSignature({
      signingSecret: opts.signingSecret, rawBody: read.body, nowMs: now(),
      timestamp: req.headers['x-slack-request-timestamp'], signature: req.headers['x-slack-signature'],
    });
    if (!verified.ok) return refuse(res, label, 401, verified.problem);
    const parsed = parseSlackBody(contentType, read.body);
    if (!parsed.ok) return refuse(res, label, 400, parsed.problem);
    const problem = slackShapeProblem(parsed.body, parsed.fromForm);
    if (problem) return refuse(res, label, 400, problem);
    const first = isReadOnlyCommand(parsed.body, parsed.fromForm) || await opts.replays.claim(replayKey(verified.signature), new Date((verified.timestamp + SLACK_WINDOW_SECONDS + 60) * 1000));
    if (!first) {
      opts.log(`slack edge: ${label} replayed request ignored (signature seen before)`);
      reply(res, 200, '', { 'x-shipgate-replay': '1' });
      return 'replay';
    }
    Object.assign(req, { rawBody: read.body });
    opts.handler(req, res);
    return 'handled';
  };
}
