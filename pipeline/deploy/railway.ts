/**
 * Railway deploy provider (GraphQL API v2, https://docs.railway.com/guides/public-api).
 * deploy: read the service instance's latest deployment (kept as `data.previousDeploymentId`
 * for rollback when it is SUCCESS), `serviceInstanceDeployV2(serviceId, environmentId,
 * commitSha)` → deployment id, then poll `deployment(id)` until SUCCESS or a failure status,
 * reporting each status change. Blue/green slots map to one Railway service each.
 * Railway's API quota is per hour (100 Free, 1000 Hobby, 10000 Pro), so polling backs off from
 * `pollIntervalMs` (3 s) by half again each unchanged read up to `maxPollIntervalMs` (30 s), stops
 * at `requestBudget` requests in an hour (per provider, i.e. per release), and a 429 is waited out until
 * the deploy deadline: Shipgate never reports a deploy as failed while Railway may still be running it.
 * Services and the environment are Railway ids, or names when `projectId` is given: then one
 * `project(id)` read (before the first deploy) resolves the names and checks that every id is in
 * that project (railway-ids.ts). Without projectId every one of them must be an id.
 */
import { z } from 'zod';
import { formatDuration } from '../config/duration.ts';
import { defineErrors, isShipgateError } from '../errors.ts';
import { registerSecret } from '../secrets/redact.ts';
import { deployErrors } from './errors.ts';
import { railwayGql, realClock, sentInLastHour, type RailwayClock, type RailwayOperation, type RailwayTransport } from './railway-gql.ts';
import { isRailwayId, railwayIdErrors, resolveRailwayRef, type RailwayNamed, type RailwayProjectView } from './railway-ids.ts';
import type { AttachedDomain, DeployProvider, DeployRequest, Deployment, DeploymentState } from './types.ts';

const optionsSchema = z.object({
  apiUrl: z.string().url().default('https://backboard.railway.com/graphql/v2'),
  token: z.string().min(1, 'token is empty (the env var named in config is not set?)'),
  tokenKind: z.enum(['account', 'project']),
  /** Service id, or its name when projectId is given. */
  serviceId: z.string().min(1),
  /** Environment id, or its name when projectId is given. */
  environmentId: z.string().min(1),
  slotServices: z.record(z.string(), z.string().min(1)).optional(),
  projectId: z.string().refine(isRailwayId, 'must be a Railway project id (a UUID: project → Settings → General, or `railway status --json`)').optional(),
  /** First wait between two status reads; each read that sees no change waits half again as long, up to maxPollIntervalMs. */
  pollIntervalMs: z.number().int().positive().default(3000),
  maxPollIntervalMs: z.number().int().positive().default(30_000),
  /** Deploy deadline: status polling and rate-limit waits end there. */
  timeoutMs: z.number().int().positive().default(15 * 60_000),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** Requests this provider (one release) may send in an hour before it stops polling: a quarter of Hobby's 1000 an hour. */
  requestBudget: z.number().int().positive().default(250),
  /** The wait after a 429 that has no Retry-After. */
  defaultRetryAfterMs: z.number().int().positive().default(60_000),
});

export type RailwayProviderOptions = z.input<typeof optionsSchema> & { fetch?: typeof globalThis.fetch; clock?: RailwayClock };

export const railwayPollErrors = defineErrors({
  SHIPGATE_RAILWAY_STILL_RUNNING: {
    message: (d: { deploymentId: string; status: string; why: string }) =>
      `stopped watching Railway deployment ${d.deploymentId} (last seen ${d.status}): ${d.why}; the deployment may still be running on Railway`,
    hint: (d: { deploymentId: string }) =>
      `check it before retrying: Railway dashboard → service → Deployments (deployment ${d.deploymentId}), or \`railway deployment list\` / \`railway status\` in a folder linked to the project; ` +
      'polling backs off to 30 s and a release spends at most requestBudget requests (Railway allows 100/h on Free, 1000/h on Hobby)',
    docs: 'providers.md#railway-limits',
  },
});

export const RAILWAY_FAILED = ['CRASHED', 'FAILED', 'REMOVED', 'SKIPPED'] as const;

