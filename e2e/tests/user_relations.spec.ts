import { expect, type Page } from '@playwright/test';
import { DEMO_PASSWORD, expectAccessible, hydrated, signIn, test } from './helpers';

const RECEPTION = 'reception@demo.guichet.test';

async function signInAsLucas(page: Page) {
  await page.goto('/demo/connexion');
  await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await page.getByRole('button', { name: 'Se connecter en tant que Lucas NGUYEN' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bonjour Lucas NGUYEN');
}

// User relations: reception publishes a slot, a citizen books it and writes to the department,
// reception answers, and the citizen reads who accessed their file. Two browsers (the citizen
// and the agent), JavaScript off and on (two projects), axe on every page.
test('a citizen books an appointment, sends a message and reads who accessed their file', async ({ page, browser }, testInfo) => {
  const service = `Accueil social (${testInfo.project.name})`;
  const subject = `Question sur mon dossier (${testInfo.project.name})`;
  const staffContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const staff = await staffContext.newPage();

  // Reception publishes a slot in a week.
  await signIn(staff, testInfo, RECEPTION, DEMO_PASSWORD);
  await staff.getByRole('link', { name: 'Rendez-vous', exact: true }).click();
  await expect(staff.getByRole('heading', { name: 'Rendez-vous', level: 1 })).toBeVisible();
  const day = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await staff.getByLabel('Service').fill(service);
  await staff.getByLabel('Lieu').fill('Maison du département, 3 rue Guillemette, Nîmes');
  await staff.getByLabel('Jour').fill(day);
  await staff.getByLabel('Heure du premier créneau').fill('09:30');
  await staff.getByLabel("Durée d'un créneau, en minutes").fill('30');
  await staff.getByLabel('Nombre de créneaux à la suite').fill('2');
  await staff.getByRole('button', { name: 'Publier' }).click();
  await expect(staff.getByRole('status')).toContainText('Les créneaux sont publiés');
  await expect(staff.getByRole('row', { name: new RegExp(`${service.replace(/[()]/g, '\\$&')}.*libre`) })).toHaveCount(2);
  await expectAccessible(staff, testInfo);

  // The citizen books the first one and writes.
  await signInAsLucas(page);
  await page.getByRole('link', { name: 'Mes rendez-vous' }).click();
  await expect(page.getByRole('heading', { name: 'Mes rendez-vous', level: 1 })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel(new RegExp(`à 09:30 \\(30 min\\) — ${service.replace(/[()]/g, '\\$&')}`)).check();
  await page.getByRole('button', { name: 'Réserver ce créneau' }).click();
  await expect(page.getByRole('status')).toContainText('Votre rendez-vous est réservé');
  await expect(page.getByRole('row', { name: new RegExp(`à 09:30.*${service.replace(/[()]/g, '\\$&')}.*réservé`) })).toBeVisible();
  await expectAccessible(page, testInfo);

  await page.goto('/demo/mon-espace');
  await page.getByRole('link', { name: 'Mes messages' }).click();
  await expect(page.getByRole('heading', { name: 'Mes messages', level: 1 })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel('Objet').fill(subject);
  await page.getByLabel('Votre message').fill("Bonjour, à quelle heure ouvre l'accueil le samedi ?");
  await page.getByRole('button', { name: 'Envoyer le message' }).click();
  await expect(page.getByRole('status')).toContainText('Votre message est envoyé au département.');
  await expect(page.getByText("à quelle heure ouvre l'accueil")).toBeVisible();
  await expectAccessible(page, testInfo);

  // Reception sees the booking and answers the message.
  await staff.reload();
  await expect(staff.getByRole('row', { name: new RegExp(`à 09:30.*Lucas NGUYEN`) })).toBeVisible();
  await staff.getByRole('link', { name: 'Messages des usagers' }).click();
  await expect(staff.getByRole('heading', { name: 'Messages des usagers', level: 1 })).toBeVisible();
  await expectAccessible(staff, testInfo);
  await staff.getByRole('link', { name: subject }).click();
  await expect(staff.getByText("à quelle heure ouvre l'accueil")).toBeVisible();
  await expectAccessible(staff, testInfo);
  await staff.getByLabel('Votre réponse').fill("L'accueil est fermé le samedi ; nous vous attendons à votre rendez-vous.");
  await staff.getByRole('button', { name: 'Envoyer la réponse' }).click();
  await expect(staff.getByRole('status')).toContainText("l'usager est prévenu par courriel");
  await staff.getByRole('link', { name: 'Dossier de Lucas NGUYEN' }).click();
  await expect(staff.getByRole('heading', { name: 'Dossier de Lucas NGUYEN', level: 1 })).toBeVisible();
  await expectAccessible(staff, testInfo);
  await staffContext.close();

  // The citizen reads the answer, then who accessed the file.
  await page.goto('/demo/mon-espace/messages');
  await expect(page.getByRole('row', { name: new RegExp(`${subject.replace(/[()]/g, '\\$&')}.*Nouveau message du département`) })).toBeVisible();
  await page.getByRole('link', { name: subject }).click();
  await expect(page.getByText("L'accueil est fermé le samedi")).toBeVisible();
  await page.goto('/demo/mon-espace');
  await page.getByRole('link', { name: 'Qui a consulté mon dossier' }).click();
  await expect(page.getByRole('heading', { name: 'Qui a consulté mon dossier', level: 1 })).toBeVisible();
  await expect(page.getByRole('row', { name: /Relation usager — Accueil.*Lecture de vos messages/ }).first()).toBeVisible();
  await expect(page.getByRole('row', { name: /Relation usager — Accueil.*Consultation du dossier/ }).first()).toBeVisible();
  await expect(page.getByText(RECEPTION)).toHaveCount(0);
  await expectAccessible(page, testInfo);

  // And cancels the appointment.
  await page.goto('/demo/mon-espace/rendez-vous');
  await page.getByRole('button', { name: /Annuler le rendez-vous du .* à 09:30/ }).first().click();
  await expect(page.getByRole('status')).toContainText('Votre rendez-vous est annulé.');
  await expectAccessible(page, testInfo);
});

// The citizen's own details and the right of access: forms that name mistakes, and the page
// of everything held, with its download. JavaScript off and on, axe on every page.
test('a citizen gives contact details and household, then reads everything held', async ({ page }, testInfo) => {
  await signInAsLucas(page);
  await page.getByRole('link', { name: 'Mes coordonnées et mon foyer' }).click();
  await expect(page.getByRole('heading', { name: 'Mes coordonnées et mon foyer', level: 1 })).toBeVisible();
  await expectAccessible(page, testInfo);

  await page.getByLabel('Téléphone (facultatif)').fill('06 12');
  await page.getByLabel('SMS').check();
  await page.getByRole('button', { name: 'Enregistrer mes coordonnées' }).click();
  await expect(page.getByRole('alert')).toContainText('10 chiffres');
  await expectAccessible(page, testInfo);
  await page.getByLabel('Téléphone (facultatif)').fill('06 12 34 56 78');
  await page.getByLabel('SMS').check();
  await page.getByRole('button', { name: 'Enregistrer mes coordonnées' }).click();
  await expect(page.getByRole('status')).toContainText('Vos coordonnées sont enregistrées.');

  const child = `Léa ${testInfo.project.name}`;
  await page.getByLabel('Prénom').fill(child);
  await page.getByLabel('Nom', { exact: true }).fill('NGUYEN');
  await page.getByLabel('Lien avec vous').selectOption('child');
  await page.getByLabel('Année de naissance (facultatif)').fill('2016');
  await page.getByRole('button', { name: 'Ajouter au foyer' }).click();
  await expect(page.getByRole('status')).toContainText('La personne est ajoutée à votre foyer.');
  await expect(page.getByRole('row', { name: new RegExp(`${child} NGUYEN.*Enfant.*2016`) })).toBeVisible();
  await expectAccessible(page, testInfo);

  await page.goto('/demo/mon-espace');
  await page.getByRole('link', { name: 'Toutes mes informations' }).click();
  await expect(page.getByRole('heading', { name: 'Toutes mes informations', level: 1 })).toBeVisible();
  await expect(page.getByText('0612345678')).toBeVisible();
  await expect(page.getByText(new RegExp(`${child} NGUYEN, née ou né en 2016`))).toBeVisible();
  await expectAccessible(page, testInfo);
  const download = await page.request.get('/demo/mon-espace/mes-informations.json');
  expect(download.headers()['content-disposition']).toContain('mes-informations.json');
  const file = await download.json();
  expect(file.sections.map((s: { title: string }) => s.title)).toContain('Vos rendez-vous');

  await page.goto('/demo/mon-espace/coordonnees');
  await page.getByRole('button', { name: `Retirer ${child} NGUYEN` }).click();
  await expect(page.getByRole('status')).toContainText('La personne est retirée de votre foyer.');
  await expectAccessible(page, testInfo);
});
