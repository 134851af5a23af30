/**
 * The console's icon, drawn at build time as a 32×32 ICO (a 32-bit BMP inside, the form every browser
 * reads at /favicon.ico): a ring, for a lifecycle, on the console's accent blue.
 */
export function faviconIco(): Buffer {
  const size = 32;
  const pixels = Buffer.alloc(size * size * 4);
  const blue = [0xd9, 0x50, 0x09]; // #0950d9 as B, G, R
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [cx, cy] = [x + 0.5 - size / 2, y + 0.5 - size / 2];
      // A square with corners rounded at radius 7.
      const corner = Math.hypot(Math.max(Math.abs(cx) - 9, 0), Math.max(Math.abs(cy) - 9, 0));
      if (corner > 7) continue;
      const r = Math.hypot(cx, cy);
      const [b, g, red] = r >= 6 && r <= 10.5 && !(cx > 2 && Math.abs(cy) < 2.5) ? [0xff, 0xff, 0xff] : blue;
      // BMP rows run bottom-up.
      pixels.set([b, g, red, 0xff], ((size - 1 - y) * size + x) * 4);
    }
  }
  const header = Buffer.alloc(6 + 16 + 40);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // an icon
  header.writeUInt16LE(1, 4); // one image
  header.writeUInt8(size, 6);
  header.writeUInt8(size, 7);
  header.writeUInt16LE(1, 10); // planes
  header.writeUInt16LE(32, 12); // bits per pixel
  const mask = Buffer.alloc(size * (size / 8)); // the AND mask: all zero, the alpha channel decides
  header.writeUInt32LE(40 + pixels.length + mask.length, 14);
  header.writeUInt32LE(22, 18); // image offset
  header.writeUInt32LE(40, 22); // BITMAPINFOHEADER
  header.writeInt32LE(size, 26);
  header.writeInt32LE(size * 2, 30); // image and mask
  header.writeUInt16LE(1, 34);
  header.writeUInt16LE(32, 36);
  return Buffer.concat([header, pixels, mask]);
}
