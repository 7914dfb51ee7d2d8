import { describe, expect, it } from 'vitest';
import { presentError } from '../errors.ts';
import { redactText } from '../secrets/redact.ts';
import { parseConfigText } from './load.ts';
import { environmentByName, nextEnvironment, releasePath } from './lookup.ts';
import { resolveEnvSecret, secretReferences } from './secrets.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../mongo/embedded.ts';

const railway = parseConfigText(readFileSync(join(repoRoot, 'docs/examples/railway-cloudflare.yml'), 'utf8'), 'railway-cloudflare.yml');
const local = parseConfigText(readFileSync(join(repoRoot, '.github/shipgate.yml'), 'utf8'), 'shipgate.yml');

describe('resolveEnvSecret', () => {
  it('returns the value and masks it everywhere from then on', () => {
    const value = 'tok-9f8e7d6c5b4a3210';
    expect(resolveEnvSecret({ RAILWAY_TOKEN: value }, 'RAILWAY_TOKEN', 'Railway API token')).toBe(value);
    expect(redactText(`calling with ${value}`)).toBe('calling with ***');
  });

  it('throws SHIPGATE_ENV_MISSING naming the variable and its purpose when unset or empty', () => {
    for (const env of [{}, { STAGING_MONGODB_URI: '' }]) {
      let shown = '';
      try {
        resolveEnvSecret(env, 'STAGING_MONGODB_URI', 'MongoDB connection string of staging');
      } catch (err) {
        shown = presentError(err);
      }
      expect(shown).toContain('SHIPGATE_ENV_MISSING: environment variable STAGING_MONGODB_URI is not set (MongoDB connection string of staging)');
      expect(shown).toContain('export STAGING_MONGODB_URI=');
    }
  });

  it('lists every env var the config names, with its purpose and path', () => {
    expect(secretReferences(railway).map((r) => `${r.path}=${r.variable}`)).toEqual([
      'environments.staging.database.uriEnv=STAGING_MONGODB_URI',
      'environments.staging.deploy.tokenEnv=RAILWAY_TOKEN',
      'environments.production.database.uriEnv=PRODUCTION_MONGODB_URI',
      'environments.production.deploy.tokenEnv=RAILWAY_TOKEN',
      'environments.production.dns.zoneEnv=CF_ZONE_ID',
      'environments.production.dns.tokenEnv=CF_API_TOKEN',
    ]);
  });
});

describe('config lookups', () => {
  it('releasePath keeps the order of the environments in the file', () => {
    expect(releasePath(local)).toEqual(['staging', 'production']);
    const reversed = parseConfigText(
      'app: { name: a, start: x }\nenvironments:\n  qa: { deploy: { provider: process }, database: { uriEnv: QA_URI } }\n  beta: { deploy: { provider: process }, database: { uriEnv: BETA_URI } }\n',
      'x.yml',
    );
    expect(releasePath(reversed)).toEqual(['qa', 'beta']);
    expect(nextEnvironment(local, 'staging')).toBe('production');
    expect(nextEnvironment(local, 'production')).toBeUndefined();
  });

  it('environmentByName returns the environment, or an error listing the known ones', () => {
    expect(environmentByName(local, 'production').protected).toBe(true);
    let shown = '';
    try {
      environmentByName(local, 'prod');
    } catch (err) {
      shown = presentError(err);
    }
    expect(shown).toContain('SHIPGATE_CONFIG_UNKNOWN_ENV: environment "prod" is not in the config (known: staging, production)');
    expect(() => environmentByName(local, 'toString')).toThrow(/not in the config/);
  });
});
