import { expect } from '@playwright/test';
import { DEMO_PASSWORD, expectAccessible, fileRentAidAsFatou, signIn, signInAsFatou, test } from '../helpers';

test('an instructor finds a filed request in the queue, opens it and takes it', async ({ page }, testInfo) => {
  // A citizen files first (the demo's aid).
  const reference = await fileRentAidAsFatou(page, '610', '2', 'quittance.pdf');

  await signIn(page, testInfo, 'aid-instructor@demo.guichet.test', DEMO_PASSWORD);
  await page.getByRole('link', { name: "Demandes d'aide" }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("Demandes d'aide");
  await expectAccessible(page, testInfo);
  // Sorted by a column's header: the newest filed first.
  await page.getByRole('link', { name: /Déposée le/ }).click();
  await expect(page.getByRole('columnheader', { name: /Déposée le/ })).toHaveAttribute('aria-sort', 'descending');
  await page.getByRole('button', { name: 'Filtrer' }).click();
  await expect(page.getByRole('columnheader', { name: /Déposée le/ })).toHaveAttribute('aria-sort', 'descending');
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: reference }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(reference);
  await expect(page.getByText('DIALLO', { exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: /quittance\.pdf/ })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel('Agent chargé de la demande').selectOption({ label: 'Agent démo — Instruction des demandes d\'aide' });
  await page.getByRole('button', { name: 'Attribuer', exact: true }).click();
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
  // A file that is not a document first: named at its field, the words typed kept.
  await page.getByLabel('Votre réponse au département').fill("Mon bailleur est l'office HLM de Nîmes.");
  await page.getByLabel('Un nouveau fichier').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('des mots') });
  await page.getByRole('button', { name: 'Envoyer ma réponse' }).click();
  await expect(page).toHaveTitle(/^Erreur : /);
  await expect(page.locator('#piece-error')).toContainText('notes.txt');
  await expect(page.getByLabel('Votre réponse au département')).toHaveValue("Mon bailleur est l'office HLM de Nîmes.");
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: /notes\.txt/ }).click();
  await expect(page.getByLabel('Un nouveau fichier')).toBeFocused();
  await page.getByLabel('Un nouveau fichier').setInputFiles({ name: 'bail.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n') });
  await page.getByRole('button', { name: 'Envoyer ma réponse' }).click();
  await expect(page.getByText("Mon bailleur est l'office HLM de Nîmes.")).toBeVisible();
  await expect(page.getByRole('link', { name: /bail\.pdf/ })).toBeVisible();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  // Back to the instructor: the queue says the citizen answered, and filters on it.
  await signIn(page, testInfo, 'aid-instructor@demo.guichet.test', DEMO_PASSWORD);
  await page.getByRole('link', { name: "Demandes d'aide" }).first().click();
  await page.getByLabel("Réponse de l'usager").selectOption('oui');
  await page.getByLabel('Nom ou référence').fill(reference);
  await page.getByRole('button', { name: 'Filtrer' }).click();
  await expect(page.getByRole('link', { name: reference })).toBeVisible();
  await expect(page.getByRole('table').getByText("L'usager a répondu")).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: reference }).click();
  await expect(page.getByText("Mon bailleur est l'office HLM de Nîmes.")).toBeVisible();
  await expect(page.getByRole('link', { name: /bail\.pdf/ })).toBeVisible();

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

test('from the queue, a request is taken, read and decided in 3 page loads and 3 clicks', async ({ page }, testInfo) => {
  const reference = await fileRentAidAsFatou(page, '480', '1', 'quittance.pdf');
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, testInfo, 'aid-instructor@demo.guichet.test', DEMO_PASSWORD);
  await page.goto(`/demo/agents/demandes?recherche=${reference}`);
  await expect(page.getByRole('link', { name: reference })).toBeVisible();
  // At 1280 × 800 the queue leaves room for at least 15 rows above the fold.
  const row = await page.locator('table tbody tr').first().boundingBox();
  expect(Math.floor((800 - row!.y) / row!.height), `first row at ${row!.y} px, ${row!.height} px tall`).toBeGreaterThanOrEqual(15);

  // From here on, count what the instructor does and what the browser loads.
  let loads = 0;
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) loads += 1; });
  let clicks = 0;
  const click = async (target: ReturnType<typeof page.getByRole>) => { clicks += 1; await target.click(); };

  await click(page.getByRole('link', { name: reference }));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(reference);
  // The actions are at hand: in view without scrolling, at 1280 × 800.
  const take = page.getByRole('button', { name: "Me l'attribuer" });
  await expect(take).toBeInViewport();
  await expect(page.getByRole('link', { name: 'Décider' })).toBeInViewport();
  await expectAccessible(page, testInfo);
  await click(take);
  await expect(page.getByRole('status')).toContainText("L'attribution est enregistrée");
  await expect(page.locator('.case-actions')).toContainText('Agent démo');
  await expect(page.getByRole('button', { name: "Me l'attribuer" })).toHaveCount(0);

  await page.getByLabel('Refusée').check();
  await page.getByLabel("La situation n'entre pas dans le champ de l'aide.").check();
  await click(page.getByRole('button', { name: "Enregistrer la décision et prévenir l'usager" }));
  await expect(page.getByRole('status')).toContainText('La décision est enregistrée');
  expect(loads).toBeLessThanOrEqual(3);
  expect(clicks).toBeLessThanOrEqual(4);

  // Then on to the next request waiting, if any, without going back to the queue.
  const next = page.getByRole('link', { name: 'Demande suivante' });
  if (await next.count() > 0) {
    await next.click();
    await expect(page.getByRole('heading', { level: 1 })).not.toContainText(reference);
  }
});
