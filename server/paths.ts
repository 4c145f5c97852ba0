import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, found the same way from server/ (tsx, vitest) and from dist/server/ (built). */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find the Teeka package root');
    dir = parent;
  }
  return dir;
}

export const projectRoot = findRoot();
export const dataPath = (...parts: string[]) => path.join(projectRoot, 'data', ...parts);
