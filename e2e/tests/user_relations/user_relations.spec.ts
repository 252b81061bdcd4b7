import { expect, type Page } from '@playwright/test';
import { DEMO_PASSWORD, expectAccessible, fileRentAidAsFatou, hydrated, signIn, signInAsFatou, test } from '../helpers';

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
  await staff.getByRole('link', { name: 'Rendez-vous', exact: true }).first().click();
  await expect(staff.getByRole('heading', { name: 'Rendez-vous', level: 1 })).toBeVisible();
  const day = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await staff.getByLabel('Service').fill(service);
  await staff.getByLabel('Lieu').fill('Maison du département, 3 rue Guillemette, Nîmes');
  await staff.getByLabel('Jour').fill(day);
  await staff.getByLabel('Heure du premier créneau').fill('09:30');
  await staff.getByLabel("Durée d'un créneau").fill('30');
  // Forty-one slots in a row is a mistake: named at its field, everything else kept.
  await staff.getByLabel('Nombre de créneaux à la suite').fill('41');
  await staff.getByRole('button', { name: 'Publier' }).click();
  await expect(staff).toHaveTitle(/^Erreur : /);
  await expect(staff.locator('.error-summary')).toBeFocused();
  await expect(staff.locator('#count-error')).toContainText('entre 1 et 40');
  await expect(staff.getByLabel('Service')).toHaveValue(service);
  await expectAccessible(staff, testInfo);
  await staff.locator('.error-summary').getByRole('link', { name: /entre 1 et 40/ }).click();
  await expect(staff.getByLabel('Nombre de créneaux à la suite')).toBeFocused();
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
  // Slots are grouped by day; a slot is labelled by its time alone when its whole day is at
  // one place (named once, under the date), by its time and place otherwise.
  const esc = service.replace(/[()]/g, '\\$&');
  await page.locator('fieldset.slot-day', { hasText: service })
    .getByLabel(new RegExp(`^09:30 \\(30 min\\)( — ${esc} — .*)?$`)).check();
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
  await staff.getByRole('link', { name: 'Messages des usagers' }).first().click();
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
  await page.getByRole('link', { name: /Annuler le rendez-vous du .* à 09:30/ }).first().click();
  // One tap never cancels: the page asks first.
  await expect(page.getByRole('heading', { name: /Annuler votre rendez-vous du .* à 09:30/ })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Oui, annuler ce rendez-vous' }).click();
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

// Assisted filing: reception records a mandate with Angela at the desk (mistakes named), files
// the rent aid for her under it, and she revokes it from her space; reception can then file
// nothing more under it. Two browsers, JavaScript off and on, axe on every page.
test('a receptionist files for a citizen under a mandate and the citizen revokes it', async ({ page, browser }, testInfo) => {
  await page.goto('/demo/connexion');
  await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await page.getByRole('button', { name: 'Se connecter en tant que Angela Claire Louise DUBOIS' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bonjour Angela DUBOIS');

  const staffContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const staff = await staffContext.newPage();
  await signIn(staff, testInfo, RECEPTION, DEMO_PASSWORD);
  await staff.goto('/demo/agents/usagers');
  await staff.getByLabel("Nom ou prénom de l'usager").fill('dubois');
  await staff.getByRole('button', { name: 'Rechercher' }).click();
  // Other DUBOIS may be known (people imported by other journeys): hers, by her first name.
  await staff.getByRole('link', { name: /DUBOIS.*Angela|Angela.*DUBOIS/i }).first().click();
  await expect(staff.getByRole('heading', { name: 'Dossier de Angela DUBOIS', level: 1 })).toBeVisible();
  await staff.getByRole('link', { name: 'Enregistrer un mandat de dépôt' }).click();
  await expect(staff.getByRole('heading', { name: 'Enregistrer un mandat de dépôt pour Angela DUBOIS', level: 1 })).toBeVisible();
  await expectAccessible(staff, testInfo);

  // Without the boxes ticked, nothing is recorded and the page says what is missing.
  await staff.getByLabel('Ce que couvre le mandat').selectOption({ label: 'La demande « Aide au paiement du loyer »' });
  await staff.getByRole('button', { name: 'Enregistrer le mandat' }).click();
  await expect(staff.getByRole('alert')).toContainText('la personne présente');
  await expect(staff.getByRole('alert')).toContainText("pièce d'identité");
  // Each mistake is also said at its box, and the summary leads there.
  await expect(staff.locator('#identite-error')).toContainText("pièce d'identité");
  await staff.locator('.error-summary').getByRole('link', { name: /la personne présente/ }).click();
  await expect(staff.getByLabel("La personne est présente et m'a donné son accord pour ce mandat")).toBeFocused();
  await expectAccessible(staff, testInfo);
  await staff.getByLabel("La personne est présente et m'a donné son accord pour ce mandat").check();
  await staff.getByLabel("J'ai vérifié son identité sur une pièce d'identité").check();
  await staff.getByRole('button', { name: 'Enregistrer le mandat' }).click();
  await expect(staff.getByRole('status')).toContainText('Le mandat est enregistré. La personne est prévenue par courriel');
  await expectAccessible(staff, testInfo);

  // Reception fills the form in with her, through the citizen's own pages.
  await staff.getByRole('button', { name: 'Remplir « Aide au paiement du loyer »' }).click();
  await expect(staff.getByText('Étape 1 sur 2')).toBeVisible();
  await expect(staff.getByRole('note')).toContainText('Dépôt assisté : vous remplissez cette demande pour Angela DUBOIS');
  await expectAccessible(staff, testInfo);
  await staff.getByLabel('Montant de votre loyer mensuel').fill('610');
  await staff.getByLabel('Nombre de personnes dans votre foyer').fill('2');
  await staff.getByLabel('Fichier').setInputFiles({ name: 'quittance.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n') });
  await staff.getByRole('button', { name: 'Continuer' }).click();
  await expect(staff.getByText('Étape 2 sur 2')).toBeVisible();
  await staff.getByLabel('Locataire', { exact: true }).check();
  await staff.getByLabel('Non').check();
  await staff.getByRole('button', { name: 'Continuer' }).click();
  await expect(staff.getByRole('heading', { level: 1 })).toContainText('Vérifiez la demande avec la personne');
  await expect(staff.getByText('610,00')).toBeVisible();
  await expectAccessible(staff, testInfo);
  await staff.getByRole('button', { name: 'Déposer la demande pour elle' }).click();
  await expect(staff.getByRole('status')).toContainText(/La demande est déposée : référence DEMO-\d{4}-\d{6}/);
  const reference = (await staff.getByRole('status').textContent())!.match(/DEMO-\d{4}-\d{6}/)![0];
  await expect(staff.getByRole('row', { name: new RegExp(`Aide au paiement du loyer.*${reference}`) })).toBeVisible();
  await expectAccessible(staff, testInfo);

  // Angela finds the request in her space, and her mandate, which she revokes.
  await page.goto('/demo/mon-espace');
  await expect(page.getByText(`Référence ${reference}`)).toBeVisible();
  await page.getByRole('link', { name: 'Mes mandats' }).click();
  await expect(page.getByRole('heading', { name: 'Mes mandats', level: 1 })).toBeVisible();
  await expect(page.getByText(reference)).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Révoquer ce mandat' }).click();
  await expect(page.getByRole('status')).toContainText('Le mandat est révoqué');
  await expect(page.getByRole('button', { name: 'Révoquer ce mandat' })).toHaveCount(0);
  await expectAccessible(page, testInfo);
  await page.goto('/demo/mon-espace/journal');
  await expect(page.getByRole('row', { name: /Relation usager — Accueil.*Dépôt d'une demande \(dépôt assisté\)/ }).first()).toBeVisible();

  // Reception can file nothing more under it.
  await staff.reload();
  await expect(staff.getByText(/Révoqué par la personne le/)).toBeVisible();
  await expect(staff.getByRole('button', { name: 'Remplir « Aide au paiement du loyer »' })).toHaveCount(0);
  await expectAccessible(staff, testInfo);
  await staffContext.close();
});

// Records opened by hand at the desk: mistakes named, a likely duplicate flagged, the two merged;
// then an instructor is refused the wider access to it (nothing is being instructed) and opens
// Fatou's with a reason, which she sees; the supervisor ends it and reads the module's figures. JavaScript off and on, axe on every page.
test('reception merges a duplicate record; the wider access needs a file being instructed and a reason, the citizen sees it, the supervisor ends it', async ({ page, browser }, testInfo) => {
  const given = hydrated(testInfo) ? 'Léon' : 'Lucien';
  await signIn(page, testInfo, RECEPTION, DEMO_PASSWORD);
  await page.goto('/demo/agents/usagers/nouveau');
  await expect(page.getByRole('heading', { name: 'Ouvrir un dossier', level: 1 })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel('Prénoms').fill(given);
  await page.getByLabel('Nom de naissance').fill('Martin');
  await page.getByLabel('Date de naissance').fill('2090-03-04');
  await page.getByRole('button', { name: 'Ouvrir le dossier' }).click();
  await expect(page.getByRole('alert')).toContainText("La date de naissance n'est pas plausible");
  await expectAccessible(page, testInfo);

  const open = async () => {
    await page.getByLabel('Prénoms').fill(given);
    await page.getByLabel('Nom de naissance').fill('Martin');
    await page.getByLabel('Date de naissance').fill('1950-03-04');
  };
  await open();
  await page.getByRole('button', { name: 'Ouvrir le dossier' }).click();
  await expect(page.getByRole('heading', { name: `Dossier de ${given} MARTIN`, level: 1 })).toBeVisible();
  const firstRecord = new URL(page.url()).pathname;

  // The same person again: reception is warned, and goes on only once it has checked.
  await page.goto('/demo/agents/usagers/nouveau');
  await open();
  await page.getByRole('button', { name: 'Ouvrir le dossier' }).click();
  await expect(page.getByRole('alert')).toContainText('Un dossier existe peut-être déjà pour cette personne');
  await expectAccessible(page, testInfo);
  await page.getByLabel("J'ai vérifié : ce n'est pas la même personne, ouvrir un nouveau dossier").check();
  await page.getByRole('button', { name: 'Ouvrir le dossier' }).click();
  await expect(page.getByRole('heading', { name: `Dossier de ${given} MARTIN`, level: 1 })).toBeVisible();
  expect(new URL(page.url()).pathname).not.toBe(firstRecord);
  await expect(page.getByRole('heading', { name: 'Dossiers qui pourraient être la même personne' })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel(new RegExp(`J'ai vérifié : MARTIN ${given} .* est la même personne`)).check();
  await page.getByRole('button', { name: 'Fusionner dans ce dossier' }).click();
  await expect(page.getByRole('status')).toContainText("Les deux dossiers n'en font plus qu'un");
  await expect(page.getByRole('heading', { name: 'Dossiers qui pourraient être la même personne' })).toHaveCount(0);
  await expectAccessible(page, testInfo);
  const kept = new URL(page.url()).pathname;

  // A message without its subject comes back with every word typed, the mistake at its field.
  const words = "Pouvez-vous passer à l'accueil avec votre avis d'imposition ?";
  await page.locator('#message_body').fill(words);
  await page.getByRole('button', { name: 'Envoyer le message' }).click();
  await expect(page).toHaveTitle(/^Erreur : /);
  await expect(page.locator('#message_body')).toHaveValue(words);
  await expect(page.locator('#message_subject-error')).toContainText("Indiquez l'objet");
  await expectAccessible(page, testInfo);

  // Nothing of that record is being instructed: no wider access to it.
  const instructorContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const instructor = await instructorContext.newPage();
  await signIn(instructor, testInfo, 'aid-instructor@demo.guichet.test', DEMO_PASSWORD);
  await instructor.goto(`${kept}/acces-elargi`);
  await expect(instructor.getByRole('heading', { name: 'Accès refusé', level: 1 })).toBeVisible();
  await expect(instructor.getByText("n'a pas de dossier en cours")).toBeVisible();
  await expectAccessible(instructor, testInfo);

  // Fatou's request is: the instructor opens her whole record, with a reason.
  const citizenContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const citizen = await citizenContext.newPage();
  const reference = await fileRentAidAsFatou(citizen, '480', '1', 'bail.pdf');
  await instructor.goto('/demo/agents/demandes?tri=depot');
  await instructor.getByRole('link', { name: reference }).click();
  await instructor.getByRole('link', { name: /Voir tout le dossier de l'usager/ }).click();
  await expect(instructor.getByRole('heading', { name: "Accès élargi au dossier d'un usager", level: 1 })).toBeVisible();
  await expectAccessible(instructor, testInfo);
  await instructor.getByLabel('Pourquoi avez-vous besoin du dossier complet ?').fill('pour voir');
  await instructor.getByRole('button', { name: 'Ouvrir le dossier complet' }).click();
  await expect(instructor.getByRole('alert')).toBeVisible();
  await expectAccessible(instructor, testInfo);
  const reason = "Vérifier l'adresse avant d'envoyer un courrier de décision";
  await instructor.getByLabel('Pourquoi avez-vous besoin du dossier complet ?').fill(reason);
  await instructor.getByRole('button', { name: 'Ouvrir le dossier complet' }).click();
  await expect(instructor.getByRole('heading', { name: 'Dossier de Fatou DIALLO', level: 1 })).toBeVisible();
  await expect(instructor.getByRole('button', { name: 'Enregistrer le contact' })).toHaveCount(0);
  await expectAccessible(instructor, testInfo);
  const fatouRecord = instructor.url();

  // Fatou sees it open, with its reason.
  await signInAsFatou(citizen);
  await citizen.goto('/demo/mon-espace/journal');
  await expect(citizen.getByRole('heading', { name: 'Accès élargis en cours' })).toBeVisible();
  await expect(citizen.getByRole('cell', { name: reason }).first()).toBeVisible();
  await expectAccessible(citizen, testInfo);
  await citizenContext.close();

  // The supervisor sees the open access (the citizen by number) and ends it.
  const supervisorContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const supervisor = await supervisorContext.newPage();
  await signIn(supervisor, testInfo, 'supervisor@demo.guichet.test', DEMO_PASSWORD);
  await supervisor.getByRole('link', { name: 'Accès élargis en cours' }).first().click();
  await expect(supervisor.getByRole('heading', { name: 'Accès élargis en cours', level: 1 })).toBeVisible();
  await expect(supervisor.getByText('DIALLO')).toHaveCount(0);
  await expectAccessible(supervisor, testInfo);
  await supervisor.getByRole('button', { name: /Fermer l'accès de Agent démo — Instruction/ }).first().click();
  await expect(supervisor.getByRole('status')).toContainText("L'accès élargi est fermé");
  await expectAccessible(supervisor, testInfo);
  await instructor.goto(fatouRecord);
  await expect(instructor.getByRole('heading', { name: 'Accès refusé', level: 1 })).toBeVisible();
  await instructorContext.close();

  // The supervisor's figures: no names.
  await supervisor.goto('/demo/agents/modules/user_relations');
  await expect(supervisor.getByText('Usagers connus du département')).toBeVisible();
  await expect(supervisor.getByText('MARTIN')).toHaveCount(0);
  await expectAccessible(supervisor, testInfo);
  await supervisorContext.close();
});
