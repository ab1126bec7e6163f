import type { Command } from 'commander';
import { register as model } from './model.ts';
import { register as keygen } from './keygen.ts';
import { register as packageCmd } from './package.ts';
import { register as verify } from './verify.ts';
import { register as inspect } from './inspect.ts';
import { register as push } from './push.ts';
import { register as info } from './info.ts';
import { register as devices } from './devices.ts';
import { register as monitor } from './monitor.ts';
import { register as rollback } from './rollback.ts';
import { register as confirm } from './confirm.ts';
import { register as reboot } from './reboot.ts';
import { register as sim } from './sim.ts';
import { register as demo } from './demo.ts';

/** Each subcommand module exports a `register(program)`; list them here in help order. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [model, keygen, packageCmd, verify, inspect, push, info, devices, monitor, rollback, confirm, reboot, sim, demo];
