/** Errors of the config area: the file is missing, invalid, or names something it does not define. */
import { defineErrors } from '../errors.ts';
import type { ConfigProblem } from './problems.ts';

/** One line per problem: `file:line  path: message (hint)`. */
export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line === undefined ? file : `${file}:${p.line}`;
  const path = p.path === '' ? '(file)' : p.path;
  return `${where}  ${path}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}

export const configErrors = defineErrors({
  SHIPGATE_CONFIG_INVALID: {
    message: (d: { file: string; problems: readonly ConfigProblem[] }) =>
      `${d.file} has ${d.problems.length} problem${d.problems.length === 1 ? '' : 's'}:\n` +
      d.problems.map((p) => `  ${formatProblem(d.file, p)}`).join('\n'),
    hint: () => 'fix every line above, then run `shipgate config check` again',
    docs: 'configuration.md#errors',
    exitCode: 3,
  },
  SHIPGATE_CONFIG_NOT_FOUND: {
    message: (d: { file: string }) => `config file ${d.file} does not exist`,
    hint: () =>
      'run the command inside your repository (Shipgate looks for .github/shipgate.yml from the current folder up), create it (`shipgate init`, or copy the example in docs/configuration.md), or pass -f/--config <file>',
    docs: 'configuration.md#example',
    exitCode: 3,
  },
  SHIPGATE_CONFIG_UNKNOWN_ENV: {
    message: (d: { name: string; known: readonly string[] }) =>
      `environment "${d.name}" is not in the config (known: ${d.known.join(', ') || 'none'})`,
    hint: (d: { known: readonly string[] }) =>
      d.known.length ? `use one of ${d.known.join(', ')}, or add it under environments: in .github/shipgate.yml` : 'add it under environments: in .github/shipgate.yml',
    docs: 'configuration.md#environments',
    exitCode: 2,
  },
});
