/**
 * axe-core in the page: its source is injected with playwright-core's addScriptTag (the context must
 * bypass the app's CSP, which refuses inline scripts), then `axe.run` checks the document as it is on
 * screen. Tests assert that no violation is serious or critical.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string; html: string; summary: string }[];
}

/** Minimal view of the axe global the injected script defines. */
interface AxeGlobal {
  run(
    context: unknown,
    options: { resultTypes: string[] },
  ): Promise<{
    violations: {
      id: string;
      impact?: string | null;
      help: string;
      nodes: { target: unknown[]; html: string; failureSummary?: string }[];
    }[];
  }>;
}

/** The page's global object as this code sees it (the Node programs here have no DOM lib). */
interface PageGlobal {
  axe?: AxeGlobal;
  document: unknown;
}

/** Every violation axe finds on the page now, with the elements it names. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => (globalThis as unknown as PageGlobal).axe !== undefined);
  if (!loaded) await page.addScriptTag({ path: AXE_SOURCE });
  return page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as PageGlobal;
    const result = await axe!.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({
        target: node.target.map(String).join(' '),
        html: node.html.slice(0, 160),
        summary: node.failureSummary ?? '',
      })),
    }));
  });
}

/** The serious and critical violations, as readable lines (empty when there are none). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const violations = await axeViolations(page);
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) =>
      violation.nodes.map(
        (node) => `${violation.impact} ${violation.id} (${violation.help}): ${node.target} ${node.html}`,
      ),
    );
}
