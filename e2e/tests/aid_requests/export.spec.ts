import { expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { DEMO_PASSWORD, expectAccessible, fileRentAidAsFatou, hydrated, signIn, test } from '../helpers';

test('an instructor exports the queue to CSV, follows its progress and downloads it', async ({ page }, testInfo) => {
  // A citizen files first, so the queue holds a request to export.
  const reference = await fileRentAidAsFatou(page, '580', '3', 'bail.pdf');

  await signIn(page, testInfo, 'aid-instructor@demo.guichet.test', DEMO_PASSWORD);
  const polls: string[] = [];
  page.on('request', (r) => { if (r.url().endsWith('/etat')) polls.push(r.url()); });
  await page.goto('/demo/agents/demandes');
  await page.getByRole('button', { name: /^Exporter ces \d+ demandes \(fichier CSV\)$/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Export CSV des demandes');
  await expect(page.getByLabel("Avancement de l'export")).toBeVisible();
  // Hydrated, the page reloads itself as soon as the export is done: it is audited then.
  if (!hydrated(testInfo)) await expectAccessible(page, testInfo);

  const download = page.getByRole('link', { name: /^Télécharger le fichier CSV/ });
  const refresh = page.getByRole('link', { name: "Actualiser l'avancement" });
  if (hydrated(testInfo)) {
    // Caught before the job finished, the page follows it by itself: no click.
    const caughtRunning = await refresh.isVisible();
    await expect(download).toBeVisible({ timeout: 30_000 });
    if (caughtRunning) expect(polls.length).toBeGreaterThan(0);
  } else {
    // Without JavaScript, the instructor refreshes the page.
    for (let i = 0; i < 60 && (await refresh.isVisible()); i++) {
      await page.waitForTimeout(500);
      await refresh.click();
    }
    await expect(download).toBeVisible();
    expect(polls).toEqual([]);
  }
  await expect(page.getByText(/demandes écrites sur \d+ \(100 %\)/)).toBeVisible();
  await expect(page.getByText('État : Terminé')).toBeVisible();
  await expect(refresh).toHaveCount(0);
  await expectAccessible(page, testInfo);

  const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
  expect(file.suggestedFilename()).toMatch(/^demandes-demo-\d+\.csv$/);
  const text = readFileSync(await file.path(), 'utf8');
  expect(text.startsWith('\uFEFFRéférence;Aide;Nom;Prénoms;')).toBeTruthy();
  expect(text).toContain(`${reference};Aide au paiement du loyer;DIALLO;`);
});
