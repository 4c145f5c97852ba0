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

/** Runs `action` after a step-up with `code`. */
export async function withStepUp<T>(code: string, action: () => Promise<T>): Promise<T> {
  await stepUp(code);
  return action();
}
