import { defineConfig } from '@playwright/test';

// The server under test: the real `guichet` binary on a fresh data directory with the demo
// department. Build it first (`scripts/build-site.sh`), as scripts/test.sh does.
const port = Number(process.env.E2E_PORT ?? 3107);
const dataDir = process.env.E2E_DATA_DIR ?? `/tmp/guichet-e2e-${process.pid}`;
// Workers evaluate this file again in processes of their own: they inherit the directory, where
// the demo writes its mail (`courriels/`), which tests read links from.
process.env.E2E_DATA_DIR = dataDir;

// Statistical secrecy at 2 persons rather than 11: a few requests filed by the tests make a
// chart to read (statistics.spec.ts).
export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  // The longest journeys (four people, twenty pages, JavaScript off) take about 25 s on two
  // shared cores alone, and more than twice that with the other project running beside them
  // (scripts/test.sh): the JavaScript-off contract journey crossed 60 s so on 2026-12-06.
  timeout: 120_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'sans-javascript', use: { javaScriptEnabled: false } },
    { name: 'hydrate', use: { javaScriptEnabled: true } },
  ],
  webServer: {
    command: `rm -rf ${dataDir} && ${process.env.GUICHET_BIN ?? '../target/debug/guichet'} serve --demo --statistics-threshold 2 --addr 127.0.0.1:${port} --site-root ${process.env.GUICHET_SITE_ROOT ?? '../target/site'} --data-dir ${dataDir}`,
    url: `http://127.0.0.1:${port}/sante`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
  },
});
