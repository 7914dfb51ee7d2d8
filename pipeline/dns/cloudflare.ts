/**
 * Cloudflare DNS provider (API v4, https://developers.cloudflare.com/api/resources/dns/), following
 * the official SDK's parameters (cloudflare/cloudflare-typescript `src/resources/dns/records.ts`,
 * vendored in pipeline/testing/fakes/contracts/cloudflare-dns-records.json).
 * `current(host)` reads the one record of the configured name and type (list filtered with
 * `type` and `name.exact`); `switch(host, target)` PATCHes the full record — `type`, `name`,
 * `content`, `ttl`, `proxied` (the edit parameters require name, type and ttl; ttl/proxied keep the
 * record's values unless configured) — does nothing when it already points at the target, and
 * creates the record only when `create: true`. Every answer is the v4 envelope
 * `{ success, errors: [{ code, message, error_chain? }], messages, result }`; errors are surfaced
 * with Cloudflare's codes and messages (the chain included).
 *
 * Rate limits: the API allows 1200 requests / 5 minutes per user and answers 429 with
 * `Retry-After`. Every call waits as told and retries, with a progress line per wait, until
 * `rateLimitWaitMs` (default 6 minutes: more than one whole window) has passed since the call
 * began; past it, SHIPGATE_CLOUDFLARE_RATE_LIMITED names the record and where it may still point.
 */
import { z } from 'zod';
import { redactText, registerSecret } from '../secrets/redact.ts';
import { parseRetryAfter, sleep as realSleep, snippet, withTimeout } from '../deploy/remote-wait.ts';
import { dnsErrors } from './errors.ts';
import type { DnsCallOptions, DnsProvider } from './types.ts';

/** ttl: 1 = automatic; else 60–86400, or from 30 on Enterprise zones (which Shipgate cannot see from config). */
export const CLOUDFLARE_TTL = { automatic: 1, min: 60, enterpriseMin: 30, max: 86400 } as const;

const optionsSchema = z.object({
  apiUrl: z.string().url().default('https://api.cloudflare.com/client/v4'),
  token: z.string().min(1, 'token is empty (the env var named in config is not set?)'),
  zoneId: z.string().min(1, 'zoneId is empty'),
  recordName: z.string().min(1),
  type: z.enum(['CNAME', 'A', 'AAAA']).default('CNAME'),
  proxied: z.boolean().optional(),
  ttl: z
    .number()
    .int()
    .refine(
      (t) => t === CLOUDFLARE_TTL.automatic || (t >= CLOUDFLARE_TTL.enterpriseMin && t <= CLOUDFLARE_TTL.max),
      'ttl must be 1 (automatic) or between 30 and 86400 seconds (below 60 only on Enterprise zones)',
    )
    .optional(),
  /** Create the record when it does not exist (default: refuse, so a typo does not add records). */
  create: z.boolean().default(false),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** How long one call keeps retrying 429 answers (as Retry-After says) before giving up. */
  rateLimitWaitMs: z.number().int().nonnegative().default(360_000),
});

