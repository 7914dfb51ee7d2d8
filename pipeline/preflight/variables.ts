/**
 * What the app will start with on an environment, and the two checks that read it: required
 * variables are set, and secrets look like secrets. Values are read only to be judged here; no
 * verdict, log line or record carries one.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { environmentByName } from '../config/lookup.ts';
import { secretReferences } from '../config/secrets.ts';
import { inRepo } from '../repo.ts';
import { failed, passed, skipped, type Finding, type PreflightCheck, type PreflightContext } from './types.ts';

const MAX_ENV_EXAMPLE_BYTES = 256 * 1024;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `.env.example` → names (in file order) and example values. Throws naming the line of a malformed one. */
export function parseEnvExample(text: string, file: string): { names: string[]; examples: Record<string, string> } {
  const names: string[] = [];
  const examples: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!m || !NAME.test(m[1] as string)) throw new Error(`${file} line ${i + 1} is not NAME=value (names are letters, digits and _)`);
    const name = m[1] as string;
    let value = (m[2] as string).trim();
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] as string;
    else value = value.replace(/\s+#.*$/, '');
    if (!(name in examples)) names.push(name);
    examples[name] = value;
  });
  return { names, examples };
}

export interface RequiredVariables {
  names: string[];
  /** Where the list came from, e.g. "app.requiredEnv" or "app/.env.example". */
  source: string;
  /** Example values from .env.example (a secret still equal to one is a placeholder). */
  examples: Record<string, string>;
}

/** app.requiredEnv, else the names of the app's .env.example; null when the app declares neither. */
export async function requiredVariables(ctx: Pick<PreflightContext, 'config' | 'repoRoot'>): Promise<RequiredVariables | null> {
  const app = ctx.config.app;
  const candidates = app.envExample ? [app.envExample] : [...(app.cwd ? [join(app.cwd, '.env.example')] : []), '.env.example'];
  let example: { names: string[]; examples: Record<string, string>; file: string } | undefined;
  for (const rel of candidates) {
    const file = inRepo({ root: ctx.repoRoot }, rel);
    const inside = relative(ctx.repoRoot, file);
    if (inside.startsWith('..') || isAbsolute(inside)) throw new Error(`app.envExample: ${rel} is outside the repository; give a path inside it, e.g. app/.env.example`);
    const size = await stat(file).then((s) => s.size, () => -1);
    if (size < 0) {
      if (app.envExample) throw new Error(`app.envExample: ${rel} does not exist in the repository; fix the path or remove the setting`);
      continue;
    }
    if (size > MAX_ENV_EXAMPLE_BYTES) throw new Error(`${rel} is ${size} bytes; an env example over ${MAX_ENV_EXAMPLE_BYTES} bytes is not read`);
    example = { ...parseEnvExample(await readFile(file, 'utf8'), rel), file: rel };
    break;
  }
  if (app.requiredEnv) return { names: [...app.requiredEnv], source: 'app.requiredEnv', examples: example?.examples ?? {} };
  if (example) return { names: example.names, source: example.file, examples: example.examples };
  return null;
}

/** What the target starts the app with: one set of variables per service (per slot on a slotted Railway environment). */
export type TargetVariables =
  | { known: true; where: string; sets: Array<{ label: string; vars: Record<string, string> }> }
  | { known: false; reason: string };

/** Variables Shipgate itself gives a `process` app (values are not needed to judge them). */
const GIVEN_BY_SHIPGATE = ['PORT', 'APP_VERSION', 'APP_COMMIT', 'MONGODB_URI'];

