import { expect } from '@playwright/test';
import { expectAccessible, hydrated, test } from '../helpers';
import { importFileNaming, newInsertionColleague } from './insertion';

// The contrat d'engagement and a sanction case: a fund's file names a citizen who has an account;
// the officer orients them, the referent writes the contract and signs it for the department; the
// person reads it in their space, signs it and marks an action done; the officer opens a sanction
// case and the person answers from their space. Three browsers, JavaScript off and on, axe on
// every page.
test('the referent writes a contract, the person signs it; an officer opens a sanction case and the person answers', async ({ page, browser }, testInfo) => {
  // One person per project: the demo keeps what the other project did.
  const person = hydrated(testInfo)
    ? { button: 'Marie Thérèse LEROY', name: 'Marie MARTIN', applicant: 'LEROY;Marie Thérèse;1951-11-30', search: 'leroy', seed: '31' }
    : { button: 'Karim BENALI', name: 'Karim BENALI', applicant: 'BENALI;Karim;1988-03-02', search: 'benali', seed: '30' };
  const citizenContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const citizen = await citizenContext.newPage();
  await citizen.goto('/demo/connexion');
  await citizen.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await citizen.getByRole('button', { name: `Se connecter en tant que ${person.button}` }).click();
  await expect(citizen.getByRole('heading', { level: 1 })).toHaveText(`Bonjour ${person.name}`);

  // The officer imports the month's file, which names them, and orients them.
  const officerContext = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const officer = await officerContext.newPage();
  await newInsertionColleague(officer, testInfo, 'olivier', 'Olivier Orientation', 'Orientation insertion (RSA)');
  await importFileNaming(officer, testInfo, person.applicant, person.seed);
  await officer.goto(`/demo/agents/insertion?q=${person.search}`);
  await officer.locator('table a').first().click();
  await officer.getByLabel('Professionnel : France Travail').check();
  await officer.getByLabel('Organisme qui accompagne').fill('France Travail');
  await officer.getByLabel('Motif').fill('Prêt à reprendre un emploi, vu en entretien.');
  await officer.getByRole('button', { name: 'Enregistrer la décision' }).click();
  await expect(officer.getByRole('status')).toContainText("L'orientation est décidée.");
  await expect(officer.getByText('Délai pour signer le contrat')).toBeVisible();
  const personPage = officer.url().replace(/\?.*$/, '');

  // The referent writes the contract: a mistake first, said at its field.
  await newInsertionColleague(page, testInfo, 'rachid', 'Rachid Référent', 'Référent insertion');
  await page.goto(personPage);
  await page.getByRole('link', { name: 'Voir et préparer le contrat' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("Contrat d'engagement");
  await expectAccessible(page, testInfo);
  await page.getByLabel('Heures d\'activité par semaine').fill('10');
  await page.getByRole('button', { name: 'Préparer le contrat' }).click();
  await expect(page).toHaveTitle(/^Erreur : /);
  await expect(page.getByRole('link', { name: /Écrivez les objectifs/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /raison de la réduction/ })).toBeVisible();
  await expectAccessible(page, testInfo);
  await page.getByLabel('Objectifs').fill('Reprendre un emploi de cariste dans les six mois.');
  await page.getByLabel('Heures d\'activité par semaine').fill('15');
  const review = new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await page.getByLabel('Prochain point sur le contrat').fill(review);
  await page.getByRole('button', { name: 'Préparer le contrat' }).click();
  await expect(page.getByRole('status')).toContainText('Les termes du contrat sont enregistrés.');
  await page.getByLabel('Thème').selectOption({ label: 'Formation' });
  await page.getByLabel('Action', { exact: true }).fill('Passer le CACES 3');
  await page.getByRole('button', { name: "Ajouter l'action" }).click();
  await expect(page.getByRole('status')).toContainText("L'action est ajoutée au contrat.");
  await expectAccessible(page, testInfo);
  await page.getByRole('button', { name: 'Signer pour le département' }).click();
  await expect(page.getByRole('status')).toContainText('signé pour le département');
  await expect(page.getByText('À signer par la personne').first()).toBeVisible();
  await expectAccessible(page, testInfo);

  // The person reads it in their space, signs it, and says an action is done.
  await citizen.goto('/demo/mon-espace');
  await citizen.getByRole('link', { name: 'Accompagnement au titre du RSA' }).click();
  await expect(citizen.getByRole('heading', { name: 'Votre contrat à signer' })).toBeVisible();
  await expect(citizen.getByText('Reprendre un emploi de cariste dans les six mois.').first()).toBeVisible();
  await expectAccessible(citizen, testInfo);
  await citizen.getByRole('button', { name: 'Signer mon contrat' }).click();
  await expect(citizen.getByRole('link', { name: /Cochez la case/ })).toBeVisible();
  await citizen.getByLabel("J'ai lu mon contrat d'engagement et je m'engage à le suivre.").check();
  await citizen.getByRole('button', { name: 'Signer mon contrat' }).click();
  await expect(citizen.getByRole('status')).toContainText('Votre contrat est signé');
  await expectAccessible(citizen, testInfo);
  await citizen.getByRole('button', { name: "C'est fait : Passer le CACES 3" }).click();
  await expect(citizen.getByRole('status')).toContainText("C'est noté");
  await expect(citizen.getByText(/Faite le .* \(la personne\)/)).toBeVisible();
  await expectAccessible(citizen, testInfo);

  // The referent sees it.
  await page.reload();
  await expect(page.getByText('Signé dans son espace le').first()).toBeVisible();
  await expect(page.getByText(/\(la personne\)/).first()).toBeVisible();

  // The officer opens a sanction case: a rate under the legal floor is refused at its field.
  await officer.goto(personPage);
  await officer.getByRole('link', { name: 'Ouvrir une procédure de sanction' }).click();
  await expect(officer.getByRole('heading', { level: 1 })).toHaveText('Ouvrir une procédure de sanction');
  await expectAccessible(officer, testInfo);
  await officer.getByLabel('Absence à un rendez-vous sans motif légitime').check();
  await officer.getByLabel('Les faits').fill('Absent au rendez-vous du 3 novembre, sans nouvelles.');
  await officer.getByLabel('Taux de la suspension').fill('20');
  await officer.getByRole('button', { name: 'Ouvrir la procédure' }).click();
  await expect(officer.getByRole('link', { name: /30 % au moins/ })).toBeVisible();
  await expectAccessible(officer, testInfo);
  await officer.getByLabel('Taux de la suspension').fill('30');
  await officer.getByRole('button', { name: 'Ouvrir la procédure' }).click();
  await expect(officer.getByRole('heading', { level: 1 })).toHaveText(/^Procédure de sanction n° \d+$/);
  await officer.getByRole('button', { name: 'Informer la personne' }).click();
  await expect(officer.getByRole('status')).toContainText('La personne est informée');
  await expectAccessible(officer, testInfo);

  // The person reads it and answers in writing.
  await citizen.goto('/demo/mon-espace/rsa');
  await expect(citizen.getByRole('heading', { name: 'Procédure de sanction' })).toBeVisible();
  await expect(citizen.getByText('Absent au rendez-vous du 3 novembre, sans nouvelles.')).toBeVisible();
  await expectAccessible(citizen, testInfo);
  await citizen.getByLabel('Vos observations').fill("J'étais hospitalisé ce jour-là ; je peux envoyer le bulletin.");
  await citizen.getByRole('button', { name: 'Envoyer mes observations' }).click();
  await expect(citizen.getByRole('status')).toContainText('Vos observations sont envoyées');
  await expect(citizen.getByText('Observations reçues').first()).toBeVisible();
  await expectAccessible(citizen, testInfo);
  await officer.reload();
  await expect(officer.getByText("J'étais hospitalisé ce jour-là ; je peux envoyer le bulletin.")).toBeVisible();
  await officerContext.close();
  await citizenContext.close();
});
