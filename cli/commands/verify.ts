import { type Command, Option } from 'commander';
import {
  FILE_CAPACITY, formatVersion, layouts, readInputFile, readPublicKeyFile, verifyPackage, type Board,
} from '../../protocol/index.ts';

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `mota verify PKG --pub K.pub`: every check of SPEC §1.6; exit 0 only for a package to install. */
export function register(program: Command): void {
  program
    .command('verify')
    .description('check a package: structure, CRCs, SHA-256 and Ed25519 signature against trusted public keys')
    .argument('<package>', '.mota package file')
    .requiredOption('--pub <file>', 'trusted public key (.pub); repeat for several', collect)
    .addOption(new Option('--board <board>', 'also check it fits this board\'s model slot (default: any file up to 1 MiB)').choices(['rc', 'c8']))
    .action((file: string, opts: { pub: string[]; board?: Board }) => {
      const trustedKeys = opts.pub.map(readPublicKeyFile);
      const capacity = opts.board ? layouts[opts.board].slotSize : FILE_CAPACITY;
      const pkg = verifyPackage(readInputFile(file, 'a .mota package'), { capacity, trustedKeys });
      const h = pkg.header;
      process.stdout.write(
        `OK ${file}: ${h.name} ${formatVersion(h.version)}, ${h.imageSize} bytes, signed by key ${pkg.signer?.keyIdHex} (${pkg.signer?.source})` +
          `${opts.board ? `, fits the ${layouts[opts.board].chip} slot` : ''}\n`,
      );
    });
}