export async function targetVariables(ctx: Pick<PreflightContext, 'config' | 'vars' | 'runtimes' | 'signal'>, envName: string): Promise<TargetVariables> {
  const e = environmentByName(ctx.config, envName);
  const d = e.deploy;
  if (d.provider === 'process') {
    const vars: Record<string, string> = {};
    for (const name of ['PATH', 'HOME']) if (ctx.vars[name]) vars[name] = ctx.vars[name] as string;
    for (const name of GIVEN_BY_SHIPGATE) vars[name] = name === 'MONGODB_URI' ? (ctx.vars[e.database.uriEnv] ?? '') : 'set by Shipgate';
    for (const [appVar, from] of Object.entries(d.env ?? {})) {
      const value = ctx.vars[from];
      if (value !== undefined && value !== '') vars[appVar] = value;
    }
    return { known: true, where: `the process Shipgate starts for ${envName}`, sets: [{ label: envName, vars }] };
  }
  const rt = ctx.runtimes[envName];
  const provider = rt?.deploy;
  if (d.provider === 'railway' && provider?.variables) {
    const slots = d.slots?.length && d.slotServices ? [...d.slots] : [undefined];
    const sets = [];
    for (const slot of slots) {
      sets.push({ label: slot ? `${envName} slot ${slot}` : envName, vars: await provider.variables({ signal: ctx.signal, ...(slot ? { slot } : {}) }) });
    }
    return { known: true, where: `Railway (service variables of ${envName})`, sets };
  }
  return { known: false, reason: `a ${d.provider} deploy does not tell Shipgate the app's variables` };
}

/** Pure: which required names each set lacks (an empty value counts as missing). */
export function evaluateRequired(required: RequiredVariables, target: TargetVariables, envName: string, deploy: { provider: string; env?: Readonly<Record<string, string>> | undefined }): Finding {
  if (!target.known) return skipped(`${target.reason}; ${required.names.length} required (from ${required.source}) not checked`, 'check them in your deploy target by hand, or use the process or railway provider');
  const missing = new Map<string, string[]>();
  for (const set of target.sets) {
    for (const name of required.names) {
      if (set.vars[name] === undefined || set.vars[name] === '') missing.set(name, [...(missing.get(name) ?? []), set.label]);
    }
  }
  if (missing.size === 0) return passed(`all ${required.names.length} required variables (from ${required.source}) are set on ${target.where}`);
  const list = [...missing.entries()].map(([name, where]) => (target.sets.length > 1 ? `${name} (${where.join(', ')})` : name));
  const fix =
    deploy.provider === 'process'
      ? [...missing.keys()]
          .map((name) => (deploy.env?.[name] ? `set ${deploy.env[name]} (environments.${envName}.deploy.env maps ${name} from it)` : `map ${name} in environments.${envName}.deploy.env (e.g. ${name}: ${envName.toUpperCase().replace(/-/g, '_')}_${name}) and set that variable`))
          .join('; ')
      : `set ${[...missing.keys()].join(', ')} in Railway → the service → Variables (environment of ${envName}), then run shipgate doctor --env ${envName}`;
  return failed(`${list.length} required variable${list.length === 1 ? '' : 's'} not set on ${envName}: ${list.join(', ')}`, fix);
}

/** Every variable the config names for this environment (database URI, provider tokens, deploy.env sources) is set here. */
export const shipgateVariablesCheck: PreflightCheck = {
  id: 'shipgate-env',
  title: (env) => `Shipgate's variables for ${env}`,
  async run(ctx) {
    const refs = secretReferences(ctx.config).filter((r) => r.path.startsWith(`environments.${ctx.env}.`));
    const missing = refs.filter((r) => !ctx.vars[r.variable]);
    if (missing.length === 0) return passed(`${refs.length} variable${refs.length === 1 ? '' : 's'} named by the config ${refs.length === 1 ? 'is' : 'are'} set (${refs.map((r) => r.variable).join(', ')})`);
    return failed(
      `${missing.map((r) => `${r.variable} (${r.purpose})`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`,
      `set ${missing.map((r) => r.variable).join(', ')} where Shipgate runs (GitHub: the environment's secrets; locally: your shell), or fix ${missing.map((r) => r.path).join(', ')}`,
    );
  },
};

export const requiredEnvCheck: PreflightCheck = {
  id: 'required-env',
  title: (env) => `required variables on ${env}`,
  async run(ctx) {
    const required = await requiredVariables(ctx);
    if (!required) return skipped('the app declares no required variables', 'list them in app.requiredEnv, or add an .env.example to the app');
    if (required.names.length === 0) return passed(`${required.source} lists no variables`);
    const e = environmentByName(ctx.config, ctx.env);
    return evaluateRequired(required, await targetVariables(ctx, ctx.env), ctx.env, { provider: e.deploy.provider, ...(e.deploy.provider === 'process' ? { env: e.deploy.env } : {}) });
  },
};

