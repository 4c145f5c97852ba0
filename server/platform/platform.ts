import type { Config } from '../config.js';
import type { KeyRing } from '../crypto/keys.js';
import type { Db } from '../db/index.js';
import type { EventBus } from '../modules/events/module.js';
import type { Clock } from './clock.js';
import type { Limits } from './limits.js';
import type { Metrics } from './metrics.js';

/** What the app hands each module; a module takes the `Pick` of it that it needs. */
export interface Platform {
  db: Db;
  limits: Limits;
  clock: Clock;
  config: Config;
  keys: KeyRing;
  metrics: Metrics;
  /** The transactional outbox and its delivery (server/modules/events). */
  events: EventBus;
}
