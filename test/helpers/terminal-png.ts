// Renders terminal text the way a terminal draws it, as a grayscale PNG: each character cell is
// `cell` pixels wide and 2 × `cell` tall, the glyphs ▀ ▄ █ fill their halves in the foreground
// colour, space shows the background. SGR 30/107 (black on bright white) and 0 (reset) are honoured,
// so a screenshot of a light or a dark theme can be fed to a real QR scanner (zbarimg).
import zlib from 'node:zlib';

export interface Theme {
  /** 0 black … 255 white */
  fg: number;
  bg: number;
}

export const lightTheme: Theme = { fg: 30, bg: 250 };
export const darkTheme: Theme = { fg: 220, bg: 20 };

interface Cell {
  ch: string;
  fg: number;
  bg: number;
}

function parse(text: string, theme: Theme): Cell[][] {
  return text.split('\n').map((line) => {
    const cells: Cell[] = [];
    let { fg, bg } = theme;
    for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
      const sgr = /^\x1b\[([0-9;]*)m$/.exec(part);
      if (sgr) {
        for (const code of (sgr[1] || '0').split(';').map(Number)) {
          if (code === 0) [fg, bg] = [theme.fg, theme.bg];
          else if (code === 30) fg = 0;
          else if (code === 107 || code === 47) bg = 255;
        }
        continue;
      }
      for (const ch of part) cells.push({ ch, fg, bg });
    }
    return cells;
  });
}

export function terminalPng(text: string, theme: Theme, cell = 4, padding = 24): Buffer {
  const rows = parse(text, theme);
  const cols = Math.max(...rows.map((r) => r.length));
  const width = cols * cell + 2 * padding;
  const height = rows.length * cell * 2 + 2 * padding;
  const pixels = Buffer.alloc(width * height, theme.bg);
  rows.forEach((row, r) =>
    row.forEach(({ ch, fg, bg }, c) => {
      for (let half = 0; half < 2; half += 1) {
        const on = ch === '█' || (ch === '▀' && half === 0) || (ch === '▄' && half === 1);
        for (let y = 0; y < cell; y += 1) {
          const py = padding + r * cell * 2 + half * cell + y;
          pixels.fill(on ? fg : bg, py * width + padding + c * cell, py * width + padding + (c + 1) * cell);
        }
      }
    }),
  );
  return png(width, height, pixels);
}

function png(width: number, height: number, gray: Buffer): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y += 1) gray.copy(raw, y * (width + 1) + 1, y * width, (y + 1) * width);
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
