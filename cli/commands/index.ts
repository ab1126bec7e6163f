import type { Command } from 'commander';
import { register as model } from './model.ts';
import { register as keygen } from './keygen.ts';
import { register as packageCmd } from './package.ts';
import { register as verify } from './verify.ts';
import { register as inspect } from './inspect.ts';

/** Each subcommand module exports a `register(program)`; list them here in help order. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [model, keygen, packageCmd, verify, inspect];
