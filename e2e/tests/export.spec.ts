import { expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { DEMO_PASSWORD, expectAccessible, hydrated, signIn, test } from './helpers';

test('an instructor exports the queue to CSV, follows its progress and downloads it', async ({ page }, testInfo) => {
  // A citizen files first, so the queue holds a request to export.
  await page.goto('/demo/connexion');
  await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await page.getByRole('button', { name: 'Se connecter en tant que Fatou DIALLO' }).click();
  await page.goto('/demo/aides/aide-au-paiement-du-loyer/demander');
  await page.getByLabel('Montant de votre loyer mensuel').fill('580');
  await page.getByLabel('Nombre de personnes dans votre foyer').fill('3');
  await page.getByLabel('Fichier').setInputFiles({ name: 'bail.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n') });
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByLabel('Locataire', { exact: true }).check();
  await page.getByLabel('Oui').check();
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByRole('button', { name: 'Déposer ma demande' }).click();
  const status = await page.getByRole('status').textContent();
  const reference = status!.match(/DEMO-\d{4}-\d{6}/)![0];
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

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
