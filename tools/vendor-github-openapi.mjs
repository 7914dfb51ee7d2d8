#!/usr/bin/env node
/**
 * Cuts the GitHub REST operations Shipgate's GitHub fake serves out of GitHub's own OpenAPI
 * description (the @octokit/openapi package, generated/api.github.com.json) into
 * pipeline/testing/fakes/contracts/github-openapi.json: for each operation its method, path
 * template, parameters and request-body JSON Schema ($refs resolved, examples dropped) and the
 * response statuses GitHub documents. The fake validates every request against it; the test
 * pipeline/testing/fakes/contracts/github-openapi.test.ts re-runs this cut and fails when the file
 * drifts (anything but `vendoredOn`), e.g. after an upgrade of @octokit/openapi: run this script again.
 *
 *   node tools/vendor-github-openapi.mjs          # rewrite the file
 *   node tools/vendor-github-openapi.mjs --print  # print what it would write
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const OUT = join(here, '..', 'pipeline', 'testing', 'fakes', 'contracts', 'github-openapi.json');

/** method + path template of every operation the fake answers (and nothing else). */
export const OPERATIONS = [
  ['get', '/app'],
  ['post', '/app/installations/{installation_id}/access_tokens'],
  ['get', '/repos/{owner}/{repo}'],
  ['get', '/repos/{owner}/{repo}/installation'],
  ['get', '/repos/{owner}/{repo}/compare/{basehead}'],
  ['post', '/repos/{owner}/{repo}/check-runs'],
  ['patch', '/repos/{owner}/{repo}/check-runs/{check_run_id}'],
  ['get', '/repos/{owner}/{repo}/actions/runs/{run_id}'],
  ['post', '/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule'],
  ['post', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches'],
  ['get', '/repos/{owner}/{repo}/issues'],
  ['post', '/repos/{owner}/{repo}/issues'],
  ['patch', '/repos/{owner}/{repo}/issues/{issue_number}'],
  ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
];

const DROP = new Set(['examples', 'example', 'description', 'title', 'externalDocs']);

export function cut(spec, pkgVersion, vendoredOn = new Date().toISOString().slice(0, 10)) {
  // `names`: node is a map of names (properties, patternProperties), whose keys are data, not keywords.
  const resolve = (node, seen = [], names = false) => {
    if (Array.isArray(node)) return node.map((n) => resolve(n, seen));
    if (!node || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      if (seen.includes(node.$ref)) return {}; // a recursive schema: accept anything below
      const target = node.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
      return resolve(target, [...seen, node.$ref]);
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (!names && DROP.has(k)) continue;
      out[k] = resolve(v, seen, !names && (k === 'properties' || k === 'patternProperties'));
    }
    return out;
  };
  const operations = OPERATIONS.map(([method, path]) => {
    const op = spec.paths[path]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in GitHub's OpenAPI description`);
    const parameters = resolve(op.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: !!p.required, schema: p.schema ?? {} }));
    const body = op.requestBody ? resolve(op.requestBody) : undefined;
    return {
      operationId: op.operationId,
      method: method.toUpperCase(),
      path,
      docs: op.externalDocs?.url,
      enabledForGitHubApps: op['x-github']?.enabledForGitHubApps ?? null,
      parameters,
      ...(body ? { requestBody: { required: !!body.required, schema: body.content?.['application/json']?.schema ?? {} } } : {}),
      responses: Object.keys(op.responses ?? {}),
    };
  });
  return {
    source: `@octokit/openapi ${pkgVersion}, generated/api.github.com.json (GitHub's REST API description ${spec.info.version}); cut by tools/vendor-github-openapi.mjs`,
    package: '@octokit/openapi',
    version: pkgVersion,
    // The day this file was cut (the drift test compares everything else).
    vendoredOn,
    operations,
  };
}

/** The file's text as this script writes it; `vendoredOn` defaults to today. */
export function build(vendoredOn) {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('@octokit/openapi/package.json'));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const spec = JSON.parse(readFileSync(join(pkgDir, 'generated', 'api.github.com.json'), 'utf8'));
  return `${JSON.stringify(cut(spec, pkg.version, vendoredOn), null, 1)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = build();
  if (process.argv.includes('--print')) process.stdout.write(text);
  else {
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT} (${text.length} bytes)`);
  }
}
