// Names the site's files after their content and precompresses them, so browsers keep them for a
// year (`Cache-Control: immutable`) and slow links get brotli without the server compressing on
// each request. Run by build-site.sh on a staging site holding pkg/guichet.{js,wasm,css}.
//
// The loader and its WebAssembly share one name (Leptos derives both from the output name, and
// one build makes both); the stylesheet has its own, so a style change keeps the WebAssembly
// cached. assets.json, at the site's root (never served), tells the server the names.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const site = process.argv[2];
if (!site) {
  console.error('usage: node scripts/site-assets.mjs SITE_DIR');
  process.exit(2);
}
const pkg = join(site, 'pkg');
const read = (name) => readFileSync(join(pkg, name));

const digest = (...contents) => {
  const hash = createHash('sha256');
  for (const c of contents) hash.update(c);
  return hash.digest('hex').slice(0, 16);
};

const script = `guichet.${digest(read('guichet.js'), read('guichet.wasm'))}`;
const stylesheet = `guichet.${digest(read('guichet.css'))}.css`;
const renames = [
  ['guichet.js', `${script}.js`],
  ['guichet.wasm', `${script}.wasm`],
  ['guichet.css', stylesheet],
];

for (const [from, to] of renames) {
  renameSync(join(pkg, from), join(pkg, to));
  const bytes = read(to);
  writeFileSync(
    join(pkg, `${to}.br`),
    brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  );
  writeFileSync(join(pkg, `${to}.gz`), gzipSync(bytes, { level: 9 }));
}

writeFileSync(join(site, 'assets.json'), `${JSON.stringify({ script, stylesheet }, null, 2)}\n`);
for (const [, to] of renames) {
  const size = (name) => `${(readFileSync(join(pkg, name)).length / 1024).toFixed(0)} Kio`;
  console.log(`  ${to}: ${size(to)}, brotli ${size(`${to}.br`)}, gzip ${size(`${to}.gz`)}`);
}
