import type { UseQueryResult } from '@tanstack/react-query';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';

/** The gender drop-down over the CoWIN genders list, each named in the page's language. */
export function GenderField({
  genders,
  label,
  emptyLabel,
  value,
  onChange,
}: {
  genders: UseQueryResult<{ id: number; gender: string }[]>;
  label: string;
  /** The first, empty choice ("Choose", "Unchanged"). */
  emptyLabel: string;
  value: string;
  onChange: (genderId: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{genders.isLoading ? t('app.loading') : emptyLabel}</option>
        {genders.data?.map((g) => (
          <option key={g.id} value={g.id}>
            {t(`citizen.gender.${g.gender}`, { defaultValue: g.gender })}
          </option>
        ))}
      </select>
    </div>
  );
}
