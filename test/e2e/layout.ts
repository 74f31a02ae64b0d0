/**
 * Layout checked from the page itself, not only looked at: nothing wider than the window, no content
 * cut off by a box that hides its overflow (deliberate one-line truncation with "…" aside), no control
 * pushed out of sight, and text sizes. The code runs in Chromium through `evaluate`; the Node programs
 * here have no DOM lib, so it is typed against the few members it uses.
 */
import type { Page } from 'playwright-core';

interface Box {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly width: number;
  readonly height: number;
}

interface Style {
  readonly overflowX: string;
  readonly overflowY: string;
  readonly textOverflow: string;
  readonly visibility: string;
  readonly display: string;
  readonly position: string;
  readonly fontSize: string;
}

interface Node {
  readonly nodeType: number;
  readonly textContent: string | null;
}

interface El extends Node {
  readonly tagName: string;
  readonly id: string;
  readonly className: unknown;
  readonly parentElement: El | null;
  readonly childNodes: Iterable<Node>;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  getBoundingClientRect(): Box;
  getAttribute(name: string): string | null;
  closest(selectors: string): El | null;
  matches(selectors: string): boolean;
}

interface PageGlobal {
  readonly innerWidth: number;
  readonly innerHeight: number;
  readonly document: {
    readonly documentElement: El;
    querySelectorAll(selectors: string): Iterable<El>;
  };
  getComputedStyle(element: El): Style;
}

export interface LayoutCheck {
  /** Content cut off by a box that hides its overflow, by how many pixels. */
  clipped: string[];
  /** The page scrolls sideways: something is wider than the window. */
  pageOverflow: number;
  /** Boxes that scroll sideways though they are not meant to (only tables and the matrix may). */
  sideways: string[];
  /** Buttons, fields and tabs whose box is (partly) outside the window or hidden by a clipping ancestor. */
  outOfSight: string[];
  /** Text smaller than 12 px, and reading text (paragraphs, cells, labels, controls) smaller than 13 px. */
  tinyText: string[];
  smallBodyText: string[];
}

/**
 * Elements that clip on purpose: a zoomed image in its stage, the screen-reader-only text, and a wide
 * table's header, which follows its body's sideways scroll.
 */
const CLIPS_BY_DESIGN = ['.visually-hidden', '.stage', '.thead'];

/** Parts another helper owns (the catalog panel and commit controls), checked when they change. */
const NOT_CHECKED = ['[data-testid="catalog-panel"]', '.commit-controls'];

/** Boxes meant to scroll sideways: wide tables, the confusion matrix, the table list. */
const SIDEWAYS_BY_DESIGN = ['.tbody', '.thead', '.confusion-scroll', '.disagreement-scroll', '.table-list'];

/** Small print by design: keys, chips, badges, the ".small" notes, uppercase section captions. */
const SMALL_PRINT = [
  'kbd',
  '.chip',
  '.badge',
  '.small',
  '.kind',
  '.count',
  '.panel-title',
  'h3',
  '.sort-mark',
];

