import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

/** Writes a new file (mode 0600) and fsyncs it, so that once it is linked into place it survives a crash. */
export function writeDurably(path: string, text: string): void {
  const fd = openSync(path, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
