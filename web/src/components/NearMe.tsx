import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api, type NearbyCentre } from '../api';
import { errorKey } from './AvailabilityResults';

type State =
  | { step: 'idle' }
  | { step: 'locating' }
  | { step: 'searching' }
  | { step: 'found'; centres: NearbyCentre[] }
  | { step: 'failed'; message: string };

/** The browser's position, asked for only when the user presses the button. */
function position(): Promise<GeolocationPosition> {
  return new Promise((resolve, reject) =>
    navigator.geolocation.getCurrentPosition(resolve, reject, {
      enableHighAccuracy: false,
      timeout: 15_000,
      maximumAge: 300_000,
    }),
  );
}

const isGeolocationError = (error: unknown): error is GeolocationPositionError =>
  typeof error === 'object' && error !== null && 'code' in error && 'PERMISSION_DENIED' in error;

function locationErrorKey(error: GeolocationPositionError): string {
  if (error.code === error.PERMISSION_DENIED) return 'nearMe.denied';
  if (error.code === error.TIMEOUT) return 'nearMe.timeout';
  return 'nearMe.unavailable';
}

/** "Near me": the nearest centres (findByLatLong); choosing one shows its 7 days. */
export function NearMe({ onCentre }: { onCentre: (centreId: number) => void }) {
  const { t, i18n } = useTranslation();
  const [state, setState] = useState<State>({ step: 'idle' });
  const km = (n: number) =>
    n.toLocaleString(i18n.language === 'hi' ? 'hi-IN' : 'en-IN', { maximumFractionDigits: 1 });

  async function find() {
    if (!('geolocation' in navigator)) {
      setState({ step: 'failed', message: 'nearMe.unsupported' });
      return;
    }
    setState({ step: 'locating' });
    try {
      const { coords } = await position();
      setState({ step: 'searching' });
      const centres = await api.findByLatLong(coords.latitude, coords.longitude);
      setState({ step: 'found', centres });
    } catch (error) {
      setState({
        step: 'failed',
        message: isGeolocationError(error) ? locationErrorKey(error) : errorKey(error),
      });
    }
  }

  const busy = state.step === 'locating' || state.step === 'searching';
  return (
    <div className="panel">
      <p className="hint">{t('nearMe.explain')}</p>
      <button type="button" className="primary" disabled={busy} onClick={() => void find()}>
        {t('nearMe.button')}
      </button>
      {busy && <p role="status">{t(`nearMe.${state.step}`)}</p>}
      {state.step === 'failed' && (
        <p role="alert" data-testid="near-me-problem">
          {t(state.message)}
        </p>
      )}
      {state.step === 'found' && state.centres.length === 0 && (
        <p role="status" data-testid="near-me-none">
          {t('nearMe.none')}
        </p>
      )}
      {state.step === 'found' && state.centres.length > 0 && (
        <section aria-labelledby="near-me-title">
          <h2 id="near-me-title">{t('nearMe.found', { count: state.centres.length })}</h2>
          <ul className="near-me-list">
            {state.centres.map((c) => (
              <li key={c.center_id} data-testid="nearby-centre">
                <h3>{c.name}</h3>
                <p>
                  {c.location}, {c.block_name}, {c.district_name} {c.pincode}
                </p>
                <p>{t('nearMe.distance', { km: km(c.distance) })}</p>
                <button type="button" onClick={() => onCentre(c.center_id)}>
                  {t('nearMe.availability', { name: c.name })}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
