import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Screenshots of the main pages at 1280 and 390 px into docs/screens/ (not part of the test
// run): `npx playwright test -c screens.config.ts`, after `scripts/build-site.sh`.
export default defineConfig({
  ...base,
  testDir: './screens',
  projects: [{ name: 'screens', use: { javaScriptEnabled: true } }],
});
