import { expect } from '@playwright/test';
import { expectAccessible, hydrated, signInAsAdmin, test } from '../helpers';
import { importFileNaming, newInsertionColleague } from './insertion';

// Early detection: the administrator switches the « not oriented after 4 weeks » rule on (each
// rule explained beside its box); an officer imports a file dated two months ago, finds the
// person in « Repérage — Insertion (RSA) » and opens the file from there (journaled for the
// person). JavaScript off and on, axe on every page.
test('the administrator switches a rule on; an officer finds a person not oriented after 4 weeks and opens the file', async ({ page, browser }, testInfo) => {
  const person = hydrated(testInfo)
    ? { applicant: 'LAMBERT;Rose;1979-03-02', family: 'LAMBERT', seed: '52' }
    : { applicant: 'FONTAINE;Yves;1968-11-30', family: 'FONTAINE', seed: '51' };

  const context = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const admin = await context.newPage();
  await signInAsAdmin(admin);
  await admin.getByRole('link', { name: 'Règles de repérage' }).first().click();
  await expect(admin.getByRole('heading', { level: 1 })).toHaveText('Règles de repérage');
  await expectAccessible(admin, testInfo);
  const rule = admin.getByRole('checkbox', { name: 'Bénéficiaires du RSA sans orientation après 4 semaines' });
  await expect(rule).toHaveAccessibleDescription(/il y a plus de 4 semaines/);
  await rule.check();
  await admin.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(admin.getByRole('status')).toContainText('Règles de repérage enregistrées');
  await expect(rule).toBeChecked();
  await context.close();

  await newInsertionColleague(page, testInfo, 'rita', 'Rita Repérage', 'Orientation insertion (RSA)');
  const twoMonthsAgo = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
  await importFileNaming(page, testInfo, person.applicant, person.seed, twoMonthsAgo);
  await page.goto('/demo/agents/');
  await page.getByRole('link', { name: 'Repérage — Insertion (RSA)' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Repérage — Insertion (RSA)');
  const section = page.getByRole('region', { name: 'Bénéficiaires du RSA sans orientation après 4 semaines' });
  const row = section.getByRole('row').filter({ hasText: person.family });
  await expect(row).toContainText('sans orientation');
  await expectAccessible(page, testInfo);
  await row.getByRole('link', { name: 'Ouvrir le dossier' }).click();
  await expect(page).toHaveURL(/\/demo\/agents\/insertion\/personnes\/\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(person.family);
});
