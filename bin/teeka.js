#!/usr/bin/env node
// The `teeka` command. It runs the built CLI (npm install builds it; npm run build rebuilds it).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/server/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('Teeka is not built yet: run `npm run build` in the Teeka folder first.');
  process.exit(1);
}
await import(cli.href);
