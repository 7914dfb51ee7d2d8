#!/usr/bin/env node
// The `shipgate` command. Runs the TypeScript sources through tsx, so user migrations written
// in TypeScript load too.
import { register } from 'tsx/esm/api';

register();
await import('../pipeline/cli/main.ts');
