// The baseline of bench/wine-launch.bench.ts, run by a Windows node.exe under Wine: a bare named-pipe
// server that frames exactly as the launch pipe does (4-byte length + JSON, one exchange per
// connection) and answers every request at once, with no decoding, handler, audit or session look-up.
//   node wine-raw-pipe.cjs <pipe path>
import net from 'node:net';
import { FrameReader, encodeFrame } from '../../daemon/src/platform/launch-protocol.js';

const path = process.argv[2] as string;
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  const reader = new FrameReader();
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    if (reader.push(chunk)) socket.end(encodeFrame({ v: 1, ok: true }));
  });
});
server.listen(path, () => console.log(`listening ${path}`));
