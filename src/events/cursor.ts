/**
 * A place in the log's commit order: the writing transaction's id (xid8, as decimal text), then the
 * position. Every transaction still running, and every one yet to start, has an id at or above the
 * snapshot's xmin, so reading in this order up to xmin never skips an event that commits later.
 */
export interface Cursor {
  xid: string;
  position: number;
}

export const START: Cursor = { xid: "0", position: 0 };

export function compareCursors(a: Cursor, b: Cursor): number {
  const x = BigInt(a.xid) - BigInt(b.xid);
  if (x !== 0n) return x < 0n ? -1 : 1;
  return a.position - b.position;
}
