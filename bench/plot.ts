/**
 * The scale plot of the README: time and memory against the number of images, both axes logarithmic
 * (a straight line of slope 1 is linear growth), drawn as a plain SVG from a run's growth data.
 */
import fs from 'node:fs';
import type { Growth } from './scales.js';

interface Series {
  figure: string;
  /** Legend of the figure's value and of its peer's; null leaves that line out. */
  label: string | null;
  peerLabel: string | null;
}

const TIME: Series[] = [
  { figure: 'bag-import.seconds', label: 'import (Satchel)', peerLabel: 'import (sqlite3 CLI, fair peer)' },
  { figure: 'bag-import.seconds.plain', label: null, peerLabel: 'import (sqlite3 .import, plain peer)' },
  {
    figure: 'bag-verify.seconds',
    label: 'verify holey bag (Satchel)',
    peerLabel: 'verify (md5sum + sha256sum -c)',
  },
  { figure: 'open-to-paint.cold', label: 'cold open to first paint', peerLabel: null },
  { figure: 'open-to-paint.warm', label: 'warm open to first paint', peerLabel: null },
];
const MEMORY: Series[] = [
  { figure: 'memory.pss', label: 'server + page PSS, grid scrolled', peerLabel: null },
  { figure: 'bag-import.peak-rss', label: 'importer peak RSS', peerLabel: null },
];
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

interface Line {
  label: string;
  dashed: boolean;
  color: string;
  points: { x: number; y: number }[];
}

function linesOf(
  growth: readonly Growth[],
  series: readonly Series[],
  toUnit: (unit: string, value: number) => number,
): Line[] {
  const lines: Line[] = [];
  series.forEach((spec, index) => {
    const entry = growth.find((candidate) => candidate.name === spec.figure);
    if (!entry) return;
    const color = COLORS[index % COLORS.length]!;
    for (const [label, dashed, pick] of [
      [spec.label, false, (point: Growth['points'][number]) => point.value],
      [spec.peerLabel, true, (point: Growth['points'][number]) => point.peerValue],
    ] as const) {
      if (!label) continue;
      const points = entry.points
        .filter((point) => (pick(point) ?? 0) > 0)
        .map((point) => ({ x: point.images, y: toUnit(entry.unit, pick(point)!) }));
      if (points.length >= 2) lines.push({ label, dashed, color, points });
    }
  });
  return lines;
}

const seconds = (unit: string, value: number): number => (unit === 'ms' ? value / 1000 : value);
const megabytes = (_unit: string, value: number): number => value;

const PANEL = { width: 470, height: 300, left: 62, top: 40 };

function decades(low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power++)
    ticks.push(10 ** power);
  return ticks;
}

function formatTick(value: number): string {
  if (value >= 1e6) return `${value / 1e6}M`;
  if (value >= 1e3) return `${value / 1e3}k`;
  return String(value);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panel(lines: readonly Line[], title: string, yLabel: string, offsetX: number): string {
  const xs = lines.flatMap((line) => line.points.map((point) => point.x));
  const ys = lines.flatMap((line) => line.points.map((point) => point.y));
  const xTicks = decades(Math.min(...xs), Math.max(...xs));
  const yTicks = decades(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [Math.log10(xTicks[0]!), Math.log10(xTicks.at(-1)!)];
  const [y0, y1] = [Math.log10(yTicks[0]!), Math.log10(yTicks.at(-1)!)];
  const left = offsetX + PANEL.left;
  const x = (value: number) => left + ((Math.log10(value) - x0) / (x1 - x0 || 1)) * PANEL.width;
  const y = (value: number) =>
    PANEL.top + PANEL.height - ((Math.log10(value) - y0) / (y1 - y0 || 1)) * PANEL.height;
  const out: string[] = [
    `<text x="${left + PANEL.width / 2}" y="22" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
    `<rect x="${left}" y="${PANEL.top}" width="${PANEL.width}" height="${PANEL.height}" fill="none" stroke="#999"/>`,
  ];
  for (const tick of xTicks) {
    out.push(
      `<line x1="${x(tick)}" y1="${PANEL.top}" x2="${x(tick)}" y2="${PANEL.top + PANEL.height}" stroke="#eee"/>`,
    );
    out.push(
      `<text x="${x(tick)}" y="${PANEL.top + PANEL.height + 16}" text-anchor="middle">${formatTick(tick)}</text>`,
    );
  }
  for (const tick of yTicks) {
    out.push(`<line x1="${left}" y1="${y(tick)}" x2="${left + PANEL.width}" y2="${y(tick)}" stroke="#eee"/>`);
    out.push(`<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${formatTick(tick)}</text>`);
  }
  out.push(
    `<text x="${left + PANEL.width / 2}" y="${PANEL.top + PANEL.height + 34}" text-anchor="middle">images in the bag</text>`,
    `<text transform="translate(${offsetX + 16} ${PANEL.top + PANEL.height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  lines.forEach((line, index) => {
    const path = line.points.map((point) => `${x(point.x).toFixed(1)},${y(point.y).toFixed(1)}`).join(' ');
    const dash = line.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline points="${path}" fill="none" stroke="${line.color}" stroke-width="2"${dash}/>`);
    for (const point of line.points)
      out.push(
        `<circle cx="${x(point.x).toFixed(1)}" cy="${y(point.y).toFixed(1)}" r="3" fill="${line.color}"/>`,
      );
    const legendY = PANEL.top + PANEL.height + 56 + index * 18;
    out.push(
      `<line x1="${left}" y1="${legendY - 4}" x2="${left + 28}" y2="${legendY - 4}" stroke="${line.color}" stroke-width="2"${dash}/>`,
      `<text x="${left + 36}" y="${legendY}">${escapeXml(line.label)}</text>`,
    );
  });
  return out.join('\n');
}

/** Writes the plot to `file`; false (nothing written) when no figure was measured at two scales. */
export function writeScalePlot(growth: readonly Growth[], file: string, date: string): boolean {
  const time = linesOf(growth, TIME, seconds);
  const memory = linesOf(growth, MEMORY, megabytes);
  if (time.length === 0 && memory.length === 0) return false;
  const legendRows = Math.max(time.length, memory.length);
  const width = 2 * (PANEL.left + PANEL.width) + 80;
  const height = PANEL.top + PANEL.height + 64 + legendRows * 18;
  const panels = [
    time.length > 0 ? panel(time, 'Time against bag size', 'seconds', 0) : '',
    memory.length > 0 ? panel(memory, 'Memory against bag size', 'MB', PANEL.left + PANEL.width + 40) : '',
  ];
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>Satchel benchmarks against bag size (${escapeXml(date)}); both axes logarithmic</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...panels,
    '</svg>',
  ].join('\n');
  fs.writeFileSync(file, svg + '\n');
  return true;
}
