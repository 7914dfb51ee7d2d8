/**
 * `shipgate init`: writes .github/shipgate.yml, the caller workflows, an example migration, a
 * smoke suite skeleton and a load script/profile into the repository around the cwd
 * (pipeline/init/init.ts), then prints the checklist of secrets and variables to set. On a terminal
 * it asks; with --yes it takes the flags and defaults. Never overwrites without --force.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { coreErrors } from '../../errors.ts';
import { findWorkspace } from '../../repo.ts';
import { INIT_USAGE, DEFAULT_ACTIONS_REPO, answersFrom, checkAnswers, defaultsFor, planInit, writeInit, type InitAnswers, type InitFlags } from '../../init/init.ts';
import type { CommandModule } from './index.ts';

async function ask(flags: InitFlags, defaults: InitAnswers): Promise<InitAnswers> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const q = async (question: string, def: string | undefined): Promise<string | undefined> => {
      const answer = (await rl.question(`${question}${def ? ` [${def}]` : ''}: `)).trim();
      return answer || def;
    };
    const given: InitFlags = { ...flags };
    given.app = await q('App name', flags.app ?? defaults.app);
    given.start = await q('Command that starts the app', flags.start ?? defaults.start);
    given.healthPath = await q('Health path', flags.healthPath ?? defaults.healthPath);
    given.environments = await q('Environments (first released to, then the protected one)', flags.environments ?? defaults.environments.join(','));
    given.provider = await q('Deploy provider (process | railway | command)', flags.provider ?? defaults.provider);
    if (given.provider === 'railway') {
      given.railwayProject = await q('Railway project id', flags.railwayProject);
      given.railwayService = await q('Railway service (name or id)', flags.railwayService);
      given.cloudflareRecord = await q('Cloudflare DNS record switched at go-live (empty: none)', flags.cloudflareRecord);
    } else if (given.provider === 'command') {
      given.deployCommand = await q('Deploy command (the environment name is appended)', flags.deployCommand);
      const envs = (given.environments ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      given.url = [];
      for (const env of envs) {
        const u = await q(`Public URL of ${env}`, undefined);
        if (u) given.url.push(`${env}=${u}`);
      }
      given.cloudflareRecord = await q('Cloudflare DNS record switched at go-live (empty: none)', flags.cloudflareRecord);
    }
    given.migrations = await q('Migrations folder', flags.migrations ?? defaults.migrations);
    given.people = await q('People (name[:slackId[:githubLogin]], comma-separated)', flags.people);
    given.approvers = await q('Approvers (names)', flags.approvers);
    given.actionsRepo = await q('Repository publishing the Shipgate actions', flags.actionsRepo ?? DEFAULT_ACTIONS_REPO);
    for (const k of Object.keys(given) as Array<keyof InitFlags>) if (given[k] === undefined || given[k] === '') delete given[k];
    return answersFrom(given, defaults);
  } finally {
    rl.close();
  }
}

export const initCommands: CommandModule = {
  register(program: Command) {
    program
      .command('init')
      .description('set Shipgate up in this repository: .github/shipgate.yml, caller workflows, example migration, smoke suite, load profile')
      .option('-y, --yes', 'ask nothing: flags and defaults')
      .option('--force', 'overwrite files that exist (without it, nothing is written when any exists)')
      .option('--app <name>', 'the app\'s name (default: package.json name)')
      .option('--start <command>', 'shell command that starts the app (default: npm start when package.json has a start script)')
      .option('--health-path <path>', 'the app\'s health endpoint', '/health')
      .option('--environments <list>', 'two environments: the first released to, the second protected', 'staging,production')
      .option('--provider <name>', 'deploy provider: process (local child processes), railway or command', 'process')
      .option('--railway-project <id>', '(railway) the project id')
      .option('--railway-service <name>', '(railway) the service that runs the app')
      .option('--deploy-command <command>', '(command) the deploy command; the environment name is appended')
      .option('--url <env=url>', 'public URL of an environment (repeat per environment; required with command)', (v: string, prev: string[] = []) => [...prev, v])
      .option('--cloudflare-record <name>', 'DNS record switched through Cloudflare at go-live (railway, command)')
      .option('--migrations <dir>', 'migrations folder', 'migrations')
      .option('--changelog-collection <name>', 'collection recording applied migrations (default shipgate_migrations)')
      .option('--smoke <dir>', 'smoke suites folder', 'smoke')
      .option('--load-dir <dir>', 'folder of the k6 script and load profile', 'load')
      .option('--people <list>', 'people: name[:slackId[:githubLogin]], comma-separated')
      .option('--approvers <names>', 'who may approve releases to the protected environment (added to people when missing)')
      .option('--slack-channel <channel>', 'Slack channel for release progress ("#deploys" or C…)')
      .option('--actions-repo <owner/name>', 'repository that publishes Shipgate\'s actions', DEFAULT_ACTIONS_REPO)
      .option('--actions-ref <ref>', 'tag of the published actions', 'v1')
      .option('--node-version <version>', 'Node.js version the workflows set up', '24')
      .option('--language <ts|js>', 'language of the example migration and smoke skeleton (default: ts when tsconfig.json exists)')
      .action(async (o: InitFlags) => {
        const ws = findWorkspace({});
        const defaults = defaultsFor(ws.root);
        let answers: InitAnswers;
        if (o.yes) answers = answersFrom(o, defaults);
        else if (process.stdin.isTTY && process.stdout.isTTY) answers = checkAnswers(await ask(o, defaults));
        else throw coreErrors.SHIPGATE_USAGE({ problem: '--yes is missing: not a terminal, so init cannot ask; pass --yes with the flags you need', usage: INIT_USAGE });
        const plan = planInit(ws, answers);
        const out = await writeInit(ws, plan, o.force ? { force: true } : {});
        if (out.conflicts.length && !o.force) {
          console.error(`These files exist in ${ws.root}:`);
          for (const c of out.conflicts) console.error(`  ${c}`);
          console.error('Nothing was written. init would write:');
          for (const f of plan.files) console.error(`  ${f.path}${out.conflicts.includes(f.path) ? '  (exists)' : ''}`);
          for (const s of out.skipped) console.error(`  (not ${s.path}: ${s.why})`);
          throw coreErrors.SHIPGATE_USAGE({ problem: `${out.conflicts.length} file(s) exist; nothing was written`, usage: 'shipgate init --force … to overwrite them (or move them away first)' });
        }
        console.log(`Wrote in ${ws.root}:`);
        for (const w of out.written) console.log(`  ${w}${out.conflicts.includes(w) ? '  (overwritten: --force)' : ''}`);
        for (const s of out.skipped) console.log(`  skipped ${s.path}: ${s.why}`);
        console.log('');
        console.log(out.checklist.join('\n'));
      });
  },
};
