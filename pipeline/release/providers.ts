/**
 * The provider registry: config section → DeployProvider / DnsProvider. Adding a provider is one
 * module in pipeline/deploy or pipeline/dns and one case here. Secrets are resolved from the env
 * passed in (never process.env) and registered for masking by resolveEnvSecret.
 */
import { resolve } from 'node:path';
import type { DeployConfig, DnsConfig, ShipgateConfig } from '../config/schema.ts';
import { resolveEnvSecret, type EnvVars } from '../config/secrets.ts';
import { createProcessProvider } from '../deploy/process.ts';
import { createRailwayProvider } from '../deploy/railway.ts';
import { createCommandProvider } from '../deploy/command.ts';
import { createWebhookProvider } from '../deploy/webhook.ts';
import type { DeployProvider } from '../deploy/types.ts';
import { runShell } from '../deploy/shell.ts';
import { redactText } from '../secrets/redact.ts';
import type { DnsProvider } from '../dns/types.ts';
import { createLocalDnsProvider } from '../dns/local.ts';
import { createCloudflareDns } from '../dns/cloudflare.ts';
import type { EnvironmentRuntime } from './stages/runtime.ts';

export interface ProviderContext {
  config: ShipgateConfig;
  env: EnvVars;
  repoRoot: string;
  /** Folder of the local release's state (processes, router, embedded database). */
  localStateDir: string;
}

/** Local ports: env i of the release path answers on 4100 + 100·i (+ slot index); the router on 4000. */
export const LOCAL_BASE_PORT = 4100;
export const LOCAL_ROUTER_PORT = 4000;

export function localPorts(config: ShipgateConfig): Record<string, number> {
  const ports: Record<string, number> = {};
  Object.entries(config.environments).forEach(([name, e], i) => {
    if (e.deploy.provider !== 'process') return;
    const base = e.deploy.basePort ?? LOCAL_BASE_PORT + 100 * i;
    if (e.deploy.slots?.length) e.deploy.slots.forEach((slot, j) => (ports[`${name}/${slot}`] = base + j));
    else ports[name] = base;
  });
  return ports;
}

export function deployProviderFor(envName: string, d: DeployConfig, ctx: ProviderContext): DeployProvider {
  switch (d.provider) {
    case 'process':
      return createProcessProvider({
        command: ctx.config.app.start,
        cwd: resolve(ctx.repoRoot, ctx.config.app.cwd ?? '.'),
        stateDir: ctx.localStateDir,
        ports: localPorts(ctx.config),
      });
    case 'railway':
      return createRailwayProvider({
        token: resolveEnvSecret(ctx.env, d.tokenEnv, `Railway API token for ${envName}`),
        tokenKind: d.tokenKind,
        serviceId: d.service,
        environmentId: d.environment,
        ...(d.projectId ? { projectId: d.projectId } : {}),
        ...(d.slotServices ? { slotServices: { ...d.slotServices } } : {}),
      });
    case 'command':
      return withLogsCommand(envName, d.logsCommand, ctx, createCommandProvider({
        run: d.run,
        ...(d.urlCommand ? { urlCommand: d.urlCommand } : {}),
        ...(ctx.config.environments[envName]?.url ? { url: ctx.config.environments[envName]!.url! } : {}),
        cwd: ctx.repoRoot,
        timeoutMs: d.timeout,
      }));
    case 'webhook':
      return withLogsCommand(envName, d.logsCommand, ctx, createWebhookProvider({
        hookUrl: resolveEnvSecret(ctx.env, d.urlEnv, `deploy webhook URL of ${envName}`),
        ...(d.statusUrlEnv ? { statusUrl: resolveEnvSecret(ctx.env, d.statusUrlEnv, `deploy status URL of ${envName}`) } : {}),
        url: ctx.config.environments[envName]?.url ?? '',
        timeoutMs: d.timeout,
      }));
  }
}

const LOGS_COMMAND_TIMEOUT_MS = 15_000;

/**
 * `deploy.logsCommand` (command and webhook providers): a shell command in the repository that
 * prints the deployment's recent logs; it gets SHIPGATE_ENV, SHIPGATE_DEPLOYMENT_URL and
 * SHIPGATE_DEPLOYMENT_ID (plus PATH and HOME), and 15 s. Its last lines are the evidence; a failure
 * or a timeout throws, which the evidence reader turns into a note.
 */
