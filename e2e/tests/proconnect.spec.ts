import { expect } from '@playwright/test';
import { ADMIN, DEMO_PASSWORD, expectAccessible, signIn, signInAsAdmin, test } from './helpers';

test('an administrator signs in with ProConnect and out of it again', async ({ page }, testInfo) => {
  await page.goto('/demo/agents/connexion');
  await expect(page.getByRole('link', { name: "S'identifier avec ProConnect" })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: "S'identifier avec ProConnect" }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Choisir un agent de test');
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Se connecter en tant que Claire DUPONT' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Bonjour/);
  // No code asked: her identity provider's second factor counts.
  await page.getByRole('link', { name: 'Agents', exact: true }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Agents du département');

  // Signing out passes through ProConnect and comes back to the sign-in page.
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(page).toHaveURL(/\/demo\/agents\/connexion(\?state=.+)?$/);
  await page.goto('/demo/agents/');
  await expect(page).toHaveURL(/\/demo\/agents\/connexion$/);
});

test('an agent without an account is told whom to ask', async ({ page }, testInfo) => {
  await page.goto('/demo/agents/connexion');
  await page.getByRole('link', { name: "S'identifier avec ProConnect" }).click();
  await page.getByRole('button', { name: 'Se connecter en tant que Nadia HADDAD' }).click();
  await expect(page.getByRole('alert')).toContainText("Aucun compte Guichet n'a été créé pour nadia.haddad@demo.guichet.test");
  await expectAccessible(page, testInfo);
});

test('an administrator with a password only is sent to enrol an app first', async ({ page }, testInfo) => {
  await signIn(page, testInfo, ADMIN, DEMO_PASSWORD);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Double authentification');
  await expect(page.getByRole('status')).toContainText('votre département demande une double authentification');
  await expectAccessible(page, testInfo);
  await page.goto('/demo/agents/admin/comptes');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Double authentification');
});

test('the administrator sets how staff sign in, and bad input is named', async ({ page }, testInfo) => {
  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'Connexion des agents' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Connexion des agents');
  await expectAccessible(page, testInfo);
  const sirets = page.getByLabel('SIRET de votre département');
  const declared = await sirets.inputValue();
  await sirets.fill(`${declared}\n12345`);
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByRole('alert')).toContainText('il faut 14 chiffres');
  await expect(sirets).toHaveValue(`${declared}\n12345`);
  await expectAccessible(page, testInfo);
  await sirets.fill(declared);
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByRole('status')).toContainText('Les règles de connexion sont enregistrées.');
});
