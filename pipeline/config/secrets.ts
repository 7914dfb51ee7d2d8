/**
 * Secrets come from the process environment, never from the config file. Modules do not read
 * process.env: the shell (CLI, action, bot) passes its env in, and every value read here is
 * registered with the redactor so it is masked wherever it might appear later.
 */
import { coreErrors } from '../errors.ts';
import { registerSecret } from '../secrets/redact.ts';
import type { ShipgateConfig } from './schema.ts';

export type EnvVars = Readonly<Record<string, string | undefined>>;

/** The value of env var `name`; throws SHIPGATE_ENV_MISSING (naming the variable and why) when unset or empty. */
export function resolveEnvSecret(env: EnvVars, name: string, purpose: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw coreErrors.SHIPGATE_ENV_MISSING({ variable: name, purpose });
  registerSecret(value);
  return value;
}

/** One env var the config refers to, and what it is for. */
export interface SecretReference {
  readonly variable: string;
  readonly purpose: string;
  /** YAML path of the field naming it, e.g. environments.production.database.uriEnv. */
  readonly path: string;
}

/** Every env var named by the config (database URIs, provider tokens, webhook URLs). */
export function secretReferences(config: ShipgateConfig): SecretReference[] {
  const refs: SecretReference[] = [];
  for (const [name, env] of Object.entries(config.environments)) {
    const at = `environments.${name}`;
    refs.push({ variable: env.database.uriEnv, purpose: `MongoDB connection string of ${name}`, path: `${at}.database.uriEnv` });
    const d = env.deploy;
    if (d.provider === 'railway') refs.push({ variable: d.tokenEnv, purpose: `Railway API token for ${name}`, path: `${at}.deploy.tokenEnv` });
    if (d.provider === 'process') {
      for (const [appVar, from] of Object.entries(d.env ?? {})) refs.push({ variable: from, purpose: `${appVar} of the app on ${name}`, path: `${at}.deploy.env.${appVar}` });
    }
    if (d.provider === 'webhook') {
      refs.push({ variable: d.urlEnv, purpose: `deploy webhook URL of ${name}`, path: `${at}.deploy.urlEnv` });
      if (d.statusUrlEnv) refs.push({ variable: d.statusUrlEnv, purpose: `deploy status URL of ${name}`, path: `${at}.deploy.statusUrlEnv` });
    }
    if (env.dns?.provider === 'cloudflare') {
      refs.push({ variable: env.dns.zoneEnv, purpose: `Cloudflare zone id for ${name}`, path: `${at}.dns.zoneEnv` });
      refs.push({ variable: env.dns.tokenEnv, purpose: `Cloudflare API token for ${name}`, path: `${at}.dns.tokenEnv` });
    }
  }
  return refs;
}

/** Registers the value of every env var the config names (those that are set), so logs mask them. */
export function registerConfigSecrets(config: ShipgateConfig, env: EnvVars): void {
  for (const ref of secretReferences(config)) registerSecret(env[ref.variable]);
}
