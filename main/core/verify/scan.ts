/**
 * Reading tag files of 100k lines (manifests, fetch.txt) in place: lines and fields are found with
 * indexOf and checked character by character, and only the strings kept are cut out (as slices).
 */

const NEWLINE = '\n';
const RETURN = 0x0d;
const SLASH = 0x2f;
const DOT = 0x2e;
const SPACE = 0x20;

const LOWER_HEX = new Uint8Array(128);
for (const char of '0123456789abcdef') LOWER_HEX[char.charCodeAt(0)] = 1;

/** Characters of a plain path segment (common/paths.ts PLAIN_PATH): [A-Za-z0-9_.-], not starting with a dot. */
const SEGMENT = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-')
  SEGMENT[char.charCodeAt(0)] = 1;

/**
 * Calls `line(start, end, lineNumber)` for each line of `text`, as splitLines cuts them: at LF, a CR
 * before it left out; no call for the empty piece after a final newline.
 */
export function forEachLine(
  text: string,
  line: (start: number, end: number, lineNumber: number) => void,
): void {
  let lineNumber = 0;
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf(NEWLINE, start);
    const next = newline === -1 ? text.length : newline + 1;
    let end = newline === -1 ? text.length : newline;
    if (newline !== -1 && end > start && text.charCodeAt(end - 1) === RETURN) end -= 1;
    line(start, end, ++lineNumber);
    start = next;
  }
}

export function isLowerHex(text: string, start: number, end: number): boolean {
  if (end > text.length) return false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || LOWER_HEX[code] === 0) return false;
  }
  return true;
}

/** Whether text[start, end) is "  " (two spaces). */
export function isTwoSpaces(text: string, start: number): boolean {
  return text.charCodeAt(start) === SPACE && text.charCodeAt(start + 1) === SPACE;
}

/** Whether text[start, end) is a path common/paths.ts safeRelativePath returns unchanged (its PLAIN_PATH). */
export function isPlainPath(text: string, start: number, end: number): boolean {
  let segmentStart = true;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === SLASH) {
      if (segmentStart) return false;
      segmentStart = true;
      continue;
    }
    if (code >= 128 || SEGMENT[code] === 0 || (segmentStart && code === DOT)) return false;
    segmentStart = false;
  }
  return !segmentStart;
}

/** Whether the path text[start, end) lies under data/. */
export function isPayloadPath(text: string, start: number, end: number): boolean {
  return end - start > 5 && text.startsWith('data/', start);
}

/** Whether text[start, end) is `expected`. */
export function isAt(text: string, start: number, end: number, expected: string): boolean {
  return expected.length === end - start && text.startsWith(expected, start);
}
