import { expect } from '@playwright/test';
import { ADMIN, DEMO_PASSWORD, expectAccessible, hydrated, signIn, signInAsAdmin, test, waitForIslands } from './helpers';

test('a staff member signs in and out', async ({ page }, testInfo) => {
  await page.goto('/demo/agents/connexion');
  await expect(page).toHaveTitle('Connexion des agents — Département de démonstration');
  await expectAccessible(page, testInfo);

  await signIn(page, testInfo, 'aid-instructor@demo.guichet.test', DEMO_PASSWORD);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/Bonjour Agent démo/);
  await expect(page.getByRole('link', { name: "Demandes d'aide" }).first()).toBeVisible();
  await expectAccessible(page, testInfo);

  await page.getByRole('link', { name: "Demandes d'aide" }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("Demandes d'aide");
  await expectAccessible(page, testInfo);

  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Connexion des agents');
  await page.goto('/demo/agents/');
  await expect(page).toHaveURL(/\/demo\/agents\/connexion$/);
});

test('a staff member is asked their current password to change it', async ({ page }, testInfo) => {
  await signIn(page, testInfo, 'aid-instructor@demo.guichet.test', DEMO_PASSWORD);
  await page.getByRole('link', { name: 'Changer votre mot de passe' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Changer votre mot de passe');
  await expectAccessible(page, testInfo);
  await waitForIslands(page, testInfo);
  await page.getByLabel('Mot de passe actuel').fill('pas-le-bon');
  await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('azertyuiop123');
  await page.getByLabel('Nouveau mot de passe, une seconde fois').fill('azertyuiop123');
  await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  // Everything wrong is named at once; the demo's password stays as it is.
  const summary = page.getByRole('alert');
  await expect(summary).toContainText('mots de passe courants');
  await expectAccessible(page, testInfo);
});

test('a wrong password gets a clear message', async ({ page }, testInfo) => {
  await signIn(page, testInfo, ADMIN, 'pas-le-bon');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Adresse électronique ou mot de passe incorrect');
  await expect(page.getByLabel('Adresse électronique professionnelle')).toHaveValue(ADMIN);
  await expectAccessible(page, testInfo);
});

test('the password can be shown once hydrated, and only then', async ({ page }, testInfo) => {
  await page.goto('/demo/agents/connexion');
  const password = page.getByLabel('Mot de passe', { exact: true });
  const toggle = page.getByRole('button', { name: 'Afficher le mot de passe' });
  if (hydrated(testInfo)) {
    await waitForIslands(page, testInfo);
    await password.fill('secret');
    await toggle.click();
    await expect(password).toHaveAttribute('type', 'text');
    await page.getByRole('button', { name: 'Masquer le mot de passe' }).click();
    await expect(password).toHaveAttribute('type', 'password');
  } else {
    // Without JavaScript the button could not work, so it is not offered.
    await expect(toggle).toBeHidden();
    await expect(password).toHaveAttribute('type', 'password');
  }
});

test('the administrator lists staff, creates an account and assigns roles', async ({ page }, testInfo) => {
  await signInAsAdmin(page);
  // The administrator's home leads to what they do, each card saying what it is for.
  await page.goto('/demo/agents/');
  await expect(page.getByRole('heading', { name: 'Administration du département', level: 2 })).toBeVisible();
  await expect(page.getByText('Qui a fait quoi, quand et pourquoi')).toBeVisible();
  await expect(page.getByText('Demandez à l')).toHaveCount(0);
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: 'Agents', exact: true }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Agents du département');
  await expect(page.getByRole('cell', { name: 'reception@demo.guichet.test', exact: true })).toBeVisible();
  await expectAccessible(page, testInfo);

  await page.getByRole('link', { name: 'Créer un compte agent' }).click();
  await expectAccessible(page, testInfo);
  // Submitting empty explains every problem.
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  await expect(page.getByRole('alert')).toContainText("Indiquez le nom et le prénom de l'agent.");
  await expectAccessible(page, testInfo);

  // Both projects share one server: names carry the project's.
  const email = `camille.${testInfo.project.name}@demo.guichet.test`;
  const name = `Camille Durand ${testInfo.project.name}`;
  await page.getByLabel('Nom et prénom').fill(name);
  await page.getByLabel('Adresse électronique professionnelle').fill(email);
  await page.getByLabel("Instruction des demandes d'aide").check();
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Compte créé');
  // No password is shown: the colleague chooses it through the link mailed to them.
  await expect(page.getByText('un lien pour activer son compte')).toBeVisible();
  await expect(page.locator('code.secret')).toHaveCount(0);
  await expectAccessible(page, testInfo);

  await page.getByRole('link', { name: 'Retour à la liste des agents' }).click();
  await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText("en attente d'activation");
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('button', { name: "Renvoyer le lien d'activation" })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Désactiver le compte' })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel('Accueil', { exact: true }).check();
  await page.getByRole('button', { name: 'Enregistrer les rôles' }).click();
  await expect(page.getByRole('status')).toContainText(`Les rôles de ${email} sont enregistrés.`);
  await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText('Accueil');

  await page.getByRole('link', { name: "Journal d'audit" }).first().click();
  await expect(page.getByRole('cell', { name: "création d'un compte agent" }).first()).toBeVisible();
  await expectAccessible(page, testInfo);
  // Narrowed to the administrator's own operations of the last day, roles in words.
  await page.getByLabel('Agent', { exact: true }).selectOption(ADMIN);
  await page.getByLabel('Période').selectOption('jour');
  await page.getByRole('button', { name: 'Filtrer' }).click();
  await expect(page.getByRole('cell', { name: `${ADMIN} (Administration du département)` }).first()).toBeVisible();
  await expect(page.getByRole('cell', { name: /reception@demo/ })).toHaveCount(0);
  await expectAccessible(page, testInfo);

  // The department's look: a colour white text cannot be read on is refused at its field.
  await page.getByRole('link', { name: 'Apparence du département' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Apparence du département');
  await expectAccessible(page, testInfo);
  await page.getByLabel('Couleur, en hexadécimal').fill('#ffd700');
  await page.getByRole('button', { name: 'Enregistrer la couleur' }).click();
  await expect(page).toHaveTitle(/^Erreur : /);
  await expect(page.locator('#colour-error')).toContainText("n'est pas assez lisible");
  await expect(page.getByLabel('Couleur, en hexadécimal')).toHaveValue('#ffd700');
  await expectAccessible(page, testInfo);
});

test('unknown departments get a French 404 page', async ({ page }, testInfo) => {
  const response = await page.goto('/nulle-part/');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Département introuvable');
  await expectAccessible(page, testInfo);
});

test('the component catalogue shows every component, accessible and reflowing at 320 px', async ({ page }, testInfo) => {
  await page.goto('/demo/composants');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Composants des pages');
  await expect(page.locator('.error-summary')).toContainText('Le formulaire contient des erreurs');
  await expect(page.locator('.error-summary')).toBeFocused();
  await expect(page.getByRole('table')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Pagination' })).toContainText('Page 1 sur 3');
  await expectAccessible(page, testInfo);
  // Each error links to its field.
  await page.getByRole('link', { name: /Le loyer s'écrit en chiffres/ }).click();
  await expect(page.getByLabel('Loyer mensuel')).toBeFocused();
  await page.getByRole('link', { name: 'Indiquez votre situation de logement.' }).click();
  await expect(page.getByLabel('Locataire')).toBeFocused();
  // On a phone the table's rows stack, each cell after its column's name.
  await page.setViewportSize({ width: 320, height: 640 });
  const cell = page.getByRole('cell', { name: /DIALLO Fatou/ });
  expect(await cell.evaluate((td) => getComputedStyle(td, '::before').content)).toBe('"Usager"');
});
