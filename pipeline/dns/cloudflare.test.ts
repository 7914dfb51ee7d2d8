import { describe, expect, it } from 'vitest';
import { createCloudflareDns, normalizeHost, type CloudflareDnsOptions } from './cloudflare.ts';
import { startCloudflareFake, type CloudflareFake, type CloudflareFakeOptions } from '../testing/fakes/cloudflare.ts';
import { presentError } from '../errors.ts';
import { caught } from '../testing/caught.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../config/load.ts';
import { shipgateHome } from '../repo.ts';
import { trackedFakes } from '../testing/fakes/tracked.ts';

const TOKEN = 'cf-secret-token-8d2c71e0aa';
const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const fakes = trackedFakes<CloudflareFake>();

async function startFake(opts: CloudflareFakeOptions): Promise<CloudflareFake> {
  const fake = await startCloudflareFake(opts);
  fakes.add(fake);
  return fake;
}

async function setup(records: CloudflareFakeOptions['zones'][string], over: Partial<CloudflareDnsOptions> = {}, plans?: CloudflareFakeOptions['plans']) {
  const fake = await startFake({ token: TOKEN, zones: { [ZONE]: records }, ...(plans ? { plans } : {}) });
  const dns = createCloudflareDns({ apiUrl: fake.apiUrl, token: TOKEN, zoneId: ZONE, recordName: 'app.example.com', ...over });
  return { fake, dns };
}

/** A clock that only moves when Shipgate sleeps: rate-limit waits cost no real time. */
function fakeClock() {
  const c = { t: 1_000_000, sleeps: [] as number[], now: () => c.t, sleep: async (ms: number) => void (c.sleeps.push(ms), (c.t += ms)) };
  return c;
}


const cname = (content: string) => ({ type: 'CNAME', name: 'app.example.com', content, id: 'rec-app' });

