import { createAuditService } from './service.js';
import { createAuditStore } from './store.js';

export function createAuditModule() {
  return { service: createAuditService({ store: createAuditStore() }) };
}
