// Flash bytes per object after --gc-sections, from the linker map, grouped as core / port /
// crypto / package checks / libc. `node size_report.mjs build/rc/bootloader.map`
import { readFileSync } from 'node:fs';

const map = readFileSync(process.argv[2], 'utf8').split('\n');
const bytes = new Map();
for (let i = 0; i < map.length; i++) {
  // " .text.name  0xADDR  0xSIZE  file" (long section names wrap onto the next line)
  let m = map[i].match(/^ \.(?:text|rodata|data|isr_vector)\S*\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)/);
  if (!m && /^ \.(?:text|rodata|data|isr_vector)\S*\s*$/.test(map[i]))
    m = (map[i + 1] ?? '').match(/^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)/);
  if (!m || parseInt(m[1], 16) === 0) continue;
  const file = m[3].replace(/.*\//, '').replace(/^.*\((.*)\)$/, '$1');
  bytes.set(file, (bytes.get(file) ?? 0) + parseInt(m[2], 16));
}
const groups = {
  crypto: ['sha256.o', 'sha512.o', 'ed25519.o'],
  core: ['frame.o', 'journal.o', 'verify.o', 'boot.o', 'proto.o'],
  'package checks': ['mota_package.o'],
  port: ['startup.o', 'flash.o', 'main.o'],
};
const used = new Set();
const line = (name, files) => {
  const n = files.reduce((a, f) => a + (bytes.get(f) ?? 0), 0);
  files.forEach((f) => used.add(f));
  return `${name} ${n}`;
};
const parts = Object.entries(groups).map(([g, f]) => line(g, f));
const rest = [...bytes.keys()].filter((f) => !used.has(f));
parts.push(line('libc/libgcc', rest));
console.log(`  by part (bytes): ${parts.join(', ')}`);
