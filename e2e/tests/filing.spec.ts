import { expect } from '@playwright/test';
import { expectAccessible, test } from './helpers';

test('a citizen files an aid request step by step and follows it', async ({ page }, testInfo) => {
  await page.goto('/demo/connexion');
  await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  const who = testInfo.project.name === 'hydrate' ? 'Karim BENALI' : 'Marie Thérèse LEROY';
  await page.getByRole('button', { name: `Se connecter en tant que ${who}` }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Bonjour');

  await page.getByRole('link', { name: 'Faire une nouvelle demande' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Les aides du département');
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: 'Aide au paiement du loyer' }).click();
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: 'Faire une demande' }).click();
  await expect(page.getByText('Étape 1 sur 2')).toBeVisible();
  await expectAccessible(page, testInfo);

  // Mistakes are named next to their fields, what was typed is kept.
  await page.getByLabel('Fichier').setInputFiles({ name: 'quittance.pdf', mimeType: 'application/pdf', buffer: Buffer.from('pas un PDF') });
  await page.getByLabel('Montant de votre loyer mensuel').fill('beaucoup');
  await page.getByLabel('Nombre de personnes dans votre foyer').fill('3');
  await page.getByRole('button', { name: 'Continuer' }).click();
  await expect(page.getByRole('alert')).toContainText('attend un montant en euros');
  await expect(page.getByRole('alert')).toContainText("n'est ni un PDF");
  await expect(page.getByLabel('Montant de votre loyer mensuel')).toHaveValue('beaucoup');
  await expectAccessible(page, testInfo);

  await page.getByLabel('Montant de votre loyer mensuel').fill('520,40');
  await page.getByLabel('Fichier').setInputFiles({ name: 'quittance.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n') });
  await page.getByRole('button', { name: 'Continuer' }).click();
  await expect(page.getByText('Étape 2 sur 2')).toBeVisible();
  await page.getByLabel('Colocataire').check();
  await page.getByLabel('Non').check();
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Continuer' }).click();

  await expect(page.getByRole('heading', { level: 1 })).toContainText('Vérifiez votre demande');
  await expect(page.getByText('520,40')).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Déposer ma demande' }).click();

  await expect(page.getByRole('status')).toContainText('Votre demande est déposée');
  await expect(page.getByRole('status')).toContainText(/DEMO-\d{4}-\d{6}/);
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: 'Mon espace' }).first().click();
  await expect(page.getByText(/Référence DEMO-\d{4}-\d{6}/)).toBeVisible();
  await expectAccessible(page, testInfo);
});
