// The receiver of bench/delivery.ts in a process of its own, so its work (parsing every request) is not
// counted as the server's: it answers 200 and tells, when asked, how many calls a path got and their lags
// (arrival minus the event's created_at).
import { startReceiver } from "../test/delivery/receiver.js";

const receiver = await startReceiver();
process.send!({ kind: "ready", base: receiver.url("") });
process.on("message", async (message: { kind: "stats"; path: string } | { kind: "close" }) => {
  if (message.kind === "close") {
    await receiver.close();
    process.exit(0);
  }
  const calls = receiver.at(message.path);
  process.send!({ kind: "stats", count: calls.length, lags: calls.map((r) => r.at - Date.parse(JSON.parse(r.body).created_at)) });
});
