/** The virtual STM32F103: see sim/README.md. */
export { Board, CHIPS, RAM_BASE } from './board.ts';
export type { BoardOptions, ChipName, CutOptions, RunOptions, RunResult, StopReason, BoardEvents } from './board.ts';
export type { ResetCause } from './peripherals/context.ts';
export type { FlashOp, FlashTiming } from './peripherals/flash.ts';
export { BUILD_DIR as SIM_BUILD_DIR, ensureBuilt } from './native.ts';