function withLogsCommand(envName: string, command: string | undefined, ctx: ProviderContext, provider: DeployProvider): DeployProvider {
  if (!command) return provider;
  return {
    ...provider,
    name: provider.name,
    deploy: provider.deploy.bind(provider),
    status: provider.status.bind(provider),
    url: provider.url.bind(provider),
    stop: provider.stop.bind(provider),
    ...(provider.rollback ? { rollback: provider.rollback.bind(provider) } : {}),
    // A provider that holds something open keeps its close() (the system closes every built provider).
    ...(typeof (provider as { close?: unknown }).close === 'function' ? { close: (provider as unknown as { close(): unknown }).close.bind(provider) } : {}),
    async logs(d, o) {
      const run = await runShell({
        command,
        cwd: ctx.repoRoot,
        env: { PATH: ctx.env.PATH ?? process.env.PATH, HOME: ctx.env.HOME ?? process.env.HOME, SHIPGATE_ENV: envName, SHIPGATE_DEPLOYMENT_URL: d.url, SHIPGATE_DEPLOYMENT_ID: d.id },
        timeoutMs: LOGS_COMMAND_TIMEOUT_MS,
        signal: o.signal,
        redact: redactText,
        keepLines: o.lines,
        keepStdout: false,
      });
      if (run.timedOut) throw new Error(`logsCommand did not finish within ${LOGS_COMMAND_TIMEOUT_MS / 1000} s`);
      if (run.aborted) throw new Error('logsCommand was stopped: its time limit is up');
      // eslint-disable-next-line no-control-regex -- the log line goes into markdown: no control characters, no backticks
      if (run.exitCode !== 0) throw new Error(`logsCommand exited with ${run.signal ? `signal ${run.signal}` : `code ${run.exitCode}`}${run.lastLines.length ? `: \`${(run.lastLines.at(-1) ?? '').replace(/[`\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 200)}\`` : ''}`);
      return { source: `logsCommand of ${envName}`, lines: run.lastLines };
    },
  };
}

/**
 * An environment's DNS wiring. Where the public host is and how a slot's URL maps to a record come
 * from the config alone; the provider (and so its secrets: a Cloudflare token, a zone id) is built
 * on first use of `provider` — a staging job or `shipgate status` never needs production's secrets.
 * A missing secret then fails that use with SHIPGATE_ENV_MISSING naming the variable and the environment.
 */
export function dnsFor(envName: string, dns: DnsConfig, ctx: ProviderContext, onBuilt: (provider: object) => void = () => undefined): NonNullable<EnvironmentRuntime['dns']> {
  switch (dns.provider) {
    case 'local': {
      const listenPort = dns.listenPort ?? LOCAL_ROUTER_PORT;
      const host = `http://127.0.0.1:${listenPort}`;
      return withLazyProvider({ host, publicUrl: host, targetFor: (url: string) => url, urlFor: (target: string) => target }, () => {
        const provider = createLocalDnsProvider({ stateDir: ctx.localStateDir, listenPort });
        onBuilt(provider);
        return provider;
      });
    }
    case 'cloudflare': {
      const publicUrl = ctx.config.environments[envName]?.url ?? `https://${dns.record}`;
      // A CNAME points at the slot's host name; the slot's URL is rebuilt from it for rollbacks.
      return withLazyProvider({ host: dns.record, publicUrl, targetFor: (url: string) => new URL(url).hostname, urlFor: (target: string) => `https://${target}` }, () => {
        const provider = createCloudflareDns({
          token: resolveEnvSecret(ctx.env, dns.tokenEnv, `Cloudflare API token for ${envName}`),
          zoneId: resolveEnvSecret(ctx.env, dns.zoneEnv, `Cloudflare zone id for ${envName}`),
          recordName: dns.record,
          ...(dns.proxied !== undefined ? { proxied: dns.proxied } : {}),
          ...(dns.ttl !== undefined ? { ttl: dns.ttl } : {}),
        });
        onBuilt(provider);
        return provider;
      });
    }
  }
}

type DnsWiring = NonNullable<EnvironmentRuntime['dns']>;

/** `routing` plus a `provider` built on first read and kept; a build that throws is retried on the next read. */
function withLazyProvider(routing: Omit<DnsWiring, 'provider'>, build: () => DnsProvider): DnsWiring {
  let provider: DnsProvider | undefined;
  return Object.defineProperty({ ...routing }, 'provider', { enumerable: true, get: () => (provider ??= build()) }) as DnsWiring;
}
