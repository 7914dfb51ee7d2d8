/**
 * Secrets never live in the config file, only the names of the env vars that hold them. This scan
 * walks the raw YAML data and flags any value shaped like a connection string or a token — in an
 * *Env field or anywhere else. Flagged values are registered with the redactor, so no message,
 * log or record can echo them; the problems themselves never quote the value.
 */
import { registerSecret } from '../secrets/redact.ts';
import { isEnvVarName } from './schema-kit.ts';
import type { PathSegment, RawProblem } from './problems.ts';

const SECRET_SHAPES: readonly RegExp[] = [
  /\bmongodb(\+srv)?:\/\//i, // any MongoDB connection string
  /[a-z][a-z0-9+.-]*:\/\/[^\s/@:]+:[^\s@/]+@/i, // scheme://user:password@host
  /\bxox[abposr]-[A-Za-z0-9-]{6,}/, // Slack tokens
  /\bxapp-[A-Za-z0-9-]{6,}/,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\b(sk|rk)_(live|test)_[A-Za-z0-9]{10,}/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{12,}/i,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

/** A long run of mixed letters and digits with no spaces: what API tokens look like. */
const TOKEN_LIKE = /^(?=.*[0-9])(?=.*[a-z])[A-Za-z0-9._~+/=:-]{16,}$/;
/** A lowercase variable name (`staging_mongodb_uri`) is a naming mistake, not a secret: the schema says so. */
const LOWER_IDENTIFIER = /^[a-z][a-z0-9_]*$/;

export function looksLikeSecret(value: string): boolean {
  return SECRET_SHAPES.some((re) => re.test(value));
}

function isEnvField(key: PathSegment | undefined): boolean {
  return typeof key === 'string' && /Env$/.test(key);
}

export function scanForSecrets(data: unknown): RawProblem[] {
  const problems: RawProblem[] = [];
  const visit = (node: unknown, path: PathSegment[]): void => {
    if (typeof node === 'string') {
      const key = path[path.length - 1];
      const envField = isEnvField(key);
      const suspicious =
        looksLikeSecret(node) || (envField && !isEnvVarName(node) && (node.includes('://') || (TOKEN_LIKE.test(node) && !LOWER_IDENTIFIER.test(node))));
      if (!suspicious) return;
      registerSecret(node);
      problems.push(
        envField
          ? {
              path,
              message: 'holds what looks like a secret value (connection string or token), not the name of an environment variable',
              hint: `move the value into an environment variable and write only its name here, e.g. ${String(key)}: ${suggestName(path)}; see docs/configuration.md#secrets`,
            }
          : {
              path,
              message: 'holds what looks like a secret (connection string or token); secrets never go in this file',
              hint: 'move it into an environment variable (a GitHub environment secret in CI) and reference the variable by name; see docs/configuration.md#secrets',
            },
      );
      return;
    }
    if (Array.isArray(node)) node.forEach((item, i) => visit(item, [...path, i]));
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) visit(v, [...path, k]);
  };
  visit(data, []);
  return problems;
}

/** A plausible variable name for an *Env field, e.g. environments.staging.database.uriEnv → STAGING_MONGODB_URI. */
function suggestName(path: readonly PathSegment[]): string {
  const env = path[0] === 'environments' && typeof path[1] === 'string' ? `${path[1].toUpperCase().replace(/-/g, '_')}_` : '';
  const key = String(path[path.length - 1]);
  if (key === 'uriEnv') return `${env}MONGODB_URI`;
  if (key === 'tokenEnv') return `${env}API_TOKEN`;
  return `${env}${key.replace(/Env$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
}
