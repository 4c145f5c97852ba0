import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { Grant } from './api';
import { placeOf } from './place';

/** The admins whose jurisdiction is a state, a district or the country (issue 10). */
const PLACE_ADMINS = ['national-admin', 'state-admin', 'district-admin'];

/** The places the caller holds as an admin of a place, and the one chosen (the first at start). */
export function usePlaceChoice(grants: Grant[]) {
  const places = grants.filter((g) => PLACE_ADMINS.includes(g.role));
  const [chosen, choose] = useState(0);
  return { places, chosen, choose, place: places[chosen] ?? places[0] };
}

/** A choice among those places, shown only when there are several. */
export function PlacePicker({
  label,
  places,
  chosen,
  onChoose,
}: {
  label: string;
  places: Grant[];
  chosen: number;
  onChoose: (index: number) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  if (places.length < 2) return null;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={chosen} onChange={(e) => onChoose(Number(e.target.value))}>
        {places.map((p, i) => (
          <option key={`${p.role}-${placeOf(p, t)}`} value={i}>
            {placeOf(p, t)}
          </option>
        ))}
      </select>
    </div>
  );
}
