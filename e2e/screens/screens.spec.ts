import { type Page } from '@playwright/test';
import { DEMO_PASSWORD, fileRentAidAsFatou, signIn, signInAsAdmin, signInAsFatou, test } from '../tests/helpers';

const WIDTHS = [1280, 390];

/** The page as it is now, at each width, whole, as a small JPEG. */
async function shoot(page: Page, name: string) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width > 800 ? 800 : 844 });
    // SCREENS_DIR: PNGs elsewhere, to look at them without keeping them.
    const dir = process.env.SCREENS_DIR;
    await page.screenshot(dir
      ? { path: `${dir}/${name}-${width}.png`, fullPage: true }
      : { path: `../docs/screens/${name}-${width}.jpg`, fullPage: true, type: 'jpeg', quality: 50 });
  }
}

test('main pages at 1280 and 390 px', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await page.goto('/demo/composants');
  await shoot(page, 'composants');
  await page.goto('/demo/aides');
  await shoot(page, 'catalogue');

  const reference = await fileRentAidAsFatou(page, '610', '2', 'quittance.pdf');
  await signInAsFatou(page);
  await shoot(page, 'mon-espace');
  await page.goto('/demo/aides/aide-au-paiement-du-loyer/demander');
  await page.getByRole('button', { name: 'Commencer ma demande' }).click();
  await page.getByLabel('Montant de votre loyer mensuel').fill('850 euros');
  await page.getByRole('button', { name: 'Continuer' }).click();
  await shoot(page, 'etape-erreurs');
  await page.goto('/demo/mon-espace/rendez-vous');
  await shoot(page, 'rendez-vous');
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  await signIn(page, testInfo, 'aid-instructor@demo.guichet.test', DEMO_PASSWORD);
  await page.goto('/demo/agents/demandes');
  await shoot(page, 'file-des-demandes');
  await page.getByRole('link', { name: reference }).click();
  await shoot(page, 'demande-agent');
  await page.getByLabel('Refusée').check();
  await page.getByLabel("La situation n'entre pas dans le champ de l'aide.").check();
  await page.getByLabel("Précisions pour l'usager (facultatif)").fill("Votre loyer est déjà couvert par l'aide au logement.");
  await page.getByRole('button', { name: "Enregistrer la décision et prévenir l'usager" }).click();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  await signInAsFatou(page);
  await page.getByRole('link', { name: /Aide au paiement du loyer/ }).first().click();
  await shoot(page, 'decision-usager');
  await page.getByRole('button', { name: 'Se déconnecter' }).click();

  // The administrator's home and journal.
  await signInAsAdmin(page);
  await shoot(page, 'accueil-administrateur');
  await page.goto('/demo/agents/admin/journal');
  await shoot(page, 'journal');
});
