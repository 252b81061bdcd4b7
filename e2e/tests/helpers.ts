import { test as base, expect, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const DEMO_PASSWORD = 'demo-guichet-2026';

/** The text of a mail the demo wrote as a `.eml` file (quoted-printable or base64 body). */
function mailText(eml: string): string {
  const [head, ...rest] = eml.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/content-transfer-encoding:\s*base64/i.test(head)) {
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/**
 * The path of the newest link to `path` mailed to `to`: without an SMTP server the demo writes
 * each mail as a file in `<data dir>/courriels`, read here as a person reads their mail.
 */
export async function mailedLink(to: string, path: string): Promise<string> {
  const dir = `${process.env.E2E_DATA_DIR}/courriels`;
  for (let attempt = 0; attempt < 50; attempt++) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.eml')).sort().reverse();
    } catch {
      // Not written yet.
    }
    for (const name of names) {
      const eml = readFileSync(`${dir}/${name}`, 'utf8');
      if (!new RegExp(`^To: .*${to.replace(/[.]/g, '\\.')}`, 'mi').test(eml)) continue;
      const link = mailText(eml).match(new RegExp(`https?://\\S*${path}\\S*`));
      if (link) return new URL(link[0]).pathname + new URL(link[0]).search;
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`no mail to ${to} with a link to ${path} in ${dir}`);
}

/** A new colleague opens their activation link and chooses their password. */
export async function activate(page: Page, testInfo: TestInfo, email: string, password: string) {
  await page.goto(await mailedLink(email, '/agents/mot-de-passe/choisir'));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Activer votre compte');
  await expectAccessible(page, testInfo);
  await waitForIslands(page, testInfo);
  await page.getByLabel('Nouveau mot de passe', { exact: true }).fill(password);
  await page.getByLabel('Nouveau mot de passe, une seconde fois').fill(password);
  await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await expect(page.getByRole('status')).toContainText('Votre mot de passe est enregistré');
}
export const ADMIN = 'admin@demo.guichet.test';

/** The password colleagues created by the tests choose. */
export const COLLEAGUE_PASSWORD = 'une phrase de passe pour les tests';

/**
 * The demo's administrator creates a colleague with one role (its label, as the form shows it),
 * signs out, and the colleague chooses their password through the link mailed to them (no one
 * else ever sees it). An account of the project's own, so the demo accounts stay as they are.
 */
export async function newColleague(page: Page, testInfo: TestInfo, name: string, email: string, role: string) {
  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'Agents', exact: true }).first().click();
  await page.getByRole('link', { name: 'Créer un compte agent' }).click();
  await page.getByLabel('Nom et prénom').fill(name);
  await page.getByLabel('Adresse électronique professionnelle').fill(email);
  await page.getByLabel(role, { exact: true }).check();
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await activate(page, testInfo, email, COLLEAGUE_PASSWORD);
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the current page and fails on any violation.
 * With the page's JavaScript off, axe cannot run in it (its timers never fire), so the exact
 * server-rendered DOM, scripts removed, is audited in a script-enabled page of the same origin.
 * (The FranceConnect simulator's pages, with inline styles, are audited in an empty page.)
 */
export async function expectAccessible(page: Page, testInfo: TestInfo) {
  let target = page;
  if (!hydrated(testInfo)) {
    const html = (await page.content()).replace(/<script[\s\S]*?<\/script>/g, '');
    target = await auditPage(page);
    await target.setContent(html, { waitUntil: 'load' });
  }
  await expectReflow(page, target);
  await expectNoNativeValidation(page, target);
  await expectSummaryLinksToFields(page, target);
  // Kept across contents of the audit page (`document.open` keeps the window): injected once.
  if (!(await target.evaluate(() => 'axe' in window))) await target.evaluate(axeSource);
  const violations = await target.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v: { id: string; help: string; nodes: { target: string[] }[] }) =>
      `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  expect(violations, `axe violations on ${page.url()}`).toEqual([]);
}

/** The script-enabled page a JavaScript-off page is audited in, one per browser and origin. */
const auditPages = new Map<string, Page>();

/**
 * Same origin as `page`, so its stylesheet loads; the FranceConnect simulator (another origin,
 * styles inline) has no /sante: an empty page will do there. Made once and reused: a context
 * and a first load for each of some two hundred audits cost a minute of the JavaScript-off
 * journeys.
 */
async function auditPage(page: Page): Promise<Page> {
  const browser = page.context().browser()!;
  const origin = new URL(page.url()).origin;
  const kept = auditPages.get(origin);
  if (kept && !kept.isClosed() && kept.context().browser() === browser) return kept;
  const context: BrowserContext = await browser.newContext({ javaScriptEnabled: true });
  let target = await context.newPage();
  const sameOrigin = await target.goto(new URL('/sante', page.url()).href).catch(() => null);
  if (!sameOrigin?.ok()) {
    await target.close();
    target = await context.newPage();
  }
  auditPages.set(origin, target);
  return target;
}

/**
 * The page reflows at 320 CSS px (RGAA 10.11, WCAG 1.4.10): nothing wider than the screen but
 * what scrolls inside its own region (a wide table). Names the widest offenders if not.
 */
async function expectReflow(page: Page, target: Page) {
  const size = target.viewportSize();
  await target.setViewportSize({ width: 320, height: 800 });
  const overflow = await target.evaluate(() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return null;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 1)
      .filter((e) => !e.closest('.scroll-region'))
      .slice(-4)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${String(e.className).replace(/ /g, '.')}` : ''}`);
    return `${root.scrollWidth} px wide: ${culprits.join(', ')}`;
  });
  if (size) await target.setViewportSize(size);
  expect(overflow, `horizontal scrolling at 320 px on ${page.url()}`).toBeNull();
}

/**
 * No form leaves its checks to the browser, whose pop-ups speak the browser's language and
 * skip the error summary: every form with a constrained field carries `novalidate`, and the
 * server's French messages are the only ones.
 */
async function expectNoNativeValidation(page: Page, target: Page) {
  const unguarded = await target.evaluate(() =>
    [...document.querySelectorAll('form:not([novalidate])')]
      .filter((form) => form.querySelector(
        '[required], [min], [max], [pattern], input[type=email], input[type=number], input[type=url], input[type=date], input[type=time]'))
      .map((form) => form.getAttribute('action') ?? '(sans action)'));
  expect(unguarded, `forms without novalidate on ${page.url()}`).toEqual([]);
}

/**
 * Every item of an error summary that names a field leads to that field: a control of the
 * page with that id (GOV.UK error summary), never to nothing.
 */
async function expectSummaryLinksToFields(page: Page, target: Page) {
  const broken = await target.evaluate(() =>
    [...document.querySelectorAll('.error-summary a[href^="#"]')]
      .map((a) => a.getAttribute('href')!.slice(1))
      .filter((id) => !document.getElementById(id)?.matches('input, select, textarea, button')));
  expect(broken, `error summary links to no field on ${page.url()}`).toEqual([]);
}

export function hydrated(testInfo: TestInfo) {
  return testInfo.project.name === 'hydrate';
}

/** In the hydrated project, waits until the islands are live. */
export async function waitForIslands(page: Page, testInfo: TestInfo) {
  if (hydrated(testInfo)) {
    // Generous: a debug build's WebAssembly is large and CI machines are busy. Every password
    // field of the page has its button: the last one shows once all are hydrated.
    await expect(page.getByRole('button', { name: 'Afficher le mot de passe' }).last()).toBeVisible({ timeout: 30_000 });
  }
}

/** Signs Fatou DIALLO in through the FranceConnect simulator. */
export async function signInAsFatou(page: Page) {
  await page.goto('/demo/connexion');
  await page.getByRole('link', { name: "S'identifier avec FranceConnect" }).click();
  await page.getByRole('button', { name: 'Se connecter en tant que Fatou DIALLO' }).click();
}

/**
 * Fatou DIALLO files for the demo's rent aid (with a document), then signs out; returns the
 * request's reference.
 */
export async function fileRentAidAsFatou(page: Page, rent: string, household: string, fileName: string) {
  await signInAsFatou(page);
  await page.goto('/demo/aides/aide-au-paiement-du-loyer/demander');
  // A draft she left earlier is taken up as is; otherwise she starts one.
  const start = page.getByRole('button', { name: 'Commencer ma demande' });
  if (await start.isVisible()) await start.click();
  await page.getByLabel('Montant de votre loyer mensuel').fill(rent);
  await page.getByLabel('Nombre de personnes dans votre foyer').fill(household);
  await page.getByLabel('Fichier').setInputFiles({ name: fileName, mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n') });
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByLabel('Locataire', { exact: true }).check();
  await page.getByLabel('Oui').check();
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.getByRole('button', { name: 'Déposer ma demande' }).click();
  const status = await page.getByRole('status').textContent();
  const reference = status!.match(/DEMO-\d{4}-\d{6}/)![0];
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  return reference;
}

/**
 * Signs the demo's administrator, Claire DUPONT, in through the ProConnect simulator: her
 * identity provider asked for a second factor, so no code is asked here. (With her password
 * alone, an administrator is sent to enrol an authenticator app first.)
 */
export async function signInAsAdmin(page: Page) {
  await page.goto('/demo/agents/connexion');
  await page.getByRole('link', { name: "S'identifier avec ProConnect" }).click();
  await page.getByRole('button', { name: 'Se connecter en tant que Claire DUPONT' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Bonjour/);
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

/** RFC 4648 base32, as the enrolment page shows the key. */
function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** What an authenticator app shows (RFC 6238: HMAC-SHA-1, 30 s, 6 digits), `shift` steps away. */
export function totp(key: string, shift = 0): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + shift));
  const mac = createHmac('sha1', base32(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

/** Waits for a new 30 s step when the current one is nearly over, so that a code typed now is
 * still within the server's one step of skew when the form arrives (a slow CI run crossed it). */
export async function awayFromStepEnd(): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 200));
}
