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
const StaffPage = lazy(() => import('./pages/StaffPage').then((m) => ({ default: m.StaffPage })));
const EnrolPage = lazy(() => import('./pages/EnrolPage').then((m) => ({ default: m.EnrolPage })));
const VerifyPage = lazy(() =>
  import('./pages/VerifyPage').then((m) => ({ default: m.VerifyPage })),
);
const DashboardPage = lazy(() =>
  import('./pages/DashboardPage').then((m) => ({ default: m.DashboardPage })),
);

interface Route {
  path: string;
  /** i18n key of the navigation label and the document title. */
  label: string;
  page: () => ReactNode;
  /** Reached by a link of its own (an enrolment link), not from the menu. */
  unlisted?: boolean;
}

const ROUTES: Route[] = [
  { path: '/', label: 'nav.search', page: () => <SearchPage /> },
  { path: '/verify', label: 'nav.verify', page: () => <VerifyPage /> },
  { path: '/dashboard', label: 'dashboard.title', page: () => <DashboardPage /> },
  { path: '/citizen', label: 'nav.citizen', page: () => <CitizenPage /> },
  { path: '/staff', label: 'nav.staff', page: () => <StaffPage /> },
  { path: '/staff/enrol', label: 'staff.enrol.title', page: () => <EnrolPage />, unlisted: true },
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
          {ROUTES.filter((r) => !r.unlisted).map((r) => (
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
