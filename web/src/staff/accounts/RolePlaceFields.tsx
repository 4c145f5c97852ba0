import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import {
  GRANTABLE,
  type Level,
  type Role,
  ROLE_LEVELS,
  ROLES,
} from '../../../../server/modules/staff/roles.js';
import { TextField } from '../../components/TextField';
import type { Grant } from '../api';
import type { GrantInput } from './api';

/** A role and the place it is held in, as the form holds them (the id as typed). */
export interface RolePlace {
  role: Role;
  level: Level;
  placeId: string;
}

const levelOf = (grant: Grant): Level => {
  if (grant.center_id !== null) return 'centre';
  if (grant.district_id !== null) return 'district';
  if (grant.state_id !== null) return 'state';
  return 'country';
};

const idOf = (grant: Grant) => grant.center_id ?? grant.district_id ?? grant.state_id;

/** The roles some grant of the caller may hand out (server/modules/staff/roles.ts). */
export function grantableRoles(mine: Grant[]): Role[] {
  return ROLES.filter((role) => mine.some((g) => GRANTABLE[g.role as Role]?.includes(role)));
}

/** `role` at its first level, in the caller's own place when that is the level. */
export function rolePlace(role: Role, mine: Grant[], level = ROLE_LEVELS[role][0] ?? 'country') {
  const own = mine.find((g) => levelOf(g) === level);
  const id = own ? idOf(own) : null;
  return { role, level, placeId: id === null ? '' : String(id) };
}

/** The grant the API takes, or null when the place id is not a number. */
export function toGrantInput({ role, level, placeId }: RolePlace): GrantInput | null {
  if (level === 'country') return { role };
  if (!/^[1-9]\d{0,5}$/.test(placeId)) return null;
  const id = Number(placeId);
  switch (level) {
    case 'state':
      return { role, state_id: id };
    case 'district':
      return { role, district_id: id };
    case 'centre':
      return { role, center_id: id };
  }
}

/** Role, then where it is held (the levels that role allows), then that place's id. */
export function RolePlaceFields({
  roles,
  mine,
  value,
  onChange,
}: {
  roles: Role[];
  mine: Grant[];
  value: RolePlace;
  onChange: (value: RolePlace) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-role`}>{t('accounts.role')}</label>
        <select
          id={`${id}-role`}
          value={value.role}
          onChange={(e) => onChange(rolePlace(e.target.value as Role, mine))}
        >
          {roles.map((role) => (
            <option key={role} value={role}>
              {t(`staff.roles.${role}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-level`}>{t('accounts.level')}</label>
        <select
          id={`${id}-level`}
          value={value.level}
          onChange={(e) => onChange(rolePlace(value.role, mine, e.target.value as Level))}
        >
          {ROLE_LEVELS[value.role].map((level) => (
            <option key={level} value={level}>
              {t(`accounts.levels.${level}`)}
            </option>
          ))}
        </select>
      </div>
      {value.level !== 'country' && (
        <TextField
          label={t(`accounts.placeIds.${value.level}`)}
          inputMode="numeric"
          value={value.placeId}
          onChange={(e) => onChange({ ...value, placeId: e.target.value.trim() })}
        />
      )}
    </>
  );
}
