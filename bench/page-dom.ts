/**
 * The few DOM members that code run in Chromium through playwright's `evaluate` uses. The Node
 * programs of this repository have no DOM lib (adding it would retype `fetch` and streams for main/),
 * so that code is typed against these instead and reaches the window through an element it is given.
 */
export interface DomRect {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

export interface DomWindow {
  requestAnimationFrame(callback: (time: number) => void): number;
  readonly performance: {
    /** Milliseconds since the epoch at which the page's clock started. */
    readonly timeOrigin: number;
    now(): number;
    getEntriesByType(type: 'resource'): readonly { name: string; startTime: number; responseEnd: number }[];
  };
}

export interface DomDocument {
  readonly defaultView: DomWindow | null;
  querySelector(selectors: string): DomElement | null;
}

export interface DomElement {
  readonly classList: { contains(token: string): boolean };
  readonly dataset: Record<string, string | undefined>;
  readonly id: string;
  readonly textContent: string | null;
  readonly clientHeight: number;
  readonly scrollHeight: number;
  scrollTop: number;
  readonly ownerDocument: DomDocument;
  getBoundingClientRect(): DomRect;
  getAttribute(name: string): string | null;
  matches(selectors: string): boolean;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): Iterable<DomElement>;
}

export interface DomImage extends DomElement {
  readonly naturalWidth: number;
  readonly src: string;
  /** Loaded (or failed): its bytes are in. */
  readonly complete: boolean;
  /** Resolves once the image is decoded and can be painted without waiting. */
  decode(): Promise<void>;
}
