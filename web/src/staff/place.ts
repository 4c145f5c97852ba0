import type { TFunction } from 'i18next';

import type { Grant } from './api';

/** Where a grant holds, in words: "District 294", "The whole country". */
export function placeOf(grant: Omit<Grant, 'role'>, t: TFunction): string {
  if (grant.center_id !== null) return t('staff.home.centre', { id: grant.center_id });
  if (grant.district_id !== null) return t('staff.home.district', { id: grant.district_id });
  if (grant.state_id !== null) return t('staff.home.state', { id: grant.state_id });
  return t('staff.home.country');
}

/** A place as the list and report queries name it: none for the whole country, else one id. */
export type PlaceQuery = Partial<Pick<Grant, 'state_id' | 'district_id' | 'center_id'>>;

/** A grant's place as the API names it: only the id of its own level, none for the country. */
export function placeQuery(grant: Omit<Grant, 'role'>): PlaceQuery {
  if (grant.center_id !== null) return { center_id: grant.center_id };
  if (grant.district_id !== null) return { district_id: grant.district_id };
  if (grant.state_id !== null) return { state_id: grant.state_id };
  return {};
}

/** `path` asking about `place`: `?district_id=294`, or nothing for the whole country. */
export function withPlace(path: string, place: PlaceQuery): string {
  const query = new URLSearchParams(
    Object.entries(place).map(([key, value]) => [key, String(value)]),
  ).toString();
  return query ? `${path}?${query}` : path;
}
