const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** A byte count for a sentence: `1023 bytes`, `1.5 KiB`, `256 MiB`, `4 GiB` (one decimal at most). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1).replace(/\.0$/, '')} ${UNITS[unit]}`;
}

/** A count for a sentence, with thousands separators: `1,000,000`. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
