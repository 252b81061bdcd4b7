import { expect } from '@playwright/test';
import { expectAccessible, test } from './helpers';

test('a citizen signs in with FranceConnect (simulator), sees their space and signs out', async ({ page }, testInfo) => {
  await page.goto('/demo/');
  await page.getByRole('link', { name: 'Accéder à mon espace' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Accéder à mon espace');
  await expectAccessible(page, testInfo);

  await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Choisir une identité de test');
  await expectAccessible(page, testInfo);

  await page.getByRole('button', { name: 'Se connecter en tant que Angela Claire Louise DUBOIS' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bonjour Angela DUBOIS');
  await expect(page.getByText('24/08/1962')).toBeVisible();
  await expectAccessible(page, testInfo);

  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vous êtes déconnecté');
  await expectAccessible(page, testInfo);
  await page.goto('/demo/mon-espace');
  await expect(page).toHaveURL(/\/demo\/connexion$/);
});

test('signing in leads back to the page asked for, and says why it is asked', async ({ page }, testInfo) => {
  await page.goto('/demo/aides/aide-aux-vacances-en-famille');
  await page.getByRole('link', { name: 'Faire une demande' }).click();
  await expect(page.getByRole('status')).toContainText('La page demandée est réservée aux personnes connectées');
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await page.getByRole('button', { name: 'Se connecter en tant que Angela Claire Louise DUBOIS' }).click();
  // Straight to where she was going: the page that starts her request (nothing made yet).
  await expect(page).toHaveURL(/\/demo\/aides\/aide-aux-vacances-en-famille\/demander$/);
  await expect(page.getByRole('button', { name: 'Commencer ma demande' })).toBeVisible();
  await expectAccessible(page, testInfo);

  // A return address elsewhere is ignored: her space, not another site.
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.goto('/demo/connexion?retour=%2F%2Fattaquant.example%2F');
  await expect(page.getByText('La page demandée est réservée')).toHaveCount(0);
  await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await page.getByRole('button', { name: 'Se connecter en tant que Angela Claire Louise DUBOIS' }).click();
  await expect(page).toHaveURL(/\/demo\/mon-espace$/);
});

test('cancelling at FranceConnect brings the citizen back with a message', async ({ page }, testInfo) => {
  await page.goto('/demo/connexion');
  await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await page.getByRole('button', { name: 'Annuler et revenir au service' }).click();
  await expect(page.getByRole('alert')).toContainText('Vous avez annulé la connexion avec FranceConnect');
  await expectAccessible(page, testInfo);
});

test('creating an account names every mistake, then asks to check the mailbox', async ({ page }, testInfo) => {
  await page.goto('/demo/connexion');
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: 'Créer un compte' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Créer un compte');
  await page.getByLabel('Nom', { exact: true }).fill('Diallo');
  await page.getByLabel('Adresse électronique').fill('pas-une-adresse');
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await expect(page.getByRole('alert')).toContainText('Indiquez votre prénom.');
  await expect(page.getByRole('alert')).toContainText('au moins 12 caractères');
  await expect(page.getByLabel('Nom', { exact: true })).toHaveValue('Diallo');
  await expectAccessible(page, testInfo);

  await page.getByLabel('Prénom').fill('Fatou');
  await page.getByLabel('Adresse électronique').fill(`fatou-${testInfo.project.name}@exemple.fr`);
  await page.getByLabel('Mot de passe', { exact: true }).fill('une phrase assez longue');
  await page.getByLabel('Mot de passe, une seconde fois', { exact: true }).fill('une phrase assez longue');
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vérifiez votre messagerie');
  await expectAccessible(page, testInfo);

  await page.goto('/demo/mot-de-passe-oublie');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mot de passe oublié');
  await expectAccessible(page, testInfo);
});
