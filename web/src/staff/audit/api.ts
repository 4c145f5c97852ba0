import type { z } from 'zod';

import type { ed25519Jwks } from '../../../../server/crypto/jwks.js';
import type { TrailQuery, trailResponse } from '../../../../server/modules/audit/schemas.js';
import type { CheckpointDocument } from '../../../../server/modules/audit/trail-format.js';
import { request } from '../../api';

export type TrailPage = z.infer<typeof trailResponse>;
export type TrailFilters = Omit<TrailQuery, 'before' | 'limit'>;
export type AuditJwks = z.infer<typeof ed25519Jwks>;

export interface InclusionProof {
  recordId: number;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  path: string[];
  rootHash: string;
}
export interface ConsistencyProof {
  from: number;
  to: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
}

/** How many records the trail shows at a time. */
export const TRAIL_PAGE = 25;

/** The auditor's calls (docs/api.md, Audit trail; docs/audit.md). */
export const auditApi = {
  trail: (filters: TrailFilters, before?: number) => {
    const query = new URLSearchParams({ limit: String(TRAIL_PAGE) });
    for (const [name, value] of Object.entries(filters)) {
      if (value) query.set(name, value);
    }
    if (before !== undefined) query.set('before', String(before));
    return request<TrailPage>(`/api/v1/audit/records?${query}`);
  },
  latestCheckpoint: () => request<CheckpointDocument>('/api/v1/audit/checkpoints/latest'),
  consistencyProof: (from: number, to: number) =>
    request<ConsistencyProof>(`/api/v1/audit/consistency-proof?from=${from}&to=${to}`),
  inclusionProof: (recordId: number, treeSize: number) =>
    request<InclusionProof>(
      `/api/v1/audit/records/${recordId}/inclusion-proof?tree_size=${treeSize}`,
    ),
  /** The published key that signs checkpoints. */
  auditKeys: () => request<AuditJwks>('/.well-known/teeka-audit-key.json'),
};
