/**
 * protocol/link: the host side of the UART (SPEC §3, §5). The CLI and the update server
 * use this API; they hold no protocol logic of their own.
 *
 *   const link = await Link.open('/dev/ttyUSB0', { baudRate: 115200 });
 *   const result = await push(link, packageBytes, { onProgress: (e) => ... });
 *   await link.close();
 */
export { Demux, decodePlotValue, isTextByte, MAX_LINE_BYTES, type DemuxOptions, type DemuxStats, type FrameRecogniser, type FrameUnit, type LinkUnit, type PlotUnit, type TextUnit } from './demux.ts';
export { DEFAULT_BAUD, discoverPorts, memoryPipe, memoryTransport, openSerial, validateBaud, type PortCandidate, type Transport } from './transport.ts';
export { Link, type LinkOptions } from './link.ts';
export { Client, DeviceError, type ClientOptions, type UploadProgress } from './client.ts';
export {
  confirm, info, push, reboot, rollback, runningModel, slotView,
  type AppBoot, type ChangeResult, type DeviceOptions, type PushEvent, type PushOptions, type PushResult, type SlotView,
} from './device.ts';
export { parseReport, ReportCollector, summarizeReport, type BootReport } from './report.ts';
export { MODE_APP, MODE_BOOTLOADER, SlotState, Timing, slotLetter, type InfoPayload, type SlotRecord } from './frames.ts';
