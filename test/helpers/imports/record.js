// Preloaded into a server process (NODE_OPTIONS=--import) by tests that need to know which
// OpenTelemetry packages it loaded: hooks.js appends each one's URL to TEEKA_TEST_IMPORTS_FILE.
import { register } from 'node:module';

register('./hooks.js', import.meta.url, {
  data: { file: process.env.TEEKA_TEST_IMPORTS_FILE },
});
