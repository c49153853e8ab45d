#!/usr/bin/env node
// The published `herald` command: runs the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
