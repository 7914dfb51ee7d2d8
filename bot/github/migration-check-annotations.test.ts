/** Which findings a step annotates inline (GitHub shows 10 errors + 10 warnings) and how the rest reads. */
import { describe, expect, it } from 'vitest';
import type { LintFinding } from '../../pipeline/migrate/lint.ts';
import { buildMigrationCheck, renderAnnotationOverflow, splitStepAnnotations } from './migration-check.ts';

const finding = (file: string, severity: LintFinding['severity'], rule: LintFinding['rule'], message: string): LintFinding => ({ file, severity, rule, message });

function check(findings: LintFinding[]) {
  return buildMigrationCheck({ lint: { findings, newMigrations: findings.map((f) => f.file) } as never, dir: 'app/migrations/', sources: {} });
}

describe('migration check annotations', () => {
  it('orders by importance: errors, irreversible, dropped data, then the rest; keeps every finding', () => {
    const c = check([
      finding('0010-a.ts', 'risk', 'destructive', 'drops an index'),
      finding('0011-b.ts', 'risk', 'connection', 'opens its own connection'),
      finding('0012-c.ts', 'risk', 'destructive', 'drops a collection (drop())'),
      finding('0013-d.ts', 'risk', 'irreversible', 'marked irreversible: only a backup restores the data'),
      finding('0014-e.ts', 'error', 'no-up', 'does not export an up(db, ctx) function'),
    ]);
    expect(c.annotations.map((a) => a.path)).toEqual(['0014-e', '0013-d', '0012-c', '0010-a', '0011-b'].map((n) => `app/migrations/${n}.ts`));
  });

  it('splits 10 of each level inline and keeps the rest in order', () => {
    const findings = [
      ...Array.from({ length: 13 }, (_, i) => finding(`00${10 + i}-err.ts`, 'error', 'no-up', 'does not export an up(db, ctx) function')),
      ...Array.from({ length: 11 }, (_, i) => finding(`00${30 + i}-drop.ts`, 'risk', 'destructive', 'drops a collection (drop())')),
    ];
    const { inline, rest } = splitStepAnnotations(check(findings).annotations);
    expect(inline.filter((a) => a.annotation_level === 'failure')).toHaveLength(10);
    expect(inline.filter((a) => a.annotation_level === 'warning')).toHaveLength(10);
    expect(rest.map((a) => a.path)).toEqual(['0020-err', '0021-err', '0022-err', '0040-drop'].map((n) => `app/migrations/${n}.ts`));
    expect(splitStepAnnotations(check(findings.slice(0, 3)).annotations).rest).toEqual([]);
    expect(renderAnnotationOverflow([])).toBe('');
  });

  it('the overflow table cannot be broken by a file name or message (pipes, newlines)', () => {
    const c = check(Array.from({ length: 11 }, (_, i) => finding(`00${10 + i}-a|b.ts`, 'risk', 'destructive', 'drops a collection | injected\n| row |')));
    const text = renderAnnotationOverflow(splitStepAnnotations(c.annotations).rest);
    const rows = text.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('a\\|b.ts');
    expect(rows[0]).toContain('drops a collection \\| injected \\| row \\|');
    expect(text).toContain('(0 errors, 1 warning)');
  });
});
