import { type SyntheticEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { FormProblem, TextField } from '../../components/TextField';
import { SelectField } from '../desk/SelectField';
import { type CentreFields, facilityProblem, type ManagedCentre } from './api';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

interface Draft {
  district: string;
  name: string;
  address: string;
  block: string;
  pincode: string;
  lat: string;
  long: string;
  opens: string;
  closes: string;
  feeType: 'Free' | 'Paid';
  fees: Record<string, string>;
  active: boolean;
}

function draftOf(centre: ManagedCentre | undefined): Draft {
  return {
    district: centre ? String(centre.district_id) : '',
    name: centre?.name ?? '',
    address: centre?.address ?? '',
    block: centre?.block_name ?? '',
    pincode: centre ? String(centre.pincode) : '',
    lat: centre ? String(centre.lat) : '',
    long: centre ? String(centre.long) : '',
    opens: centre?.opens_at ?? '09:00',
    closes: centre?.closes_at ?? '17:00',
    feeType: centre?.fee_type ?? 'Free',
    fees: Object.fromEntries((centre?.vaccine_fees ?? []).map((f) => [f.vaccine, String(f.fee)])),
    active: centre?.active ?? true,
  };
}

/**
 * A centre's details: a new centre (`centre` absent, with its district) or a change to one.
 * `save` sends the fields; a refusal is shown in plain words and the form keeps what was typed.
 */
export function CentreForm({
  centre,
  vaccines,
  save,
  onCancel,
}: {
  centre?: ManagedCentre;
  vaccines: string[];
  save: (fields: CentreFields & { district_id: number; active: boolean }) => Promise<void>;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState(() => draftOf(centre));
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const edit = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));

  function check(): string | null {
    if (!draft.name.trim() || !draft.address.trim() || !draft.block.trim())
      return t('facility.centre.missing');
    if (!centre && !/^[1-9]\d{0,5}$/.test(draft.district)) return t('facility.centre.badDistrict');
    if (!/^[1-9]\d{5}$/.test(draft.pincode)) return t('facility.centre.badPincode');
    const lat = Number(draft.lat);
    const long = Number(draft.long);
    if (!draft.lat || !draft.long || !(Math.abs(lat) <= 90) || !(Math.abs(long) <= 180))
      return t('facility.centre.badPlace');
    if (!HH_MM.test(draft.opens) || !HH_MM.test(draft.closes)) return t('facility.centre.badTime');
    if (draft.closes <= draft.opens) return t('facility.centre.closesFirst');
    if (draft.feeType === 'Paid') {
      const given = Object.values(draft.fees).filter((f) => f.trim() !== '');
      if (given.length === 0) return t('facility.centre.feeMissing');
      if (given.some((f) => !/^\d{1,6}$/.test(f.trim()))) return t('facility.centre.badFee');
    }
    return null;
  }

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    const invalid = check();
    if (invalid) return setProblem(invalid);
    setBusy(true);
    setProblem(null);
    try {
      await save({
        district_id: Number(draft.district),
        name: draft.name.trim(),
        address: draft.address.trim(),
        block_name: draft.block.trim(),
        pincode: Number(draft.pincode),
        lat: Number(draft.lat),
        long: Number(draft.long),
        opens_at: draft.opens,
        closes_at: draft.closes,
        fee_type: draft.feeType,
        vaccine_fees:
          draft.feeType === 'Paid'
            ? Object.entries(draft.fees)
                .filter(([, fee]) => fee.trim() !== '')
                .map(([vaccine, fee]) => ({ vaccine, fee: Number(fee) }))
            : [],
        active: draft.active,
      });
    } catch (error) {
      setProblem(facilityProblem(error, t));
    } finally {
      setBusy(false);
    }
  }

  const title = centre ? t('facility.centre.editTitle') : t('facility.centre.newTitle');
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      {!centre && (
        <TextField
          label={t('facility.centre.district')}
          hint={t('facility.centre.districtHint')}
          inputMode="numeric"
          value={draft.district}
          onChange={(e) => edit('district', e.target.value.trim())}
        />
      )}
      <TextField
        label={t('facility.centre.name')}
        maxLength={200}
        value={draft.name}
        onChange={(e) => edit('name', e.target.value)}
      />
      <TextField
        label={t('facility.centre.address')}
        maxLength={500}
        value={draft.address}
        onChange={(e) => edit('address', e.target.value)}
      />
      <TextField
        label={t('facility.centre.block')}
        maxLength={200}
        value={draft.block}
        onChange={(e) => edit('block', e.target.value)}
      />
      <TextField
        label={t('facility.centre.pincode')}
        inputMode="numeric"
        maxLength={6}
        value={draft.pincode}
        onChange={(e) => edit('pincode', e.target.value.trim())}
      />
      <div className="inline-form">
        <TextField
          label={t('facility.centre.lat')}
          inputMode="decimal"
          value={draft.lat}
          onChange={(e) => edit('lat', e.target.value.trim())}
        />
        <TextField
          label={t('facility.centre.long')}
          inputMode="decimal"
          value={draft.long}
          onChange={(e) => edit('long', e.target.value.trim())}
        />
      </div>
      <div className="inline-form">
        <TextField
          label={t('facility.centre.opens')}
          type="time"
          value={draft.opens}
          onChange={(e) => edit('opens', e.target.value)}
        />
        <TextField
          label={t('facility.centre.closes')}
          type="time"
          value={draft.closes}
          onChange={(e) => edit('closes', e.target.value)}
        />
      </div>
      <SelectField
        label={t('facility.centre.feeType')}
        value={draft.feeType}
        onChange={(e) => edit('feeType', e.target.value === 'Paid' ? 'Paid' : 'Free')}
        options={[
          { value: 'Free', label: t('facility.centre.free') },
          { value: 'Paid', label: t('facility.centre.paid') },
        ]}
      />
      {draft.feeType === 'Paid' && (
        <fieldset>
          <legend>{t('facility.centre.fees')}</legend>
          {vaccines.map((vaccine) => (
            <TextField
              key={vaccine}
              label={t('facility.centre.feeFor', { vaccine })}
              inputMode="numeric"
              value={draft.fees[vaccine] ?? ''}
              onChange={(e) => edit('fees', { ...draft.fees, [vaccine]: e.target.value })}
            />
          ))}
          <p className="hint">{t('facility.centre.feesHint')}</p>
        </fieldset>
      )}
      {centre && (
        <label className="check">
          <input
            type="checkbox"
            checked={draft.active}
            onChange={(e) => edit('active', e.target.checked)}
          />
          {t('facility.centre.active')}
        </label>
      )}
      <FormProblem problem={problem} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('admin.working') : t('facility.centre.save')}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel} disabled={busy}>
            {t('facility.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
