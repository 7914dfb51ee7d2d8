/**
 * Errors of the remote deploy providers (railway, command, webhook). Codes are prefixed by the
 * provider so that the local `process` provider can declare its own without collisions.
 * Messages never carry a token or a hook URL: callers pass labels that are already redacted.
 */
import { defineErrors } from '../errors.ts';

const authHint = (kind: string) =>
  kind === 'project'
    ? 'a project token (header Project-Access-Token) only works for the one project and environment it was created in: check environmentId and serviceId, or use an account/workspace token with tokenKind: account'
    : 'an account/workspace token (Authorization: Bearer) must belong to a member of the project’s workspace; if you pasted a project token, set tokenKind: project';

export const deployErrors = defineErrors({
  SHIPGATE_RAILWAY_OPTIONS_INVALID: {
    message: (d: { problems: string[] }) => `railway deploy options are invalid: ${d.problems.join('; ')}`,
    hint: () => 'fix environments.<env>.deploy in .github/shipgate.yml (service, environment, slotServices, projectId, tokenEnv); `shipgate config check` checks them',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_UNAUTHORIZED: {
    message: (d: { operation: string; tokenKind: string; message: string }) =>
      `Railway refused ${d.operation}: "${d.message}" (token kind: ${d.tokenKind})`,
    hint: (d: { tokenKind: string }) => authHint(d.tokenKind),
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_GRAPHQL: {
    message: (d: { operation: string; messages: string[] }) => `Railway API error in ${d.operation}: ${d.messages.join('; ')}`,
    hint: () => 'check the service and environment ids (Railway dashboard → service → Settings, or ⌘K "Copy Service ID")',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_HTTP: {
    message: (d: { operation: string; status: number; body: string }) => `Railway API answered HTTP ${d.status} to ${d.operation}: ${d.body}`,
    hint: () => 'Railway may be degraded (https://status.railway.com); retry the release later',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_UNREACHABLE: {
    message: (d: { operation: string; apiUrl: string; reason: string }) => `could not reach the Railway API at ${d.apiUrl} for ${d.operation}: ${d.reason}`,
    hint: () => 'check network access from the runner to backboard.railway.com, or the apiUrl option',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_RATE_LIMITED: {
    message: (d: { operation: string; attempts: number; retryAfterS: number | null }) =>
      `Railway rate-limited ${d.operation} ${d.attempts} times in a row (last Retry-After: ${d.retryAfterS ?? 'none'} s)`,
    hint: () => 'the API allows about 1000 requests per hour on Hobby; raise pollInterval or wait and retry',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_DEPLOY_FAILED: {
    message: (d: { deploymentId: string; status: string; serviceId: string }) =>
      `Railway deployment ${d.deploymentId} of service ${d.serviceId} ended ${d.status}`,
    hint: (d: { status: string }) =>
      d.status === 'SKIPPED'
        ? 'Railway skipped the deployment (often: watch paths excluded the change, or a newer deploy superseded it)'
        : 'open the deployment’s build and deploy logs in the Railway dashboard',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_DEPLOY_TIMEOUT: {
    message: (d: { deploymentId: string; status: string; timeout: string }) =>
      `Railway deployment ${d.deploymentId} was still ${d.status} after ${d.timeout}`,
    hint: () => 'raise the deploy timeout, or look at the deployment in the Railway dashboard (it keeps running there)',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_NO_URL: {
    message: (d: { deploymentId: string; serviceId: string }) => `Railway deployment ${d.deploymentId} succeeded but service ${d.serviceId} has no domain`,
    hint: () => 'generate a domain for the service (service → Settings → Networking) so the health gate can reach it',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_SLOT_UNKNOWN: {
    message: (d: { slot: string; known: string[] }) =>
      `no Railway service is configured for slot "${d.slot}" (configured slots: ${d.known.join(', ') || 'none'})`,
    hint: () => 'blue/green on Railway needs one service per slot: set slotServices: { blue: <serviceId>, green: <serviceId> }',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_NO_PREVIOUS: {
    message: (d: { deploymentId: string }) => `cannot roll back Railway deployment ${d.deploymentId}: no earlier successful deployment was recorded when it was deployed`,
    hint: () => 'roll back by hand in the Railway dashboard (Deployments → ⋯ → Rollback)',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_RAILWAY_REFUSED: {
    message: (d: { operation: string; deploymentId: string }) => `Railway answered false to ${d.operation} for deployment ${d.deploymentId}`,
    hint: () => 'the deployment may be past the plan’s retention window or already removed; check the dashboard',
    docs: 'providers.md#deploy-railway',
  },
  SHIPGATE_REMOTE_DEPLOY_ABORTED: {
    message: (d: { provider: string; what: string }) => `${d.provider} deploy aborted while ${d.what}`,
    hint: () => 'the release was cancelled; the platform may still finish what it started, check it before retrying',
    docs: 'providers.md',
  },
  SHIPGATE_COMMAND_OPTIONS_INVALID: {
    message: (d: { problems: string[] }) => `command deploy options are invalid: ${d.problems.join('; ')}`,
    hint: () => 'in .github/shipgate.yml set deploy.run (the shell command) and either deploy.urlCommand (prints the deployed URL) or the environment\'s url (environments.<name>.url); `shipgate config check` checks it',
    docs: 'providers.md#deploy-command',
  },
  SHIPGATE_COMMAND_FAILED: {
    message: (d: { which: string; exitCode: number | null; signal: string | null; lastLines: string[] }) =>
      `the ${d.which} exited with ${d.exitCode === null ? `signal ${d.signal}` : `code ${d.exitCode}`}` +
      (d.lastLines.length ? `; last output:\n${d.lastLines.join('\n')}` : ' and printed nothing'),
    hint: () => 'run the command by hand with the same SHIPGATE_* variables to reproduce it',
    docs: 'providers.md#deploy-command',
  },
  SHIPGATE_COMMAND_TIMEOUT: {
    message: (d: { which: string; timeout: string; lastLines: string[] }) =>
      `the ${d.which} did not finish within ${d.timeout}; its process group was killed` + (d.lastLines.length ? `; last output:\n${d.lastLines.join('\n')}` : ''),
    hint: () => 'raise deploy.timeout, or make the command return once the deploy is submitted',
    docs: 'providers.md#deploy-command',
  },
  SHIPGATE_COMMAND_NO_URL: {
    message: (d: { output: string }) => `the urlCommand did not print a URL (last line: "${d.output}")`,
    hint: () => 'urlCommand must print the deployment’s base URL (http:// or https://) as its last line',
    docs: 'providers.md#deploy-command',
  },
  SHIPGATE_WEBHOOK_OPTIONS_INVALID: {
    message: (d: { problems: string[] }) => `webhook deploy options are invalid: ${d.problems.join('; ')}`,
    hint: () => 'in .github/shipgate.yml set deploy.urlEnv (the variable holding the secret hook URL) and the environment\'s url (environments.<name>.url); `shipgate config check` checks it',
    docs: 'providers.md#deploy-webhook',
  },
  SHIPGATE_WEBHOOK_REJECTED: {
    message: (d: { hook: string; status: number; body: string }) => `the deploy hook ${d.hook} answered HTTP ${d.status}: ${d.body}`,
    hint: () => 'check that the hook URL is current (platforms revoke hooks when they are regenerated)',
    docs: 'providers.md#deploy-webhook',
  },
  SHIPGATE_WEBHOOK_UNREACHABLE: {
    message: (d: { hook: string; reason: string }) => `could not reach ${d.hook}: ${d.reason}`,
    hint: () => 'check network access from the runner to the platform',
    docs: 'providers.md#deploy-webhook',
  },
  SHIPGATE_WEBHOOK_DEPLOY_FAILED: {
    message: (d: { statusUrl: string; status: string }) => `the deploy status at ${d.statusUrl} is "${d.status}"`,
    hint: () => 'open the platform’s deploy logs',
    docs: 'providers.md#deploy-webhook',
  },
  SHIPGATE_WEBHOOK_TIMEOUT: {
    message: (d: { statusUrl: string; status: string; timeout: string }) => `the deploy status at ${d.statusUrl} was still "${d.status}" after ${d.timeout}`,
    hint: () => 'raise deploy.timeout, or check the platform',
    docs: 'providers.md#deploy-webhook',
  },
});
