import { expect } from '@playwright/test';
import { expectAccessible, signInAsAdmin, test } from '../helpers';

test('the administrator defines an aid and its form; citizens read it in the catalogue', async ({ page }, testInfo) => {
  const title = `Aide au loyer (${testInfo.project.name})`;
  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'Catalogue des aides' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Catalogue des aides');
  await expectAccessible(page, testInfo);

  await page.getByRole('link', { name: 'Créer une aide' }).click();
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByRole('alert')).toContainText('Donnez un titre');
  await expectAccessible(page, testInfo);

  await page.getByLabel('Titre').fill(title);
  await page.getByLabel('Description en langage simple').fill('Une aide pour payer le loyer quand les revenus baissent.');
  await page.getByLabel('Qui peut la demander').fill('Les locataires du département.');
  await page.getByLabel('Documents à fournir (un par ligne)').fill('Quittance de loyer');
  await page.getByLabel('Ouverte aux demandes').check();
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByRole('status')).toContainText('est créée');
  await expectAccessible(page, testInfo);

  await page.getByLabel('Question', { exact: true }).fill('Montant du loyer mensuel');
  await page.getByLabel('Type de réponse').selectOption('amount');
  await page.getByRole('button', { name: 'Ajouter la question' }).click();
  await expect(page.getByRole('status')).toContainText('version 2');
  await expect(page.getByRole('cell', { name: 'Montant du loyer mensuel', exact: true })).toBeVisible();
  await expectAccessible(page, testInfo);

  // Bounds for a number: a mistake is named at its field with everything typed kept, then the
  // list shows them.
  await page.getByLabel('Question', { exact: true }).fill('Personnes au foyer');
  await page.getByLabel('Type de réponse').selectOption('number');
  await page.getByLabel('Au moins').fill('3');
  await page.getByLabel('Au plus').fill('1');
  await page.getByRole('button', { name: 'Ajouter la question' }).click();
  await expect(page).toHaveTitle(/^Erreur : /);
  await expect(page.locator('#q-most-error')).toContainText('plus petit');
  await expect(page.getByLabel('Question', { exact: true })).toHaveValue('Personnes au foyer');
  await expect(page.getByLabel('Au moins')).toHaveValue('3');
  await expectAccessible(page, testInfo);
  await page.getByLabel('Au moins').fill('1');
  await page.getByLabel('Au plus').fill('20');
  await page.getByRole('button', { name: 'Ajouter la question' }).click();
  await expect(page.getByRole('status')).toContainText('version 3');
  await expect(page.getByRole('cell', { name: 'nombre, de 1 à 20' })).toBeVisible();

  await page.getByRole('link', { name: "Voir la page publique de l'aide" }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(page.getByText('Quittance de loyer')).toBeVisible();
  await expectAccessible(page, testInfo);

  await page.goto('/demo/aides');
  await expect(page.getByRole('link', { name: title })).toBeVisible();
  await expectAccessible(page, testInfo);
});
