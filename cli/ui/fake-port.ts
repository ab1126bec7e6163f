/**
 * For CLI tests: the in-memory §5 fake device behind a real pseudo-terminal, so the `mota`
 * child process opens it through serialport exactly as it opens /dev/ttyUSB0.
 */
import { Duplex } from 'node:stream';
import { FakeDevice, type FakeDeviceOptions } from '../../protocol/link/fake-device.ts';
import { PtyBridge } from '../../sim/pty.ts';

export interface FakePort {
  path: string;
  device: FakeDevice;
  close(): Promise<void>;
}

export async function openFakePort(options: FakeDeviceOptions): Promise<FakePort> {
  const device = new FakeDevice(options);
  let bridge: PtyBridge | undefined;
  const uart = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      bridge?.write(chunk);
      cb();
    },
  });
  bridge = await PtyBridge.open((bytes) => uart.push(Buffer.from(bytes)));
  device.attach(uart);
  device.powerOn();
  await new Promise((r) => setTimeout(r, 80)); // past the listen window: the app runs
  return {
    path: bridge.path,
    device,
    async close() {
      device.stop();
      await bridge?.close();
    },
  };
}
