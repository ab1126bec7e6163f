import type { Command } from 'commander';
import { register as model } from './model.ts';

/** Each subcommand module exports a `register(program)`; list them here in help order. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [model];
