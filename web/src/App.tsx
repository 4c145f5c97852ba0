import { lazy, type ReactNode, Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';

import { LanguageSwitch } from './components/LanguageSwitch';
import { Link, usePath } from './router';

// Each page is its own chunk: the first page downloads only what it shows.
const SearchPage = lazy(() =>
  import('./pages/SearchPage').then((m) => ({ default: m.SearchPage })),
);
const CitizenPage = lazy(() =>
  import('./pages/CitizenPage').then((m) => ({ default: m.CitizenPage })),
);
const VerifyPage = lazy(() =>
  import('./pages/VerifyPage').then((m) => ({ default: m.VerifyPage })),
);

interface Route {
  path: string;
  /** i18n key of the navigation label and the document title. */
  label: string;
  page: () => ReactNode;
}

const ROUTES: Route[] = [
  { path: '/', label: 'nav.search', page: () => <SearchPage /> },
  { path: '/verify', label: 'nav.verify', page: () => <VerifyPage /> },
  { path: '/citizen', label: 'nav.citizen', page: () => <CitizenPage /> },
];

export function App() {
  const { t } = useTranslation();
  const path = usePath();
  const route = ROUTES.find((r) => r.path === path);

  useEffect(() => {
    document.title = route ? `${t(route.label)} · ${t('app.name')}` : t('app.name');
  }, [route, t]);

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
        <nav aria-label={t('nav.label')} className="site-nav">
          {ROUTES.map((r) => (
            <Link key={r.path} href={r.path} aria-current={r.path === path ? 'page' : undefined}>
              {t(r.label)}
            </Link>
          ))}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">{t('app.loading')}</p>}>
          {route ? (
            route.page()
          ) : (
            <section>
              <h1>{t('app.notFound')}</h1>
              <Link href="/">{t('nav.search')}</Link>
            </section>
          )}
        </Suspense>
      </main>
      <footer className="site-footer">
        <a href="/docs">{t('footer.api')}</a>
      </footer>
    </>
  );
}
