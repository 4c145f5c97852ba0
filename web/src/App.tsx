import { useTranslation } from 'react-i18next';

import { LanguageSwitch } from './components/LanguageSwitch';
import { SearchPage } from './pages/SearchPage';

export function App() {
  const { t } = useTranslation();
  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header className="site-header">
        <div className="brand">
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </div>
        <LanguageSwitch />
      </header>
      <main id="main" tabIndex={-1}>
        <SearchPage />
      </main>
      <footer className="site-footer">
        <a href="/docs">{t('footer.api')}</a>
      </footer>
    </>
  );
}
