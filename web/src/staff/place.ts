import type { TFunction } from 'i18next';

import type { Grant } from './api';

/** Where a grant holds, in words: "District 294", "The whole country". */
export function placeOf(grant: Omit<Grant, 'role'>, t: TFunction): string {
  if (grant.center_id !== null) return t('staff.home.centre', { id: grant.center_id });
  if (grant.district_id !== null) return t('staff.home.district', { id: grant.district_id });
  if (grant.state_id !== null) return t('staff.home.state', { id: grant.state_id });
  return t('staff.home.country');
}
