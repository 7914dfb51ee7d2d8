/**
 * Fake of Cloudflare API v4 DNS records, for tests and the local demo only. Follows
 * https://developers.cloudflare.com/api/resources/dns/subresources/records/ and, as its contract,
 * the official SDK's types: contracts/cloudflare-dns-records.json, cut by
 * tools/vendor-cloudflare-dns.mjs from cloudflare/cloudflare-typescript
 * `src/resources/dns/records.ts` (commit faaaf89e of 2026-08-18; the file's `source` names it).
 *
 * `GET /client/v4/zones/{zone_id}/dns_records` (list; query parameters only those of
 * `RecordListParams`, nested filters with dots as the SDK sends them: `type`, `name.exact`, …),
 * `POST …/dns_records` (create) and `PATCH …/dns_records/{id}` (edit): the body holds only the
 * fields of `RecordCreateParams` / `RecordEditParams` for the record type, with every required one
 * (`name`, `ttl`, `type` — for an edit too), a type from the contract, and `ttl` 1 (automatic) or
 * `min`…`max`, the minimum reduced to `enterpriseMin` on zones whose `plan` is `enterprise`.
 * Every answer is the envelope `{ success, errors: [{ code, message, error_chain? }], messages, result,
 * result_info? }`; `Authorization: Bearer <token>`.
 *
 * A request outside the contract gets HTTP 400 and is recorded in `violations` (tests assert it
 * stays empty); a ttl that the contract allows but the zone's plan does not (30–59 off Enterprise)
 * is refused the same way and recorded in `refused`.
 *
 * Codes, and how sure we are of them:
 * - 10000 "Authentication error" (403), 7003 unknown zone, 81053/81054 CNAME next to A/AAAA
 *   ([records with the same name](https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/)).
 * - A bad body is 1004 "DNS Validation Error" with the cause in `error_chain`, and a bad ttl is
 *   chain code 9021 "Invalid TTL…": as reported from the live API (cloudflare/terraform-provider-cloudflare#3217,
 *   ZE3kr/Cloudflare-CNAME-Setup#16, cloudflare/python-cloudflare#63). The 9021 wording with 60/86400
 *   is ours (the reports predate the 60-second minimum).
 * - NOT confirmed: the chain code for a missing/unknown body field (9000 here) and the answer to a
 *   query parameter outside `RecordListParams` (400 with code 9000 here; the live API may ignore it).
 * - 429 is code 971 "Please wait and consider throttling your request speed" with `Retry-After`
 *   (reported from the live API: cloudflare/workers-sdk#10025; limits:
 *   https://developers.cloudflare.com/fundamentals/api/reference/limits/ — 1200 requests / 5 minutes per user).
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { sendJson, startFakeServer, type FakeServer } from './http-fake.ts';

export interface FakeDnsRecord {
  id: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
}

interface BodyContract { required: string[]; body: string[]; query: string[] }
export interface CloudflareDnsContract {
  source: string;
  recordTypes: string[];
  ttl: { automatic: number; min: number; max: number; enterpriseMin: number };
  operations: { list: { query: string[] }; create: { byType: Record<string, BodyContract> }; edit: { byType: Record<string, BodyContract> } };
}

export const cloudflareDnsContract = JSON.parse(readFileSync(new URL('./contracts/cloudflare-dns-records.json', import.meta.url), 'utf8')) as CloudflareDnsContract;

export type ZonePlan = 'free' | 'pro' | 'business' | 'enterprise';

export interface CloudflareFakeOptions {
  token: string;
  zones: Record<string, Array<Omit<FakeDnsRecord, 'id' | 'ttl' | 'proxied'> & Partial<FakeDnsRecord>>>;
  /** Plan per zone id (default `free`): only `enterprise` zones take a ttl of 30–59. */
  plans?: Record<string, ZonePlan>;
}

export interface CfError { code: number; message: string; error_chain?: Array<{ code: number; message: string }> }

export interface CloudflareFakeViolation { method: string; path: string; query: Record<string, string>; body: unknown; status: number; errors: CfError[] }

export interface CloudflareFake extends FakeServer {
  /** API base: `${url}/client/v4`. */
  apiUrl: string;
  records(zoneId: string): FakeDnsRecord[];
  /** The next request fails with this HTTP status and error (envelope with success: false). */
  failNext(status: number, code: number, message: string): void;
  /** The next `count` requests (of `method`, when given) get HTTP 429 + `Retry-After: retryAfterS` + code 971. */
  rateLimitNext(count: number, retryAfterS: number, method?: string): void;
  /** Requests outside the SDK's contract, with the answer given (tests assert this is empty). */
  violations: CloudflareFakeViolation[];
  /** Requests inside the contract refused for the zone's plan (ttl 30–59 off Enterprise). */
  refused: CloudflareFakeViolation[];
  /** How many requests got a 429. */
  limited: number;
}

