import { expect } from '@playwright/test';
import { expectAccessible, signInAsFatou, test } from '../helpers';

// "Tell us once": Fatou agrees that the department asks the CAF for her family quotient, sees
// it pre-filled with where it came from, files without the certificate, then withdraws her
// consent from her space. JavaScript off and on (two projects), axe on every page.
test('a citizen files with consent, sees sourced data, and withdraws the consent', async ({ page }, testInfo) => {
  await signInAsFatou(page);
  await page.goto('/demo/aides/aide-aux-vacances-en-famille/demander');
  // The link shows what it takes; her button starts the draft (one she left is taken up).
  const start = page.getByRole('button', { name: 'Commencer ma demande' });
  if (await start.isVisible()) {
    await expect(page.getByText('Votre demande se remplit en 2 étapes.')).toBeVisible();
    await expectAccessible(page, testInfo);
    await start.click();
  }
  await expect(page).toHaveURL(/\/demandes\/\d+\/donnees$/);
  await expect(page.getByRole('heading', { name: /Gagnez du temps/ })).toBeVisible();
  await expectAccessible(page, testInfo);
  const consent = page.getByLabel(/J'accepte que le département obtienne votre quotient familial/);
  await consent.check();
  await page.getByRole('button', { name: 'Continuer' }).click();

  // Step 1: figures from the CAF, said to be so; the certificate is not needed. The server
  // waits up to 3 s for them before showing the step; on a busy machine they may come later,
  // and the citizen would reload.
  await expect(page.getByText('Étape 1 sur 2')).toBeVisible();
  await expect(async () => {
    if ((await page.getByLabel('Votre quotient familial').inputValue()) !== '612') {
      await page.reload();
    }
    await expect(page.getByLabel('Votre quotient familial')).toHaveValue('612', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByLabel("Nombre d'enfants à votre charge")).toHaveValue('2');
  await expect(page.getByText(/Pré-rempli avec l'information transmise par la CAF ou la MSA/).first()).toBeVisible();
  await expect(page.getByText(/Inutile d'envoyer ce document/)).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Continuer' }).click();

  await expect(page.getByText('Étape 2 sur 2')).toBeVisible();
  await page.getByLabel('Où souhaitez-vous partir ?').fill('Cévennes');
  await page.getByRole('button', { name: 'Continuer' }).click();

  await expect(page.getByRole('heading', { name: /Vérifiez votre demande/ })).toBeVisible();
  await expect(page.getByText(/612,00\s€ — transmis par la CAF ou la MSA le/)).toBeVisible();
  await expect(page.getByText(/inutile : transmis par l'administration avec votre accord/)).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Déposer ma demande' }).click();
  await expect(page.getByRole('status')).toContainText('Votre demande est déposée');

  // My data: the consent, the fact with its source, the call made in her name.
  await page.goto('/demo/mon-espace');
  await page.getByRole('link', { name: 'Mes données et mes accords' }).click();
  await expect(page.getByRole('heading', { name: 'Mes données et mes accords', level: 1 })).toBeVisible();
  const row = page.getByRole('row', { name: /Quotient familial \(CAF ou MSA\).*Aide aux vacances en famille.*en cours jusqu'au/ });
  await expect(row).toBeVisible();
  await expect(page.getByText('612 € (CNAF, 10/2026)').first()).toBeVisible();
  await expect(page.getByText(/Source : API Particulier \(la CAF ou la MSA\), \/v3\/dss\/quotient_familial\/identite/).first()).toBeVisible();
  await expect(page.getByRole('cell', { name: /à votre demande, dans le formulaire/ }).first()).toBeVisible();
  await expectAccessible(page, testInfo);

  await row.getByRole('button', { name: /Retirer mon accord/ }).click();
  await expect(page.getByRole('status')).toContainText('Votre accord est retiré');
  await expect(page.getByRole('row', { name: /Aide aux vacances en famille.*retiré le/ }).first()).toBeVisible();
  await expect(page.getByRole('button', { name: /Retirer mon accord/ })).toHaveCount(0);
  await expectAccessible(page, testInfo);
});
