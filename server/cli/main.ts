import { runCli } from './teeka.js';

await runCli(process.argv);
