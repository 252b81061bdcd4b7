import { expect } from '@playwright/test';
import { expectAccessible, hydrated, test } from '../helpers';
import { newInsertionColleague, waitOnImport } from './insertion';

// A CSV list read with a column mapping: the officer saves the mapping (a mistake first, said at
// its field), sends a list with it, reads the preview (a bad row refused with its line) and
// confirms. JavaScript off and on, axe on every page.
test('an officer saves a column mapping and imports a CSV list with it', async ({ page }, testInfo) => {
  const project = testInfo.project.name;
  const name = `Liste du PLIE (${project})`;
  const people = hydrated(testInfo)
    ? ['0912001;Garnier;Inès;14/02/1979', '0912002;Fabre;Théo;03/08/1991']
    : ['0911001;Lacroix;Aurélie;21/06/1984', '0911002;Meyer;Jonas;09/12/1993'];
  await newInsertionColleague(page, testInfo, 'lise', 'Lise Listes', 'Orientation insertion (RSA)');
  await page.goto('/demo/agents/insertion/imports');
  await page.getByRole('link', { name: /correspondances de colonnes|enregistrez-en une/ }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Correspondances de colonnes des listes');
  await expectAccessible(page, testInfo);
  await page.getByLabel("Numéro d'allocataire").fill('Matricule');
  await page.getByRole('button', { name: 'Enregistrer la correspondance' }).click();
  await expect(page).toHaveTitle(/^Erreur : /);
  await expect(page.getByRole('link', { name: /Nommez la correspondance/ })).toBeVisible();
  await expect(page.getByLabel("Numéro d'allocataire")).toHaveValue('Matricule');
  await expectAccessible(page, testInfo);
  await page.getByLabel('Nom de la correspondance').fill(name);
  await page.getByLabel('CAF', { exact: true }).check();
  await page.getByLabel('Nom', { exact: true }).fill('Nom');
  await page.getByLabel('Prénom', { exact: true }).fill('Prénom');
  await page.getByLabel('Date de naissance').fill('Naissance');
  await page.getByRole('button', { name: 'Enregistrer la correspondance' }).click();
  await expect(page.getByRole('status')).toContainText('La correspondance est enregistrée');
  await expect(page.getByRole('cell', { name, exact: true }).first()).toBeVisible();
  await expectAccessible(page, testInfo);

  // The list: two people, and a row whose date is not one.
  const csv = ['Matricule;Nom;Prénom;Naissance', ...people, '0913003;Petit;Léa;31/02/2000', ''].join('\r\n');
  await page.goto('/demo/agents/insertion/imports');
  await page.getByLabel('Correspondance de colonnes').selectOption({ label: `${name} (version 1, CAF)` });
  await page.getByLabel('Liste CSV ou XLSX').setInputFiles({ name: 'liste.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf-8') });
  await page.getByRole('button', { name: "Envoyer la liste et voir l'aperçu" }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Import n° \d+$/);
  await waitOnImport(page, testInfo, 'Aperçu prêt : à confirmer');
  await expect(page.getByText(name).first()).toBeVisible();
  await expect(page.getByText(/31\/02\/2000/)).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: "Confirmer l'import" }).click();
  await waitOnImport(page, testInfo, 'Importé');
  await expect(page.getByRole('heading', { name: "Ce que l'import a fait" })).toBeVisible();
  await expectAccessible(page, testInfo);
});
