/**
 * The PR check for migrations ("Shipgate migrations"): what reviewers read on a pull request that
 * touches the migrations folder — built from `migrate lint` (against the base branch) and
 * `migrate plan` (against staging, when configured). Pure: the migrate action publishes it as a
 * check run; golden files pin what people see.
 * Conclusion: failure for lint errors (or a plan that cannot run), neutral when destructive or
 * irreversible changes are listed as risks, success otherwise. Annotations point at the line of
 * the offending call in the migration file.
 */
import type { LintFinding, LintResult } from '../../pipeline/migrate/lint.ts';
import type { Plan } from '../../pipeline/migrate/plan.ts';
import { renderLintMarkdown } from '../../pipeline/migrate/lint.ts';
import { renderPlanMarkdown } from '../../pipeline/migrate/render.ts';

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
}

export interface MigrationCheck {
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  summary: string;
  annotations: CheckAnnotation[];
}

export interface MigrationCheckInput {
  lint: LintResult;
  /** The migrations folder, relative to the repository root (annotation paths), e.g. app/migrations. */
  dir: string;
  /** Head versions of the migration files (name → text), to find the offending lines. */
  sources: Readonly<Record<string, string>>;
  plan?: Plan;
  /** Why the plan did not run: not configured, skipped after lint errors, or failed. */
  planNote?: string;
  planFailed?: boolean;
}

/** Where each destructive finding of `migrate lint` comes from (the lint's own wording → the call). */
const CALLS: Array<[string, RegExp]> = [
  ['drops a collection (drop())', /\.drop\(\s*\)/],
  ['drops a collection (dropCollection)', /\bdropCollection\(/],
  ['drops the database', /\bdropDatabase\(/],
  ['deleteMany without a filter', /\bdeleteMany\(\s*(\{\s*\})?\s*\)/],
  ['renames a collection', /\.rename\(|\brenameCollection\(/],
  ['renames fields', /\$rename\b/],
  ['removes fields', /\$unset\b/],
  ['drops an index', /\bdropIndex(es)?\(/],
];

export function lineOf(finding: LintFinding, source: string | undefined): number {
  if (!source) return 1;
  const lines = source.split('\n');
  let re: RegExp | undefined;
  if (finding.rule === 'destructive') re = CALLS.find(([what]) => finding.message.startsWith(what))?.[1];
  else if (finding.rule === 'irreversible') re = /export\s+const\s+irreversible\s*=\s*true/;
  if (!re) return 1;
  const i = lines.findIndex((l) => re.test(l));
  return i >= 0 ? i + 1 : 1;
}

export function buildMigrationCheck(input: MigrationCheckInput): MigrationCheck {
  const errors = input.lint.findings.filter((f) => f.severity === 'error');
  const risks = input.lint.findings.filter((f) => f.severity === 'risk');
  const planRisks = input.plan?.risks ?? [];
  const conclusion: MigrationCheck['conclusion'] = errors.length || input.planFailed ? 'failure' : risks.length || planRisks.length ? 'neutral' : 'success';
  const n = input.lint.newMigrations.length;
  const title =
    conclusion === 'failure'
      ? errors.length ? `${errors.length} migration error${errors.length === 1 ? '' : 's'}` : 'migration plan failed'
      : conclusion === 'neutral'
        ? `${risks.length + planRisks.length} risk${risks.length + planRisks.length === 1 ? '' : 's'} to review in ${n} new migration${n === 1 ? '' : 's'}`
        : `${n} new migration${n === 1 ? '' : 's'}, no risks found`;
  const parts = [renderLintMarkdown(input.lint)];
  if (input.plan) parts.push(renderPlanMarkdown(input.plan));
  if (input.planNote) parts.push(`### Migration plan\n\n${input.planNote}`);
  const annotations = input.lint.findings.slice(0, 50).map((f): CheckAnnotation => {
    const line = lineOf(f, input.sources[f.file]);
    return {
      path: `${input.dir.replace(/\/$/, '')}/${f.file}`, start_line: line, end_line: line,
      annotation_level: f.severity === 'error' ? 'failure' : 'warning',
      title: `${f.severity === 'error' ? 'Migration error' : 'Migration risk'}: ${f.rule}`,
      message: f.message,
    };
  });
  return { conclusion, title, summary: parts.join('\n\n'), annotations };
}
