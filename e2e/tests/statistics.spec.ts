import { expect, type Page, type TestInfo } from '@playwright/test';
import {
  DEMO_PASSWORD, expectAccessible, fileRentAidAsFatou, hydrated, signIn, signInAsAdmin, test,
} from './helpers';
import { importFileNaming, newInsertionColleague } from './insertion/insertion';

/** The browser tests' server keeps counts below 2 persons secret (playwright.config.ts). */
const THRESHOLD = 2;

/**
 * The administrator asks for the figures now; a job computes them while the overview shows its
 * progress (refreshed by hand without JavaScript, by itself hydrated) until they are done.
 */
async function recomputeNow(page: Page, testInfo: TestInfo) {
  await page.getByRole('button', { name: 'Recalculer maintenant' }).click();
  const done = page.getByRole('status').filter({ hasText: 'Les indicateurs et les retours nationaux sont recalculés' });
  const refresh = page.getByRole('link', { name: "Actualiser l'avancement" });
  for (let i = 0; i < 120 && !(await done.isVisible()); i++) {
    if (!hydrated(testInfo) && (await refresh.isVisible())) await refresh.click();
    else await page.waitForTimeout(500);
  }
  await expect(done).toBeVisible();
}

/** A count as secrecy lets it out: « s », 0, or the threshold and more. */
function expectPublishable(figure: string | null) {
  const text = (figure ?? '').replace(/\s/g, '');
  expect(text === 's' || text === '0' || Number(text) >= THRESHOLD, `« ${figure} » shown`).toBe(true);
}

// Requests are filed; the administrator has the figures computed now rather than tonight; the
// supervisor reads each indicator as a chart (an image with its name) beside its sentence and
// its table, filters by period and by category with the plain form, and downloads a table.
// JavaScript off and on, axe and the 320 px reflow on every page.
test('the supervisor reads the charts and tables of aid requests, by category, and downloads one', async ({ page, browser }, testInfo) => {
  // Two requests this month at least: enough to be shown.
  await fileRentAidAsFatou(page, '520', '1', 'quittance.pdf');
  await fileRentAidAsFatou(page, '530', '1', 'quittance.pdf');

  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'Statistiques', exact: true }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Statistiques du département');
  await recomputeNow(page, testInfo);
  await expectAccessible(page, testInfo);

  const context = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const supervisor = await context.newPage();
  await signIn(supervisor, testInfo, 'supervisor@demo.guichet.test', DEMO_PASSWORD);
  await supervisor.getByRole('link', { name: "Statistiques — Demandes d'aide" }).first().click();
  await expect(supervisor.getByRole('heading', { level: 1 })).toHaveText("Statistiques — Demandes d'aide");
  // Each indicator: a chart named for screen readers, a sentence, a table with its caption.
  const filed = supervisor.getByRole('region', { name: 'Demandes déposées' });
  await expect(filed.getByRole('img', { name: /Demandes déposées, par mois/ })).toBeVisible();
  await expect(filed.getByRole('table', { name: 'Demandes déposées, par mois' })).toBeVisible();
  const thisMonth = await filed.getByRole('table').getByRole('cell').first().textContent();
  expect(Number(thisMonth)).toBeGreaterThanOrEqual(THRESHOLD);
  await expect(filed.getByRole('img')).toBeVisible();
  await expectAccessible(supervisor, testInfo);

  await supervisor.getByLabel('Période', { exact: true }).selectOption({ label: "Tout l'historique" });
  await supervisor.getByLabel('Répartition', { exact: true }).selectOption({ label: "Par catégorie d'aide" });
  await supervisor.getByRole('button', { name: 'Filtrer' }).click();
  await expect(supervisor).toHaveURL(/periode=tout&par=categorie_aide/);
  const byCategory = supervisor.getByRole('table', { name: "Demandes déposées, par mois et par catégorie d'aide" });
  await expect(byCategory.getByRole('columnheader', { name: 'Logement et maintien dans le logement' })).toBeVisible();
  await expectAccessible(supervisor, testInfo);

  const csv = await supervisor.request.get(await filed.getByRole('link', { name: 'CSV' }).getAttribute('href') ?? '');
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
  const lines = (await csv.text()).trim().split('\n');
  expect(lines[0]).toMatch(/^Mois,Logement et maintien dans le logement,.*Ensemble$/);
  for (const line of lines.slice(1)) {
    for (const figure of line.split(',').slice(1)) expectPublishable(figure);
  }
  await context.close();
});

