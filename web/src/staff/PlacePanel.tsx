import { Fragment, type ReactNode, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { Grant } from './api';
import { placeOf } from './place';

/** The admins whose jurisdiction is a state, a district or the country (issue 10). */
const PLACE_ADMINS = ['national-admin', 'state-admin', 'district-admin'];

/**
 * A panel for admins of a place: its title and help, a choice among the places they hold
 * (shown only when there are several), then what `children` shows for the chosen one, made
 * afresh for each place. Nothing at all for a caller who holds no such place.
 */
export function PlacePanel({
  grants,
  title,
  help,
  choiceLabel,
  children,
}: {
  grants: Grant[];
  title: string;
  help: string;
  choiceLabel: string;
  children: (place: Grant, places: Grant[]) => ReactNode;
}) {
  const { t } = useTranslation();
  const id = useId();
  const places = grants.filter((g) => PLACE_ADMINS.includes(g.role));
  const [chosen, setChosen] = useState(0);
  const place = places[chosen] ?? places[0];
  if (!place) return null;
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{title}</h2>
      <p className="hint">{help}</p>
      {places.length > 1 && (
        <div className="field">
          <label htmlFor={`${id}-place`}>{choiceLabel}</label>
          <select
            id={`${id}-place`}
            value={chosen}
            onChange={(e) => setChosen(Number(e.target.value))}
          >
            {places.map((p, i) => (
              <option key={`${p.role}-${placeOf(p, t)}`} value={i}>
                {placeOf(p, t)}
              </option>
            ))}
          </select>
        </div>
      )}
      <Fragment key={chosen}>{children(place, places)}</Fragment>
    </section>
  );
}