export async function checkLayout(page: Page): Promise<LayoutCheck> {
  return page.evaluate(
    ({ clipsByDesign, notChecked, smallPrint, sidewaysByDesign }) => {
      const view = globalThis as unknown as PageGlobal;
      const { document } = view;
      const describe = (element: El): string => {
        const testId = element.getAttribute('data-testid');
        const classes =
          typeof element.className === 'string' ? element.className.trim().split(/\s+/).join('.') : '';
        return `${element.tagName.toLowerCase()}${testId ? `[data-testid="${testId}"]` : ''}${classes ? `.${classes}` : ''}`;
      };
      const shown = (element: El): boolean => {
        const style = view.getComputedStyle(element);
        const box = element.getBoundingClientRect();
        return style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0 && box.height > 0;
      };
      const skipped = (element: El) =>
        notChecked.some((selector) => element.closest(selector) !== null) ||
        clipsByDesign.some((selector) => element.closest(selector) !== null);
      const all = [...document.querySelectorAll('body *')].filter(
        (element) => !skipped(element) && shown(element),
      );

      const sideways: string[] = [];
      for (const element of all) {
        const style = view.getComputedStyle(element);
        if (!/auto|scroll/.test(style.overflowX) || element.scrollWidth - element.clientWidth <= 1) continue;
        if (!sidewaysByDesign.some((selector) => element.closest(selector) !== null))
          sideways.push(`${describe(element)} by ${element.scrollWidth - element.clientWidth} px`);
      }

      const clipped: string[] = [];
      for (const element of all) {
        // The screen-reader-only pattern: a 1 px box that hides its text on purpose.
        const box = element.getBoundingClientRect();
        if (box.width <= 1 && box.height <= 1) continue;
        const style = view.getComputedStyle(element);
        const hides = (value: string) => value === 'hidden' || value === 'clip';
        if (style.textOverflow === 'ellipsis') continue;
        const wide = hides(style.overflowX) ? element.scrollWidth - element.clientWidth : 0;
        const tall = hides(style.overflowY) ? element.scrollHeight - element.clientHeight : 0;
        if (wide > 1 || tall > 1) clipped.push(`${describe(element)} by ${Math.max(wide, tall)} px`);
      }

      // A control outside the window is out of sight unless a scrolling box holds it (scrolling reaches it).
      const scrolls = (element: El): boolean => {
        for (let box = element.parentElement; box; box = box.parentElement) {
          const style = view.getComputedStyle(box);
          if (/auto|scroll/.test(style.overflowX + style.overflowY)) return true;
        }
        return false;
      };
      const outOfSight: string[] = [];
      for (const control of all.filter((element) =>
        element.matches('button, input:not([type="file"]), select, summary, [role="tab"], a[href]'),
      )) {
        const box = control.getBoundingClientRect();
        const outside =
          box.left < -1 ||
          box.right > view.innerWidth + 1 ||
          box.top < -1 ||
          box.bottom > view.innerHeight + 1;
        if (outside && !scrolls(control))
          outOfSight.push(`${describe(control)} at ${Math.round(box.left)},${Math.round(box.top)}`);
      }

      const tinyText: string[] = [];
      const smallBodyText: string[] = [];
      for (const element of all) {
        const ownText = [...element.childNodes].some(
          (node) => node.nodeType === 3 && (node.textContent ?? '').trim() !== '',
        );
        if (!ownText) continue;
        const size = parseFloat(view.getComputedStyle(element).fontSize);
        if (size < 12) tinyText.push(`${describe(element)} ${size}px`);
        else if (size < 13 && !smallPrint.some((selector) => element.closest(selector) !== null))
          smallBodyText.push(
            `${describe(element)} ${size}px "${(element.textContent ?? '').trim().slice(0, 30)}"`,
          );
      }
      const root = document.documentElement;
      return {
        clipped,
        pageOverflow: Math.max(0, root.scrollWidth - root.clientWidth),
        sideways,
        outOfSight,
        tinyText,
        smallBodyText,
      };
    },
    {
      clipsByDesign: CLIPS_BY_DESIGN,
      notChecked: NOT_CHECKED,
      smallPrint: SMALL_PRINT,
      sidewaysByDesign: SIDEWAYS_BY_DESIGN,
    },
  );
}

/** How many lines the controls of the label toolbar's rows take (children grouped by their vertical centre). */
export async function toolbarLines(page: Page, testId: string): Promise<number> {
  const centres = await page.getByTestId(testId).evaluate((bar) => {
    const rows = (
      bar as unknown as { querySelectorAll(selectors: string): Iterable<{ children: Iterable<El> }> }
    ).querySelectorAll(':scope > .label-bar-row');
    const found: number[] = [];
    for (const row of rows)
      for (const child of row.children) {
        const box = child.getBoundingClientRect();
        if (box.width > 0 && box.height > 0) found.push(box.top + box.height / 2);
      }
    return found;
  });
  const sorted = [...centres].sort((a, b) => a - b);
  return sorted.filter((centre, index) => index === 0 || centre - sorted[index - 1]! > 10).length;
}