export function railwayState(status: string): DeploymentState {
  switch (status) {
    case 'SUCCESS':
      return 'running';
    case 'QUEUED': case 'WAITING': case 'INITIALIZING': case 'BUILDING': case 'DEPLOYING': case 'NEEDS_APPROVAL':
      return 'starting';
    case 'CRASHED': case 'FAILED':
      return 'failed';
    case 'REMOVED': case 'REMOVING': case 'SKIPPED': case 'SLEEPING':
      return 'stopped';
    default:
      return 'unknown';
  }
}

interface RailwayDeploymentView { id: string; status: string; url: string | null; staticUrl: string | null; canRollback: boolean }

function httpsUrl(d: RailwayDeploymentView): string | null {
  const raw = d.staticUrl || d.url;
  if (!raw) return null;
  return /^https?:\/\//i.test(raw) ? raw.replace(/\/+$/, '') : `https://${raw.replace(/\/+$/, '')}`;
}

export function createRailwayProvider(options: RailwayProviderOptions): DeployProvider {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw deployErrors.SHIPGATE_RAILWAY_OPTIONS_INVALID({
      problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`),
    });
  }
  const o = parsed.data;
  if (o.projectId === undefined) {
    const names = [
      ['service', o.serviceId],
      ['environment', o.environmentId],
      ...Object.entries(o.slotServices ?? {}).map(([slot, v]) => [`slotServices.${slot}`, v] as const),
    ].filter(([, v]) => !isRailwayId(v));
    if (names.length)
      throw deployErrors.SHIPGATE_RAILWAY_OPTIONS_INVALID({
        problems: names.map(([k, v]) => `${k}: "${v}" is not a Railway id (a UUID); give projectId to use names, or the id (Railway dashboard, or \`railway status --json\`)`),
      });
  }
  registerSecret(o.token);
  const transport: RailwayTransport = {
    apiUrl: o.apiUrl,
    token: o.token,
    tokenKind: o.tokenKind,
    fetch: options.fetch ?? globalThis.fetch,
    clock: options.clock ?? realClock,
    requestTimeoutMs: o.requestTimeoutMs,
    defaultRetryAfterMs: o.defaultRetryAfterMs,
    sent: [],
  };
  const clock = transport.clock;
  /** One operation; rate-limit waits end at `deadline` (default: the deploy timeout from now). */
  const gql = <T>(operation: RailwayOperation, variables: Record<string, unknown>, at: { signal?: AbortSignal | undefined; deadline?: number; progress?: ((l: string) => void) | undefined } = {}) =>
    railwayGql<T>(transport, { operation, variables, signal: at.signal, progress: at.progress, deadline: at.deadline ?? clock.now() + o.timeoutMs });

  /** The configured value (id or name) of the slot's service; unknown slots are refused before any API call. */
  const serviceRefFor = (slot: string | undefined): { key: string; value: string } => {
    if (slot === undefined) return { key: 'service', value: o.serviceId };
    const value = o.slotServices?.[slot];
    if (!value) throw deployErrors.SHIPGATE_RAILWAY_SLOT_UNKNOWN({ slot, known: Object.keys(o.slotServices ?? {}) });
    return { key: `slotServices.${slot}`, value };
  };

  /** The project, read once (a failed read is retried by the next deploy). */
  let project: Promise<RailwayProjectView> | undefined;
  const readProject = (projectId: string, signal?: AbortSignal): Promise<RailwayProjectView> => {
    project ??= gql<{ project: { services: { edges: Array<{ node: RailwayNamed }> }; environments: { edges: Array<{ node: RailwayNamed }> } } }>(
      'project', { id: projectId }, { signal },
    ).then(
      (d) => ({ services: d.project.services.edges.map((e) => e.node), environments: d.project.environments.edges.map((e) => e.node) }),
      (err: unknown) => {
        project = undefined;
        throw err;
      },
    );
    return project;
  };

  /** What a project token is scoped to, read once (a failed read is retried by the next deploy). */
  let tokenScope: Promise<{ projectId: string; environmentId: string }> | undefined;
  const readTokenScope = (signal?: AbortSignal) => {
    tokenScope ??= gql<{ projectToken: { projectId: string; environmentId: string } }>('projectToken', {}, { signal }).then(
      (d) => d.projectToken,
      (err: unknown) => {
        tokenScope = undefined;
        throw err;
      },
    );
    return tokenScope;
  };

  /**
   * Service and environment ids for a deploy: as configured, or resolved/checked through projectId.
   * A project token must be the one of this environment (and project): otherwise Railway's answer
   * would be a bare "Not Authorized".
   */
  async function idsFor(slot: string | undefined, signal?: AbortSignal): Promise<{ serviceId: string; environmentId: string }> {
    const service = serviceRefFor(slot);
    let ids = { serviceId: service.value, environmentId: o.environmentId };
    if (o.projectId !== undefined) {
      const view = await readProject(o.projectId, signal);
      ids = {
        serviceId: resolveRailwayRef(view, o.projectId, { key: service.key, kind: 'service', value: service.value }),
        environmentId: resolveRailwayRef(view, o.projectId, { key: 'environment', kind: 'environment', value: o.environmentId }),
      };
    }
    if (o.tokenKind === 'project') {
      const scope = await readTokenScope(signal);
      const sameProject = o.projectId === undefined || scope.projectId.toLowerCase() === o.projectId.toLowerCase();
      if (!sameProject || scope.environmentId.toLowerCase() !== ids.environmentId.toLowerCase())
        throw railwayIdErrors.SHIPGATE_RAILWAY_TOKEN_SCOPE({
          tokenProjectId: scope.projectId,
          tokenEnvironmentId: scope.environmentId,
          projectId: o.projectId ?? null,
          environmentId: ids.environmentId,
        });
    }
    return ids;
  }

  /** `deployment(id)` is non-null in Railway's schema: an unknown id is a GraphQL error, never null. */
  const readDeployment = async (id: string, at: { signal?: AbortSignal | undefined; deadline?: number; progress?: ((l: string) => void) | undefined } = {}) =>
    (await gql<{ deployment: RailwayDeploymentView }>('deployment', { id }, at)).deployment;

  async function waitForTerminal(id: string, serviceId: string, req: DeployRequest, deadline: number): Promise<RailwayDeploymentView> {
    let last = '';
    let interval = o.pollIntervalMs;
    const stillRunning = (why: string) => railwayPollErrors.SHIPGATE_RAILWAY_STILL_RUNNING({ deploymentId: id, status: last || 'not read yet', why });
    for (;;) {
      if (sentInLastHour(transport) >= o.requestBudget)
        throw stillRunning(`Shipgate spent its Railway request budget (${o.requestBudget} requests in an hour, option requestBudget)`);
      let d: RailwayDeploymentView;
      try {
        d = await readDeployment(id, { signal: req.signal, deadline, progress: req.progress });
      } catch (err) {
        if (isShipgateError(err) && err.code === 'SHIPGATE_RAILWAY_RATE_LIMITED') {
          const after = (err.details as { retryAfterS: number | null }).retryAfterS;
          throw stillRunning(`Railway rate-limited the status reads (Retry-After ${after ?? '?'} s) past the deploy deadline (${formatDuration(o.timeoutMs)})`);
        }
        throw err;
      }
      if (d.status !== last) {
        req.progress?.(`railway: deployment ${id} ${last ? `${last} → ` : ''}${d.status}`);
        last = d.status;
        interval = o.pollIntervalMs;
      }
      if (d.status === 'SUCCESS') return d;
      if ((RAILWAY_FAILED as readonly string[]).includes(d.status))
        throw deployErrors.SHIPGATE_RAILWAY_DEPLOY_FAILED({ deploymentId: id, status: d.status, serviceId });
      const left = deadline - clock.now();
      if (left <= 0) throw deployErrors.SHIPGATE_RAILWAY_DEPLOY_TIMEOUT({ deploymentId: id, status: d.status, timeout: formatDuration(o.timeoutMs) });
      try {
        await clock.sleep(Math.min(interval, left), req.signal);
      } catch {
        throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'railway', what: `waiting for deployment ${id} (${d.status})` });
      }
      interval = Math.min(Math.round(interval * 1.5), o.maxPollIntervalMs);
    }
  }

  /**
   * When the latest deployment is not SUCCESS (a crashed attempt), the rollback target is an earlier
   * deployment Railway can roll back to. Whether a deployment replaced by a newer one stays SUCCESS
   * or turns REMOVED is not documented (issue 12, finding 14), so both are asked for; Railway
   * documents no order for `deployments` either. Preferred: `canRollback`, then the newest by `createdAt`.
   */
  async function rollbackTarget(serviceId: string, environmentId: string, at: { signal?: AbortSignal | undefined; deadline: number }): Promise<string | null> {
    const list = await gql<{ deployments: { edges: Array<{ node: { id: string; status: string; createdAt: string; canRollback: boolean } }> } }>(
      'deployments', { input: { serviceId, environmentId, status: { in: ['SUCCESS', 'REMOVED'] } }, first: 20 }, at,
    );
    const ok = list.deployments.edges.map((e) => e.node).filter((n) => n.status === 'SUCCESS' || n.status === 'REMOVED');
    ok.sort((a, b) => Number(b.canRollback) - Number(a.canRollback) || Date.parse(b.createdAt) - Date.parse(a.createdAt));
    return ok[0]?.id ?? null;
  }

  /**
   * The project id the variables and domains queries need: configured, else the project token's
   * own project; an account token without projectId cannot say which project it means.
   */
  async function projectIdFor(signal?: AbortSignal): Promise<string> {
    if (o.projectId !== undefined) return o.projectId;
    if (o.tokenKind === 'project') return (await readTokenScope(signal)).projectId;
    throw deployErrors.SHIPGATE_RAILWAY_OPTIONS_INVALID({
      problems: ['projectId: needed to read the service\'s variables and custom domains with an account token; add deploy.projectId (project → Settings → General)'],
    });
  }

  /** The service ids of the environment: one per slot with slotServices, else the service. */
  const slotKeys = (): Array<string | undefined> => (o.slotServices && Object.keys(o.slotServices).length ? Object.keys(o.slotServices) : [undefined]);

  return {
    name: 'railway',

    async variables({ signal, slot }) {
      const [projectId, ids] = await Promise.all([projectIdFor(signal), idsFor(slot, signal)]);
      const data = await gql<{ variables: Record<string, unknown> }>('variables', { projectId, environmentId: ids.environmentId, serviceId: ids.serviceId }, { signal });
      // Values are secrets: kept as strings for the checks, never printed (a value that is not a string is not one of the app's).
      return Object.fromEntries(Object.entries(data.variables ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
    },

    async customDomains({ signal }) {
      const projectId = await projectIdFor(signal);
      const out: AttachedDomain[] = [];
      for (const slot of slotKeys()) {
        const ids = await idsFor(slot, signal);
        const data = await gql<{ domains: { customDomains: Array<{ domain: string; serviceId: string; status: { verified: boolean; certificateStatus: string; dnsRecords: Array<{ fqdn: string; recordType: string; requiredValue: string; status: string }> } }> } }>(
          'domains', { projectId, environmentId: ids.environmentId, serviceId: ids.serviceId }, { signal },
        );
        for (const d of data.domains.customDomains) {
          const certOk = d.status.certificateStatus === 'CERTIFICATE_STATUS_TYPE_VALID';
          const pending = d.status.dnsRecords.find((r) => r.status !== 'DNS_RECORD_STATUS_PROPAGATED');
          const detail = !d.status.verified || pending
            ? pending ? `DNS record ${pending.fqdn} (${pending.recordType.replace('DNS_RECORD_TYPE_', '')}) must be ${pending.requiredValue}` : 'the domain is not verified'
            : !certOk ? `certificate ${d.status.certificateStatus.replace('CERTIFICATE_STATUS_TYPE_', '').toLowerCase().replace(/_/g, ' ')}` : undefined;
          out.push({ domain: d.domain, serviceId: d.serviceId, verified: d.status.verified && certOk && !pending, ...(detail ? { detail } : {}) });
        }
      }
      return out;
    },

    async logs(d, { lines, signal }) {
      const read = async (op: 'deploymentLogs' | 'buildLogs') =>
        (await gql<Record<string, Array<{ message: string }>>>(op, { deploymentId: d.id, limit: lines }, { signal }))[op]?.map((l) => l.message) ?? [];
      const deploy = await read('deploymentLogs');
      // A deployment that failed building has no runtime logs: the build's are the evidence.
      if (deploy.length) return { source: `Railway deploymentLogs of ${d.id}`, lines: deploy.slice(-lines) };
      return { source: `Railway buildLogs of ${d.id}`, lines: (await read('buildLogs')).slice(-lines) };
    },

    async deploy(req) {
      const startedAt = new Date().toISOString();
      const deadline = clock.now() + o.timeoutMs;
      const at = { signal: req.signal, deadline, progress: req.progress };
      const { serviceId, environmentId } = await idsFor(req.slot, req.signal);
      // serviceInstance is non-null in Railway's schema (a service not in the environment is a GraphQL error).
      const before = await gql<{ serviceInstance: { latestDeployment: { id: string; status: string } | null } }>(
        'serviceInstance', { serviceId, environmentId }, at,
      );
      const latest = before.serviceInstance.latestDeployment;
      const previousDeploymentId = latest?.status === 'SUCCESS' ? latest.id : latest ? await rollbackTarget(serviceId, environmentId, at) : null;
      req.progress?.(
        `railway: deploying ${req.sha.slice(0, 12)} (${req.version}) to service ${serviceId}${req.slot ? ` (slot ${req.slot})` : ''}; ` +
          (previousDeploymentId ? `previous successful deployment ${previousDeploymentId}` : 'no previous successful deployment'),
      );
      const created = await gql<{ serviceInstanceDeployV2: string }>(
        'serviceInstanceDeployV2', { serviceId, environmentId, commitSha: req.sha }, at,
      );
      const id = created.serviceInstanceDeployV2;
      const done = await waitForTerminal(id, serviceId, req, deadline);
      const url = httpsUrl(done);
      if (!url) throw deployErrors.SHIPGATE_RAILWAY_NO_URL({ deploymentId: id, serviceId });
      req.progress?.(`railway: deployment ${id} is live at ${url}`);
      return {
        provider: 'railway',
        env: req.env,
        ...(req.slot === undefined ? {} : { slot: req.slot }),
        version: req.version,
        id,
        url,
        startedAt,
        data: { serviceId, environmentId, previousDeploymentId, status: done.status },
      } satisfies Deployment;
    },

    async status(d) {
      try {
        const view = await readDeployment(d.id);
        return { state: railwayState(view.status), detail: `Railway status ${view.status}` };
      } catch (err) {
        // Railway answers an unknown deployment with a GraphQL error ("… not found"), not with null.
        if (isShipgateError(err) && err.code === 'SHIPGATE_RAILWAY_GRAPHQL' && (err.details as { messages: string[] }).messages.some((m) => /not found/i.test(m)))
          return { state: 'unknown', detail: `deployment ${d.id} not found on Railway (${(err.details as { messages: string[] }).messages.join('; ')})` };
        throw err;
      }
    },

    url: (d) => d.url,

    async stop(d) {
      const data = await gql<{ deploymentStop: boolean }>('deploymentStop', { id: d.id });
      if (data.deploymentStop !== true) throw deployErrors.SHIPGATE_RAILWAY_REFUSED({ operation: 'deploymentStop', deploymentId: d.id });
    },

    async rollback(d) {
      const previous = d.data.previousDeploymentId;
      if (typeof previous !== 'string' || !previous) throw deployErrors.SHIPGATE_RAILWAY_NO_PREVIOUS({ deploymentId: d.id });
      const data = await gql<{ deploymentRollback: boolean }>('deploymentRollback', { id: previous });
      if (data.deploymentRollback !== true) throw deployErrors.SHIPGATE_RAILWAY_REFUSED({ operation: 'deploymentRollback', deploymentId: previous });
    },
  };
}
