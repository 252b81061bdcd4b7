import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, type Page, type TestInfo } from '@playwright/test';
import { COLLEAGUE_PASSWORD, awayFromStepEnd, hydrated, newColleague, signIn, totp } from '../helpers';

export const GUICHET = process.env.GUICHET_BIN ?? '../target/debug/guichet';

/**
 * A new insertion colleague of the demo (`role` as the administrator's form labels it), one per
 * project: created by the administrator, activated, enrolled with an authenticator app (the
 * insertion roles reach social files), and signed in.
 */
export async function newInsertionColleague(page: Page, testInfo: TestInfo, who: string, name: string, role: string) {
  const email = `${who}.${testInfo.project.name}@demo.guichet.test`;
  await newColleague(page, testInfo, `${name} ${testInfo.project.name}`, email, role);
  await signIn(page, testInfo, email, COLLEAGUE_PASSWORD);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Double authentification');
  const key = (await page.locator('#secret').textContent()) ?? '';
  await awayFromStepEnd();
  await page.getByLabel('Code à 6 chiffres').fill(totp(key));
  await page.getByRole('button', { name: "Enregistrer l'application" }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vos codes de secours');
}

/** Waits on an import's page for `text`: refreshing by hand without JavaScript, by itself hydrated. */
export async function waitOnImport(page: Page, testInfo: TestInfo, text: string) {
  const refresh = page.getByRole('link', { name: "Actualiser l'avancement" });
  const shown = page.getByText(text, { exact: true }).first();
  for (let i = 0; i < 120 && !(await shown.isVisible()); i++) {
    if (!hydrated(testInfo) && (await refresh.isVisible())) await refresh.click();
    else await page.waitForTimeout(500);
  }
  await expect(shown).toBeVisible();
}

/**
 * The signed-in officer imports a generated monthly file whose first household is `applicant`
 * (`NOM;Prénom;AAAA-MM-JJ`): sent, previewed, confirmed, written. The file is dated today, or
 * `createdOn` (`AAAA-MM-JJ`): the people it names entered the RSA then.
 */
export async function importFileNaming(page: Page, testInfo: TestInfo, applicant: string, seed: string, createdOn?: string) {
  const file = testInfo.outputPath('flux-avec-personne.xml');
  const dated = createdOn ? ['--created-on', createdOn] : [];
  execFileSync(GUICHET, ['rsa-flux', '--households', '3', '--seed', seed, '--applicant', applicant, ...dated, '--out', file]);
  await page.goto('/demo/agents/insertion/imports');
  await page.getByLabel('Fichier XML de la caisse').setInputFiles({
    name: 'flux-rsa.xml', mimeType: 'text/xml', buffer: readFileSync(file),
  });
  await page.getByRole('button', { name: "Envoyer et voir l'aperçu" }).click();
  await waitOnImport(page, testInfo, 'Aperçu prêt : à confirmer');
  await page.getByRole('button', { name: "Confirmer l'import" }).click();
  await waitOnImport(page, testInfo, 'Importé');
}
