/**
 * `shipgate doctor [--env NAME]`: the preflight checks of every environment (or one), any time.
 * Read-only and bounded: each check has its own time limit (preflight.timeout), so the command
 * always ends with a verdict per check, whatever is unreachable. Exit code 1 when a check failed.
 * It needs no store; a local (`process`) environment without its database variable uses the
 * embedded database, as a local release does.
 */
import type { Command } from 'commander';
import { releasePath } from '../../config/lookup.ts';
import { registerConfigSecrets } from '../../config/secrets.ts';
import { ensureLocalDatabase } from '../../local/database.ts';
import { blocking, PREFLIGHT_CHECKS, runChecks, verdictLines, type CheckVerdict } from '../../preflight/index.ts';
import { buildEnvironmentRuntimes } from '../../release/factory.ts';
import { stateDirOf } from '../../repo.ts';
import { localDefaults } from '../session.ts';
import { environmentFlag, withConfigFlag, workspaceConfig } from '../workspace.ts';
import type { CommandModule } from './index.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export const doctorCommands: CommandModule = {
  register(program: Command) {
    withConfigFlag(program.command('doctor'))
      .description('check every environment before a release: variables, secrets, database, privileges, DNS, TLS, versions (read-only)')
      .option('--env <name>', 'check only this environment')
      .option('--json', 'print the verdicts as JSON')
      .action(async (o: { config?: string; env?: string; json?: boolean }) => {
        const wc = await workspaceConfig({ ...(o.config !== undefined ? { config: o.config } : {}) });
        const config = wc.config!;
        if (o.env !== undefined) environmentFlag(wc, o.env, 'shipgate doctor --env production');
        const envs = o.env !== undefined ? [o.env] : releasePath(config);
        let vars: Record<string, string | undefined> = { ...process.env };
        const stateDir = stateDirOf(wc.workspace, vars);
        const needsLocal = !vars.SHIPGATE_STORE_URI && Object.values(config.environments).some((e) => e.deploy.provider === 'process' && !vars[e.database.uriEnv]);
        if (needsLocal) vars = localDefaults(config, (await ensureLocalDatabase(stateDir)).uri, vars);
        registerConfigSecrets(config, vars);
        const { runtimes, close } = buildEnvironmentRuntimes({ config, env: vars, repoRoot: wc.workspace.root, localStateDir: stateDir });
        const out: Record<string, CheckVerdict[]> = {};
        const tty = process.stderr.isTTY === true && !process.env.CI && !o.json;
        try {
          for (const env of envs) {
            if (!o.json) console.log(`${env}`);
            let frame = 0;
            let timer: NodeJS.Timeout | undefined;
            out[env] = await runChecks(PREFLIGHT_CHECKS, { config, vars, repoRoot: wc.workspace.root, runtimes, env, now: new Date() }, {
              timeoutMs: config.preflight.timeout,
              onVerdict: (v) => {
                if (o.json) return;
                if (v.status === 'running') {
                  if (tty) {
                    const draw = () => process.stderr.write(`\r\x1b[2K  ${SPINNER[frame++ % SPINNER.length]} ${v.title}…`);
                    draw();
                    timer = setInterval(draw, 100);
                    timer.unref();
                  }
                  return;
                }
                clearInterval(timer);
                if (tty) process.stderr.write('\r\x1b[2K');
                console.log(verdictLines([v]).map((l) => `  ${l}`).join('\n'));
              },
            });
          }
        } finally {
          await close();
        }
        const bad = Object.values(out).flatMap((v) => blocking(v));
        if (o.json) console.log(JSON.stringify(out, null, 2));
        else console.log(bad.length ? `\n✗ ${bad.length} check${bad.length === 1 ? '' : 's'} failed: a release would stop at preflight` : '\n✓ every check passed or does not apply');
        if (bad.length) process.exitCode = 1;
      });
  },
};