const SECRET_NAME = /(_SECRET$|_KEY$|TOKEN|PASSWORD|^SECRET_|_SECRET_)/;
const PLACEHOLDERS = new Set(['changeme', 'change-me', 'change_me', 'secret', 'password', 'passw0rd', 'todo', 'tbd', 'placeholder', 'example', 'test', 'dummy', 'default', 'null', 'undefined', 'none', '123456', '12345678', 'letmein', 'admin', 'replace-me', 'replaceme', 'fixme', 'xxx']);

/** Pure: is this value a placeholder (known words, your-…-here, <…>, one repeated character, the example value)? */
export function isPlaceholder(value: string, example: string | undefined): boolean {
  const v = value.trim().toLowerCase();
  if (PLACEHOLDERS.has(v)) return true;
  if (/^your[-_ ].*[-_ ]here$/.test(v) || /^<.*>$/.test(v) || /^\{\{.*\}\}$/.test(v) || /^\$\{.*\}$/.test(v)) return true;
  if (v.length > 0 && new Set(v).size === 1) return true;
  return example !== undefined && example !== '' && value === example;
}

export interface SecretsInput {
  env: string;
  /** Names judged as secrets. */
  names: string[];
  sets: Array<{ label: string; vars: Record<string, string> }>;
  examples: Record<string, string>;
  minLength: number;
  /** The same names on the other environments, where Shipgate can read them. */
  others: Array<{ env: string; vars: Record<string, string> }>;
}

/** Pure: every secret is set, not a placeholder, long enough, and not shared with another environment. Names only in the verdict. */
export function evaluateSecrets(input: SecretsInput): Finding {
  const problems: string[] = [];
  for (const set of input.sets) {
    const where = input.sets.length > 1 ? ` (${set.label})` : '';
    for (const name of input.names) {
      const value = set.vars[name];
      if (value === undefined) continue; // a missing one is the required-env check's finding
      if (value.trim() === '') problems.push(`${name}${where} is empty`);
      else if (isPlaceholder(value, input.examples[name])) problems.push(`${name}${where} is a placeholder${input.examples[name] === value ? ' (the value from the env example)' : ''}`);
      else if (value.length < input.minLength) problems.push(`${name}${where} is ${value.length} characters, shorter than ${input.minLength}`);
      for (const other of input.others) {
        if (other.vars[name] !== undefined && other.vars[name] === value && value.trim() !== '') problems.push(`${name}${where} is the same on ${input.env} and ${other.env}`);
      }
    }
  }
  if (problems.length === 0) return passed(`${input.names.length} secret${input.names.length === 1 ? '' : 's'} checked (set, not placeholders, at least ${input.minLength} characters, not shared with another environment)`);
  return failed(problems.join('; '), `generate a new value for each (e.g. \`openssl rand -base64 32\`), different per environment, and set it where the app reads it`);
}

export const secretsCheck: PreflightCheck = {
  id: 'secrets',
  title: (env) => `secrets on ${env}`,
  async run(ctx) {
    const target = await targetVariables(ctx, ctx.env);
    if (!target.known) return skipped(target.reason, 'check the app\'s secrets in your deploy target by hand');
    const required = await requiredVariables(ctx).catch(() => null);
    const configured = ctx.config.preflight.secrets;
    const seen = new Set([...(required?.names ?? []), ...target.sets.flatMap((s) => Object.keys(s.vars))]);
    const names = configured ? [...configured] : [...seen].filter((n) => SECRET_NAME.test(n)).sort();
    if (names.length === 0) return skipped('no variable looks like a secret', 'name secrets *_SECRET, *_KEY, *TOKEN* or *PASSWORD*, or list them in preflight.secrets');
    const others: SecretsInput['others'] = [];
    for (const other of Object.keys(ctx.config.environments)) {
      if (other === ctx.env) continue;
      // Another environment's variables are compared only where they can be read from here (a
      // staging job has no production token): a failure to read them is not this check's finding.
      const t = await targetVariables(ctx, other).catch(() => null);
      if (t?.known) for (const s of t.sets) others.push({ env: other, vars: s.vars });
    }
    return evaluateSecrets({ env: ctx.env, names, sets: target.sets, examples: required?.examples ?? {}, minLength: ctx.config.preflight.secretMinLength, others });
  },
};
