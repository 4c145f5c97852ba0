// Dependency audit for CI: `npm audit --omit=dev`, failing on any high or critical advisory
// that is not listed, with a reason, in .ci/audit-exceptions.json.
// When the advisory service cannot be reached (some registries and mirrors refuse its
// endpoint), the audit did not happen: that is said loudly, and it fails the run only with
// TEEKA_AUDIT_REQUIRED=true, so that a network without the service does not block every change.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const exceptions = JSON.parse(
  readFileSync(new URL('./audit-exceptions.json', import.meta.url), 'utf8'),
);
let output;
try {
  output = execFileSync('npm', ['audit', '--omit=dev', '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
} catch (error) {
  output = error.stdout; // npm audit exits non-zero when it finds anything
}
let report;
try {
  report = JSON.parse(output);
} catch {
  report = { error: { summary: 'npm audit printed no JSON' } };
}
if (!report.vulnerabilities) {
  const why = report.message ?? report.error?.summary ?? 'unknown error';
  console.log(`npm audit: NOT DONE, the advisory service could not be reached (${why}).`);
  process.exit(process.env.TEEKA_AUDIT_REQUIRED === 'true' ? 1 : 0);
}
const excepted = new Set(exceptions.map((entry) => entry.advisory));
const blocking = [];
for (const [name, vulnerability] of Object.entries(report.vulnerabilities)) {
  if (vulnerability.severity !== 'high' && vulnerability.severity !== 'critical') continue;
  const advisories = vulnerability.via
    .filter((via) => typeof via === 'object')
    .map((via) => via.url);
  const open = advisories.length
    ? advisories.filter((url) => !excepted.has(url))
    : [`(through ${vulnerability.via.join(', ')})`];
  if (open.length) blocking.push(`${name} (${vulnerability.severity}): ${open.join(', ')}`);
}
const counts = report.metadata?.vulnerabilities ?? {};
console.log(`npm audit: ${JSON.stringify(counts)}; ${excepted.size} documented exception(s).`);
if (blocking.length) {
  console.log(
    `High or critical advisories without a documented exception:\n  ${blocking.join('\n  ')}`,
  );
  process.exit(1);
}
