import { expect } from '@playwright/test';
import { expectAccessible, hydrated, test } from '../helpers';
import { importFileNaming, newInsertionColleague } from './insertion';

// An invitation to an orientation meeting: the officer imports a file naming someone without an
// account, invites them among the demo's « Orientation RSA » slots (a mistake first), reads the
// link the letter and the SMS carry; the person opens it without signing in and books a slot;
// the officer sees it booked. JavaScript off and on, axe on every page.
test('an officer invites a person to book a meeting; the person books through the link', async ({ page, browser }, testInfo) => {
  const person = hydrated(testInfo)
    ? { applicant: 'MOREAU;Julie;1982-09-21', search: 'moreau', seed: '33' }
    : { applicant: 'DURAND;Paul;1975-04-12', search: 'durand', seed: '32' };
  await newInsertionColleague(page, testInfo, 'ines', 'Inès Invitation', 'Orientation insertion (RSA)');
  await importFileNaming(page, testInfo, person.applicant, person.seed);
  await page.goto(`/demo/agents/insertion?q=${person.search}`);
  await page.locator('table a').first().click();
  await expect(page.getByRole('heading', { name: 'Rendez-vous' })).toBeVisible();
  await page.getByRole('link', { name: 'Inviter à prendre rendez-vous' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Inviter .* à prendre rendez-vous$/);
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: "Envoyer l'invitation" }).click();
  await expect(page).toHaveTitle(/^Erreur : /);
  await expect(page.getByRole('link', { name: /Choisissez l'objet du rendez-vous/ })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel('Rendez-vous d’orientation').check();
  await page.getByLabel('Orientation RSA').check();
  await page.getByRole('button', { name: "Envoyer l'invitation" }).click();
  await expect(page.getByRole('status')).toContainText("L'invitation est envoyée.");
  await expect(page.getByText('En attente de réservation')).toBeVisible();
  await expect(page.getByRole('link', { name: "Télécharger le courrier d'invitation (PDF)" })).toBeVisible();
  await expectAccessible(page, testInfo);
  const text = (await page.locator('main').textContent()) ?? '';
  const link = /https?:\/\/\S+\/rendez-vous\/[0-9a-f]{32}/.exec(text)?.[0];
  expect(link, text).toBeTruthy();

  // The person opens the link, with no account: a choice is asked for, then booked.
  const personContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const invited = await personContext.newPage();
  await invited.goto(new URL(link!).pathname);
  await expect(invited.getByRole('heading', { level: 1 })).toHaveText('Votre rendez-vous d’orientation');
  await expectAccessible(invited, testInfo);
  await invited.getByRole('button', { name: 'Réserver ce créneau' }).click();
  await expect(invited.getByRole('link', { name: /Choisissez un créneau/ })).toBeVisible();
  await expectAccessible(invited, testInfo);
  await invited.getByRole('radio').first().check();
  await invited.getByRole('button', { name: 'Réserver ce créneau' }).click();
  await expect(invited.getByRole('status')).toContainText('Votre rendez-vous est réservé');
  await expect(invited.getByText(/^Votre rendez-vous : /)).toBeVisible();
  await expectAccessible(invited, testInfo);

  // The officer sees it booked.
  await page.reload();
  await expect(page.getByText('Rendez-vous pris').first()).toBeVisible();
  await personContext.close();
});
