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
  const annotations = [...input.lint.findings].sort((a, b) => rank(a) - rank(b)).map((f): CheckAnnotation => {
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

/** Most important first: errors, then data that cannot come back, then the rest (stable within). */
function rank(f: LintFinding): number {
  if (f.severity === 'error') return 0;
  if (f.rule === 'irreversible') return 1;
  if (f.rule === 'destructive') return /database|collection|without a filter/.test(f.message) ? 2 : 3;
  return 4;
}

/**
 * GitHub shows at most 10 error and 10 warning annotations made by workflow commands
 * (`core.error`/`core.warning`) per step, and drops the rest without a word. The check run takes
 * 50 annotations a request (more are added by updating it: GitHub appends them).
 */
export const STEP_ANNOTATION_LIMIT = 10;
export const CHECK_RUN_ANNOTATIONS_PER_REQUEST = 50;

/** The annotations a step can show inline (the first 10 of each level, already in order of importance), and the rest. */
export function splitStepAnnotations(annotations: readonly CheckAnnotation[]): { inline: CheckAnnotation[]; rest: CheckAnnotation[] } {
  const seen = { notice: 0, warning: 0, failure: 0 };
  const inline: CheckAnnotation[] = [];
  const rest: CheckAnnotation[] = [];
  for (const a of annotations) (seen[a.annotation_level]++ < STEP_ANNOTATION_LIMIT ? inline : rest).push(a);
  return { inline, rest };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** The job-summary section for the annotations a step could not show inline (empty when none). */
export function renderAnnotationOverflow(rest: readonly CheckAnnotation[]): string {
  if (rest.length === 0) return '';
  const errors = rest.filter((a) => a.annotation_level === 'failure').length;
  return [
    `### ${rest.length} more finding${rest.length === 1 ? '' : 's'} not annotated inline`,
    '',
    `GitHub shows at most ${STEP_ANNOTATION_LIMIT} error and ${STEP_ANNOTATION_LIMIT} warning annotations per step; the most important are annotated above, these are the rest (${errors} error${errors === 1 ? '' : 's'}, ${rest.length - errors} warning${rest.length - errors === 1 ? '' : 's'}). The check run, when it could be published, carries all of them.`,
    '',
    '| File | Line | Level | Finding |',
    '|---|---|---|---|',
    ...rest.map((a) => `| \`${cell(a.path)}\` | ${a.start_line} | ${a.annotation_level === 'failure' ? 'error' : a.annotation_level} | ${cell(a.title)}: ${cell(a.message)} |`),
  ].join('\n');
}
