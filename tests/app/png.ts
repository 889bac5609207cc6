// A tiny PNG decoder for the app test's screenshot checks (8-bit RGB/RGBA, non-interlaced).
import { inflateSync } from 'node:zlib';

/** Decoded pixels, 4 bytes (RGBA) per pixel. */
export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes what Chromium's screenshots produce: bit depth 8, color type 2 (RGB) or 6 (RGBA). */
export function decodePng(buf: Uint8Array): DecodedPng {
  SIGNATURE.forEach((b, i) => {
    if (buf[i] !== b) throw new Error('not a PNG file');
  });
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Uint8Array[] = [];
  while (off < buf.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...buf.subarray(off + 4, off + 8));
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(off + 8);
      height = view.getUint32(off + 12);
      const depth = data[8];
      colorType = data[9] as number;
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || data[12] !== 0) throw new Error(`unsupported PNG: depth ${depth}, color type ${colorType}, interlace ${data[12]}`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const bpp = colorType === 6 ? 4 : 3;
  const stride = width * bpp;
  const cur = new Uint8Array(stride);
  const prev = new Uint8Array(stride);
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? (cur[i - bpp] as number) : 0;
      const b = prev[i] as number;
      const c = i >= bpp ? (prev[i - bpp] as number) : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = ((line[i] as number) + pred) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      rgba[o] = cur[x * bpp] as number;
      rgba[o + 1] = cur[x * bpp + 1] as number;
      rgba[o + 2] = cur[x * bpp + 2] as number;
      rgba[o + 3] = bpp === 4 ? (cur[x * bpp + 3] as number) : 255;
    }
    prev.set(cur);
  }
  return { width, height, rgba };
}

/** Distinct colors and the standard deviation of luma over all pixels. */
export function pixelStats(img: DecodedPng): { colors: number; lumaStd: number } {
  const seen = new Set<number>();
  let s = 0;
  let s2 = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const r = img.rgba[4 * i] as number;
    const g = img.rgba[4 * i + 1] as number;
    const b = img.rgba[4 * i + 2] as number;
    if (seen.size < 100_000) seen.add((r << 16) | (g << 8) | b);
    const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    s += l;
    s2 += l * l;
  }
  const mean = s / n;
  return { colors: seen.size, lumaStd: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}
