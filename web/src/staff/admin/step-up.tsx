import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApiError } from '../../api';
import { ONE_TIME_CODE, TextField } from '../../components/TextField';
import { stepUp } from './api';

/** A plain-words answer for a failed sensitive action. */
export function problemOf(error: unknown, t: (key: string) => string): string {
  if (error instanceof ApiError && error.code === 'step-up-required')
    return t('admin.stepUpNeeded');
  if (error instanceof ApiError && error.status === 401) return t('admin.codeWrong');
  if (error instanceof ApiError && error.status === 400)
    return [error.message, ...error.errors.map((e) => `${e.path}: ${e.message}`)].join(' ');
  return t('admin.failed');
}

/** The code field every sensitive action carries: the step-up is made just before the action. */
export function StepUpField({ code, setCode }: { code: string; setCode: (code: string) => void }) {
  const { t } = useTranslation();
  return (
    <TextField
      label={t('admin.code')}
      hint={t('admin.codeHint')}
      {...ONE_TIME_CODE}
      value={code}
      onChange={(e) => setCode(e.target.value.trim())}
    />
  );
}

/**
 * What every sensitive form shares: the code, busy, a problem and what was done. `run` refuses
 * with `invalid` (the form's own check) or a missing code, else steps up with the code and runs
 * `action`; the code is spent either way. `describe` puts a failure in words (a screen that
 * knows more of the server's codes passes its own).
 */
export function useStepUpAction(describe: (error: unknown, t: TFunction) => string = problemOf) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  async function run(action: () => Promise<void>, invalid: string | null = null) {
    setDone(null);
    if (invalid) return setProblem(invalid);
    if (!/^\d{6}$/.test(code)) return setProblem(t('admin.codeMissing'));
    setBusy(true);
    setProblem(null);
    try {
      await stepUp(code);
      await action();
    } catch (error) {
      setProblem(describe(error, t));
    } finally {
      setCode('');
      setBusy(false);
    }
  }
  return { code, setCode, busy, problem, done, setDone, run };
}
