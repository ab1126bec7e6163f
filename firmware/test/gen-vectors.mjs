// Turns protocol/vectors/packages/manifest.json into lines the C host test reads:
//   <file> <capacity> <expected error number, 0 = ok>
// Usage: node gen-vectors.mjs MANIFEST > vectors.txt
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(process.argv[2], 'utf8'));
if (!Array.isArray(manifest.vectors) || manifest.vectors.length === 0) {
  console.error('gen-vectors: manifest has no vectors');
  process.exit(1);
}
for (const v of manifest.vectors) {
  const num = v.expect === 'ok' ? 0 : v.expect.num;
  if (!/^[A-Za-z0-9._-]+$/.test(v.file) || !Number.isInteger(v.capacity) || !Number.isInteger(num)) {
    console.error(`gen-vectors: malformed entry ${JSON.stringify(v)}`);
    process.exit(1);
  }
  console.log(`${v.file} ${v.capacity} ${num}`);
}