describe('cloudflare DNS against the loopback fake', () => {
  it('reads the current target with a list filtered by type and name.exact (the SDK’s RecordListParams) and a Bearer token', async () => {
    const { fake, dns } = await setup([cname('blue.up.railway.app'), { type: 'CNAME', name: 'www.example.com', content: 'x.example.net' }]);
    expect(await dns.current('https://app.example.com/')).toBe('blue.up.railway.app');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'GET',
      path: `/client/v4/zones/${ZONE}/dns_records`,
      query: { type: 'CNAME', 'name.exact': 'app.example.com' },
      headers: { authorization: 'Bearer <redacted>' },
    });
  });

  it('returns null when there is no record', async () => {
    const { dns } = await setup([]);
    expect(await dns.current('app.example.com')).toBeNull();
  });

  it('switches with a PATCH of the full record (name, type, ttl required by RecordEditParams; ttl/proxied kept) and returns the previous target', async () => {
    const { fake, dns } = await setup([{ ...cname('blue.up.railway.app'), ttl: 300, proxied: true }]);
    const out = await dns.switch('app.example.com', 'https://green.up.railway.app');
    expect(out).toEqual({ previous: 'blue.up.railway.app' });
    const patch = fake.requests.find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({ path: `/client/v4/zones/${ZONE}/dns_records/rec-app` });
    expect(patch?.body).toEqual({ type: 'CNAME', name: 'app.example.com', content: 'green.up.railway.app', ttl: 300, proxied: true });
    expect(fake.records(ZONE)[0]).toMatchObject({ ttl: 300, proxied: true });
    expect(fake.records(ZONE)[0]?.content).toBe('green.up.railway.app');
    expect(await dns.current('app.example.com')).toBe('green.up.railway.app');
  });

  it('is idempotent: no PATCH when the record already points at the target', async () => {
    const { fake, dns } = await setup([cname('green.up.railway.app')]);
    expect(await dns.switch('app.example.com', 'Green.up.railway.app.')).toEqual({ previous: 'green.up.railway.app' });
    expect(fake.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('sends ttl and proxied when configured, and patches when only they differ', async () => {
    const { fake, dns } = await setup([cname('green.up.railway.app')], { ttl: 300, proxied: true });
    await dns.switch('app.example.com', 'green.up.railway.app');
    expect(fake.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ type: 'CNAME', name: 'app.example.com', content: 'green.up.railway.app', ttl: 300, proxied: true });
  });

  it('refuses a missing record unless create is on', async () => {
    const { fake, dns } = await setup([]);
    const err = await caught(dns.switch('app.example.com', 'green.up.railway.app'));
    expect(err.code).toBe('SHIPGATE_CLOUDFLARE_RECORD_MISSING');
    expect(presentError(err)).toContain('create: true');
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('creates the record with POST when create is on', async () => {
    const { fake, dns } = await setup([], { create: true, ttl: 120 });
    expect(await dns.switch('app.example.com', 'green.up.railway.app')).toEqual({ previous: null });
    expect(fake.requests.find((r) => r.method === 'POST')?.body).toEqual({ type: 'CNAME', name: 'app.example.com', content: 'green.up.railway.app', ttl: 120, proxied: false });
    expect(await dns.current('app.example.com')).toBe('green.up.railway.app');
  });

  it('surfaces Cloudflare’s CNAME/A conflict with code, message and a hint', async () => {
    const { dns } = await setup([{ type: 'A', name: 'app.example.com', content: '192.0.2.10' }], { create: true });
    const err = await caught(dns.switch('app.example.com', 'green.up.railway.app'));
    expect(err.code).toBe('SHIPGATE_CLOUDFLARE_API');
    const shown = presentError(err);
    expect(shown).toContain('81053: An A, AAAA, or CNAME record with that host already exists');
    expect(shown).toContain('cannot share its name with A/AAAA');
  });

  it('a bad token is an authentication error naming the permission, without the token', async () => {
    const fake = await startFake({ token: 'the-right-token-123', zones: { [ZONE]: [] } });
    const dns = createCloudflareDns({ apiUrl: fake.apiUrl, token: TOKEN, zoneId: ZONE, recordName: 'app.example.com' });
    const err = await caught(dns.current('app.example.com'));
    const shown = presentError(err);
    expect(shown).toContain('HTTP 403');
    expect(shown).toContain('10000: Authentication error');
    expect(shown).toContain('DNS → Edit');
    expect(shown).not.toContain(TOKEN);
  });

  it('an unknown zone surfaces 7003 with a zone-id hint', async () => {
    await setup([]);
    const dns = createCloudflareDns({ apiUrl: fakes.current[0]!.apiUrl, token: TOKEN, zoneId: 'nope', recordName: 'app.example.com' });
    const shown = presentError(await caught(dns.current('app.example.com')));
    expect(shown).toContain('7003');
    expect(shown).toContain('Zone ID');
  });

  it('surfaces an injected error envelope verbatim', async () => {
    const { fake, dns } = await setup([cname('blue.up.railway.app')]);
    fake.failNext(400, 9005, 'Content for CNAME record is invalid.');
    const err = await caught(dns.switch('app.example.com', 'green.up.railway.app'));
    expect(err.message).toContain('9005: Content for CNAME record is invalid.');
  });

  it('refuses two records of the same name and type, and a host it does not manage', async () => {
    const { dns } = await setup([cname('a.example.net'), { ...cname('b.example.net'), id: 'rec-2' }]);
    expect((await caught(dns.current('app.example.com'))).code).toBe('SHIPGATE_CLOUDFLARE_AMBIGUOUS');
    expect((await caught(dns.switch('other.example.com', 'x.example.net'))).code).toBe('SHIPGATE_CLOUDFLARE_HOST_MISMATCH');
  });

  it('validates ttl at the edge: 1, or 30–86400 (30–59 only works on Enterprise zones, which config cannot tell)', () => {
    const base = { token: TOKEN, zoneId: ZONE, recordName: 'app.example.com' };
    expect(() => createCloudflareDns({ ...base, ttl: 29 })).toThrow(/ttl must be 1 \(automatic\) or between 30 and 86400/);
    expect(() => createCloudflareDns({ ...base, ttl: 90000 })).toThrow(/ttl/);
    expect(() => createCloudflareDns({ ...base, ttl: 1 })).not.toThrow();
    expect(() => createCloudflareDns({ ...base, ttl: 30 })).not.toThrow();
  });

  it('config (.github/shipgate.yml) takes dns.ttl 30 (Enterprise zones) and refuses 29', () => {
    const example = readFileSync(join(shipgateHome, 'docs/examples/railway-cloudflare.yml'), 'utf8');
    const withTtl = (ttl: number) => example.replace('record: example.com }', `record: example.com, ttl: ${ttl} }`);
    expect(withTtl(30)).not.toBe(example);
    expect(parseConfigText(withTtl(30), 'shipgate.yml').environments.production?.dns).toMatchObject({ ttl: 30 });
    expect(() => parseConfigText(withTtl(29), 'shipgate.yml')).toThrow(/ttl[\s\S]*1 \(automatic\) or 30–86400/);
  });

  it('ttl 30 works on an Enterprise zone', async () => {
    const { fake, dns } = await setup([cname('blue.up.railway.app')], { ttl: 30 }, { [ZONE]: 'enterprise' });
    await dns.switch('app.example.com', 'green.up.railway.app');
    expect(fake.records(ZONE)[0]).toMatchObject({ content: 'green.up.railway.app', ttl: 30 });
  });

  it('ttl 30 on a zone that is not Enterprise: Cloudflare’s 1004/9021 answer, and Shipgate says an Enterprise zone is needed', async () => {
    const { fake, dns } = await setup([cname('blue.up.railway.app')], { ttl: 30 }, { [ZONE]: 'pro' });
    const err = await caught(dns.switch('app.example.com', 'green.up.railway.app'));
    expect(err.code).toBe('SHIPGATE_CLOUDFLARE_API');
    const shown = presentError(err);
    expect(shown).toContain('1004: DNS Validation Error');
    expect(shown).toContain('9021: Invalid TTL');
    expect(shown).toContain('TTL below 60 needs an Enterprise zone');
    expect(fake.refused).toHaveLength(1);
    expect(fake.records(ZONE)[0]?.content).toBe('blue.up.railway.app');
  });

  describe('rate limits (HTTP 429, code 971, Retry-After)', () => {
    it('the cutover waits as Retry-After says, reports each wait, and succeeds', async () => {
      const clock = fakeClock();
      const { fake, dns } = await setup([cname('blue.up.railway.app')], { sleep: clock.sleep, now: clock.now });
      fake.rateLimitNext(2, 7, 'PATCH');
      const lines: string[] = [];
      expect(await dns.switch('app.example.com', 'green.up.railway.app', { progress: (m) => lines.push(m) })).toEqual({ previous: 'blue.up.railway.app' });
      expect(fake.limited).toBe(2);
      expect(clock.sleeps).toEqual([7000, 7000]);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain('Cloudflare rate limit (HTTP 429) on update CNAME app.example.com: retrying in 7s (Retry-After)');
      expect(fake.records(ZONE)[0]?.content).toBe('green.up.railway.app');
    });

    it('reads (the list before a switch) are retried the same way', async () => {
      const clock = fakeClock();
      const { fake, dns } = await setup([cname('blue.up.railway.app')], { sleep: clock.sleep, now: clock.now });
      fake.rateLimitNext(3, 1);
      expect(await dns.current('app.example.com')).toBe('blue.up.railway.app');
      expect(clock.sleeps).toEqual([1000, 1000, 1000]);
    });

    it('past the bound: SHIPGATE_CLOUDFLARE_RATE_LIMITED naming the record and where DNS may still point', async () => {
      const clock = fakeClock();
      const { fake, dns } = await setup([cname('blue.up.railway.app')], { sleep: clock.sleep, now: clock.now, rateLimitWaitMs: 300_000 });
      fake.rateLimitNext(100, 120, 'PATCH');
      const lines: string[] = [];
      const err = await caught(dns.switch('app.example.com', 'green.up.railway.app', { progress: (m) => lines.push(m) }));
      expect(err.code).toBe('SHIPGATE_CLOUDFLARE_RATE_LIMITED');
      const shown = presentError(err);
      expect(shown).toContain('the CNAME app.example.com record was not changed');
      expect(shown).toContain('DNS may still point at blue.up.railway.app');
      expect(shown).toContain('1200 requests per 5 minutes');
      expect(shown).not.toContain(TOKEN);
      expect(clock.sleeps).toEqual([120_000, 120_000]);
      expect(lines).toHaveLength(2);
      expect(fake.records(ZONE)[0]?.content).toBe('blue.up.railway.app');
    });
  });

  it('normalizes hosts and URLs', () => {
    expect(normalizeHost('https://App.Example.com./path')).toBe('app.example.com');
    expect(normalizeHost('http://[2001:db8::1]:8080')).toBe('2001:db8::1');
  });
});
