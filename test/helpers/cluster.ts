import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/** `teeka <args>` from the sources (node --import tsx server/cli/main.ts), with its own environment. */
const root = path.resolve(import.meta.dirname, '..', '..');

export function startTeekaCli(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The sum of a Prometheus counter's samples in a /metrics text, over the samples whose labels contain `match`. */
export function counterSum(metricsText: string, name: string, match = ''): number {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => line.includes(match))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}
