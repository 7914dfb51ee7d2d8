import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookProvider } from './webhook.ts';
import { startDeployHookFake, type DeployHookFake, type DeployHookFakeOptions } from '../testing/fakes/deploy-hook.ts';
import { presentError } from '../errors.ts';
import type { DeployRequest } from './types.ts';
import { caught } from '../testing/caught.ts';

const SECRET = 'srv-d1x2y3z4?key=hook-secret-7q8w9e';
const PATH_SECRET = 'srv-d1x2y3z4hooksecret7q8w9e';
const fakes: DeployHookFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function fake(opts: Partial<DeployHookFakeOptions> = {}) {
  const f = await startDeployHookFake({ secret: PATH_SECRET, ...opts });
  fakes.push(f);
  return f;
}

function request(progress: string[], over: Partial<DeployRequest> = {}): DeployRequest {
  return { env: 'staging', version: '3.1.0', sha: 'feedfacecafebeef00112233445566778899aabb', appEnv: {}, progress: (m) => progress.push(m), ...over };
}


describe('webhook provider against the loopback deploy-hook fake', () => {
  it('POSTs { env, slot, version, sha } and counts a 2xx as deployed when there is no status endpoint', async () => {
    const f = await fake();
    const provider = createWebhookProvider({ hookUrl: f.hookUrl, url: 'https://staging.example.com/' });
    const progress: string[] = [];
    const d = await provider.deploy(request(progress, { slot: 'blue' }));
    expect(f.hookCalls).toEqual([{ env: 'staging', slot: 'blue', version: '3.1.0', sha: 'feedfacecafebeef00112233445566778899aabb' }]);
    expect(f.requests[0]?.headers['content-type']).toBe('application/json');
    expect(d).toMatchObject({ provider: 'webhook', id: 'dep-hook-1', url: 'https://staging.example.com', slot: 'blue', data: { confirmedBy: 'health gate' } });
    expect(progress.join('\n')).toContain('the health gate will confirm the new version');
    expect(progress.join('\n')).not.toContain(PATH_SECRET);
  });

  it('polls the status endpoint until live, reporting each change', async () => {
    const f = await fake({ statuses: ['queued', 'building', 'building', 'live'] });
    const provider = createWebhookProvider({ hookUrl: f.hookUrl, statusUrl: f.statusUrl, url: 'https://staging.example.com', pollIntervalMs: 20 });
    const progress: string[] = [];
    const d = await provider.deploy(request(progress));
    expect(d.data.confirmedBy).toBe('status endpoint');
    expect(progress.filter((l) => l.includes('status endpoint')).map((l) => l.split(': ').at(-1))).toEqual(['queued', 'building', 'live']);
    expect(f.requests.filter((r) => r.path === '/status')).toHaveLength(4);
    expect(await provider.status(d)).toEqual({ state: 'running', detail: 'status endpoint says live' });
  });

  it('fails when the status endpoint says failed', async () => {
    const f = await fake({ statuses: ['building', 'failed'] });
    const provider = createWebhookProvider({ hookUrl: f.hookUrl, statusUrl: f.statusUrl, url: 'https://staging.example.com', pollIntervalMs: 20 });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_WEBHOOK_DEPLOY_FAILED');
    expect(err.message).toContain('"failed"');
  });

  it('times out with the last status', async () => {
    const f = await fake({ statuses: ['building'] });
    const provider = createWebhookProvider({ hookUrl: f.hookUrl, statusUrl: f.statusUrl, url: 'https://staging.example.com', pollIntervalMs: 50, timeoutMs: 300 });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_WEBHOOK_TIMEOUT');
    expect(err.message).toContain('still "building"');
  });

  it('a refused hook names only the origin, never the secret URL', async () => {
    const f = await fake({ hookStatus: 404 });
    const provider = createWebhookProvider({ hookUrl: `${f.url}/deploy/${PATH_SECRET}-revoked`, url: 'https://staging.example.com' });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_WEBHOOK_REJECTED');
    const shown = presentError(err);
    expect(shown).toContain(`deploy hook at ${f.url}/…`);
    expect(shown).toContain('HTTP 404');
    expect(shown).not.toContain(PATH_SECRET);
  });

  it('a non-2xx from the hook itself is a rejection', async () => {
    const f = await fake({ hookStatus: 500 });
    const provider = createWebhookProvider({ hookUrl: f.hookUrl, url: 'https://staging.example.com' });
    const err = await caught(provider.deploy(request([])));
    expect(err.message).toContain('HTTP 500');
  });

  it('an unreachable hook is a clear error without the secret', async () => {
    const f = await fake();
    const dead = `${f.url}/deploy/${SECRET}`;
    await f.close();
    fakes.splice(fakes.indexOf(f), 1);
    const provider = createWebhookProvider({ hookUrl: dead, url: 'https://staging.example.com', requestTimeoutMs: 5000 });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_WEBHOOK_UNREACHABLE');
    expect(presentError(err)).not.toContain('hook-secret-7q8w9e');
  });

  it('validates options without echoing the hook URL', () => {
    expect(() => createWebhookProvider({ hookUrl: 'not a url hook-secret', url: 'https://x.example' })).toThrow(/hookUrl must be a full URL/);
    try {
      createWebhookProvider({ hookUrl: 'not a url hook-secret', url: 'https://x.example' });
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('hook-secret');
    }
  });
});
