/**
 * The Railway GraphQL transport: every operation Shipgate sends (the `RAILWAY_OPERATIONS`
 * catalogue, validated against Railway's published schema by railway-gql.test.ts and by the fake),
 * one POST per operation with a real `variables` object, the token in the header its kind requires,
 * GraphQL `errors[]` and HTTP failures turned into catalogue errors, and HTTP 429 answered by
 * waiting `Retry-After` as long as the caller's deadline allows (Railway sends it once the hour's
 * quota is spent, so the wait can be long), with a progress line for each wait.
 */
import { redactText } from '../secrets/redact.ts';
import { deployErrors } from './errors.ts';
import { parseRetryAfter, sleep, snippet, withTimeout } from './remote-wait.ts';

export type RailwayTokenKind = 'account' | 'project';

/**
 * Every GraphQL document Shipgate sends to Railway. Add new ones here only (railwayGql takes a key
 * of this object), then re-cut the vendored schema: `node tools/vendor-railway-schema.mjs`.
 */
export const RAILWAY_OPERATIONS = {
  serviceInstance: `query ShipgateServiceInstance($serviceId: String!, $environmentId: String!) {
  serviceInstance(serviceId: $serviceId, environmentId: $environmentId) { latestDeployment { id status } }
}`,
  serviceInstanceDeployV2: `mutation ShipgateDeploy($serviceId: String!, $environmentId: String!, $commitSha: String) {
  serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId, commitSha: $commitSha)
}`,
  deployment: `query ShipgateDeployment($id: String!) {
  deployment(id: $id) { id status url staticUrl canRollback }
}`,
  deployments: `query ShipgateDeployments($input: DeploymentListInput!, $first: Int) {
  deployments(input: $input, first: $first) { edges { node { id status createdAt canRollback } } }
}`,
  project: `query ShipgateProject($id: String!) {
  project(id: $id) { id services { edges { node { id name } } } environments { edges { node { id name } } } }
}`,
  projectToken: `query ShipgateProjectToken { projectToken { projectId environmentId } }`,
  deploymentRollback: `mutation ShipgateRollback($id: String!) { deploymentRollback(id: $id) }`,
  deploymentStop: `mutation ShipgateStop($id: String!) { deploymentStop(id: $id) }`,
  variables: `query ShipgateVariables($projectId: String!, $environmentId: String!, $serviceId: String) {
  variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId)
}`,
  domains: `query ShipgateDomains($projectId: String!, $environmentId: String!, $serviceId: String!) {
  domains(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId) { customDomains { domain serviceId status { verified certificateStatus dnsRecords { fqdn recordType requiredValue status } } } }
}`,
  deploymentLogs: `query ShipgateDeploymentLogs($deploymentId: String!, $limit: Int) {
  deploymentLogs(deploymentId: $deploymentId, limit: $limit) { message timestamp severity }
}`,
  buildLogs: `query ShipgateBuildLogs($deploymentId: String!, $limit: Int) {
  buildLogs(deploymentId: $deploymentId, limit: $limit) { message timestamp severity }
}`,
} as const;

export type RailwayOperation = keyof typeof RAILWAY_OPERATIONS;

/** Requests sent in the hour before `now` (older entries are dropped). */
export function sentInLastHour(t: Pick<RailwayTransport, 'sent' | 'clock'>): number {
  const since = t.clock.now() - 3_600_000;
  while (t.sent.length && t.sent[0]! <= since) t.sent.shift();
  return t.sent.length;
}

/** Time as the transport sees it; tests pass a virtual clock so hour-long Retry-Afters take no time. */
export interface RailwayClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: RailwayClock = { now: () => Date.now(), sleep };

