/**
 * Cloudflare DNS provider (API v4, https://developers.cloudflare.com/api/resources/dns/).
 * `current(host)` reads the one record of the configured name and type; `switch(host, target)`
 * PATCHes its `content` (plus ttl/proxied when configured), does nothing when it already points
 * at the target, and creates the record only when `create: true`. Every answer is the v4
 * envelope `{ success, errors: [{ code, message }], messages, result }`; errors are surfaced
 * with Cloudflare's code and message.
 */
import { z } from 'zod';
import { redactText, registerSecret } from '../secrets/redact.ts';
import { snippet, withTimeout } from '../deploy/remote-wait.ts';
import { dnsErrors } from './errors.ts';
import type { DnsProvider } from './types.ts';

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
    .refine((t) => t === 1 || (t >= 60 && t <= 86400), 'ttl must be 1 (automatic) or between 60 and 86400 seconds')
    .optional(),
  /** Create the record when it does not exist (default: refuse, so a typo does not add records). */
  create: z.boolean().default(false),
  requestTimeoutMs: z.number().int().positive().default(30_000),
});

export type CloudflareDnsOptions = z.input<typeof optionsSchema> & { fetch?: typeof globalThis.fetch };

interface CfRecord { id: string; type: string; name: string; content: string; ttl: number; proxied?: boolean }
interface Envelope<T> { success?: boolean; errors?: Array<{ code?: number; message?: string }>; result?: T }

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
  const recordName = normalizeHost(o.recordName);
  const base = o.apiUrl.replace(/\/+$/, '');
  const zonePath = `${base}/zones/${encodeURIComponent(o.zoneId)}/dns_records`;

  async function call<T>(operation: string, method: string, url: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers: { Authorization: `Bearer ${o.token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: withTimeout(o.requestTimeoutMs),
      });
    } catch (err) {
      const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw dnsErrors.SHIPGATE_CLOUDFLARE_UNREACHABLE({ operation, apiUrl: base, reason: redactText(reason) }, err);
    }
    const text = await res.text();
    let env: Envelope<T> | undefined;
    try {
      env = JSON.parse(text) as Envelope<T>;
    } catch {
      env = undefined;
    }
    if (!res.ok || !env || env.success !== true) {
      const errors = (env?.errors ?? []).map((e) => ({ code: Number(e.code ?? 0), message: redactText(String(e.message ?? '')) }));
      if (!errors.length) errors.push({ code: 0, message: redactText(snippet(text)) || '(empty body)' });
      throw dnsErrors.SHIPGATE_CLOUDFLARE_API({ operation, status: res.status, errors });
    }
    return env.result as T;
  }

  function checkHost(host: string): void {
    const h = normalizeHost(host);
    if (h !== recordName) throw dnsErrors.SHIPGATE_CLOUDFLARE_HOST_MISMATCH({ host: h, recordName });
  }

  async function findRecord(): Promise<CfRecord | null> {
    const q = new URLSearchParams({ type: o.type, name: recordName });
    const list = await call<CfRecord[]>(`list ${o.type} ${recordName}`, 'GET', `${zonePath}?${q}`);
    if (list.length > 1) throw dnsErrors.SHIPGATE_CLOUDFLARE_AMBIGUOUS({ type: o.type, name: recordName, count: list.length });
    return list[0] ?? null;
  }

  const sameContent = (a: string, b: string) => normalizeHost(a) === normalizeHost(b);

  return {
    name: 'cloudflare',

    async current(host) {
      checkHost(host);
      return (await findRecord())?.content ?? null;
    },

    async switch(host, target) {
      checkHost(host);
      const content = normalizeHost(target);
      const record = await findRecord();
      const extras = { ...(o.ttl === undefined ? {} : { ttl: o.ttl }), ...(o.proxied === undefined ? {} : { proxied: o.proxied }) };
      if (!record) {
        if (!o.create) throw dnsErrors.SHIPGATE_CLOUDFLARE_RECORD_MISSING({ type: o.type, name: recordName, zoneId: o.zoneId });
        await call<CfRecord>(`create ${o.type} ${recordName}`, 'POST', zonePath, { type: o.type, name: recordName, content, ttl: 1, proxied: false, ...extras });
        return { previous: null };
      }
      const upToDate =
        sameContent(record.content, content) &&
        (o.ttl === undefined || record.ttl === o.ttl) &&
        (o.proxied === undefined || record.proxied === o.proxied);
      if (!upToDate) {
        await call<CfRecord>(`update ${o.type} ${recordName}`, 'PATCH', `${zonePath}/${encodeURIComponent(record.id)}`, { content, ...extras });
      }
      return { previous: record.content };
    },
  };
}
