import type { Command } from 'commander';
import { writeKeyPair } from '../../protocol/index.ts';

/** `mota keygen --out PREFIX`: a new Ed25519 signing key pair. */
export function register(program: Command): void {
  program
    .command('keygen')
    .description('create an Ed25519 signing key pair: PREFIX.key (private, mode 0600) and PREFIX.pub')
    .requiredOption('--out <prefix>', 'path prefix of the two files, e.g. keys/release')
    .action((opts: { out: string }) => {
      const { keyPath, pubPath, pair } = writeKeyPair(opts.out);
      process.stdout.write(
        `wrote ${keyPath} (private key, keep it secret) and ${pubPath} (public key)\n` +
          `key id ${pair.trusted.keyIdHex}\n`,
      );
    });
}
