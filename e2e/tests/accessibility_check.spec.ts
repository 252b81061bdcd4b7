import { test, expect } from '@playwright/test';
import { expectAccessible } from './helpers';

// The accessibility check itself can fail: with JavaScript off it audits a copy of each page in
// a script-enabled page it reuses (helpers.ts, `auditPage`), and a page with a violation seen
// after a clean one must still be reported.
test('the accessibility check reports a violation on a page audited after a clean one', async ({ page }, testInfo) => {
  await page.goto('/demo/');
  await expectAccessible(page, testInfo);
  await page.route('**/demo/piege', (route) => route.fulfill({
    contentType: 'text/html',
    body: '<!DOCTYPE html><html lang="fr"><head><title>Piège</title></head><body><main><h1>Piège</h1><img src="/pkg/absente.png"></main></body></html>',
  }));
  await page.goto('/demo/piege');
  const reported = await expectAccessible(page, testInfo).then(() => '', (e) => String(e));
  expect(reported).toContain('image-alt');
});