// The administrator has the department compared with those of its size: the form is plain
// (labels, a checkbox in its fieldset), the figures are shared at once, and the page sets each
// indicator beside the band's quartiles (none with a single department: « – »).
test('the administrator has the department compared with departments of its size', async ({ page }, testInfo) => {
  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'Statistiques', exact: true }).first().click();
  await recomputeNow(page, testInfo);
  await page.getByRole('link', { name: 'Comparaison avec les départements de taille proche' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Comparaison avec les départements de taille proche');
  await expectAccessible(page, testInfo);

  await page.getByLabel('Département', { exact: true }).selectOption({ label: '30 — Gard' });
  await page.getByLabel('Population du département (INSEE)').selectOption({ label: 'De 500 000 à 999 999 habitants' });
  await page.getByLabel(/Le département accepte d'être comparé/).check();
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByRole('status')).toContainText('Le département est comparé');
  const table = page.getByRole('table', { name: "Demandes d'aide : les 12 derniers mois" });
  await expect(table.getByRole('columnheader', { name: 'Votre département' })).toBeVisible();
  await expect(table.getByRole('rowheader', { name: 'Demandes déposées' })).toBeVisible();
  await expect(page.getByLabel('Département', { exact: true })).toHaveValue('30');
  await expectAccessible(page, testInfo);
});

// The national returns: an officer orients a person to a body the department names its own
// way; the administrator finds the returns' page from the statistics, ranks that name once in
// the survey's categories (a select labelled by the name) and the returns are computed again.
// JavaScript off and on, axe and the 320 px reflow on every page.
test('the administrator ranks the bodies orientations name, for the national returns', async ({ page, browser }, testInfo) => {
  const run = hydrated(testInfo)
    ? { applicant: 'GARNIER;Lucie;1984-05-12', family: 'GARNIER', seed: '62', body: 'Association Reliance Alès' }
    : { applicant: 'PERRIN;Marc;1975-09-21', family: 'PERRIN', seed: '61', body: 'Association Reliance Nîmes' };

  const officerContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const officer = await officerContext.newPage();
  await newInsertionColleague(officer, testInfo, 'renaud', 'Renaud Retours', 'Orientation insertion (RSA)');
  await importFileNaming(officer, testInfo, run.applicant, run.seed);
  await officer.goto(`/demo/agents/insertion?q=${run.family}`);
  await officer.locator('table a').first().click();
  await officer.getByLabel('Social', { exact: true }).check();
  await officer.getByLabel('Organisme qui accompagne').fill(run.body);
  await officer.getByLabel('Motif').fill('Démarches de santé à mener d\'abord, vu en entretien.');
  await officer.getByRole('button', { name: 'Enregistrer la décision' }).click();
  await expect(officer.getByRole('status')).toContainText("L'orientation est décidée.");
  await officerContext.close();

  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'Statistiques', exact: true }).first().click();
  await page.getByRole('link', { name: 'Retours nationaux (enquêtes de la DREES)' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Retours nationaux');
  await expect(page.getByRole('heading', { name: /Enquête OARSA/ })).toBeVisible();
  await expectAccessible(page, testInfo);

  const ranked = page.getByLabel(run.body, { exact: true });
  await expect(ranked).toHaveValue('');
  await ranked.selectOption({ label: 'Autre organisme (CCAS, CIAS, association, caisse d\'allocations familiales…)' });
  await page.getByRole('button', { name: 'Enregistrer le classement' }).click();
  await expect(page.getByRole('status')).toContainText('Classement enregistré');
  await expect(page.getByRole('status')).toContainText('sont recalculés');
  await expect(page.getByLabel(run.body, { exact: true })).toHaveValue('autre_organisme');
  await expectAccessible(page, testInfo);
});
