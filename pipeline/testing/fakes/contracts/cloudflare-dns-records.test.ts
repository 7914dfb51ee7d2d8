/**
 * The vendored cut of Cloudflare's DNS records API (the official SDK's parameter types) stays
 * what tools/vendor-cloudflare-dns.mjs makes of cloudflare/cloudflare-typescript, and the fake
 * answers requests outside it with Cloudflare's error envelope and records them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shipgateHome } from '../../../repo.ts';
import { cloudflareDnsContract, startCloudflareFake, type CloudflareFake } from '../cloudflare.ts';
import { trackedFakes } from '../tracked.ts';

const vendoredText = readFileSync(new URL('./cloudflare-dns-records.json', import.meta.url), 'utf8');
const SDK_GIT_DIR = process.env.CLOUDFLARE_TS_GIT_DIR ?? '/work/.mirror/cloudflare+cloudflare-typescript/repo';
const TOKEN = 'cf-contract-token-31f5c2';
const ZONE = 'zone-1';

const fakes = trackedFakes<CloudflareFake>();

async function fake(plan?: 'enterprise' | 'free') {
  const f = await startCloudflareFake({ token: TOKEN, zones: { [ZONE]: [{ id: 'r1', type: 'CNAME', name: 'app.example.com', content: 'blue.example.net' }] }, ...(plan ? { plans: { [ZONE]: plan } } : {}) });
  fakes.add(f);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${f.apiUrl}/zones/${ZONE}/dns_records${path}`, {
      method, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { success: boolean; errors: Array<{ code: number; message: string; error_chain?: Array<{ code: number; message: string }> }> } };
  };
  return { f, call };
}

describe('contracts/cloudflare-dns-records.json', () => {
  it.skipIf(!existsSync(SDK_GIT_DIR))('is what tools/vendor-cloudflare-dns.mjs cuts from cloudflare/cloudflare-typescript at the vendored commit', () => {
    const commit = (JSON.parse(vendoredText) as { commit: string }).commit;
    const generated = execFileSync(process.execPath, ['tools/vendor-cloudflare-dns.mjs', '--print', '--git-dir', SDK_GIT_DIR, '--commit', commit], { cwd: shipgateHome, encoding: 'utf8' });
    expect(JSON.parse(vendoredText)).toEqual(JSON.parse(generated));
  });

  it('names the source repository, paths, commit and date', () => {
    const head = JSON.parse(vendoredText) as { repository: string; paths: string[]; commit: string; commitDate: string; source: string };
    expect(head.repository).toBe('cloudflare/cloudflare-typescript');
    expect(head.paths).toContain('src/resources/dns/records.ts');
    expect(head.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(head.commitDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(head.source).toContain(head.commit.slice(0, 8));
  });

  it('carries what Shipgate relies on: name.exact (no bare name), name/ttl/type required to edit, ttl 1 or 60–86400 (30 on Enterprise)', () => {
    const c = cloudflareDnsContract;
    expect(c.operations.list.query).toEqual(expect.arrayContaining(['type', 'name.exact']));
    expect(c.operations.list.query).not.toContain('name');
    for (const t of ['A', 'AAAA', 'CNAME']) {
      expect(c.operations.edit.byType[t]?.required.sort()).toEqual(['name', 'ttl', 'type']);
      expect(c.operations.create.byType[t]?.required.sort()).toEqual(['name', 'ttl', 'type']);
    }
    expect(c.ttl).toEqual({ automatic: 1, min: 60, max: 86400, enterpriseMin: 30, doc: expect.stringContaining('Enterprise') });
    expect(c.recordTypes).toEqual(expect.arrayContaining(['A', 'AAAA', 'CNAME']));
  });
});

describe('the Cloudflare fake enforces the contract', () => {
  it('a bare name= filter is outside RecordListParams: 400 and a violation', async () => {
    const { f, call } = await fake();
    const out = await call('GET', '?type=CNAME&name=app.example.com');
    expect(out.status).toBe(400);
    expect(out.body.success).toBe(false);
    expect(out.body.errors[0]?.message).toContain('name.exact');
    expect(f.violations.splice(0)).toHaveLength(1);
    expect((await call('GET', '?type=CNAME&name.exact=APP.example.com')).body).toMatchObject({ success: true, result: [{ id: 'r1' }] });
  });

  it('a PATCH without name, type or ttl is refused with 1004 DNS Validation Error', async () => {
    const { f, call } = await fake();
    const out = await call('PATCH', '/r1', { content: 'green.example.net' });
    expect(out.status).toBe(400);
    expect(out.body.errors[0]).toMatchObject({ code: 1004, message: 'DNS Validation Error' });
    const missing = await call('PATCH', '/r1', { type: 'CNAME', content: 'green.example.net' });
    expect(missing.body.errors[0]?.error_chain?.[0]?.message).toMatch(/^name, ttl are required/);
    expect(f.violations.splice(0)).toHaveLength(2);
    expect(f.records(ZONE)[0]?.content).toBe('blue.example.net');
  });

  it('ttl: outside 1 / 30–86400 is a violation; 30–59 is refused off Enterprise (recorded as refused) and taken on Enterprise', async () => {
    const full = (ttl: number) => ({ type: 'CNAME', name: 'app.example.com', content: 'green.example.net', ttl, proxied: false });
    const free = await fake('free');
    expect((await free.call('PATCH', '/r1', full(20))).body.errors[0]?.error_chain?.[0]?.code).toBe(9021);
    expect(free.f.violations.splice(0)).toHaveLength(1);
    const refused = await free.call('PATCH', '/r1', full(30));
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]?.error_chain?.[0]).toMatchObject({ code: 9021, message: expect.stringContaining('between 60 and 86400') });
    expect(free.f.refused).toHaveLength(1);
    const ent = await fake('enterprise');
    expect((await ent.call('PATCH', '/r1', full(30))).body.success).toBe(true);
    expect(ent.f.records(ZONE)[0]?.ttl).toBe(30);
  });

  it('unknown body fields and unknown record types are violations', async () => {
    const { f, call } = await fake();
    expect((await call('POST', '', { type: 'CNAME', name: 'x.example.com', content: 'y.example.net', ttl: 1, priority: 5 })).status).toBe(400);
    expect((await call('POST', '', { type: 'BOGUS', name: 'x.example.com', ttl: 1 })).status).toBe(400);
    expect(f.violations.splice(0)).toHaveLength(2);
  });

  it('rateLimitNext: 429 with Retry-After and code 971, then normal answers', async () => {
    const { f, call } = await fake();
    f.rateLimitNext(1, 42);
    const limited = await call('GET', '?type=CNAME');
    expect(limited).toMatchObject({ status: 429, retryAfter: '42', body: { success: false, errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }] } });
    expect((await call('GET', '?type=CNAME')).status).toBe(200);
    expect(f.limited).toBe(1);
  });
});
