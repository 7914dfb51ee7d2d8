/**
 * The Railway GraphQL transport: one POST per operation with a real `variables` object, the
 * token in the header its kind requires, GraphQL `errors[]` and HTTP failures turned into
 * catalogue errors, and HTTP 429 answered by waiting `Retry-After` (bounded attempts and wait).
 */
import { redactText } from '../secrets/redact.ts';
import { deployErrors } from './errors.ts';
import { parseRetryAfter, sleep, snippet, withTimeout } from './remote-wait.ts';

export type RailwayTokenKind = 'account' | 'project';

export interface RailwayTransport {
  apiUrl: string;
  token: string;
  tokenKind: RailwayTokenKind;
  fetch: typeof globalThis.fetch;
  /** Per-request timeout. */
  requestTimeoutMs: number;
  /** 429 answers tolerated per operation before giving up. */
  maxRateLimitRetries: number;
  /** Cap on one Retry-After wait (and the wait when the header is missing). */
  maxRetryAfterMs: number;
}

export function authHeaders(t: Pick<RailwayTransport, 'token' | 'tokenKind'>): Record<string, string> {
  return t.tokenKind === 'project' ? { 'Project-Access-Token': t.token } : { Authorization: `Bearer ${t.token}` };
}

// "Project Token not found" is Railway's answer to a project token it does not know.
const AUTH_MESSAGE = /not authori[sz]ed|unauthori[sz]ed|invalid token|forbidden|project token not found/i;

/** Runs one GraphQL operation and returns its `data`. `operation` names it in errors and progress. */
export async function railwayGql<T>(
  t: RailwayTransport,
  req: { operation: string; query: string; variables: Record<string, unknown>; signal?: AbortSignal | undefined },
): Promise<T> {
  let lastRetryAfterS: number | null = null;
  for (let attempt = 1; ; attempt++) {
    if (req.signal?.aborted) throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'railway', what: req.operation });
    let res: Response;
    try {
      res = await t.fetch(t.apiUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders(t) },
        body: JSON.stringify({ query: req.query, variables: req.variables }),
        signal: withTimeout(t.requestTimeoutMs, req.signal),
      });
    } catch (err) {
      if (req.signal?.aborted) throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'railway', what: req.operation });
      const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw deployErrors.SHIPGATE_RAILWAY_UNREACHABLE({ operation: req.operation, apiUrl: t.apiUrl, reason: redactText(reason) }, err);
    }
    const text = await res.text();
    if (res.status === 429) {
      const waitMs = parseRetryAfter(res.headers.get('retry-after'));
      lastRetryAfterS = waitMs === null ? null : Math.round(waitMs / 1000);
      if (attempt > t.maxRateLimitRetries)
        throw deployErrors.SHIPGATE_RAILWAY_RATE_LIMITED({ operation: req.operation, attempts: attempt, retryAfterS: lastRetryAfterS });
      try {
        await sleep(Math.min(waitMs ?? t.maxRetryAfterMs, t.maxRetryAfterMs), req.signal);
      } catch {
        throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'railway', what: `${req.operation} (waiting out a rate limit)` });
      }
      continue;
    }
    let body: { data?: unknown; errors?: Array<{ message?: unknown }> } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    const messages = (body?.errors ?? []).map((e) => redactText(String(e.message ?? 'unknown error')));
    if (res.status === 401 || res.status === 403 || messages.some((m) => AUTH_MESSAGE.test(m))) {
      throw deployErrors.SHIPGATE_RAILWAY_UNAUTHORIZED({
        operation: req.operation,
        tokenKind: t.tokenKind,
        message: messages.join('; ') || `HTTP ${res.status}`,
      });
    }
    if (messages.length) throw deployErrors.SHIPGATE_RAILWAY_GRAPHQL({ operation: req.operation, messages });
    if (!res.ok || !body || body.data === undefined || body.data === null) {
      throw deployErrors.SHIPGATE_RAILWAY_HTTP({ operation: req.operation, status: res.status, body: redactText(snippet(text)) || '(empty body)' });
    }
    return body.data as T;
  }
}
