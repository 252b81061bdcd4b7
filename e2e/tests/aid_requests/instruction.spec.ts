import { expect } from '@playwright/test';
import { DEMO_PASSWORD, expectAccessible, fileRentAidAsFatou, signIn, signInAsFatou, test } from '../helpers';

test('an instructor finds a filed request in the queue, opens it and takes it', async ({ page }, testInfo) => {
  // A citizen files first (the demo's aid).
  const reference = await fileRentAidAsFatou(page, '610', '2', 'quittance.pdf');

  await signIn(page, testInfo, 'aid-instructor@demo.guichet.test', DEMO_PASSWORD);
  await page.getByRole('link', { name: "Demandes d'aide" }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("Demandes d'aide");
  await expectAccessible(page, testInfo);
  await page.getByLabel('Trier par').selectOption('depot');
  await page.getByRole('button', { name: 'Filtrer' }).click();
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: reference }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(reference);
  await expect(page.getByText('DIALLO', { exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: /quittance\.pdf/ })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel('Agent chargé de la demande').selectOption({ label: 'Agent démo — Instruction des demandes d\'aide' });
  await page.getByRole('button', { name: 'Attribuer' }).click();
  await expect(page.getByRole('status')).toContainText("L'attribution est enregistrée");
  await expectAccessible(page, testInfo);

  // A question for the citizen: the clock stops.
  await page.getByLabel("Demander des informations complémentaires à l'usager").fill('Merci de préciser le nom de votre bailleur.');
  await page.getByRole('button', { name: 'Envoyer la question' }).click();
  await expect(page.getByRole('status')).toContainText('La question est envoyée');
  await expectAccessible(page, testInfo);
  const requestUrl = page.url().replace(/\?.*$/, '');
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  // The citizen reads it and answers.
  await signInAsFatou(page);
  await page.getByRole('link', { name: /Aide au paiement du loyer/ }).first().click();
  await expect(page.getByText('Merci de préciser le nom de votre bailleur.')).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel('Votre réponse au département').fill("Mon bailleur est l'office HLM de Nîmes.");
  await page.getByRole('button', { name: 'Envoyer ma réponse' }).click();
  await expect(page.getByText("Mon bailleur est l'office HLM de Nîmes.")).toBeVisible();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  // Back to the instructor, who decides.
  await signIn(page, testInfo, 'aid-instructor@demo.guichet.test', DEMO_PASSWORD);
  await page.goto(requestUrl);
  await expect(page.getByText("Mon bailleur est l'office HLM de Nîmes.")).toBeVisible();

  // The decision: a mistake first, then granted with an amount and a reason.
  await page.getByLabel('Accordée', { exact: true }).check();
  await page.getByRole('button', { name: "Enregistrer la décision et prévenir l'usager" }).click();
  await expect(page.getByRole('alert')).toContainText('Indiquez le montant accordé');
  await expectAccessible(page, testInfo);
  await page.getByLabel('Accordée', { exact: true }).check();
  await page.getByLabel('Montant accordé, en euros (vide pour un refus)').fill('450');
  await page.getByLabel("Les conditions d'attribution de l'aide sont remplies.").check();
  await page.getByRole('button', { name: "Enregistrer la décision et prévenir l'usager" }).click();
  await expect(page.getByRole('status')).toContainText('La décision est enregistrée');
  await expect(page.getByText('Accordée', { exact: true }).first()).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  // The citizen reads the decision and downloads the letter.
  await signInAsFatou(page);
  await page.getByRole('link', { name: /Aide au paiement du loyer/ }).first().click();
  await expect(page.getByText(/Votre demande est accordée/).first()).toBeVisible();
  await expectAccessible(page, testInfo);
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Télécharger le courrier de décision (PDF)' }).first().click();
  expect((await download).suggestedFilename()).toMatch(/^decision-DEMO-\d{4}-\d{6}\.pdf$/);
});