type Envelope = { success: boolean; errors: CfError[]; messages: unknown[]; result: unknown; result_info?: unknown };

const ok = (result: unknown, extra: Partial<Envelope> = {}): Envelope => ({ success: true, errors: [], messages: [], result, ...extra });
const fail = (...errors: CfError[]): Envelope => ({ success: false, errors, messages: [], result: null });
const validation = (code: number, message: string): CfError => ({ code: 1004, message: 'DNS Validation Error', error_chain: [{ code, message }] });

export async function startCloudflareFake(opts: CloudflareFakeOptions): Promise<CloudflareFake> {
  const c = cloudflareDnsContract;
  let seq = 0;
  const zones = new Map<string, FakeDnsRecord[]>();
  for (const [zone, recs] of Object.entries(opts.zones)) {
    zones.set(zone, recs.map((r) => ({ ttl: 1, proxied: false, ...r, id: r.id ?? `rec${++seq}` })));
  }
  const failures: Array<{ status: number; code: number; message: string }> = [];
  const violations: CloudflareFakeViolation[] = [];
  const refused: CloudflareFakeViolation[] = [];
  let rateLimited: { count: number; retryAfterS: number; method?: string } | undefined;
  let limited = 0;

  const conflict = (recs: FakeDnsRecord[], type: string, name: string, exceptId?: string): CfError | undefined => {
    const same = recs.filter((r) => r.name === name && r.id !== exceptId);
    if (type === 'CNAME' && same.some((r) => r.type !== 'CNAME'))
      return { code: 81053, message: 'An A, AAAA, or CNAME record with that host already exists. For more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>.' };
    if (type !== 'CNAME' && same.some((r) => r.type === 'CNAME'))
      return { code: 81054, message: 'A CNAME record with that host already exists. For more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>.' };
    return undefined;
  };
  const ttlMessage = (min: number) => `Invalid TTL. Must be between ${min} and ${c.ttl.max} seconds, or ${c.ttl.automatic} for automatic.`;

  /** The body checked against create/edit params of its type: a contract error, or a plan refusal. */
  function checkBody(op: 'create' | 'edit', body: Record<string, unknown>, plan: ZonePlan): { outside?: CfError; plan?: CfError } {
    const type = body.type;
    if (typeof type !== 'string' || !c.recordTypes.includes(type)) return { outside: validation(9000, `type: ${JSON.stringify(type ?? null)} is not a DNS record type (${c.recordTypes.join(', ')}); type is required`) };
    const params = c.operations[op].byType[type];
    if (!params) return { outside: validation(9000, `type ${type} is not modelled by this fake`) };
    const missing = params.required.filter((f) => body[f] === undefined);
    if (missing.length) return { outside: validation(9000, `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required (${op === 'edit' ? 'RecordEditParams' : 'RecordCreateParams'}.${type}Record)`) };
    const unknown = Object.keys(body).filter((k) => !params.body.includes(k));
    if (unknown.length) return { outside: validation(9000, `unknown field(s) ${unknown.join(', ')} for a ${type} record`) };
    if (typeof body.name !== 'string' || (body.content !== undefined && typeof body.content !== 'string') || (body.proxied !== undefined && typeof body.proxied !== 'boolean'))
      return { outside: validation(9000, 'name and content must be strings, proxied a boolean') };
    const ttl = body.ttl;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || (ttl !== c.ttl.automatic && (ttl < c.ttl.enterpriseMin || ttl > c.ttl.max)))
      return { outside: validation(9021, ttlMessage(c.ttl.min)) };
    if (ttl !== c.ttl.automatic && ttl < c.ttl.min && plan !== 'enterprise') return { plan: validation(9021, ttlMessage(c.ttl.min)) };
    return {};
  }

  const server = await startFakeServer((req, res: ServerResponse) => {
    const refuse = (list: CloudflareFakeViolation[], status: number, ...errors: CfError[]) => {
      list.push({ method: req.method, path: req.path, query: req.query, body: req.body, status, errors });
      sendJson(res, status, fail(...errors));
    };
    if (rateLimited && rateLimited.count > 0 && (!rateLimited.method || rateLimited.method === req.method)) {
      rateLimited.count--;
      limited++;
      return sendJson(res, 429, fail({ code: 971, message: 'Please wait and consider throttling your request speed' }), { 'retry-after': String(rateLimited.retryAfterS) });
    }
    const injected = failures.shift();
    if (injected) return sendJson(res, injected.status, fail({ code: injected.code, message: injected.message }));
    if (req.rawHeaders.authorization !== `Bearer ${opts.token}`) return sendJson(res, 403, fail({ code: 10000, message: 'Authentication error' }));
    const m = /^\/client\/v4\/zones\/([^/]+)\/dns_records(?:\/([^/]+))?$/.exec(req.path);
    if (!m) return refuse(violations, 404, { code: 7000, message: 'No route for that URI' });
    const zoneId = decodeURIComponent(m[1] ?? '');
    const recordId = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const recs = zones.get(zoneId);
    if (!recs) return sendJson(res, 400, fail({ code: 7003, message: `Could not route to /zones/${zoneId}/dns_records, perhaps your object identifier is invalid?` }));
    const plan = opts.plans?.[zoneId] ?? 'free';

    if (req.method === 'GET' && !recordId) {
      const outside = Object.keys(req.query).filter((k) => !c.operations.list.query.includes(k));
      if (outside.length)
        return refuse(violations, 400, { code: 9000, message: `query parameter(s) ${outside.join(', ')} not in RecordListParams${outside.includes('name') ? ' (the name filter is name.exact, name.contains, …)' : ''}` });
      const type = req.query.type;
      if (type !== undefined && !c.recordTypes.includes(type)) return refuse(violations, 400, validation(9000, `type: ${type} is not a DNS record type`));
      const exact = req.query['name.exact']?.toLowerCase();
      const list = recs.filter((r) => (!type || r.type === type) && (exact === undefined || r.name.toLowerCase() === exact));
      return sendJson(res, 200, ok(list, { result_info: { page: 1, per_page: 100, count: list.length, total_count: list.length, total_pages: 1 } }));
    }
    const queryOf = (op: 'create' | 'edit', type: unknown) => Object.keys(req.query).filter((k) => !(c.operations[op].byType[String(type)]?.query ?? []).includes(k));
    if (req.method === 'POST' && !recordId) {
      const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
      const checked = checkBody('create', body, plan);
      if (checked.outside) return refuse(violations, 400, checked.outside);
      if (queryOf('create', body.type).length) return refuse(violations, 400, { code: 9000, message: `query parameter(s) ${queryOf('create', body.type).join(', ')} not in RecordCreateParams` });
      if (checked.plan) return refuse(refused, 400, checked.plan);
      const cf = conflict(recs, String(body.type), String(body.name));
      if (cf) return sendJson(res, 400, fail(cf));
      const rec: FakeDnsRecord = { id: `rec${++seq}`, type: String(body.type), name: String(body.name), content: String(body.content ?? ''), ttl: Number(body.ttl), proxied: body.proxied === true };
      recs.push(rec);
      return sendJson(res, 200, ok(rec));
    }
    if (req.method === 'PATCH' && recordId) {
      const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
      const checked = checkBody('edit', body, plan);
      if (checked.outside) return refuse(violations, 400, checked.outside);
      if (queryOf('edit', body.type).length) return refuse(violations, 400, { code: 9000, message: `query parameter(s) ${queryOf('edit', body.type).join(', ')} not in RecordEditParams` });
      const rec = recs.find((r) => r.id === recordId);
      if (!rec) return sendJson(res, 404, fail({ code: 81044, message: 'Record does not exist.' }));
      if (checked.plan) return refuse(refused, 400, checked.plan);
      const cf = conflict(recs, String(body.type), String(body.name), rec.id);
      if (cf) return sendJson(res, 400, fail(cf));
      Object.assign(rec, Object.fromEntries(Object.entries(body).filter(([k]) => ['content', 'ttl', 'proxied', 'type', 'name'].includes(k))));
      return sendJson(res, 200, ok(rec));
    }
    return refuse(violations, 405, { code: 10405, message: 'Method not allowed' });
  });

  return {
    ...server,
    apiUrl: `${server.url}/client/v4`,
    records: (zoneId) => zones.get(zoneId) ?? [],
    failNext: (status, code, message) => void failures.push({ status, code, message }),
    rateLimitNext: (count, retryAfterS, method) => void (rateLimited = { count, retryAfterS, ...(method ? { method } : {}) }),
    violations,
    refused,
    get limited() {
      return limited;
    },
  };
}
