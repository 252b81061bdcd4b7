import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from '@playwright/test';
import { expectAccessible, hydrated, test } from '../helpers';
import { GUICHET, newInsertionColleague, waitOnImport } from './insertion';

test('an officer imports a fund file: preview, confirmation, progress, then the people to orient', async ({ page }, testInfo) => {
  // A generated monthly file (windows-1252, couples, accents), another per project.
  const file = testInfo.outputPath('flux.xml');
  const seed = hydrated(testInfo) ? '8' : '7';
  execFileSync(GUICHET, ['rsa-flux', '--households', '40', '--seed', seed, '--out', file]);

  await newInsertionColleague(page, testInfo, 'odile', 'Odile Orientation', 'Orientation insertion (RSA)');
  await page.goto('/demo/agents/');
  await page.getByRole('link', { name: 'Personnes à orienter (RSA)' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Personnes à orienter');
  await page.getByRole('link', { name: 'Importer un fichier de la CAF ou de la MSA' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Importer un fichier de bénéficiaires du RSA');
  await expectAccessible(page, testInfo);

  // Sent without a file: said at the field.
  await page.getByRole('button', { name: "Envoyer et voir l'aperçu" }).click();
  await expect(page.getByRole('link', { name: /Choisissez le fichier XML/ })).toBeVisible();
  await expectAccessible(page, testInfo);

  await page.getByLabel('Fichier XML de la caisse').setInputFiles({
    name: 'flux-rsa.xml', mimeType: 'text/xml', buffer: readFileSync(file),
  });
  await page.getByRole('button', { name: "Envoyer et voir l'aperçu" }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Import n° \d+$/);
  await waitOnImport(page, testInfo, 'Aperçu prêt : à confirmer');
  await expect(page.getByText('Personnes à créer')).toBeVisible();
  await expectAccessible(page, testInfo);

  await page.getByRole('button', { name: "Confirmer l'import" }).click();
  await waitOnImport(page, testInfo, 'Importé');
  await expect(page.getByRole('heading', { name: "Ce que l'import a fait" })).toBeVisible();
  await expectAccessible(page, testInfo);

  // The people to orient, nearest deadline first; one of them, with the timeline of their right.
  await page.goto('/demo/agents/insertion');
  await expect(page.getByText(/\d+ personnes à orienter\./)).toBeVisible();
  await expect(page.getByText('42 jours restants').first()).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.locator('table a').first().click();
  await expect(page.getByRole('heading', { name: 'Historique du droit' })).toBeVisible();
  await expect(page.getByText('Entrée dans le RSA')).toBeVisible();
  await expectAccessible(page, testInfo);

  // She orients the person: a mistake first (no track), said at its field, then the decision.
  await page.getByLabel('Organisme qui accompagne').fill('France Travail');
  await page.getByRole('button', { name: 'Enregistrer la décision' }).click();
  await expect(page).toHaveTitle(/^Erreur : /);
  await expect(page.getByRole('link', { name: /Choisissez le parcours/ })).toBeVisible();
  await expect(page.getByLabel('Organisme qui accompagne')).toHaveValue('France Travail');
  await expectAccessible(page, testInfo);
  await page.getByLabel('Professionnel : France Travail').check();
  await page.getByLabel('Motif').fill('Prêt à reprendre un emploi, vu en entretien.');
  await page.getByRole('button', { name: 'Enregistrer la décision' }).click();
  await expect(page.getByRole('status')).toContainText("L'orientation est décidée.");
  await expect(page.getByRole('heading', { name: 'Orientation en cours' })).toBeVisible();
  await expectAccessible(page, testInfo);

  // The people without referent: she ticks one and names the demo's referent.
  await page.goto('/demo/agents/insertion/sans-referent');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Personnes sans référent');
  await expectAccessible(page, testInfo);
  await page.locator('input[name="personnes"]').first().check();
  await page.getByLabel('Référent', { exact: true }).selectOption({ label: 'Agent démo — Référent insertion' });
  await page.getByRole('button', { name: 'Désigner ce référent pour les personnes cochées' }).click();
  await expect(page.getByRole('status').first()).toContainText('Le référent est désigné pour 1 personne.');
  await expectAccessible(page, testInfo);
});
