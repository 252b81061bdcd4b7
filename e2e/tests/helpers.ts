import { test as base, expect, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const DEMO_PASSWORD = 'demo-guichet-2026';
export const ADMIN = 'admin@demo.guichet.test';

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the current page and fails on any violation.
 * With the page's JavaScript off, axe cannot run in it (its timers never fire), so the exact
 * server-rendered DOM, scripts removed, is audited in a script-enabled page of the same origin.
 * (The FranceConnect simulator's pages, with inline styles, are audited in an empty page.)
 */
export async function expectAccessible(page: Page, testInfo: TestInfo) {
  let target = page;
  let context: BrowserContext | undefined;
  if (!hydrated(testInfo)) {
    const html = (await page.content()).replace(/<script[\s\S]*?<\/script>/g, '');
    context = await page.context().browser()!.newContext({ javaScriptEnabled: true });
    target = await context.newPage();
    // Same origin, so the page's stylesheet loads; the FranceConnect simulator (another
    // origin, styles inline) has no /sante: a fresh empty page will do there.
    const sameOrigin = await target.goto(new URL('/sante', page.url()).href).catch(() => null);
    if (!sameOrigin?.ok()) {
      await target.close();
      target = await context.newPage();
    }
    await target.setContent(html, { waitUntil: 'load' });
  }
  await target.evaluate(axeSource);
  const violations = await target.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v: { id: string; help: string; nodes: { target: string[] }[] }) =>
      `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  await context?.close();
  expect(violations, `axe violations on ${page.url()}`).toEqual([]);
}

export function hydrated(testInfo: TestInfo) {
  return testInfo.project.name === 'hydrate';
}

/** In the hydrated project, waits until the islands are live. */
export async function waitForIslands(page: Page, testInfo: TestInfo) {
  if (hydrated(testInfo)) {
    // Generous: a debug build's WebAssembly is large and CI machines are busy.
    await expect(page.getByRole('button', { name: 'Afficher le mot de passe' })).toBeVisible({ timeout: 30_000 });
  }
}

export async function signIn(page: Page, testInfo: TestInfo, email: string, password: string) {
  await page.goto('/demo/agents/connexion');
  await waitForIslands(page, testInfo);
  await page.getByLabel('Adresse électronique professionnelle').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

/**
 * `test` with a page that fails the test on any script error or console error: a hydration
 * mismatch only shows there, while the server-rendered page still looks right.
 */
export const test = base.extend({
  page: async ({ page }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // Expected 4xx answers (wrong password, 404 pages) are logged by Chromium as resource errors.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        problems.push(`console error: ${m.text()}`);
      }
    });
    await use(page);
    expect(problems, 'the browser reported errors').toEqual([]);
  },
});
