/** Every command module of the CLI. Adding an area = one file in this folder and one line here. */
import type { Command } from 'commander';
import { configCommands } from './config.ts';
import { migrateCommands } from './migrate.ts';
import { releaseCommands } from './release.ts';
import { demoCommands } from './demo.ts';
import { gatesCommands } from './gates.ts';

export interface CommandModule {
  register(program: Command): void;
}

export const commandModules: CommandModule[] = [
  configCommands,
  migrateCommands,
  releaseCommands,
  demoCommands,
  gatesCommands,
];
