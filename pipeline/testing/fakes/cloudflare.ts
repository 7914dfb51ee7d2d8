/**
 * Fake of Cloudflare API v4 DNS records, for tests and the local demo only. Follows
 * https://developers.cloudflare.com/api/resources/dns/subresources/records/ :
 * `GET /client/v4/zones/{zone_id}/dns_records?type=&name=` (list, filtered),
 * `POST /client/v4/zones/{zone_id}/dns_records` (create), `PATCH …/dns_records/{id}` (edit),
 * every answer in the envelope `{ success, errors: [{ code, message }], messages, result,
 * result_info? }`, `Authorization: Bearer <token>`.
 *
 * Behaviour copied from the real API: a bad token is HTTP 403 with code 10000 "Authentication
 * error"; an unknown zone is 7003; a CNAME next to an A/AAAA of the same name (or the reverse)
 * is 81053 / 81054; `ttl` must be 1 (auto) or 60–86400 (9021 here).
 */
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

export interface CloudflareFakeOptions {
  token: string;
  zones: Record<string, Array<Omit<FakeDnsRecord, 'id' | 'ttl' | 'proxied'> & Partial<FakeDnsRecord>>>;
}

export interface CloudflareFake extends FakeServer {
  /** API base: `${url}/client/v4`. */
  apiUrl: string;
  records(zoneId: string): FakeDnsRecord[];
  /** The next request fails with this HTTP status and error (envelope with success: false). */
  failNext(status: number, code: number, message: string): void;
}

type Envelope = { success: boolean; errors: Array<{ code: number; message: string }>; messages: unknown[]; result: unknown; result_info?: unknown };

const ok = (result: unknown, extra: Partial<Envelope> = {}): Envelope => ({ success: true, errors: [], messages: [], result, ...extra });
const fail = (code: number, message: string): Envelope => ({ success: false, errors: [{ code, message }], messages: [], result: null });

export async function startCloudflareFake(opts: CloudflareFakeOptions): Promise<CloudflareFake> {
  let seq = 0;
  const zones = new Map<string, FakeDnsRecord[]>();
  for (const [zone, recs] of Object.entries(opts.zones)) {
    zones.set(zone, recs.map((r) => ({ ttl: 1, proxied: false, ...r, id: r.id ?? `rec${++seq}` })));
  }
  const failures: Array<{ status: number; code: number; message: string }> = [];

  const conflict = (recs: FakeDnsRecord[], type: string, name: string, exceptId?: string): Envelope | undefined => {
    const same = recs.filter((r) => r.name === name && r.id !== exceptId);
    if (type === 'CNAME' && same.some((r) => r.type !== 'CNAME'))
      return fail(81053, 'An A, AAAA, or CNAME record with that host already exists. For more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>.');
    if (type !== 'CNAME' && same.some((r) => r.type === 'CNAME'))
      return fail(81054, 'A CNAME record with that host already exists. For more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>.');
    return undefined;
  };
  const badTtl = (ttl: unknown): boolean => ttl !== undefined && (typeof ttl !== 'number' || (ttl !== 1 && (ttl < 60 || ttl > 86400)));

  const server = await startFakeServer((req, res: ServerResponse) => {
    const injected = failures.shift();
    if (injected) return sendJson(res, injected.status, fail(injected.code, injected.message));
    if (req.rawHeaders.authorization !== `Bearer ${opts.token}`) return sendJson(res, 403, fail(10000, 'Authentication error'));
    const m = /^\/client\/v4\/zones\/([^/]+)\/dns_records(?:\/([^/]+))?$/.exec(req.path);
    if (!m) return sendJson(res, 404, fail(7000, 'No route for that URI'));
    const zoneId = decodeURIComponent(m[1] ?? '');
    const recordId = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const recs = zones.get(zoneId);
    if (!recs) return sendJson(res, 400, fail(7003, `Could not route to /zones/${zoneId}/dns_records, perhaps your object identifier is invalid?`));
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Partial<FakeDnsRecord>;

    if (req.method === 'GET' && !recordId) {
      const list = recs.filter((r) => (!req.query.type || r.type === req.query.type) && (!req.query.name || r.name === req.query.name));
      return sendJson(res, 200, ok(list, { result_info: { page: 1, per_page: 100, count: list.length, total_count: list.length, total_pages: 1 } }));
    }
    if (req.method === 'POST' && !recordId) {
      if (!body.type || !body.name || !body.content) return sendJson(res, 400, fail(9000, 'DNS name, type and content are required'));
      if (badTtl(body.ttl)) return sendJson(res, 400, fail(9021, 'Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.'));
      const c = conflict(recs, body.type, body.name);
      if (c) return sendJson(res, 400, c);
      const rec: FakeDnsRecord = { id: `rec${++seq}`, type: body.type, name: body.name, content: body.content, ttl: body.ttl ?? 1, proxied: body.proxied ?? false };
      recs.push(rec);
      return sendJson(res, 200, ok(rec));
    }
    if (req.method === 'PATCH' && recordId) {
      const rec = recs.find((r) => r.id === recordId);
      if (!rec) return sendJson(res, 404, fail(81044, 'Record does not exist.'));
      if (badTtl(body.ttl)) return sendJson(res, 400, fail(9021, 'Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.'));
      const c = conflict(recs, body.type ?? rec.type, body.name ?? rec.name, rec.id);
      if (c) return sendJson(res, 400, c);
      Object.assign(rec, Object.fromEntries(Object.entries(body).filter(([k]) => ['content', 'ttl', 'proxied', 'type', 'name'].includes(k))));
      return sendJson(res, 200, ok(rec));
    }
    return sendJson(res, 405, fail(10405, 'Method not allowed'));
  });

  return {
    ...server,
    apiUrl: `${server.url}/client/v4`,
    records: (zoneId) => zones.get(zoneId) ?? [],
    failNext: (status, code, message) => void failures.push({ status, code, message }),
  };
}
