const count = (n: number) => Math.round(n).toLocaleString("en-US");

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `40,000 / 100,000 events (40%) · 12,345 events/s · ETA 5 s`: one TTY status line. */
export function formatProgress(p: { events: number; total: number; elapsedMs: number }): string {
  const rate = p.elapsedMs > 0 ? (p.events * 1000) / p.elapsedMs : 0;
  const percent = p.total > 0 ? Math.floor((p.events * 100) / p.total) : 100;
  const eta = rate > 0 ? Math.max(0, p.total - p.events) / rate : Number.POSITIVE_INFINITY;
  return `${count(p.events)} / ${count(p.total)} events (${percent}%) · ${count(rate)} events/s · ETA ${p.events >= p.total ? "0 s" : duration(eta)}`;
}

/** Shows progress on a terminal (one line, redrawn); prints nothing when the output is a pipe or a file. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr) {
  const started = performance.now();
  let shown = false;
  return {
    update(p: { events: number; total: number }) {
      if (!stream.isTTY) return;
      stream.write(`\r\x1b[2K${formatProgress({ ...p, elapsedMs: performance.now() - started })}`);
      shown = true;
    },
    done() {
      if (shown) stream.write("\n");
    },
  };
}
