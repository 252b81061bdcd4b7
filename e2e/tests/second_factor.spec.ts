import { expect } from '@playwright/test';
import { COLLEAGUE_PASSWORD, awayFromStepEnd, expectAccessible, newColleague, signIn, test, totp } from './helpers';

test('a staff member enrols an authenticator app and signs in with its code', async ({ page }, testInfo) => {
  // An account of this project's own: the demo accounts stay password-only for other tests.
  const email = `dominique.${testInfo.project.name}@demo.guichet.test`;
  await newColleague(page, testInfo, `Dominique Martin ${testInfo.project.name}`, email, 'Accueil');
  const password = COLLEAGUE_PASSWORD;

  await signIn(page, testInfo, email, password);
  await page.getByRole('link', { name: /Double authentification/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Double authentification');
  await expect(page.getByRole('img', { name: /Code QR/ })).toBeVisible();
  await expectAccessible(page, testInfo);
  const key = (await page.locator('#secret').textContent()) ?? '';

  await page.getByLabel('Code à 6 chiffres').fill('123');
  await page.getByRole('button', { name: "Enregistrer l'application" }).click();
  await expect(page.getByText('Ce code ne correspond pas')).toBeVisible();
  await expectAccessible(page, testInfo);
  // The code of the step before: the one of the current step stays fresh for the sign-in.
  await awayFromStepEnd();
  await page.getByLabel('Code à 6 chiffres').fill(totp(key, -1));
  await page.getByRole('button', { name: "Enregistrer l'application" }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vos codes de secours');
  await expect(page.locator('.recovery-codes li')).toHaveCount(10);
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  await signIn(page, testInfo, email, password);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Code de connexion');
  await expectAccessible(page, testInfo);
  await page.getByLabel('Code à 6 chiffres de votre application').fill('000000');
  await page.getByRole('button', { name: 'Valider' }).click();
  await expect(page.getByText('Ce code ne correspond pas')).toBeVisible();
  await expectAccessible(page, testInfo);
  await awayFromStepEnd();
  await page.getByLabel('Code à 6 chiffres de votre application').fill(totp(key));
  await page.getByRole('button', { name: 'Valider' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/Bonjour Dominique Martin/);

  // New recovery codes, then, as reception needs no second factor, removing the app.
  await page.getByRole('link', { name: /Double authentification/ }).click();
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Créer de nouveaux codes de secours' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vos codes de secours');
  await expect(page.getByRole('status')).toContainText('les anciens ne servent plus');
  await expect(page.locator('.recovery-codes li')).toHaveCount(10);
  await page.goto('/demo/agents/securite/double-facteur');
  await page.getByRole('button', { name: "Supprimer l'application et les codes de secours" }).click();
  await expect(page.getByRole('status')).toContainText('Votre double authentification est supprimée');
  await expectAccessible(page, testInfo);
});

test('an administrator without an app is led to enrol one before anything else', async ({ page }, testInfo) => {
  const email = `alix.${testInfo.project.name}@demo.guichet.test`;
  await newColleague(page, testInfo, `Alix Bernard ${testInfo.project.name}`, email, 'Administration du département');
  const password = COLLEAGUE_PASSWORD;

  await signIn(page, testInfo, email, password);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Double authentification');
  await expect(page.getByRole('status')).toContainText('votre département demande une double authentification');
  await page.goto('/demo/agents/admin/comptes');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Double authentification');
  const key = (await page.locator('#secret').textContent()) ?? '';
  await page.getByLabel('Code à 6 chiffres').fill(totp(key));
  await page.getByRole('button', { name: "Enregistrer l'application" }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vos codes de secours');
  await page.goto('/demo/agents/admin/comptes');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Agents du département');

  // Her role needs it: removing it is not offered.
  await page.goto('/demo/agents/securite/double-facteur');
  await expect(page.getByText('elle ne peut pas être supprimée')).toBeVisible();
  await expect(page.getByRole('button', { name: "Supprimer l'application et les codes de secours" })).toHaveCount(0);
  await expectAccessible(page, testInfo);
});
