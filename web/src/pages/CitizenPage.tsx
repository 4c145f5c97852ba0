import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { Dashboard } from '../citizen/Dashboard';
import { LoginForm } from '../citizen/LoginForm';

// The tab's own storage: the login survives a reload but not closing the tab, and no other
// tab or later visitor of a shared phone inherits it.
const TOKEN_KEY = 'teeka.citizen.token';

export function CitizenPage() {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const [notice, setNotice] = useState<string | undefined>();

  const end = useCallback(
    (reason?: 'expired' | 'logged-out') => {
      sessionStorage.removeItem(TOKEN_KEY);
      queries.removeQueries({ queryKey: ['citizen'] });
      setToken(null);
      setNotice(reason ? t(`citizen.ended.${reason}`) : undefined);
    },
    [queries, t],
  );

  if (!token) {
    return (
      <LoginForm
        notice={notice}
        onLoggedIn={(fresh) => {
          sessionStorage.setItem(TOKEN_KEY, fresh);
          setNotice(undefined);
          setToken(fresh);
        }}
      />
    );
  }
  return <Dashboard token={token} onEnd={end} />;
}
