/**
 * The vendored cut of GitHub's OpenAPI description stays what tools/vendor-github-openapi.mjs
 * makes of the installed @octokit/openapi (no hand edits, no drift after an upgrade), and it covers
 * exactly the operations the GitHub fake serves.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { shipgateHome } from '../../../repo.ts';
import { checkAgainstContract, githubContract } from '../github-contract.ts';
import { GITHUB_FAKE_OPERATIONS } from '../github.ts';

const vendoredText = readFileSync(new URL('./github-openapi.json', import.meta.url), 'utf8');
const withoutDate = (text: string) => {
  const { vendoredOn: _date, ...rest } = JSON.parse(text) as { vendoredOn?: string };
  return rest;
};

describe('contracts/github-openapi.json', () => {
  it('is what tools/vendor-github-openapi.mjs cuts from the installed @octokit/openapi (run it again after an upgrade)', () => {
    const generated = execFileSync(process.execPath, ['tools/vendor-github-openapi.mjs', '--print'], { cwd: shipgateHome, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(withoutDate(vendoredText)).toEqual(withoutDate(generated));
  });

  it('names the package, its version and the day it was cut', () => {
    const pkg = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@octokit/openapi/package.json'), 'utf8')) as { version: string };
    const head = JSON.parse(vendoredText) as { package: string; version: string; vendoredOn: string; source: string };
    expect(head.package).toBe('@octokit/openapi');
    expect(head.version).toBe(pkg.version);
    expect(head.source).toContain(`@octokit/openapi ${pkg.version}`);
    expect(head.vendoredOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('holds one operation for every route the fake serves, and nothing else', () => {
    const served = GITHUB_FAKE_OPERATIONS.map(([m, p]) => `${m} ${p}`).sort();
    expect(githubContract.operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(served);
    for (const [method, template] of GITHUB_FAKE_OPERATIONS) {
      const path = template.replace(/\{[^}]+\}/g, (n) => (/_id|number/.test(n) ? '7' : 'x'));
      expect(checkAgainstContract(method, path, {}, undefined)?.operation.path, `${method} ${path}`).toBe(template);
    }
  });

  it("carries the documented sizes the fake enforces: ≤ 50 annotations and a 65535-character summary per check-run request, ≤ 25 dispatch inputs", () => {
    const op = (id: string) => githubContract.operations.find((o) => o.operationId === id)!;
    const output = (op('checks/create').requestBody!.schema as { properties: { output: { properties: { summary: { maxLength: number }; annotations: { maxItems: number } } } } }).properties.output.properties;
    expect(output.summary.maxLength).toBe(65535);
    expect(output.annotations.maxItems).toBe(50);
    const dispatch = op('actions/create-workflow-dispatch').requestBody!.schema as { required: string[]; properties: { inputs: { maxProperties: number } } };
    expect(dispatch.required).toEqual(['ref']);
    expect(dispatch.properties.inputs.maxProperties).toBe(25);
  });
});