export interface RailwayTransport {
  apiUrl: string;
  token: string;
  tokenKind: RailwayTokenKind;
  fetch: typeof globalThis.fetch;
  clock: RailwayClock;
  /** Per-request timeout. */
  requestTimeoutMs: number;
  /** The wait after a 429 without Retry-After. */
  defaultRetryAfterMs: number;
  /** When each HTTP request was sent (clock time), kept for an hour: Railway's quota is per hour. */
  sent: number[];
}

export function authHeaders(t: Pick<RailwayTransport, 'token' | 'tokenKind'>): Record<string, string> {
  return t.tokenKind === 'project' ? { 'Project-Access-Token': t.token } : { Authorization: `Bearer ${t.token}` };
}

// "Project Token not found" is Railway's answer to a project token it does not know.
const AUTH_MESSAGE = /not authori[sz]ed|unauthori[sz]ed|invalid token|forbidden|project token not found/i;

const clockTime = (ms: number) => new Date(ms).toISOString().slice(11, 19) + ' UTC';

/**
 * Runs one operation of the catalogue and returns its `data`. A 429 is waited out as Retry-After
 * says while that ends before `deadline` (epoch ms); otherwise SHIPGATE_RAILWAY_RATE_LIMITED at once.
 */
export async function railwayGql<T>(
  t: RailwayTransport,
  req: { operation: RailwayOperation; variables: Record<string, unknown>; deadline: number; signal?: AbortSignal | undefined; progress?: ((line: string) => void) | undefined },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (req.signal?.aborted) throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'railway', what: req.operation });
    let res: Response;
    t.sent.push(t.clock.now());
    try {
      res = await t.fetch(t.apiUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders(t) },
        body: JSON.stringify({ query: RAILWAY_OPERATIONS[req.operation], variables: req.variables }),
        signal: withTimeout(t.requestTimeoutMs, req.signal),
      });
    } catch (err) {
      if (req.signal?.aborted) throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'railway', what: req.operation });
      const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw deployErrors.SHIPGATE_RAILWAY_UNREACHABLE({ operation: req.operation, apiUrl: t.apiUrl, reason: redactText(reason) }, err);
    }
    const text = await res.text();
    if (res.status === 429) {
      const waitMs = Math.max(parseRetryAfter(res.headers.get('retry-after'), t.clock.now()) ?? t.defaultRetryAfterMs, 250);
      const now = t.clock.now();
      if (now + waitMs > req.deadline)
        throw deployErrors.SHIPGATE_RAILWAY_RATE_LIMITED({ operation: req.operation, attempts: attempt, retryAfterS: Math.round(waitMs / 1000) });
      req.progress?.(
        `railway: rate-limited on ${req.operation} (Railway's hourly API quota is spent); waiting ${Math.round(waitMs / 1000)} s until ${clockTime(now + waitMs)} ` +
          `(deadline ${clockTime(req.deadline)}); a deployment already started keeps running meanwhile`,
      );
      try {
        await t.clock.sleep(waitMs, req.signal);
      } catch {
        throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'railway', what: `${req.operation} (waiting out a rate limit)` });
      }
      continue;
    }
    let body: { data?: unknown; errors?: Array<{ message?: unknown }> } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    const messages = (body?.errors ?? []).map((e) => redactText(String(e.message ?? 'unknown error')));
    if (res.status === 401 || res.status === 403 || messages.some((m) => AUTH_MESSAGE.test(m))) {
      throw deployErrors.SHIPGATE_RAILWAY_UNAUTHORIZED({
        operation: req.operation,
        tokenKind: t.tokenKind,
        message: messages.join('; ') || `HTTP ${res.status}`,
      });
    }
    if (messages.length) throw deployErrors.SHIPGATE_RAILWAY_GRAPHQL({ operation: req.operation, messages });
    if (!res.ok || !body || body.data === undefined || body.data === null) {
      throw deployErrors.SHIPGATE_RAILWAY_HTTP({ operation: req.operation, status: res.status, body: redactText(snippet(text)) || '(empty body)' });
    }
    return body.data as T;
  }
}
