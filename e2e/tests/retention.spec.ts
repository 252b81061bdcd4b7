import { expect } from '@playwright/test';
import { expectAccessible, mailedLink, signInAsAdmin, test } from './helpers';

test('the administrator reads what is past its term, sets a duration and is told what is wrong', async ({ page }, testInfo) => {
  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'Conservation des données' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Conservation des données');
  // Nothing is removed until a category is switched on: the count comes first.
  await page.getByRole('button', { name: 'Compter maintenant, sans rien supprimer' }).click();
  await expect(page.getByText('Le compte est à jour : rien n\'a été supprimé.')).toBeVisible();
  const found = page.getByRole('table', { name: 'Ce que le dernier passage a trouvé' });
  await expect(found.getByRole('row', { name: /Demandes d'aide décidées/ })).toContainText('à supprimer');
  await expectAccessible(page, testInfo);

  const decided = page.getByRole('group', { name: /Demandes d'aide décidées/ });
  await decided.getByLabel('Durée de conservation').fill('3');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByRole('link', { name: /Indiquez une durée entre 14 et 120 mois/ })).toBeVisible();
  await expectAccessible(page, testInfo);
  await decided.getByLabel('Durée de conservation').fill('36');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByText('Les durées de conservation sont enregistrées.')).toBeVisible();
  await expect(found.getByRole('row', { name: /Demandes d'aide décidées/ })).toContainText('36 mois');

  await page.getByLabel('Numéro de l\'usager').fill('999999');
  await page.getByLabel('Raison').fill('Recours TA');
  await page.getByRole('button', { name: 'Conserver ce dossier' }).click();
  await expect(page.getByRole('link', { name: /Aucun usager ne porte ce numéro/ })).toBeVisible();
  await expectAccessible(page, testInfo);
  // Put back as the demo had it, for the other tests.
  await page.getByRole('group', { name: /Demandes d'aide décidées/ }).getByLabel('Durée de conservation').fill('24');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByText('Les durées de conservation sont enregistrées.')).toBeVisible();
});

test('a citizen with nothing filed erases their account once they confirm', async ({ page }, testInfo) => {
  const email = `effacement-${testInfo.project.name}@exemple.fr`;
  await page.goto('/demo/inscription');
  await page.getByLabel('Prénom').fill('Nora');
  await page.getByLabel('Nom', { exact: true }).fill('Effacée');
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill('une phrase assez longue');
  await page.getByLabel('Mot de passe, une seconde fois', { exact: true }).fill('une phrase assez longue');
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.goto(await mailedLink(email, '/inscription/confirmer'));
  await page.getByRole('button', { name: 'Confirmer mon adresse et accéder à mon espace' }).click();

  await page.getByRole('link', { name: 'Effacer mes données' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Effacer mes données');
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Effacer mes données' }).click();
  await expect(page.getByRole('link', { name: /Cochez la case pour confirmer/ })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel(/Je veux effacer mon compte et mes données/).check();
  await page.getByRole('button', { name: 'Effacer mes données' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vos données sont effacées');
  await expectAccessible(page, testInfo);
  // The account is gone: its password opens nothing.
  await page.goto('/demo/connexion');
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill('une phrase assez longue');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('heading', { level: 1 })).not.toHaveText(/Bonjour/);
});
