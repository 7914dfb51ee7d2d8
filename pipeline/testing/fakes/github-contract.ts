/**
 * GitHub's REST contract for the GitHub fake, from GitHub's own OpenAPI description: the
 * operations in contracts/github-openapi.json (cut from @octokit/openapi by
 * tools/vendor-github-openapi.mjs; its `source` names the package and API version). Every request
 * the fake receives is matched to an operation by method and path template and checked against
 * the operation's path/query parameters and request-body JSON Schema (ajv; OpenAPI's `nullable`
 * understood; `format` not checked). A request matching no operation is answered 404 `Not Found`,
 * one outside the schema 422 `Invalid request.` with GitHub's wording for the common cases
 * ("\"ref\" wasn't supplied.", "For 'properties/x', … is not a string."). Used only by the fake.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

interface ContractParameter { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: Record<string, unknown> }
interface ContractOperation {
  operationId: string;
  method: string;
  path: string;
  docs?: string;
  parameters: ContractParameter[];
  requestBody?: { required: boolean; schema: Record<string, unknown> };
  responses: string[];
}
interface Contract { source: string; operations: ContractOperation[] }

export const githubContract: Contract = JSON.parse(readFileSync(new URL('./contracts/github-openapi.json', import.meta.url), 'utf8')) as Contract;

interface Compiled {
  op: ContractOperation;
  pattern: RegExp;
  names: string[];
  body?: ValidateFunction;
  params: Map<string, ValidateFunction>;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

/** OpenAPI 3.0's `nullable: true` as JSON Schema: the type may also be null. */
function jsonSchema(node: unknown, names = false): unknown {
  if (Array.isArray(node)) return node.map((n) => jsonSchema(n));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (!names && k === 'nullable') continue;
    out[k] = jsonSchema(v, !names && (k === 'properties' || k === 'patternProperties'));
  }
  if (names || (node as { nullable?: unknown }).nullable !== true) return out;
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'], ...(Array.isArray(out.enum) ? { enum: [...(out.enum as unknown[]), null] } : {}) };
  return { anyOf: [out, { type: 'null' }] };
}
const compile = (schema: Record<string, unknown>) => ajv.compile(jsonSchema(schema) as Record<string, unknown>);

const compiled: Compiled[] = githubContract.operations.map((op) => {
  const names: string[] = [];
  const pattern = new RegExp(`^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
  const params = new Map<string, ValidateFunction>();
  for (const p of op.parameters) if (p.in !== 'header') params.set(`${p.in}:${p.name}`, compile(p.schema));
  return { op, pattern, names, params, ...(op.requestBody ? { body: compile(op.requestBody.schema) } : {}) };
});

export interface ContractMatch {
  operation: ContractOperation;
  /** Path parameters by name (decoded). */
  params: Record<string, string>;
  /** What violates the operation's schema, in GitHub's wording; empty when the request conforms. */
  problems: string[];
}

/** A string parameter as GitHub reads it: integers and booleans from their text. */
function coerce(value: string, schema: Record<string, unknown>): unknown {
  if ((schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (schema.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function describe(e: ErrorObject, data: unknown): string {
  const where = e.instancePath ? `For '${e.instancePath.slice(1).split('/').map((k) => (/^\d+$/.test(k) ? `items/${k}` : `properties/${k}`)).join('/')}', ` : '';
  const value = e.instancePath ? e.instancePath.slice(1).split('/').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), data) : data;
  // GitHub's validator is Ruby: null is shown as nil.
  const shown = value === null || value === undefined ? 'nil' : JSON.stringify(value).slice(0, 80);
  switch (e.keyword) {
    case 'required':
      return `${where}"${String(e.params.missingProperty)}" wasn't supplied.`;
    case 'type':
      return `${where}${shown} is not ${/^[aeiou]/.test(String(e.params.type)) ? 'an' : 'a'} ${String(e.params.type)}.`;
    case 'enum':
      return `${where}${shown} is not a member of ${JSON.stringify(e.params.allowedValues)}.`;
    case 'maxItems':
    case 'maxLength':
    case 'maxProperties':
      return `${where}${shown} is too long (maximum is ${String(e.params.limit)}).`;
    case 'anyOf':
    case 'oneOf':
      return `${where}No subschema in "${e.keyword}" matched.`;
    default:
      return `${where}${e.message ?? 'is invalid'}.`;
  }
}

/** The operation a request is for and what in it breaks the operation's schema; undefined: no such operation. */
export function checkAgainstContract(method: string, path: string, query: Record<string, string>, body: unknown): ContractMatch | undefined {
  for (const c of compiled) {
    if (c.op.method !== method.toUpperCase()) continue;
    const m = c.pattern.exec(path);
    if (!m) continue;
    const params = Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    const problems: string[] = [];
    for (const p of c.op.parameters) {
      if (p.in === 'header') continue;
      const raw = p.in === 'path' ? params[p.name] : query[p.name];
      if (raw === undefined) {
        if (p.required) problems.push(`"${p.name}" wasn't supplied.`);
        continue;
      }
      const validate = c.params.get(`${p.in}:${p.name}`)!;
      const value = coerce(raw, p.schema);
      if (!validate(value)) problems.push(`For '${p.name}', ${JSON.stringify(raw)} is not valid: ${(validate.errors ?? []).map((e) => e.message).join(', ')}.`);
    }
    if (c.body) {
      const empty = body === null || body === undefined || body === '';
      if (empty && c.op.requestBody?.required) problems.push('Invalid request body: a JSON object is required.');
      else if (!empty && !c.body(body)) {
        // anyOf branches each report their own errors; GitHub says only that none matched.
        const errors = c.body.errors ?? [];
        const top = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
        const list = top.length > 0 ? top : errors;
        problems.push(...new Set(list.map((e) => describe(e, body))));
      }
    }
    return { operation: c.op, params, problems };
  }
  return undefined;
}

/** GitHub's 422 message for schema violations. */
export const invalidRequestMessage = (problems: string[]) => `Invalid request.\n\n${problems.join('\n')}`;
