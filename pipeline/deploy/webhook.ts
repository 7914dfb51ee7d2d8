/**
 * `webhook` deploy provider: POSTs `{ env, slot, version, sha }` as JSON to a deploy hook
 * (Render / Vercel style: the URL itself is the secret, so it is registered for masking and only
 * its origin is ever named). A 2xx answer means "accepted". With `statusUrl`, the provider polls
 * it (GET → `{ status }`) until "live" or "failed"; without it the deploy counts as done on 2xx
 * and the health gate is what proves the new version is serving.
 */
import { z } from 'zod';
import { formatDuration } from '../config/duration.ts';
import { redactText, registerSecret } from '../secrets/redact.ts';
import { deployErrors } from './errors.ts';
import { sleep, snippet, withTimeout } from './remote-wait.ts';
import type { DeployProvider, DeployRequest, Deployment, DeploymentState } from './types.ts';

const optionsSchema = z.object({
  hookUrl: z.string().url('hookUrl must be a full URL (the env var holding the deploy hook)'),
  statusUrl: z.string().url().optional(),
  url: z.string().url('url must be the base URL where the deployment answers'),
  timeoutMs: z.number().int().positive().default(15 * 60_000),
  pollIntervalMs: z.number().int().positive().default(5000),
  requestTimeoutMs: z.number().int().positive().default(30_000),
});

export type WebhookProviderOptions = z.input<typeof optionsSchema> & { fetch?: typeof globalThis.fetch };

/** How a secret URL is named in messages: its origin only. */
export function urlLabel(url: string): string {
  return `${new URL(url).origin}/…`;
}

function stateOf(status: string): DeploymentState {
  if (status === 'live') return 'running';
  if (status === 'failed') return 'failed';
  return status ? 'starting' : 'unknown';
}

export function createWebhookProvider(options: WebhookProviderOptions): DeployProvider {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    // Never echo the received values: the hook URL is a secret.
    throw deployErrors.SHIPGATE_WEBHOOK_OPTIONS_INVALID({ problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`) });
  }
  const o = parsed.data;
  const doFetch = options.fetch ?? globalThis.fetch;
  // The hook's path and query are its secret; a status URL usually carries a key in its query.
  registerSecret(o.hookUrl);
  const hookParts = new URL(o.hookUrl);
  if (`${hookParts.pathname}${hookParts.search}`.length >= 12) registerSecret(`${hookParts.pathname}${hookParts.search}`);
  if (o.statusUrl) {
    registerSecret(o.statusUrl);
    registerSecret(new URL(o.statusUrl).search);
  }
  const hook = `deploy hook at ${urlLabel(o.hookUrl)}`;
  const statusLabel = o.statusUrl ? `status endpoint ${urlLabel(o.statusUrl)}` : '';
  const reasonOf = (err: unknown) => redactText(err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err));

  /** One read of the status endpoint: the status string, or an HTTP/parse problem as `problem`. */
  async function readStatus(signal?: AbortSignal): Promise<{ status: string } | { problem: string }> {
    try {
      const res = await doFetch(o.statusUrl!, { headers: { Accept: 'application/json' }, signal: withTimeout(o.requestTimeoutMs, signal) });
      const text = await res.text();
      if (!res.ok) return { problem: `HTTP ${res.status}` };
      const body = JSON.parse(text) as { status?: unknown };
      return typeof body.status === 'string' ? { status: body.status } : { problem: `no "status" in ${redactText(snippet(text, 120))}` };
    } catch (err) {
      if (signal?.aborted) throw err;
      return { problem: reasonOf(err) };
    }
  }

  async function waitLive(req: DeployRequest): Promise<void> {
    const deadline = Date.now() + o.timeoutMs;
    let last = '';
    for (;;) {
      let r: Awaited<ReturnType<typeof readStatus>>;
      try {
        r = await readStatus(req.signal);
      } catch {
        throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'webhook', what: `polling the ${statusLabel}` });
      }
      const now = 'status' in r ? r.status : `unreadable (${r.problem})`;
      if (now !== last) {
        req.progress?.(`webhook: ${statusLabel}: ${now}`);
        last = now;
      }
      if ('status' in r && r.status === 'live') return;
      if ('status' in r && r.status === 'failed') throw deployErrors.SHIPGATE_WEBHOOK_DEPLOY_FAILED({ statusUrl: statusLabel, status: r.status });
      const left = deadline - Date.now();
      if (left <= 0) throw deployErrors.SHIPGATE_WEBHOOK_TIMEOUT({ statusUrl: statusLabel, status: now, timeout: formatDuration(o.timeoutMs) });
      try {
        await sleep(Math.min(o.pollIntervalMs, left), req.signal);
      } catch {
        throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'webhook', what: `polling the ${statusLabel}` });
      }
    }
  }

  return {
    name: 'webhook',

    async deploy(req) {
      const startedAt = new Date().toISOString();
      req.progress?.(`webhook: calling the ${hook} for ${req.env}${req.slot ? ` (slot ${req.slot})` : ''}, version ${req.version}`);
      let res: Response;
      let text: string;
      try {
        res = await doFetch(o.hookUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ env: req.env, slot: req.slot ?? null, version: req.version, sha: req.sha }),
          signal: withTimeout(o.requestTimeoutMs, req.signal),
        });
        text = await res.text();
      } catch (err) {
        if (req.signal?.aborted) throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'webhook', what: `calling the ${hook}` });
        throw deployErrors.SHIPGATE_WEBHOOK_UNREACHABLE({ hook, reason: reasonOf(err) });
      }
      if (res.status < 200 || res.status > 299) {
        throw deployErrors.SHIPGATE_WEBHOOK_REJECTED({ hook, status: res.status, body: redactText(snippet(text)) || '(empty body)' });
      }
      let platformId: string | undefined;
      try {
        const b = JSON.parse(text) as { deploy?: { id?: unknown }; job?: { id?: unknown }; id?: unknown };
        const id = b.deploy?.id ?? b.job?.id ?? b.id;
        platformId = typeof id === 'string' ? id : undefined;
      } catch {
        platformId = undefined;
      }
      req.progress?.(`webhook: accepted (HTTP ${res.status}${platformId ? `, deploy ${platformId}` : ''})`);
      if (o.statusUrl) await waitLive(req);
      else req.progress?.('webhook: no status endpoint configured; the health gate will confirm the new version');
      return {
        provider: 'webhook',
        env: req.env,
        ...(req.slot === undefined ? {} : { slot: req.slot }),
        version: req.version,
        id: platformId ?? `${req.env}${req.slot ? `-${req.slot}` : ''}-${req.sha.slice(0, 12)}`,
        url: o.url.replace(/\/+$/, ''),
        startedAt,
        data: { sha: req.sha, confirmedBy: o.statusUrl ? 'status endpoint' : 'health gate' },
      } satisfies Deployment;
    },

    async status() {
      if (!o.statusUrl) return { state: 'unknown', detail: 'no status endpoint configured; the health gate checks the deployment' };
      const r = await readStatus();
      return 'status' in r ? { state: stateOf(r.status), detail: `status endpoint says ${r.status}` } : { state: 'unknown', detail: r.problem };
    },

    url: (d) => d.url,

    // A deploy hook has no "stop": the platform keeps the deployment until the next one replaces it.
    stop: async () => undefined,
  };
}
