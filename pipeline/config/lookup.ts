/**
 * Questions asked of a loaded config: the release path, an environment by name. (A person by any
 * of their identities: personFor in pipeline/release/approvals.ts.)
 */
import { configErrors } from './errors.ts';
import type { EnvironmentConfig, ShipgateConfig } from './schema.ts';

/** The environments in release order (the order of the keys under `environments:`). */
export function releasePath(config: ShipgateConfig): string[] {
  return Object.keys(config.environments);
}

/** The environment called `name`; throws SHIPGATE_CONFIG_UNKNOWN_ENV listing the known ones. */
export function environmentByName(config: ShipgateConfig, name: string): EnvironmentConfig {
  const env = Object.hasOwn(config.environments, name) ? config.environments[name] : undefined;
  if (!env) throw configErrors.SHIPGATE_CONFIG_UNKNOWN_ENV({ name, known: releasePath(config) });
  return env;
}

/** The environment a release of `name` is promoted to next, if any (staging → production). */
export function nextEnvironment(config: ShipgateConfig, name: string): string | undefined {
  const path = releasePath(config);
  const i = path.indexOf(name);
  return i < 0 ? undefined : path[i + 1];
}
