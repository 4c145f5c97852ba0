import type { z } from 'zod';

import type { aefiReportResponse } from '../../../../server/modules/vaccinations/schemas.js';
import { request } from '../../api';
import type { Grant } from '../api';
import { placeQuery, withPlace } from '../place';

/** The AEFI report as the server answers it (server/modules/vaccinations/schemas.ts). */
export type AefiReport = z.output<typeof aefiReportResponse>;

/** The admin's report calls: server/modules/vaccinations/routes.ts. */
export const reportsApi = {
  /** Adverse events in the place of `grant`: a district, a state, or the whole country. */
  aefi: (grant: Omit<Grant, 'role'>) =>
    request<AefiReport>(withPlace('/api/v1/vaccinations/aefi/report', placeQuery(grant))),
};
