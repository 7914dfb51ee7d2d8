import { afterEach, describe, expect, it } from 'vitest';
import { createRailwayProvider, railwayState, type RailwayProviderOptions } from './railway.ts';
import { startRailwayFake, type RailwayFake, type RailwayTokenKind } from '../testing/fakes/railway.ts';
import { isShipgateError, presentError } from '../errors.ts';
import { parseRetryAfter } from './remote-wait.ts';
import type { DeployRequest } from './types.ts';
import { caught } from '../testing/caught.ts';

const TOKEN = 'rw-secret-token-4f1e9a7c2b';
const fakes: RailwayFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setup(kind: RailwayTokenKind = 'account', over: Partial<RailwayProviderOptions> = {}, fakeToken = TOKEN) {
  const fake = await startRailwayFake({ token: fakeToken, tokenKind: kind });
  fakes.push(fake);
  const provider = createRailwayProvider({
    apiUrl: fake.apiUrl,
    token: TOKEN,
    tokenKind: kind,
    serviceId: 'svc-api',
    environmentId: 'env-prod',
    slotServices: { blue: 'svc-blue', green: 'svc-green' },
    pollIntervalMs: 20,
    ...over,
  });
  return { fake, provider };
}

function request(progress: string[], over: Partial<DeployRequest> = {}): DeployRequest {
  return { env: 'production', version: '1.4.0', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', appEnv: {}, progress: (m) => progress.push(m), ...over };
}


describe('railway provider against the loopback fake', () => {
  it('deploys with an account token: Bearer header, variables, status progress, https URL', async () => {
    const { fake, provider } = await setup('account');
    fake.seedDeployment({ id: 'dep-old', serviceId: 'svc-api', environmentId: 'env-prod', status: 'SUCCESS' });
    fake.scriptNextDeploys({ statuses: ['QUEUED', 'BUILDING', 'BUILDING', 'DEPLOYING', 'SUCCESS'], url: 'api-production.up.railway.app' });
    const progress: string[] = [];
    const d = await provider.deploy(request(progress));

    expect(d).toMatchObject({ provider: 'railway', env: 'production', version: '1.4.0', url: 'https://api-production.up.railway.app' });
    expect(d.data).toMatchObject({ serviceId: 'svc-api', environmentId: 'env-prod', previousDeploymentId: 'dep-old', status: 'SUCCESS' });
    expect(fake.calls('serviceInstanceDeployV2')).toEqual([
      { serviceId: 'svc-api', environmentId: 'env-prod', commitSha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
    ]);
    // One progress line per status change, not per poll.
    const statusLines = progress.filter((l) => l.includes(`deployment ${d.id} `) && !l.includes('live at'));
    expect(statusLines.map((l) => l.split(' ').at(-1))).toEqual(['QUEUED', 'BUILDING', 'DEPLOYING', 'SUCCESS']);
    for (const r of fake.requests) {
      expect(r.headers.authorization).toBe('Bearer <redacted>');
      expect(r.headers['project-access-token']).toBeUndefined();
      // Values travel in `variables`, never inside the query text.
      expect((r.body as { query: string }).query).not.toContain('svc-api');
    }
    expect(progress.join('\n')).not.toContain(TOKEN);
    expect(JSON.stringify(fake.requests)).not.toContain(TOKEN);
  });

  it('uses Project-Access-Token for a project token and the slot’s own service', async () => {
    const { fake, provider } = await setup('project');
    fake.scriptNextDeploys({ statuses: ['BUILDING', 'SUCCESS'], url: null, staticUrl: 'green-api.up.railway.app' });
    const d = await provider.deploy(request([], { slot: 'green' }));
    expect(d.slot).toBe('green');
    expect(d.url).toBe('https://green-api.up.railway.app');
    expect(d.data.serviceId).toBe('svc-green');
    expect(d.data.previousDeploymentId).toBeNull();
    expect(fake.requests.every((r) => r.headers['project-access-token'] === '<redacted>' && !r.headers.authorization)).toBe(true);
  });

  it('refuses an unknown slot before calling Railway', async () => {
    const { fake, provider } = await setup();
    const err = await caught(provider.deploy(request([], { slot: 'purple' })));
    expect(err.code).toBe('SHIPGATE_RAILWAY_SLOT_UNKNOWN');
    expect(err.message).toContain('blue, green');
    expect(fake.requests).toHaveLength(0);
  });

  it('turns "Not Authorized" into a token-kind hint and never shows the token', async () => {
    const { provider } = await setup('project', {}, 'some-other-token-xyz');
    const progress: string[] = [];
    const err = await caught(provider.deploy(request(progress)));
    expect(err.code).toBe('SHIPGATE_RAILWAY_UNAUTHORIZED');
    const shown = presentError(err);
    expect(shown).toContain('Not Authorized');
    expect(shown).toContain('Project-Access-Token');
    expect(shown + progress.join('\n') + JSON.stringify(isShipgateError(err) ? err.details : {})).not.toContain(TOKEN);
  });

  it('sending a project token as Bearer is refused by the fake (header kind matters)', async () => {
    const fake = await startRailwayFake({ token: TOKEN, tokenKind: 'project' });
    fakes.push(fake);
    const provider = createRailwayProvider({ apiUrl: fake.apiUrl, token: TOKEN, tokenKind: 'account', serviceId: 's', environmentId: 'e', pollIntervalMs: 20 });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_UNAUTHORIZED');
    expect(presentError(err)).toContain('tokenKind: project');
  });

  it('fails clearly on a crashed deployment, naming status and deployment id', async () => {
    const { fake, provider } = await setup();
    fake.scriptNextDeploys({ statuses: ['BUILDING', 'DEPLOYING', 'CRASHED'] });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_DEPLOY_FAILED');
    expect(err.message).toMatch(/deployment dep-\d+ of service svc-api ended CRASHED/);
  });

  it.each(['FAILED', 'REMOVED', 'SKIPPED'])('treats %s as a failed deploy', async (status) => {
    const { fake, provider } = await setup();
    fake.scriptNextDeploys({ statuses: ['QUEUED', status] });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_DEPLOY_FAILED');
    expect(err.message).toContain(status);
  });

  it('times out at the deadline with the last status', async () => {
    const { fake, provider } = await setup('account', { timeoutMs: 300, pollIntervalMs: 50 });
    fake.scriptNextDeploys({ statuses: ['BUILDING'] });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_DEPLOY_TIMEOUT');
    expect(err.message).toContain('still BUILDING');
  });

  it('stops polling when the signal aborts', async () => {
    const { fake, provider } = await setup('account', { pollIntervalMs: 10_000 });
    fake.scriptNextDeploys({ statuses: ['BUILDING'] });
    const ac = new AbortController();
    const progress: string[] = [];
    const p = provider.deploy(request(progress, { signal: ac.signal, progress: (m) => { progress.push(m); if (m.endsWith('BUILDING')) ac.abort(); } }));
    const err = await caught(p);
    expect(err.code).toBe('SHIPGATE_REMOTE_DEPLOY_ABORTED');
  });

  it('honours Retry-After on HTTP 429 and then succeeds', async () => {
    const { fake, provider } = await setup();
    fake.rateLimitNext(2, 0);
    fake.scriptNextDeploys({ statuses: ['SUCCESS'] });
    const d = await provider.deploy(request([]));
    expect(d.url).toMatch(/^https:\/\//);
    expect(fake.requests.filter((r) => r.path === '/graphql/v2')).toHaveLength(2 + 3);
  });

  it('caps a long Retry-After at maxRetryAfterMs instead of hanging', async () => {
    const { fake, provider } = await setup('account', { maxRetryAfterMs: 50 });
    fake.rateLimitNext(1, 3600);
    fake.scriptNextDeploys({ statuses: ['SUCCESS'] });
    const d = await provider.deploy(request([]));
    expect(d.id).toMatch(/^dep-/);
    expect(fake.requests[0]?.path).toBe('/graphql/v2');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-30T09:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 30 Nov 2026 09:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 30 Nov 2026 08:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });

  it('gives up after the bounded number of 429s', async () => {
    const { fake, provider } = await setup('account', { maxRateLimitRetries: 2 });
    fake.rateLimitNext(10, 0);
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_RATE_LIMITED');
    expect(err.message).toContain('3 times');
    expect(fake.requests).toHaveLength(3);
  });

  it('surfaces a GraphQL error message', async () => {
    const { fake, provider } = await setup();
    fake.failNext('Service not found in environment');
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_GRAPHQL');
    expect(err.message).toContain('serviceInstance: Service not found in environment');
  });

  it('fails when the service has no domain', async () => {
    const { fake, provider } = await setup();
    fake.scriptNextDeploys({ statuses: ['SUCCESS'], url: null, staticUrl: null });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_RAILWAY_NO_URL');
  });

  it('rolls back to the previous successful deployment and stops a deployment', async () => {
    const { fake, provider } = await setup();
    fake.seedDeployment({ id: 'dep-old', serviceId: 'svc-api', environmentId: 'env-prod', status: 'SUCCESS' });
    const d = await provider.deploy(request([]));
    await provider.rollback!(d);
    expect(fake.calls('deploymentRollback')).toEqual([{ id: 'dep-old' }]);
    const rollbackReq = fake.requests.find((r) => JSON.stringify(r.body).includes('deploymentRollback'));
    expect((rollbackReq?.body as { query: string }).query).toMatch(/mutation \w+\(\$id: String!\) \{ deploymentRollback\(id: \$id\) \}/);
    await provider.stop(d);
    expect(fake.calls('deploymentStop')).toEqual([{ id: d.id }]);
  });

  it('after a crashed attempt, keeps the newest SUCCESS (the live one) as rollback target', async () => {
    const { fake, provider } = await setup();
    fake.seedDeployment({ id: 'dep-older', serviceId: 'svc-api', environmentId: 'env-prod', status: 'SUCCESS' });
    fake.seedDeployment({ id: 'dep-live', serviceId: 'svc-api', environmentId: 'env-prod', status: 'SUCCESS' });
    fake.seedDeployment({ id: 'dep-other-svc', serviceId: 'svc-blue', environmentId: 'env-prod', status: 'SUCCESS' });
    fake.seedDeployment({ id: 'dep-crashed', serviceId: 'svc-api', environmentId: 'env-prod', status: 'CRASHED' });
    const d = await provider.deploy(request([]));
    expect(d.data.previousDeploymentId).toBe('dep-live');
    expect(fake.calls('deployments')).toEqual([{ input: { serviceId: 'svc-api', environmentId: 'env-prod' }, first: 20 }]);
  });

  it('refuses to roll back without a recorded previous deployment', async () => {
    const { fake, provider } = await setup();
    fake.seedDeployment({ id: 'dep-crashed', serviceId: 'svc-api', environmentId: 'env-prod', status: 'CRASHED' });
    const d = await provider.deploy(request([]));
    expect(d.data.previousDeploymentId).toBeNull();
    const err = await caught(provider.rollback!(d));
    expect(err.code).toBe('SHIPGATE_RAILWAY_NO_PREVIOUS');
    expect(fake.calls('deploymentRollback')).toEqual([]);
  });

  it('reports status from Railway', async () => {
    const { fake, provider } = await setup();
    const d = await provider.deploy(request([]));
    expect(await provider.status(d)).toEqual({ state: 'running', detail: 'Railway status SUCCESS' });
    fake.deployments.get(d.id)!.statuses.push('CRASHED');
    expect((await provider.status(d)).state).toBe('failed');
  });

  it('maps every documented DeploymentStatus', () => {
    const all = ['BUILDING', 'CRASHED', 'DEPLOYING', 'FAILED', 'INITIALIZING', 'NEEDS_APPROVAL', 'QUEUED', 'REMOVED', 'REMOVING', 'SKIPPED', 'SLEEPING', 'SUCCESS', 'WAITING'];
    expect(Object.fromEntries(all.map((s) => [s, railwayState(s)]))).toEqual({
      BUILDING: 'starting', CRASHED: 'failed', DEPLOYING: 'starting', FAILED: 'failed', INITIALIZING: 'starting', NEEDS_APPROVAL: 'starting',
      QUEUED: 'starting', REMOVED: 'stopped', REMOVING: 'stopped', SKIPPED: 'stopped', SLEEPING: 'stopped', SUCCESS: 'running', WAITING: 'starting',
    });
    expect(railwayState('SOMETHING_NEW')).toBe('unknown');
  });

  it('validates options at the edge, naming the field', () => {
    expect(() => createRailwayProvider({ token: '', tokenKind: 'account', serviceId: 's', environmentId: 'e' })).toThrow(/token/);
    expect(() => createRailwayProvider({ token: TOKEN, tokenKind: 'workspace' as 'account', serviceId: 's', environmentId: 'e' })).toThrow(/tokenKind/);
  });
});
