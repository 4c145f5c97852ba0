import { type ChangeEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { loadIssuer, type TrustedIssuer } from '../verifier/issuer';
import { loadRevocations } from '../verifier/revocations';
import {
  checkSignature,
  isInternational,
  type Outcome,
  type SignatureCheck,
  withRevocations,
} from '../verifier/verify';
import { VerifyResult } from './VerifyResult';

type Keys = { state: 'loading' } | { state: 'ready'; issuer: TrustedIssuer } | { state: 'missing' };
export type Shown = Outcome | { status: 'no-qr' } | { status: 'no-keys' };

// The QR image decoder (jsQR) is a third of this page's script: fetched only when the user
// uploads an image or turns the camera on, so pasting QR text stays light.
type Scanner = typeof import('../verifier/scan');
const loadScanner = (): Promise<Scanner> => import('../verifier/scan');
// The SMART Health Card and EU DCC checks (CBOR, JOSE, X.509) are fetched only when such a
// text turns up: most checks at an Indian checkpoint are of the domestic certificate.
type International = typeof import('../verifier/international');
const loadInternational = (): Promise<International> => import('../verifier/international');
type InternationalKeys = Awaited<ReturnType<International['loadInternationalKeys']>>;

/** Far more than a one-card .smart-health-card file; a longer file is cut and fails to parse. */
const MAX_CARD_FILE_BYTES = 16_384;
/** Camera frames are read this often: quick enough to feel instant, light on a cheap phone. */
const SCAN_INTERVAL_MS = 250;

export function VerifyPage() {
  const { t } = useTranslation();
  const textField = useId();
  const fileField = useId();
  const [keys, setKeys] = useState<Keys>({ state: 'loading' });
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Shown | null>(null);
  const [camera, setCamera] = useState<'off' | 'starting' | 'on' | 'failed'>('off');
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const scanner = useRef<Scanner | null>(null);
  const internationalKeys = useRef<InternationalKeys | null>(null);

  useEffect(() => {
    loadIssuer().then(
      (issuer) => setKeys({ state: 'ready', issuer }),
      () => setKeys({ state: 'missing' }),
    );
  }, []);

  const verify = useCallback(
    async (qrText: string) => {
      setBusy(true);
      setShown(null);
      try {
        let issuer = keys.state === 'ready' ? keys.issuer : await loadIssuer();
        let check: SignatureCheck;
        if (isInternational(qrText)) {
          const international = await loadInternational();
          const kept = internationalKeys.current;
          let formatKeys = kept ?? (await international.loadInternationalKeys());
          check = await international.checkInternational(qrText, formatKeys, issuer.did);
          // A key or signer published after these keys were fetched: ask the server once.
          const unknown = !check.ok && ['unknown-key', 'unknown-issuer'].includes(check.reason);
          if (unknown && kept && navigator.onLine) {
            formatKeys = await international.loadInternationalKeys();
            check = await international.checkInternational(qrText, formatKeys, issuer.did);
          }
          internationalKeys.current = formatKeys;
        } else {
          check = await checkSignature(qrText, issuer);
          // A key published after this page fetched the keys (a rotation): ask the server once.
          if (!check.ok && check.reason === 'unknown-key' && navigator.onLine) {
            issuer = await loadIssuer();
            check = await checkSignature(qrText, issuer);
          }
        }
        setKeys({ state: 'ready', issuer });
        const lookup = check.ok ? check.facts.revocation : undefined;
        const revocations =
          lookup?.list === 'shc'
            ? await (await loadInternational()).loadShcRevocations(lookup.kid)
            : lookup && (await loadRevocations());
        setShown(withRevocations(check, revocations));
      } catch {
        setShown({ status: 'no-keys' });
      } finally {
        setBusy(false);
      }
    },
    [keys],
  );

  const stopCamera = useCallback(() => {
    stream.current?.getTracks().forEach((track) => track.stop());
    stream.current = null;
    setCamera((state) => (state === 'failed' ? state : 'off'));
  }, []);

  // While the camera is on, read a frame every SCAN_INTERVAL_MS until a QR code turns up.
  useEffect(() => {
    if (camera !== 'on') return;
    const timer = window.setInterval(() => {
      const element = video.current;
      const found = element ? scanner.current?.readQrFromVideo(element) : undefined;
      if (found === undefined) return;
      stopCamera();
      setText(found);
      void verify(found);
    }, SCAN_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [camera, stopCamera, verify]);

  useEffect(() => stopCamera, [stopCamera]);

  async function startCamera() {
    setCamera('starting');
    setShown(null);
    try {
      scanner.current = await loadScanner();
      stream.current = await scanner.current.openCamera();
      if (video.current) {
        video.current.srcObject = stream.current;
        await video.current.play();
      }
      setCamera('on');
    } catch {
      stopCamera();
      setCamera('failed');
    }
  }

  async function onFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setBusy(true);
    setShown(null);
    // A .smart-health-card file is JSON text, not an image: it is checked as pasted text is.
    const isCardFile = file.name.endsWith('.smart-health-card') || !file.type.startsWith('image/');
    const found = await (
      isCardFile
        ? file.slice(0, MAX_CARD_FILE_BYTES).text()
        : loadScanner().then((loaded) => loaded.readQrFromImage(file))
    ).catch(() => undefined);
    if (found === undefined) {
      setBusy(false);
      setShown({ status: 'no-qr' });
      return;
    }
    setText(found);
    await verify(found);
  }

  return (
    <section aria-labelledby="verify-title">
      <h1 id="verify-title">{t('verify.title')}</h1>
      <p>{t('verify.intro')}</p>
      <p className="hint" data-testid="keys-status" aria-live="polite">
        {keys.state === 'loading' && t('verify.keys.loading')}
        {keys.state === 'missing' && t('verify.keys.missing')}
        {keys.state === 'ready' &&
          (keys.issuer.offline
            ? t('verify.keys.saved', { date: new Date(keys.issuer.fetchedAt).toLocaleString() })
            : t('verify.keys.ready'))}
      </p>

      <form
        className="panel"
        onSubmit={(event) => {
          event.preventDefault();
          if (text.trim()) void verify(text);
        }}
      >
        <div className="field">
          <label htmlFor={textField}>{t('verify.text')}</label>
          <textarea
            id={textField}
            rows={4}
            value={text}
            spellCheck={false}
            autoComplete="off"
            aria-describedby={`${textField}-hint`}
            onChange={(event) => setText(event.target.value)}
          />
          <p className="hint" id={`${textField}-hint`}>
            {t('verify.textHint')}
          </p>
        </div>
        <button type="submit" className="primary" disabled={busy || !text.trim()}>
          {busy ? t('verify.checking') : t('verify.check')}
        </button>
      </form>

      <div className="panel">
        <div className="field">
          <label htmlFor={fileField}>{t('verify.image')}</label>
          <input
            id={fileField}
            type="file"
            accept="image/*,.smart-health-card,application/smart-health-card"
            disabled={busy}
            onChange={(event) => void onFile(event)}
          />
        </div>
        {camera === 'on' || camera === 'starting' ? (
          <button type="button" onClick={stopCamera}>
            {t('verify.cameraStop')}
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void startCamera()}>
            {t('verify.cameraStart')}
          </button>
        )}
        {camera === 'failed' && <p role="alert">{t('verify.cameraFailed')}</p>}
        <video
          ref={video}
          className={camera === 'on' ? 'camera' : 'camera hidden'}
          muted
          playsInline
          aria-label={t('verify.cameraView')}
        />
      </div>

      <VerifyResult shown={shown} busy={busy} />
    </section>
  );
}
