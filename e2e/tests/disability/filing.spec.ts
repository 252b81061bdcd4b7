import { expect, type Page, type TestInfo } from '@playwright/test';
import { DEMO_PASSWORD, expectAccessible, hydrated, signIn, signInAsFatou, test } from '../helpers';
import { newInsertionColleague } from '../insertion/insertion';

const PDF = (text: string) => ({
  name: `${text}.pdf`,
  mimeType: 'application/pdf',
  buffer: Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n`),
});

/** A date `days` before today, as a date field takes it. */
function daysAgo(days: number): string {
  const d = new Date(Date.now() - days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

async function next(page: Page) {
  await page.getByRole('button', { name: 'Continuer' }).click();
}

/** Fatou fills the form for her son, a mistake first; returns at the rights page. */
async function fillForHerSon(page: Page, testInfo: TestInfo) {
  await signInAsFatou(page);
  await page.getByRole('link', { name: 'Mes demandes à la MDPH' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mes demandes à la MDPH');
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Commencer une première demande' }).click();
  await fillTheSixSteps(page, testInfo);
}

/** The form's six parts for Fatou's son, from step 1 (a mistake first) to the rights page. */
async function fillTheSixSteps(page: Page, testInfo: TestInfo) {
  await expect(page.getByText('Étape 1 sur 6')).toBeVisible();
  await expectAccessible(page, testInfo);
  // Nothing typed: each required question is named in the summary, linked to its field.
  await next(page);
  await expect(page).toHaveTitle(/^Erreur : /);
  await expect(page.getByRole('link', { name: /Nom de naissance/ }).first()).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel('Nom de naissance').fill('DIALLO');
  await page.getByLabel('Prénoms').fill('Moussa');
  await page.getByLabel('Masculin').check();
  await page.getByLabel('Date de naissance').fill('2015-05-10');
  await page.getByLabel('Commune et pays de naissance').fill('Nîmes, France');
  await page.getByLabel('Française').check();
  await page.getByLabel('Adresse (numéro et rue)').fill('4 rue des Arènes');
  await page.getByLabel('Code postal').fill('30000');
  await page.getByLabel('Commune', { exact: true }).fill('Nîmes');
  await page.getByLabel("Organisme d'assurance maladie").fill('CPAM du Gard');
  await page.getByLabel('CAF', { exact: true }).check();
  await next(page);
  await expect(page.getByText('Étape 2 sur 6')).toBeVisible();
  await page.getByLabel(/^Un parent/).check();
  await page.getByLabel(/^Nom et prénom de la personne qui remplit/).fill('Fatou DIALLO');
  await page.getByLabel('Aucune', { exact: true }).check();
  await page.locator('#a_urgence-non').check();
  await page.locator('#a_echanges-oui').check();
  await expectAccessible(page, testInfo);
  await next(page);
  await page.getByLabel('Avec ses parents').check();
  await page.getByLabel('Locataire').check();
  await page.getByLabel(/^Les difficultés rencontrées/).fill('Aide pour s’habiller et aller à l’école.');
  await next(page);
  await page.getByLabel('Classe ordinaire', { exact: true }).check();
  await next(page);
  await next(page);
  await expectAccessible(page, testInfo);
  await next(page);
  await expect(page.getByText('Partie E — Les droits demandés')).toBeVisible();
}

// Fatou at the department's desk: reception records with her a mandate for her request to the
// MDPH, fills the six parts, the rights and the pieces with her (the certificate goes to the
// medical compartment), and files it; she finds it in her space and reads in her journal what
// reception did. JavaScript off and on, axe on every page.
test('reception files a request to the MDPH for a parent at the desk, under her mandate', async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  await signInAsFatou(page);
  const staffContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const staff = await staffContext.newPage();
  await signIn(staff, testInfo, 'reception@demo.guichet.test', DEMO_PASSWORD);
  await staff.goto('/demo/agents/usagers');
  await staff.getByLabel("Nom ou prénom de l'usager").fill('diallo');
  await staff.getByRole('button', { name: 'Rechercher' }).click();
  // Her own record (the one she signs in to, with her birth date from FranceConnect): not one a
  // fund's file may have opened for her, nor a local account another test signed up under her name.
  await staff.getByRole('row').filter({ hasText: '09/01/1979' })
    .getByRole('link', { name: 'DIALLO Fatou', exact: true }).click();
  await staff.getByRole('link', { name: 'Enregistrer un mandat de dépôt' }).click();
  await staff.getByLabel('Ce que couvre le mandat').selectOption({ label: 'Demande à la MDPH' });
  await staff.getByLabel("La personne est présente et m'a donné son accord pour ce mandat").check();
  await staff.getByLabel("J'ai vérifié son identité sur une pièce d'identité").check();
  await staff.getByRole('button', { name: 'Enregistrer le mandat' }).click();
  await expect(staff.getByRole('status')).toContainText('Le mandat est enregistré');
  await expectAccessible(staff, testInfo);

  await staff.getByRole('button', { name: 'Remplir « Demande à la MDPH »' }).click();
  await expect(staff.getByRole('note')).toContainText('Dépôt assisté : vous remplissez la demande à la MDPH de Fatou DIALLO');
  await fillTheSixSteps(staff, testInfo);
  await expect(staff.getByRole('note')).toContainText('Dépôt assisté');
  await expectAccessible(staff, testInfo);
  await staff.getByLabel(/^Allocation d.éducation de l.enfant handicapé/).check();
  await next(staff);
  await sendPiece(staff, 'certificate', PDF('certificat'), daysAgo(30));
  await expect(staff.getByRole('status')).toContainText('La pièce est enregistrée');
  await expect(staff.getByText(/Sous pli confidentiel/)).toBeVisible();
  await expectAccessible(staff, testInfo);
  await staff.getByRole('link', { name: 'Continuer vers le récapitulatif' }).click();
  await expect(staff.getByRole('heading', { level: 1 })).toHaveText('Vérifiez la demande à la MDPH avec la personne');
  await expectAccessible(staff, testInfo);
  await staff.getByLabel(/^La personne certifie sur l.honneur/).check();
  await staff.getByRole('button', { name: 'Déposer la demande pour elle' }).click();
  await expect(staff.getByRole('status')).toContainText(/La demande est déposée : référence MDPH-\d{4}-\d{6}/);
  const reference = (await staff.getByRole('status').textContent())!.match(/MDPH-\d{4}-\d{6}/)![0];
  await expectAccessible(staff, testInfo);

  await page.goto('/demo/mon-espace/mdph');
  await expect(page.getByRole('link', { name: new RegExp(reference) })).toBeVisible();
  await page.goto('/demo/mon-espace/journal');
  await expect(page.getByText('Dépôt de la demande à la MDPH', { exact: true }).first()).toBeVisible();
  await expectAccessible(page, testInfo);
  await staffContext.close();
});

// A parent files for her son with a certificate; reception asks for the missing proof of
// address, then acknowledges the complete file; the parent reads each step in her space; an
// evaluator (who cannot open the certificate) and a physician evaluate; the committee decides
// after the parent answered the plan (a decision without its reasons refused); the parent reads
// the notification, contests one right, and is invited to renew the one ending within six
// months. JavaScript off and on, axe on the pages.
test('a parent files for her child; reception asks for a piece, then acknowledges; the team evaluates', async ({ page, browser }, testInfo) => {
  // Six people and some fifty pages, JavaScript off included.
  test.setTimeout(240_000);
  const fatouContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const fatou = await fatouContext.newPage();
  await fillForHerSon(fatou, testInfo);
  await expectAccessible(fatou, testInfo);
  await fatou.getByLabel(/^Allocation d.éducation de l.enfant handicapé/).check();
  await fatou.getByLabel(/^Parcours de scolarisation/).check();
  await next(fatou);

  // The certificate, first over a year old, then recent; the identity document.
  await expect(fatou.getByRole('heading', { name: 'Envoyer une pièce' })).toBeVisible();
  await expectAccessible(fatou, testInfo);
  await sendPiece(fatou, 'certificate', PDF('certificat'), daysAgo(400));
  await expect(fatou.getByRole('link', { name: /plus d.un an/ })).toBeVisible();
  await expectAccessible(fatou, testInfo);
  await sendPiece(fatou, 'certificate', PDF('certificat'), daysAgo(60));
  await expect(fatou.getByRole('status')).toContainText('La pièce est enregistrée');
  await expect(fatou.getByText(/Sous pli confidentiel/)).toBeVisible();
  await sendPiece(fatou, 'identity', PDF('carte-identite'));
  await expect(fatou.getByRole('status')).toContainText('La pièce est enregistrée');
  await fatou.getByRole('link', { name: 'Continuer vers le récapitulatif' }).click();

  // The review says what is missing; she signs and files.
  await expect(fatou.getByText('Il manque des pièces obligatoires')).toBeVisible();
  await expectAccessible(fatou, testInfo);
  await fatou.getByLabel(/^Je certifie sur l.honneur/).check();
  await fatou.getByRole('button', { name: 'Déposer ma demande' }).click();
  await expect(fatou.getByRole('status')).toContainText('Votre demande est déposée');
  const reference = ((await fatou.getByRole('heading', { level: 1 }).textContent()) ?? '').match(/MDPH-\d{4}-\d{6}/)![0];
  await expectAccessible(fatou, testInfo);

  // Reception asks for the proof of address.
  await newInsertionColleague(page, testInfo, 'rachida', 'Rachida Recevabilité', 'Accueil MDPH (recevabilité)');
  await page.goto('/demo/agents/handicap');
  await expectAccessible(page, testInfo);
  await page.getByRole('link', { name: reference }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(reference);
  await expect(page.getByText('Justificatif de domicile de moins de 3 mois').first()).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Demander les pièces' }).click();
  await expect(page).toHaveTitle(/^Erreur : /);
  await expectAccessible(page, testInfo);
  const deadline = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Date limite').fill(deadline);
  await page.getByRole('button', { name: 'Demander les pièces' }).click();
  await expect(page.getByRole('status')).toContainText('La demande de pièces est envoyée');

  // Fatou reads what is asked and sends it.
  await fatou.goto('/demo/mon-espace/mdph');
  await fatou.getByRole('link', { name: new RegExp(reference) }).click();
  await expect(fatou.getByText('La MDPH attend des pièces')).toBeVisible();
  await expectAccessible(fatou, testInfo);
  await sendPiece(fatou, 'address', PDF('quittance'));
  await expect(fatou.getByRole('status')).toContainText('La pièce est enregistrée');

  // Every piece accepted, the file acknowledged: the 4-month clock runs.
  await page.reload();
  for (let i = 0; i < 3; i++) {
    await page.getByRole('button', { name: 'Accepter la pièce' }).first().click();
    await expect(page.getByRole('status')).toContainText('La pièce est examinée');
  }
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Accuser réception du dossier complet' }).click();
  await expect(page.getByRole('status')).toContainText('Le dossier est complet');
  await expect(page.getByText('Complète', { exact: true }).first()).toBeVisible();
  await expectAccessible(page, testInfo);

  await fatou.reload();
  await expect(fatou.getByText(/Complète, en cours d.évaluation/).first()).toBeVisible();
  await fatouContext.close();

  // The evaluator sees that the certificate exists, cannot open it, and writes for the team.
  const fileHref = new URL(page.url()).pathname;
  const evaluatorContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const evaluator = await evaluatorContext.newPage();
  await newInsertionColleague(evaluator, testInfo, 'eric', 'Éric Évaluation', 'Évaluation handicap');
  await evaluator.goto(fileHref);
  await expect(evaluator.getByText(/Sous pli confidentiel/).first()).toBeVisible();
  await expect(evaluator.getByRole('link', { name: /Certificat médical/ })).toHaveCount(0);
  await evaluator.getByLabel('Domaine').selectOption('family');
  await evaluator.getByLabel('Observation', { exact: true }).fill('Vit avec sa mère ; école à 2 km.');
  await evaluator.getByRole('button', { name: "Enregistrer l'observation" }).click();
  await expect(evaluator.getByRole('status')).toContainText("L'observation est enregistrée");
  await evaluator.getByLabel('80 % et plus').check();
  await evaluator.getByLabel(/^Pas d.amélioration attendue/).check();
  await evaluator.getByRole('button', { name: 'Enregistrer le taux et les critères' }).click();
  await expect(evaluator.getByRole('status')).toContainText('Le taux et les critères sont enregistrés');
  await expectAccessible(evaluator, testInfo);
  // The team proposes on each right, then sends the plan to the parent.
  for (const right of [/^Proposition pour : Allocation d.éducation/, /^Proposition pour : Parcours de scolarisation/]) {
    await evaluator.getByLabel(right).selectOption('grant');
    await evaluator.getByLabel(right).locator('xpath=ancestor::form').getByRole('button', { name: 'Enregistrer la proposition' }).click();
    await expect(evaluator.getByRole('status')).toContainText('La proposition est enregistrée');
  }
  await evaluator.getByRole('button', { name: 'Envoyer le plan à la personne' }).click();
  await expect(evaluator.getByRole('status')).toContainText('15 jours pour y répondre');
  await evaluatorContext.close();

  // The parent reads the plan in her space and answers it, asking to be heard.
  const planContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const planReader = await planContext.newPage();
  await signInAsFatou(planReader);
  await planReader.goto('/demo/mon-espace/mdph');
  await planReader.getByRole('link', { name: new RegExp(reference) }).click();
  await planReader.getByRole('link', { name: 'Lire le plan et répondre' }).click();
  await expect(planReader.getByRole('heading', { level: 1 })).toHaveText('Votre plan personnalisé de compensation');
  await expectAccessible(planReader, testInfo);
  await planReader.getByLabel(/^Vos remarques sur ce plan/).fill('Il lui faut aussi un transport adapté.');
  await planReader.getByLabel(/^Je demande à être entendu/).check();
  await planReader.getByRole('button', { name: 'Envoyer ma réponse' }).click();
  await expect(planReader.getByRole('status')).toContainText('Votre réponse est envoyée');
  await planContext.close();

  // The physician opens the certificate and writes a medical observation, read by physicians only.
  const physicianContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const physician = await physicianContext.newPage();
  await newInsertionColleague(physician, testInfo, 'paule', 'Dr Paule Médecin', "Médecin de l'équipe d'évaluation");
  await physician.goto(fileHref);
  const download = physician.waitForEvent('download');
  await physician.getByRole('link', { name: /Certificat médical/ }).click();
  expect((await download).suggestedFilename()).toMatch(/certificat/);
  await physician.getByLabel('Domaine').selectOption('medical');
  await physician.getByLabel('Observation', { exact: true }).fill('Polyarthrite juvénile, atteinte des deux genoux.');
  await physician.getByRole('button', { name: "Enregistrer l'observation" }).click();
  await expect(physician.getByRole('status')).toContainText("L'observation est enregistrée");
  await expect(physician.getByText('Polyarthrite juvénile, atteinte des deux genoux.')).toBeVisible();
  await expectAccessible(physician, testInfo);
  await physicianContext.close();

  // Reception, who is no physician, reads that it exists, not what it says.
  await page.reload();
  await expect(page.getByText(/réservée aux médecins de l.équipe/).first()).toBeVisible();
  await expect(page.getByText(/Polyarthrite/)).toHaveCount(0);

  // The committee's secretariat opens a session, puts the file on it, and decides each right.
  const committeeContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const committee = await committeeContext.newPage();
  await newInsertionColleague(committee, testInfo, 'claire', 'Claire Commission', 'Commission (CDAPH)');
  await committee.goto('/demo/agents/handicap/commission');
  await expectAccessible(committee, testInfo);
  const today = new Date().toISOString().slice(0, 10);
  await committee.getByLabel('Date de la séance').fill(today);
  await committee.getByLabel('Plénière').check();
  await committee.getByRole('button', { name: 'Ouvrir la séance' }).click();
  await expect(committee.getByRole('heading', { level: 1 })).toContainText('Séance du');
  const sessionHref = new URL(committee.url()).pathname;
  await committee.goto(fileHref);
  await committee.getByLabel('Séance', { exact: true }).selectOption(sessionHref.split('/').pop()!);
  await committee.getByRole('button', { name: 'Inscrire le dossier' }).click();
  await expect(committee.getByRole('status')).toContainText('Le dossier est inscrit à la séance');
  await committee.goto(sessionHref);
  await expect(committee.getByText(reference)).toBeVisible();
  await expect(committee.getByText('Il lui faut aussi un transport adapté.')).toBeVisible();
  await expectAccessible(committee, testInfo);
  const aeeh = committee.getByRole('group', { name: /^Décision sur : Allocation d.éducation/ });
  await aeeh.getByLabel('Décision', { exact: true }).selectOption('granted');
  await aeeh.getByLabel('Début du droit').fill(today);
  await aeeh.getByLabel(/^Sans limitation de durée/).check();
  await aeeh.getByRole('button', { name: 'Enregistrer la décision' }).click();
  await expect(committee.getByRole('status')).toContainText('La décision est enregistrée');
  const schooling = committee.getByRole('group', { name: /^Décision sur : Parcours de scolarisation/ });
  await schooling.getByLabel('Décision', { exact: true }).selectOption('partial');
  await schooling.getByLabel('Début du droit').fill(today);
  await schooling.getByRole('button', { name: 'Enregistrer la décision' }).click();
  await expect(committee).toHaveTitle(/^Erreur : /);
  await expect(committee.getByRole('link', { name: /Motivez la décision/ })).toBeVisible();
  await expectAccessible(committee, testInfo);
  const schoolingAgain = committee.getByRole('group', { name: /^Décision sur : Parcours de scolarisation/ });
  await schoolingAgain.getByLabel('Décision', { exact: true }).selectOption('partial');
  await schoolingAgain.getByLabel('Début du droit').fill(today);
  // Five months: within the six months when a renewal is asked for.
  const inFiveMonths = new Date(Date.now() + 150 * 86_400_000).toISOString().slice(0, 10);
  await schoolingAgain.getByLabel('Fin du droit').fill(inFiveMonths);
  await schoolingAgain.getByLabel(/^Motifs/).fill('Un accompagnement mutualisé répond aux besoins.');
  await schoolingAgain.getByRole('button', { name: 'Enregistrer la décision' }).click();
  await expect(committee.getByRole('status')).toContainText('la personne est notifiée');
  await committeeContext.close();

  // Fatou reads each notification in her space.
  const readerContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const reader = await readerContext.newPage();
  await signInAsFatou(reader);
  await reader.goto('/demo/mon-espace/mdph');
  await reader.getByRole('link', { name: new RegExp(reference) }).click();
  await expect(reader.getByText('Accordé en partie')).toBeVisible();
  await expectAccessible(reader, testInfo);
  const letter = reader.waitForEvent('download');
  await reader.getByRole('link', { name: 'Lire la notification (PDF)' }).first().click();
  expect((await letter).suggestedFilename()).toMatch(/^notification-MDPH-/);

  // She contests the partial grant: her reasons are required, then the appeal is on record.
  await reader.getByRole('row', { name: /scolarisation/ }).getByRole('link', { name: 'Contester cette décision' }).click();
  await expect(reader.getByRole('heading', { level: 1 })).toContainText('Contester la décision');
  await expectAccessible(reader, testInfo);
  await reader.getByRole('button', { name: 'Envoyer mon recours' }).click();
  await expect(reader).toHaveTitle(/^Erreur : /);
  await expect(reader.getByRole('link', { name: /Expliquez pourquoi/ })).toBeVisible();
  await reader.getByLabel('Pourquoi contestez-vous cette décision ?').fill('Moussa a besoin d’une aide individuelle, pas mutualisée.');
  await reader.getByRole('button', { name: 'Envoyer mon recours' }).click();
  await expect(reader.getByRole('status')).toContainText('Votre recours est envoyé');
  await expect(reader.getByText(/Recours en cours d.examen/)).toBeVisible();
  await expectAccessible(reader, testInfo);

  // The right ending within six months: her space invites her to renew it, and she starts.
  await reader.goto('/demo/mon-espace/mdph');
  await expect(reader.getByText('Pensez à demander le renouvellement')).toBeVisible();
  await expectAccessible(reader, testInfo);
  await reader.getByRole('button', { name: 'Demander un renouvellement' }).click();
  await expect(reader.getByText('Étape 1 sur 6')).toBeVisible();
  await readerContext.close();

  // The secretariat re-examines the appeal and maintains the decision, with its reasons.
  const appealsContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const secretariat = await appealsContext.newPage();
  await newInsertionColleague(secretariat, testInfo, 'claude', 'Claude Commission', 'Commission (CDAPH)');
  await secretariat.goto('/demo/agents/handicap/suivi');
  await expect(secretariat.getByText(/aide individuelle, pas mutualisée/)).toBeVisible();
  await expectAccessible(secretariat, testInfo);
  const answer = secretariat.getByRole('group', { name: /^Réponse au recours/ });
  await answer.getByLabel('La commission maintient sa décision').check();
  await answer.getByLabel('Motifs de la réponse').fill('L’accompagnement mutualisé couvre les besoins décrits.');
  await answer.getByRole('button', { name: 'Enregistrer la réponse' }).click();
  await expect(secretariat.getByRole('status')).toContainText('La réponse au recours est enregistrée');
  await expect(secretariat.getByText('Aucun recours en attente.')).toBeVisible();
  await appealsContext.close();
});

async function sendPiece(page: Page, kind: string, file: ReturnType<typeof PDF>, dated?: string) {
  await page.getByLabel('Quelle pièce envoyez-vous ?').selectOption(kind);
  await page.getByLabel('Le fichier').setInputFiles(file);
  if (dated) {
    await page.getByLabel(/sa date/).fill(dated);
    await page.getByLabel(/numéro RPPS/).fill('10000000000');
  }
  await page.getByRole('button', { name: 'Envoyer la pièce' }).click();
}
