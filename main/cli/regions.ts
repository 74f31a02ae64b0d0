import { writeCoco } from '../core/regions/index.js';
import { requireOption, selectorOption, withBag } from './args.js';
import { printJson } from './output.js';

/**
 * `satchel export BAG --coco OUT.json --feature T/F [--selector S] [--dataset RID]`: the regions of a
 * dataset's asset-valued feature as one COCO file (the ImageFolder export keeps its own options).
 */
export async function exportCocoCommand(args: string[]): Promise<number> {
  const { values, bag } = await withBag(args, {
    coco: { type: 'string' },
    feature: { type: 'string' },
    selector: { type: 'string' },
    dataset: { type: 'string' },
  });
  try {
    const summary = writeCoco(bag, requireOption(values.coco, '--coco'), {
      feature: requireOption(values.feature, '--feature'),
      selector: selectorOption(values.selector as string | undefined),
      datasetRid: values.dataset as string | undefined,
    });
    printJson(summary);
    return 0;
  } finally {
    bag.close();
  }
}
