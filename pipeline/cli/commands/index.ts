/**
 * Every top-level command of the CLI, and the module that registers it. main.ts loads only the
 * module of the command being run (`shipgate migrate …` never loads the release engine); for
 * `shipgate --help` it lists these entries without loading any module.
 *
 * Adding a command = its module in this folder and one line here per top-level command, in the
 * order the module registers them. `name` and `description` must be what the module registers
 * (pipeline/cli/main.test.ts compares this list with the modules' own help).
 */
import type { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
}

export interface CommandEntry {
  /** The command word and its arguments as the module declares them, e.g. 'approve <id>'. */
  name: string;
  description: string;
  /** The command takes options (listed as `[options]`). */
  options?: boolean;
  load: () => Promise<CommandModule>;
}

const config = async () => (await import('./config.ts')).configCommands;
const migrate = async () => (await import('./migrate.ts')).migrateCommands;
const release = async () => (await import('./release.ts')).releaseCommands;
const demo = async () => (await import('./demo.ts')).demoCommands;
const gates = async () => (await import('./gates.ts')).gatesCommands;
const setup = async () => (await import('./setup.ts')).setupCommands;
const releases = async () => (await import('./releases.ts')).releasesCommands;
const init = async () => (await import('./init.ts')).initCommands;
const doctor = async () => (await import('./doctor.ts')).doctorCommands;
const dashboard = async () => (await import('./dashboard.ts')).dashboardCommands;

export const commandEntries: CommandEntry[] = [
  { name: 'config', description: 'work with the Shipgate config file (.github/shipgate.yml)', load: config },
  { name: 'migrate', description: 'MongoDB migrations: status, plan, rehearse, apply, restore, down, lint', load: migrate },
  { name: 'release', options: true, description: 'release a commit through every gate of the path up to --to (e.g. staging → production)', load: release },
  { name: 'approve <id>', options: true, description: 'approve a release waiting for approval (as a configured approver, not its requester)', load: release },
  { name: 'reject <id>', options: true, description: 'reject a release waiting for approval; it ends there', load: release },
  { name: 'status', options: true, description: 'every environment: version, slot, release in flight, and every freeze: locks, the nightly smoke freeze, deploy windows and freeze dates', load: release },
  { name: 'lock <env>', options: true, description: 'freeze an environment: no release can start there until unlocked', load: release },
  { name: 'unlock <env>', options: true, description: 'lift a freeze (or clear a dead release lease)', load: release },
  { name: 'audit', description: 'the append-only audit log', load: release },
  { name: 'rollback <env>', options: true, description: 'switch the public host back to the previous deployment', load: release },
  { name: 'doctor', options: true, description: 'check every environment before a release: variables, secrets, database, privileges, DNS, TLS, versions (read-only)', load: doctor },
  { name: 'dashboard', options: true, description: 'serve the release dashboard on loopback: environments, releases (live), audit, metrics, nightly smoke (read-only)', load: dashboard },
  { name: 'releases', options: true, description: 'list releases, newest first: filter by environment, status, requester and time', load: releases },
  { name: 'demo', options: true, description: 'rehearse a whole release locally (in Shipgate\'s checkout: the sample app): embedded database, child processes, local DNS (npm start)', load: demo },
  { name: 'down', options: true, description: 'stop everything the local release left running: apps, router, embedded database (npm stop)', load: demo },
  { name: 'health', options: true, description: 'poll a health endpoint until it answers healthy (2xx, JSON, db up, expected version) N times in a row', load: gates },
  { name: 'smoke', options: true, description: 'run smoke suites (vitest files) against a deployment; every test listed with status and duration', load: gates },
  { name: 'load', options: true, description: 'load-test a deployment (built-in engine or k6) and check k6-syntax thresholds', load: gates },
  { name: 'init', options: true, description: 'set Shipgate up in this repository: .github/shipgate.yml, caller workflows, example migration, smoke suite, load profile', load: init },
  { name: 'setup', options: true, description: 'build the embedded MongoDB-compatible server (FerretDB) for local releases, once (needs Go)', load: setup },
];

/** The command word of an entry ('approve <id>' → 'approve'). */
export function commandWord(entry: Pick<CommandEntry, 'name'>): string {
  return entry.name.split(' ')[0] as string;
}