export type CloudflareDnsOptions = z.input<typeof optionsSchema> & {
  fetch?: typeof globalThis.fetch;
  /** For tests: the wait between retries, and the clock the deadline is read on. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
};

/** Without Retry-After, wait this long before the next try (Cloudflare blocks for up to the 5-minute window). */
const DEFAULT_RATE_LIMIT_WAIT_MS = 30_000;

interface CfRecord { id: string; type: string; name: string; content: string; ttl: number; proxied?: boolean }
interface CfError { code?: number; message?: string; error_chain?: CfError[] }
interface Envelope<T> { success?: boolean; errors?: CfError[]; result?: T }

/** Errors with their `error_chain` flattened after them (1004 "DNS Validation Error" carries the cause there). */
function flatten(errors: CfError[]): Array<{ code: number; message: string }> {
  return errors.flatMap((e) => [{ code: Number(e.code ?? 0), message: redactText(String(e.message ?? '')) }, ...flatten(e.error_chain ?? [])]);
}

/** `https://App.Example.com./x` → `app.example.com`. */
export function normalizeHost(value: string): string {
  const raw = value.includes('://') ? new URL(value).hostname : value;
  return raw.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

export function createCloudflareDns(options: CloudflareDnsOptions): DnsProvider {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw dnsErrors.SHIPGATE_CLOUDFLARE_OPTIONS_INVALID({
      problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`),
    });
  }
  const o = parsed.data;
  registerSecret(o.token);
  const doFetch = options.fetch ?? globalThis.fetch;
  const wait = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const recordName = normalizeHost(o.recordName);
  const base = o.apiUrl.replace(/\/+$/, '');
  const zonePath = `${base}/zones/${encodeURIComponent(o.zoneId)}/dns_records`;

  /** What the caller knows about where DNS points while this call runs (for the rate-limit error). */
  interface CallContext extends DnsCallOptions { pointsAt: string | null | undefined }

  async function call<T>(operation: string, method: string, url: string, body: unknown, ctx: CallContext): Promise<T> {
    const started = now();
    const deadline = started + o.rateLimitWaitMs;
    let res: Response;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await doFetch(url, {
          method,
          headers: { Authorization: `Bearer ${o.token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: withTimeout(o.requestTimeoutMs, ctx.signal),
        });
      } catch (err) {
        if (ctx.signal?.aborted) throw err;
        const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
        throw dnsErrors.SHIPGATE_CLOUDFLARE_UNREACHABLE({ operation, apiUrl: base, reason: redactText(reason) }, err);
      }
      if (res.status !== 429) break;
      await res.text();
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
      const pause = retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
      const left = deadline - now();
      if (pause > left) {
        throw dnsErrors.SHIPGATE_CLOUDFLARE_RATE_LIMITED({
          operation, record: `${o.type} ${recordName}`, attempts: attempt, waitedMs: now() - started, limitMs: o.rateLimitWaitMs,
          retryAfterMs, pointsAt: ctx.pointsAt,
        });
      }
      ctx.progress?.(
        `Cloudflare rate limit (HTTP 429) on ${operation}: retrying in ${Math.ceil(pause / 1000)}s${retryAfterMs === null ? ' (no Retry-After)' : ' (Retry-After)'}, ` +
          `try ${attempt + 1}, giving up in ${Math.round(left / 1000)}s`,
      );
      await wait(pause, ctx.signal);
    }
    const text = await res.text();
    let env: Envelope<T> | undefined;
    try {
      env = JSON.parse(text) as Envelope<T>;
    } catch {
      env = undefined;
    }
    if (!res.ok || !env || env.success !== true) {
      const errors = flatten(env?.errors ?? []);
      if (!errors.length) errors.push({ code: 0, message: redactText(snippet(text)) || '(empty body)' });
      throw dnsErrors.SHIPGATE_CLOUDFLARE_API({ operation, status: res.status, errors, ...(o.ttl === undefined ? {} : { ttl: o.ttl }) });
    }
    return env.result as T;
  }

  function checkHost(host: string): void {
    const h = normalizeHost(host);
    if (h !== recordName) throw dnsErrors.SHIPGATE_CLOUDFLARE_HOST_MISMATCH({ host: h, recordName });
  }

  async function findRecord(opts: DnsCallOptions): Promise<CfRecord | null> {
    // RecordListParams.name is a filter object; the SDK sends it with dots: name.exact=
    const q = new URLSearchParams({ type: o.type, 'name.exact': recordName });
    const list = await call<CfRecord[]>(`list ${o.type} ${recordName}`, 'GET', `${zonePath}?${q}`, undefined, { ...opts, pointsAt: undefined });
    if (list.length > 1) throw dnsErrors.SHIPGATE_CLOUDFLARE_AMBIGUOUS({ type: o.type, name: recordName, count: list.length });
    return list[0] ?? null;
  }

  const sameContent = (a: string, b: string) => normalizeHost(a) === normalizeHost(b);

  return {
    name: 'cloudflare',

    async current(host, opts = {}) {
      checkHost(host);
      return (await findRecord(opts))?.content ?? null;
    },

    async switch(host, target, opts = {}) {
      checkHost(host);
      const content = normalizeHost(target);
      const record = await findRecord(opts);
      const extras = { ...(o.ttl === undefined ? {} : { ttl: o.ttl }), ...(o.proxied === undefined ? {} : { proxied: o.proxied }) };
      if (!record) {
        if (!o.create) throw dnsErrors.SHIPGATE_CLOUDFLARE_RECORD_MISSING({ type: o.type, name: recordName, zoneId: o.zoneId });
        await call<CfRecord>(`create ${o.type} ${recordName}`, 'POST', zonePath, { type: o.type, name: recordName, content, ttl: 1, proxied: false, ...extras }, { ...opts, pointsAt: null });
        return { previous: null };
      }
      const upToDate =
        sameContent(record.content, content) &&
        (o.ttl === undefined || record.ttl === o.ttl) &&
        (o.proxied === undefined || record.proxied === o.proxied);
      if (!upToDate) {
        // RecordEditParams require name, type and ttl: send the whole record, not only what changes.
        const full = { type: o.type, name: recordName, content, ttl: o.ttl ?? record.ttl, proxied: o.proxied ?? record.proxied ?? false };
        await call<CfRecord>(`update ${o.type} ${recordName}`, 'PATCH', `${zonePath}/${encodeURIComponent(record.id)}`, full, { ...opts, pointsAt: record.content });
      }
      return { previous: record.content };
    },
  };
}
